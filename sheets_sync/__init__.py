"""sheets-sync: keeps a volunteer program's spreadsheets in order."""

__version__ = "0.1.0"
