"""Workbook files at the openpyxl and OOXML level: how a table's cells look and where it may go (``tablecells``),
a file built through openpyxl (``book``), a user's file refreshed part by part (``package``, ``sheetxml``,
``sheetparts``, ``styles``, ``columns``, ``packagebook``), and rows read from an .xlsx input (``rows``)."""
