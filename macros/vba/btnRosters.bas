Attribute VB_Name = "btnRosters"
' sheets-sync button macro: Generate the per-school safety rosters.
' Generated workbooks carry this module; edit the text here, not in Excel.
Option Explicit

Public Sub RostersClicked()
    RunPython "import sheets_sync_macros; sheets_sync_macros.rosters_clicked()"
End Sub
