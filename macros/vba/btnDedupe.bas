Attribute VB_Name = "btnDedupe"
' sheets-sync button macro: Find duplicate children and volunteers; fill the review tab.
' Generated workbooks carry this module; edit the text here, not in Excel.
Option Explicit

Public Sub DedupeClicked()
    RunPython "import sheets_sync_macros; sheets_sync_macros.dedupe_clicked()"
End Sub
