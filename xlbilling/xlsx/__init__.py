"""Workbook files at the openpyxl and OOXML level: tables written into a workbook (``book``), drawings kept
byte for byte (``keep``) and rows read from an .xlsx input (``rows``)."""
