"""The output formats of the data commands, apart from ``xlbilling._output.write`` (which imports pandas and rich)
so that the command line can offer them without importing either."""

from __future__ import annotations

from typing import Literal

Format = Literal["table", "csv", "json", "xlsx"]
FORMATS: tuple[str, ...] = ("table", "csv", "json", "xlsx")
