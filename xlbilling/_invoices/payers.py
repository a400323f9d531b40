"""Who pays for a customer: itself, or the customer that bills it (a channel partner), so an invoice asked for
the wrong one can name the right one (``NotBillTo``)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from xlbilling._errors import NotBillTo


def check_billed_by(customers: pd.DataFrame, codes: Sequence[str]) -> None:
    """``NotBillTo`` naming who pays when any of ``codes`` is billed by another of Atria's ``customers`` (its
    ``billed_by`` names that customer): known from the customer list alone, before a period's lines are asked
    for. Customers billed by the MSP itself, or a list without ``billed_by``, pass."""
    if "billed_by" not in customers or customers.empty:
        return
    named = customers.drop_duplicates("customer_name", keep=False)  # a name two customers share names neither
    account = named["account_code"].fillna("").astype(str)
    accounts = dict(zip(named["customer_name"], account.where(account != "", named["customer_code"]), strict=True))
    payers: dict[str, tuple[str, str, str]] = {}
    for row in customers[customers["customer_code"].isin(codes)].itertuples(index=False):
        payer = str(row.billed_by or "")
        if payer and payer != row.customer_name and payer in accounts:
            payers[str(row.customer_code)] = (str(row.customer_name), payer, str(accounts[payer]))
    if payers:
        raise NotBillTo(list(payers), payers)


def not_billed_to(lines: pd.DataFrame, codes: Sequence[str]) -> NotBillTo:
    """The ``NotBillTo`` for ``codes`` that pay for none of a period's invoice ``lines``, naming who pays for
    their lines where they have some."""
    payers: dict[str, tuple[str, str, str]] = {}
    for code in codes:
        theirs = lines[(lines["customer_code"] == code) & lines["bill_to_code"].notna()]
        if len(theirs):
            line = theirs.iloc[0]
            account = line.get("bill_to_account_code") or line["bill_to_code"]
            payers[code] = (str(line["customer_name"]), str(line["bill_to_name"]), str(account))
    return NotBillTo(list(codes), payers)


__all__ = ["check_billed_by", "not_billed_to"]
