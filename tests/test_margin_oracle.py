"""The margin and every period's reconciliation, to the last digit, as main computed them before issue 25 (each
purchase item compared one by one): ``tests/data/margin-oracle.json``, frozen by ``tests/freeze_oracle.py``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.freeze_oracle import DATA, reconciliation, table
from xlbilling._apis.atria import Atria
from xlbilling._apis.xarios import Xarios
from xlbilling._inputs.mapping import load_mapping
from xlbilling._inputs.prices import load_prices
from xlbilling._margin.run import choose_periods, margin
from xlbilling._reconcile.period import reconcile_period
from xlbilling._reconcile.result import NothingCompared

ORACLE = orjson.loads((Path(__file__).parent / "data" / "margin-oracle.json").read_bytes())
MAPPING, PRICES = load_mapping(DATA / "product-map.csv"), load_prices(DATA / "prices.csv")


def same_rows(found: dict[str, Any], frozen: dict[str, Any], what: str) -> None:
    assert (found["columns"], found["types"]) == (frozen["columns"], frozen["types"]), what
    for number, (row, kept) in enumerate(zip(found["rows"], frozen["rows"], strict=False)):
        assert row == kept, f"{what}, row {number}"
    assert len(found["rows"]) == len(frozen["rows"]), what


def test_the_margin_of_twelve_periods_is_mains_to_the_last_digit(atria: Atria, xarios: Xarios) -> None:
    periods = choose_periods(atria.period_list(), None, None).periods
    found = margin(atria, xarios, periods, mapping=MAPPING, prices=PRICES)
    same_rows(table(found.detail), ORACLE["margin"], "margin")


@pytest.mark.parametrize("key", sorted(ORACLE["reconcile"]))
def test_each_periods_reconciliation_is_mains(key: str, atria: Atria, xarios: Xarios) -> None:
    end, invoice = key.split()
    period = next(p for p in atria.period_list() if p.end.isoformat() == end)
    try:
        found = reconcile_period(
            atria, xarios, period, invoice_id=None if invoice == "all" else invoice, mapping=MAPPING,
            prices=PRICES.at(period.end),
        )  # fmt: skip
    except NothingCompared as error:
        found = error.reconciliation
    frozen, figures = ORACLE["reconcile"][key], reconciliation(found)
    for part, value in figures.items():
        if isinstance(value, dict):
            same_rows(value, frozen[part], f"{key} {part}")
        else:
            assert value == frozen[part], f"{key} {part}"
