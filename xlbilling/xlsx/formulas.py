"""A formula split as Excel reads it: the text of each token, and whether it is a cell reference or range."""

from __future__ import annotations

from openpyxl.formula.tokenizer import Tokenizer


def formula_tokens(formula: str) -> list[tuple[str, bool]]:
    """Each token of ``formula`` (without its ``=``) with ``True`` where it is a reference or range operand
    (``A1``, ``Sheet1!$B$2:C9``, a defined name), ``False`` for everything else (functions, text, numbers)."""
    return [
        (token.value, token.type == "OPERAND" and token.subtype == "RANGE") for token in Tokenizer("=" + formula).items
    ]
