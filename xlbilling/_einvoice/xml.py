"""What the UBL and CII writers share: adding elements with lxml, and numbers as EN 16931 writes them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lxml import etree


def add(parent: Any, tag: str, text: str | Decimal | None = None, **attributes: str | None) -> Any:
    """Add the element ``tag`` (Clark notation, ``{namespace}name``) under ``parent`` and return it. Text is
    written as given (a ``Decimal`` as ``number``); attributes that are None are left out."""
    element = etree.SubElement(parent, tag, {key: value for key, value in attributes.items() if value is not None})
    if text is not None:
        element.text = number(text) if isinstance(text, Decimal) else text
    return element


def maybe(parent: Any, tag: str, text: str | Decimal | None, **attributes: str | None) -> Any:
    """``add`` when there is text: EN 16931 and Peppol forbid empty elements."""
    return add(parent, tag, text, **attributes) if text not in (None, "") else None


def number(value: Decimal) -> str:
    """A decimal without an exponent or trailing zeros past the point: 20, 2.5, 0.333333 (not 2E+1)."""
    return format(value.normalize(), "f")


def amount(value: Decimal) -> str:
    """An amount with exactly two decimals (BR-DEC-*): 12.50."""
    return format(value.quantize(Decimal("0.01")), "f")


def serialise(root: Any) -> bytes:
    """The document as UTF-8 XML with its declaration."""
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
