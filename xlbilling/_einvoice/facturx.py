"""Factur-X / ZUGFeRD: a PDF/A-3 print of the invoice with its CII XML embedded, by Akretion's factur-x."""

from __future__ import annotations

from pathlib import Path

from xlbilling._errors import DataError
from xlbilling._files import replacing, write_atomically

LEVEL = "en16931"


def embed(pdf: Path, cii: bytes) -> None:
    """Turn ``pdf`` (a PDF/A-3 print of the invoice) into a Factur-X PDF in place: ``cii`` attached as
    ``factur-x.xml`` (relationship Data), Factur-X XMP metadata of the EN 16931 profile, the PDF's title and
    subject from the XML. ``DataError`` when the PDF cannot be read or the XML is refused (its XSD)."""
    import facturx  # pypdf and lxml come with it: imported only when Factur-X PDFs are written

    try:
        made = facturx.generate_from_binary(pdf.read_bytes(), cii, flavor="factur-x", level=LEVEL, lang="en-GB")
    except Exception as error:  # factur-x raises plain Exceptions for an XML it refuses
        raise DataError(f"{pdf.name} could not be made a Factur-X PDF: {error}.", "Report this as a bug.") from None
    with replacing(pdf):
        write_atomically(pdf, made)
