Attribute VB_Name = "btnSync"
' sheets-sync button macro: Sync this workbook with the project hub and spokes.
' Generated workbooks carry this module; edit the text here, not in Excel.
Option Explicit

Public Sub SyncClicked()
    RunPython "import sheets_sync_macros; sheets_sync_macros.sync_clicked()"
End Sub
