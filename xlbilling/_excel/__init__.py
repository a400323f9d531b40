"""The Excel door: the XLB_ formulas (``udfs``), the Billing ribbon's buttons (``macros``), the live book they
write through (``live``), their words for errors (``hints``) and the add-in (``addin``). Imported by no one
else, but for ``xlbilling addin``."""
