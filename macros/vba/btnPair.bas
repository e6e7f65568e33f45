Attribute VB_Name = "btnPair"
' sheets-sync button macro: Propose volunteer-child pairs in the pairing tab.
' Generated workbooks carry this module; edit the text here, not in Excel.
Option Explicit

Public Sub PairClicked()
    RunPython "import sheets_sync_macros; sheets_sync_macros.pair_clicked()"
End Sub
