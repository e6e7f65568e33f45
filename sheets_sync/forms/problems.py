"""Problems are data: where (tab, sheet row, header, A1 cell), what (value, rule code,
severity) and a Chinese sentence that names the fix. :class:`ProblemSink` composes that
sentence once per failing cell; nothing is built for the cells that pass.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..table import a1
from .headers import TabData


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or one column, or one tab)."""

    tab: str
    row: int          # sheet row as the user sees it
    column: str       # the header as written in the tab
    cell: str         # A1 reference, e.g. "H14"
    field: str        # template field key ("" for tab-level problems)
    value: str        # the cell as the user sees it
    code: str         # rule code, e.g. "phone.invalid"
    severity: str     # "error" | "warning"
    message: str      # full Chinese sentence: where, what, how to fix
    detail: str = ""  # the message without the "tab!cell" prefix (for the 校验结果 column)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Fix:
    """A safe normalisation ``--fix`` writes: full-width digits, separators, x→X, dates → ISO."""

    tab: str
    row: int
    col: int
    column: str
    field: str
    old: str
    new: str

    @property
    def cell(self) -> str:
        return a1(self.row, self.col)



class ProblemSink:
    """Collects the problems of one tab."""

    def __init__(self, data: TabData) -> None:
        self.data = data
        self.lay = data.layout
        self.out: list[Problem] = []
        self.seen: set[tuple[int, str]] = set()

    def header(self, fkey: str) -> str:
        """The header of field ``fkey`` as written in the tab (its label if absent)."""
        col = self.lay.columns.get(fkey)
        if col is None:
            return self.lay.form.field(fkey).label
        return self.lay.headers[col]

    def cell(self, i: int, fkey: str, code: str, severity: str, message: str,
             value: str | None = None) -> None:
        """A problem at record ``i`` (0-based) in field ``fkey``.

        A cell that already has a problem gets no ``required``/``unique`` problem on top.
        """
        if (i, fkey) in self.seen and code.startswith(("required", "unique")):
            return
        self.seen.add((i, fkey))
        row = int(self.data.rows[i])
        col = self.lay.columns.get(fkey)
        cell = a1(row, col) if col else ""
        if value is None:
            value = str(self.data.columns[fkey].iat[i]) if fkey in self.data.columns else ""
        head = self.header(fkey)
        where = f"{self.lay.tab}!{cell}" if cell else f"{self.lay.tab} 第 {row} 行"
        shown = f" “{value}”" if value.strip() else ""
        detail = f"{head}{shown} {message}"
        self.out.append(Problem(self.lay.tab, row, head, cell, fkey, value, code, severity,
                                f"{where} {detail}", detail))

    def tab_level(self, col: int | None, fkey: str, code: str, severity: str,
                  message: str) -> None:
        """A problem with the tab itself (a missing or unknown column), at the header row."""
        row = self.lay.header_row
        head = self.lay.headers.get(col, "") if col else ""
        cell = a1(row, col) if col else ""
        self.out.append(Problem(self.lay.tab, row, head, cell, fkey, head, code, severity,
                                f"工作表“{self.lay.tab}”{message}", message))


def duplicate_groups(keys: Sequence[Hashable], scope: np.ndarray) -> list[list[int]]:
    """Groups (2+) of record indexes sharing a key, among the records in ``scope``."""
    series = pd.Series(list(keys), dtype=object)
    dup = scope & series.where(scope).duplicated(keep=False).to_numpy()
    groups: dict[Hashable, list[int]] = {}
    for i in np.nonzero(dup)[0].tolist():
        groups.setdefault(keys[i], []).append(i)
    return list(groups.values())
