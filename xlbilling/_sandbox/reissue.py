"""Reissued Xarios invoices, and the ``ETag`` that tells one issue from another, so what a client keeps of an
invoice can be tested against a server that changes it.

``POST /_sandbox/reissue {"invoice_id": ..., "same_total": false}`` issues the invoice again with one licence
more (``same_total``: moved from another tenant, so the invoice's value stays the same). Every Get Invoice
answer carries an ``ETag`` naming the data set, the invoice's issue and the dialect spoken, and a request
whose ``If-None-Match`` names it is answered ``304 Not Modified`` without building the invoice, as a real
server may; the dialect's ``etags: false`` sends none, as many servers do.
"""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, Field

from xlbilling._sandbox.dataset import Dataset
from xlbilling._sandbox.dialects import Dialect
from xlbilling._sandbox.vendor import VendorInvoice


class Reissue(BaseModel):
    """The body of ``POST /_sandbox/reissue``."""

    invoice_id: str = Field(description="The invoice to issue again (INV-YYYYMM).")
    same_total: bool = Field(False, description="Move a licence between tenants: the invoice's value stays.")


def etag(dataset: Dataset, invoice: VendorInvoice, dialect: Dialect) -> str:
    """The ``ETag`` of ``invoice`` as served now: it changes with each reissue and with the dialect."""
    issue = (dataset.seed, dataset.customer_count, dataset.today, invoice.invoice_id,
             dataset.reissues.get(invoice.period.end, []), dialect.model_dump_json())  # fmt: skip
    return '"' + hashlib.sha256(repr(issue).encode()).hexdigest()[:32] + '"'


def unchanged(if_none_match: str | None, tag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``tag`` (weakly compared, as RFC 9110 says) or is ``*``."""
    named = [part.strip().removeprefix("W/") for part in (if_none_match or "").split(",")]
    return "*" in named or tag.removeprefix("W/") in named
