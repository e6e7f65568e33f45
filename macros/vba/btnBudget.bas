Attribute VB_Name = "btnBudget"
' sheets-sync button macro: Generate the budget summary and settlement tabs.
' Generated workbooks carry this module; edit the text here, not in Excel.
Option Explicit

Public Sub BudgetClicked()
    RunPython "import sheets_sync_macros; sheets_sync_macros.budget_clicked()"
End Sub
