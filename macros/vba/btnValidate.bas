Attribute VB_Name = "btnValidate"
' sheets-sync button macro: Validate every form tab and write the problems tab.
' Generated workbooks carry this module; edit the text here, not in Excel.
Option Explicit

Public Sub ValidateClicked()
    RunPython "import sheets_sync_macros; sheets_sync_macros.validate_clicked()"
End Sub
