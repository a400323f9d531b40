Attribute VB_Name = "xlbilling_ribbon"
' Callbacks of the Billing ribbon tab. No logic here: each button calls one Python function
' in xlbilling._excel.macros, which reads the Control sheet and reports back in Excel.
Option Explicit

Sub RefreshPeriods(control As IRibbonControl)
    RunPython "import xlbilling._excel.macros as m; m.refresh_periods()"
End Sub

Sub RefreshSummary(control As IRibbonControl)
    RunPython "import xlbilling._excel.macros as m; m.refresh_summary()"
End Sub

Sub RefreshDetail(control As IRibbonControl)
    RunPython "import xlbilling._excel.macros as m; m.refresh_detail()"
End Sub

Sub RefreshInvoiceLines(control As IRibbonControl)
    RunPython "import xlbilling._excel.macros as m; m.refresh_invoice_lines()"
End Sub

Sub RefreshAnalysis(control As IRibbonControl)
    RunPython "import xlbilling._excel.macros as m; m.refresh_analysis()"
End Sub

Sub RefreshXariosInvoices(control As IRibbonControl)
    RunPython "import xlbilling._excel.macros as m; m.refresh_xarios_invoices()"
End Sub

Sub RefreshAll(control As IRibbonControl)
    RunPython "import xlbilling._excel.macros as m; m.refresh_all()"
End Sub

Sub BuildInvoices(control As IRibbonControl)
    RunPython "import xlbilling._excel.macros as m; m.build_invoices()"
End Sub

Sub OpenOutputFolder(control As IRibbonControl)
    RunPython "import xlbilling._excel.macros as m; m.open_output_folder()"
End Sub

Sub ClearCache(control As IRibbonControl)
    RunPython "import xlbilling._excel.macros as m; m.clear_cache()"
End Sub

Sub ShowSettings(control As IRibbonControl)
    RunPython "import xlbilling._excel.macros as m; m.show_settings()"
End Sub

Sub Reconcile(control As IRibbonControl)
    RunPython "import xlbilling._excel.macros as m; m.reconcile()"
End Sub

Sub Margin(control As IRibbonControl)
    RunPython "import xlbilling._excel.macros as m; m.margin()"
End Sub
