"""E-invoices per second against invoice workbooks per second, in one run (one process, the same invoices).

``benchmarks/reports.py``'s synthetic period (Bill To customers with about 25 lines each) is priced once;
then each invoice is written as a workbook (xlbilling's template filler, the baseline), and as a checked
EN 16931 document in both syntaxes (the Peppol UBL and the CII a Factur-X PDF carries). Printing and
embedding the Factur-X PDF are LibreOffice's and factur-x's time, not measured here.

Run: .venv/bin/python benchmarks/einvoices.py [--customers 200]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.reports import PERIOD, PRICES, frames
from xlbilling._config.seller import SAMPLE_SELLER
from xlbilling._einvoice.check import check
from xlbilling._einvoice.cii import to_cii
from xlbilling._einvoice.document import document
from xlbilling._einvoice.ubl import to_ubl
from xlbilling._inputs.register import Buyer, Register
from xlbilling._invoice import Invoice
from xlbilling._invoices import default_template
from xlbilling._invoices.pricing import Invoices
from xlbilling._invoices.render import render
from xlbilling._invoices.template import load_template
from xlbilling._sandbox.register import gln


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200)
    customers = parser.parse_args().customers
    priced = Invoices(PERIOD, *frames(customers), PRICES)
    made = [priced.make(code) for code in priced.codes]
    invoices = [replace(one, seller=SAMPLE_SELLER) for one in made if isinstance(one, Invoice)]
    assert len(invoices) == customers
    register = Register("benchmark", {
        f"ACC{n:04d}": Buyer(f"ACC{n:04d}", vat_id="GB999999973", electronic_address=gln(f"50{n:010d}"),
                             electronic_address_scheme="0088", buyer_reference=f"REF{n}", country="GB")
        for n in range(customers)
    })  # fmt: skip
    template = load_template(default_template())

    started = time.perf_counter()
    size = sum(len(render(template, invoice)) for invoice in invoices)
    workbooks = len(invoices) / (time.perf_counter() - started)

    started = time.perf_counter()
    for invoice in invoices:
        account = invoice.bill_to.account_code
        doc = document(invoice, register.buyers[account])
        check(doc, SAMPLE_SELLER, account, register)
        size += len(to_ubl(doc)) + len(to_cii(doc))
    einvoices = len(invoices) / (time.perf_counter() - started)

    print(f"{len(invoices)} invoices, {Path(default_template()).name} template, {size / 1e6:.1f} MB written in memory")
    print(f"workbooks:  {workbooks:8.1f} per second (render only, one process)")
    print(f"e-invoices: {einvoices:8.1f} per second (EN 16931 document, checks, UBL and CII)")
    print(f"ratio: e-invoices are {einvoices / workbooks:.1f}x as fast as invoice workbooks")


if __name__ == "__main__":
    main()
