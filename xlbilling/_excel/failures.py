"""How a formula shows that it failed: its message in a table formula's cell, an Excel error in a number's.

A formula that spills a table (or shows text) puts one short line in its cell saying what is wrong and what
to do. A formula that gives one number must not: ``SUM`` over a range skips text, so a failed lookup would
count as 0. It returns the message marked with the Excel error it stands for (``"#N/A Atria has no
customer..."``), which the add-in's ``xlwings_udfs`` module turns into that error value with ``CVErr`` (the
open-source xlwings passes no error value back from Python), and keeps the message under the calling cell
for ``=XLB_ERROR(cell)``. Neither ever shows a traceback.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from xlbilling._errors import InputError, XlbillingError
from xlbilling._excel.hints import NOT_AVAILABLE, error_value, for_formula

logger = logging.getLogger("xlbilling._excel")

F = TypeVar("F", bound=Callable[..., Any])

NUMBER = "xlbilling_number"
"""The attribute marking a one-number formula, whose VBA wrapper the add-in gives the ``CVErr`` step."""
KEPT = 10_000
"""How many cells' messages are kept (the oldest go first)."""

_messages: dict[str, str] = {}


def formula(function: F) -> F:
    """A formula showing a table or text: every error becomes the one-line message its cell shows."""

    @functools.wraps(function)
    def wrapper(*args: Any) -> Any:
        try:
            return function(*args)
        except Exception as error:
            return _failure(function.__name__, error)[1]

    return wrapper  # type: ignore[return-value]


def number(function: F) -> F:
    """A formula giving one number: when it cannot, it returns ``"#N/A <message>"`` or ``"#VALUE! <message>"``
    (the error chosen by the error's class, ``hints.error_value``) and keeps the message under the cell its
    ``caller`` argument names (xlwings fills that argument with the calling cell)."""
    position = list(inspect.signature(function).parameters).index("caller")

    @functools.wraps(function)
    def wrapper(*args: Any) -> Any:
        try:
            return function(*args)
        except Exception as error:
            value, message = _failure(function.__name__, error)
            if len(args) > position:
                _keep(args[position], message)
            return f"{value} {message}"

    setattr(wrapper, NUMBER, True)
    return wrapper  # type: ignore[return-value]


def _failure(name: str, error: Exception) -> tuple[str, str]:
    """The Excel error and the one-line message for ``error``, raised by the formula ``name``."""
    if isinstance(error, XlbillingError):
        worded = for_formula(error)
        return error_value(worded), " ".join(str(worded).split())  # one line, whatever text the user's value held
    logger.exception("%s failed", name)  # a bug must still not put a traceback in a cell
    return NOT_AVAILABLE, f"{name} failed unexpectedly ({type(error).__name__}); see the xlwings log."


def cell_key(cell: Any) -> str | None:
    """Where ``cell`` is, as Excel writes it from another book (``[Book1.xlsx]Sheet1!$B$7``, the first cell
    of a range); ``None`` when it is not a cell."""
    try:
        address = cell.get_address(external=True)
    except Exception:  # a value, not a range, or a range Excel no longer has
        return None
    return address.split(":")[0] if isinstance(address, str) else None


def _keep(caller: Any, message: str) -> None:
    key = cell_key(caller)
    if key is None:  # called from VBA or a test, not from a cell
        return
    _messages.pop(key, None)  # the newest go last, so the oldest are dropped first
    _messages[key] = message
    if len(_messages) > KEPT:
        del _messages[next(iter(_messages))]


def message_of(cell: Any) -> str:
    """Why the one-number formula in ``cell`` shows an error: its message; empty when ``cell`` shows a value
    (or an error no ``XLB_`` formula gave since Python started)."""
    key = cell_key(cell)
    if key is None:
        raise InputError("XLB_ERROR needs a cell, not a value.", "Point it at the cell showing the error, e.g. B7.")
    value = cell.value  # xlwings reads an error value as None
    if isinstance(value, list):
        raise InputError("The cell must be one cell, not a range.", "Point it at a single cell.")
    return _messages.get(key, "") if value is None else ""
