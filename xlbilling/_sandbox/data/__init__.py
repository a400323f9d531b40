"""Package data of the sandbox (``prices.csv``, ``product-map.csv``) and, as the contract names it,
``discrepancies(dataset)``: the seeded differences between Xarios charges and Atria billing."""

from xlbilling._sandbox.discrepancies import discrepancies

__all__ = ["discrepancies"]
