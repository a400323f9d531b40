"""The billing workbook a person keeps: its Control sheet, its tables, and their refresh with or without Excel.

``control`` reads the Control sheet into typed values, ``tables`` is the registry of refreshable tables and
the refresh itself, ``headless`` refreshes a closed file, ``hints`` words errors for the Control sheet, and
``shipped`` builds ``templates/billing.xlsx``. The Excel door (``xlbilling._excel``) and ``xlbilling refresh``
both use it.
"""
