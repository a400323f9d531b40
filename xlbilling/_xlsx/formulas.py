"""A formula split as Excel reads it: the text of each token, and whether it is a cell reference or range."""

from __future__ import annotations

import re

from openpyxl.formula.tokenizer import Tokenizer


def formula_tokens(formula: str) -> list[tuple[str, bool]]:
    """Each token of ``formula`` (without its ``=``) with ``True`` where it is a reference or range operand
    (``A1``, ``Sheet1!$B$2:C9``, a defined name), ``False`` for everything else (functions, text, numbers)."""
    return [
        (token.value, token.type == "OPERAND" and token.subtype == "RANGE") for token in Tokenizer("=" + formula).items
    ]


_A1 = re.compile(r"(?<![\w$.])(\$?[A-Za-z]{1,3})(\$?)(\d+)(?![\w(])")


def shifted(formula: str, rows: int) -> str:
    """``formula`` (without ``=``) as it reads ``rows`` rows further down, as Excel fills a formula down:
    relative row numbers in cell references move, ``$`` rows, structured references (``[@price]``),
    names and text stay."""
    if rows == 0:
        return formula

    def moved(match: re.Match[str]) -> str:
        column, absolute, row = match.groups()
        return match.group(0) if absolute else f"{column}{absolute}{int(row) + rows}"

    return "".join(
        _A1.sub(moved, text) if is_range and "[" not in text else text for text, is_range in formula_tokens(formula)
    )
