"""A form tab -> records keyed by 编号, with the book's own columns and rows.

Each book keeps its column order and its extra columns: a :class:`FormTab` knows which
sheet column holds which field (the rest are the book's own, carried with the row and
never synced) and which sheet row holds which record. Values are the text the user sees;
nothing is canonicalised here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..errors import SheetsSyncError
from ..forms.headers import (
    Parsed,
    TabLayout,
    detect_form,
    find_layout,
    is_tool_tab,
    tab_data,
)
from ..forms.template import FormTemplate
from ..table import Grid

Values = dict[str, str]


@dataclass
class Row:
    """One record as one book holds it."""

    id: str                 # "" until assigned
    sheet_row: int
    values: Values          # field key -> text, for the fields this book has (not the id)
    cells: list[str]        # the whole row as text, extra columns included

    def fingerprint(self) -> str:
        """The row's field values, for recognising it again after a crash."""
        return json.dumps(sorted(self.values.items()), ensure_ascii=False)


@dataclass
class FormTab:
    """Where one form sits in one book, and its records."""

    book: str
    form: FormTemplate
    tab: str
    layout: TabLayout | None          # None: the book has no tab for this form yet
    fields: list[str]                 # field keys with a column (without the id field)
    id_col: int | None
    last_row: int                     # last non-empty sheet row (header row when empty)
    rows: dict[str, Row] = field(default_factory=dict)
    fresh: list[Row] = field(default_factory=list)      # rows without an id (yet)
    repeated: list[Row] = field(default_factory=list)   # a second row with the same id

    @property
    def id_key(self) -> str:
        f = self.form.id_field
        assert f is not None
        return f.key

    def column(self, key: str) -> int | None:
        return self.layout.columns.get(key) if self.layout else None

    def current(self) -> dict[str, Values]:
        return {rid: r.values for rid, r in self.rows.items()}


class DuplicateFormTab(SheetsSyncError):
    def __init__(self, book: str, form: FormTemplate, tabs: list[str]) -> None:
        super().__init__(
            f"工作簿 {book} 中有多个工作表都是“{form.label}”:{'、'.join(tabs)}。"
            "同步只能对应一个工作表,请把它们合并成一个,或改名其中之一。"
        )


def find_form_tabs(book: str, grids: dict[str, Grid], forms: list[FormTemplate],
                   templates: dict[str, FormTemplate],
                   skip: frozenset[str] = frozenset(),
                   parsed: Parsed | None = None) -> dict[str, FormTab]:
    """Each wanted form's tab in ``grids`` (a placeholder when the book has none).

    ``parsed``: the run's parse of its tabs (:class:`~sheets_sync.forms.headers.Parsed`).
    """
    found: dict[str, list[tuple[str, TabLayout]]] = {}
    for tab, grid in grids.items():
        if tab in skip or is_tool_tab(tab):
            continue
        lay = parsed.detect(tab, grid, templates) if parsed else detect_form(tab, grid, templates)
        if lay is not None:
            found.setdefault(lay.form.key, []).append((tab, lay))
    out: dict[str, FormTab] = {}
    for form in forms:
        hits = found.get(form.key, [])
        if len(hits) > 1:
            raise DuplicateFormTab(book, form, [t for t, _ in hits])
        if hits:
            tab, lay = hits[0]
            out[form.key] = parse_tab(book, tab, grids[tab], lay, parsed)
        else:
            out[form.key] = FormTab(book=book, form=form, tab=form.label, layout=None,
                                    fields=[], id_col=None, last_row=0)
    return out


def parse_tab(book: str, tab: str, grid: Grid, layout: TabLayout | None = None,
              parsed: Parsed | None = None) -> FormTab:
    """The records of one form tab: rows with an id by id, rows without in ``fresh``."""
    if layout is None:
        raise ValueError("parse_tab needs a layout (see find_layout)")
    form = layout.form
    id_field = form.id_field
    if id_field is None:
        raise ValueError(f"form {form.key} has no record_id field")
    id_col = layout.columns.get(id_field.key)
    fields = [k for k in layout.columns if k != id_field.key]
    data = parsed.data(grid, layout) if parsed else tab_data(grid, layout)
    last = max(grid.n_rows, layout.header_row)
    ft = FormTab(book=book, form=form, tab=tab, layout=layout, fields=fields, id_col=id_col,
                 last_row=last)
    cols = [[str(t) for t in data.columns[k].tolist()] for k in fields]
    ids = data.columns[id_field.key].tolist() if id_col else [""] * data.n
    rows = grid.rows
    for i, (sheet_row, texts) in enumerate(zip(data.rows.tolist(), zip(*cols, strict=True)
                                               if cols else ((),) * data.n, strict=True)):
        values = dict(zip(fields, texts, strict=True))
        rid = str(ids[i]).strip()
        cells = list(rows[sheet_row - 1]) if sheet_row - 1 < len(rows) else []
        row = Row(rid, int(sheet_row), values, cells)
        if not rid:
            if any(values.values()):
                ft.fresh.append(row)
        elif rid in ft.rows:
            ft.repeated.append(row)
        else:
            ft.rows[rid] = row
    return ft


def layout_for(tab: str, grid: Grid, form: FormTemplate) -> TabLayout | None:
    """The layout of ``form`` in a tab known to hold it (for tests and tools)."""
    return find_layout(tab, grid, form)
