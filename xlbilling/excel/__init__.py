"""Excel: the XLB_ formulas, the Billing ribbon, headless refresh of workbook files and the add-in."""
