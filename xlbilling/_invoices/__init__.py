"""Invoice workbooks: one per Bill To customer, filled from an Excel template, with a manifest.

``build_invoices`` is the whole job (``xlbilling report`` and the Build invoices button call it); the modules
below do one step each: ``pricing`` (quantities and prices into invoices), ``template`` (reading and checking
a template), ``render`` (filling it), ``names`` (file names), ``manifest`` (manifest.json and index.xlsx),
``pdf`` (LibreOffice export), ``shipped`` (building ``templates/invoice.xlsx``).
"""

from xlbilling._invoices.build import build_invoices, default_template, write_invoices
from xlbilling._invoices.manifest import Entry, Manifest

__all__ = ["Entry", "Manifest", "build_invoices", "default_template", "write_invoices"]
