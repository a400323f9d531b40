"""Invoice workbooks: one per Bill To customer, filled from an Excel template, with a manifest.

``build_invoices`` is the whole job (``xlbilling report`` calls it); the modules below do one step each:
``invoices`` (pricing), ``template`` (reading and checking a template), ``render`` (filling it),
``names`` (file names), ``manifest`` (manifest.json and index.xlsx), ``pdf`` (LibreOffice export).
"""

from xlbilling.invoices.build import build_invoices, default_template, write_invoices
from xlbilling.invoices.manifest import Entry, Manifest

__all__ = ["Entry", "Manifest", "build_invoices", "default_template", "write_invoices"]
