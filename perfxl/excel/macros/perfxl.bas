Attribute VB_Name = "PerfxlRibbon"
' Ribbon callbacks of the perfxl add-in: each button runs one entry point of perfxl.excel.entry
' through xlwings' RunPython (the Python interpreter is set in the perfxl.conf sheet).
Option Explicit

Sub PerfxlValidate(control As IRibbonControl)
    RunPython "import perfxl.excel.entry as e; e.validate()"
End Sub

Sub PerfxlCompute(control As IRibbonControl)
    RunPython "import perfxl.excel.entry as e; e.compute()"
End Sub

Sub PerfxlAddProject(control As IRibbonControl)
    RunPython "import perfxl.excel.entry as e; e.add_project()"
End Sub

Sub PerfxlNewMonitoring(control As IRibbonControl)
    RunPython "import perfxl.excel.entry as e; e.new_monitoring()"
End Sub

Sub PerfxlNewEvaluation(control As IRibbonControl)
    RunPython "import perfxl.excel.entry as e; e.new_evaluation()"
End Sub

Sub PerfxlExportJson(control As IRibbonControl)
    RunPython "import perfxl.excel.entry as e; e.export_json()"
End Sub

Sub PerfxlHelp(control As IRibbonControl)
    RunPython "import perfxl.excel.entry as e; e.help()"
End Sub
