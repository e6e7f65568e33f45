"""Excel's OOXML package, written safely: one writer for every workbook the tool touches.

* :mod:`.package` — open a package (refusing encrypted, damaged, Strict and bomb files),
  edit a few parts, copy every other entry raw;
* :mod:`.patch` — set text cells in existing worksheets;
* :mod:`.graft` — add, replace or delete a tab (drawn by :mod:`.render` with XlsxWriter);
* :mod:`.render` — a generated tab on an XlsxWriter worksheet (new files and grafts);
* :mod:`.safety` — atomic save, backups, lock check, tab-name rules.
"""

from __future__ import annotations

from .safety import check_tab_name, tab_name_problem, valid_tab_name

__all__ = ["check_tab_name", "tab_name_problem", "valid_tab_name"]
