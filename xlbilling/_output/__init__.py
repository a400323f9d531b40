"""The output formats of the data commands, and how a terminal reads a table (``Reading``), apart from
``xlbilling._output.write`` and ``xlbilling._output.fit`` (which import pandas and rich) so that the command
line can offer and name them without importing either."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Format = Literal["table", "csv", "json", "xlsx"]
FORMATS: tuple[str, ...] = ("table", "csv", "json", "xlsx")


@dataclass(frozen=True)
class Reading:
    """How a person reads a table: ``keys`` tell its rows apart, each a column or alternatives, a name
    before the code it stands for (``("customer_name", "customer_code")``: the name when there is room and
    it tells the rows apart as well, else the code); ``first`` are the columns wanted next, in order, whole when
    they fit (a key's name listed there is given its room at that point). See ``xlbilling._output.fit``."""

    keys: tuple[str | tuple[str, ...], ...] = ()
    first: tuple[str, ...] = ()
    apart: tuple[str, ...] = ()
    """The columns to try first when the keys leave some rows that differ looking alike."""
    drop_empty: bool = True
    """Leave out, and say, the columns empty in every row (not when a person chose the columns)."""
