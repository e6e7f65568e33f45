"""Blank form workbooks (.xlsm) with the 控制面板 buttons, built from the form templates.

    >>> paths = build_blank_workbooks("out", default_templates(), Program())

writes one workbook per form plus ``全部表格.xlsm`` with every form, and
``sheets_sync_macros.py`` beside them (the Python the buttons call; the workbook's folder
is on xlwings' PYTHONPATH). The workbook is written by XlsxWriter (:mod:`.workbook`: what
each tab holds, the buttons as form controls bound to their macros); :mod:`.vba` builds the
VBA project (``vbaProject.bin``) it is given, from the text in ``macros/``.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..books.xlsx.safety import atomic_save, refuse_if_locked
from ..config import Program
from ..errors import SheetsSyncError, os_reason
from ..forms.template import FormTemplate
from .buttons import BUTTONS, Button, macros_dir, project_modules, run_python_commands
from .vba import vba_project
from .workbook import CONF_TAB, LISTS_TAB, PANEL_TAB, build_workbook

ALL_FORMS_BOOK = "全部表格"
MACROS_MODULE = "sheets_sync_macros.py"

__all__ = [
    "ALL_FORMS_BOOK",
    "BUTTONS",
    "CONF_TAB",
    "LISTS_TAB",
    "PANEL_TAB",
    "Button",
    "blank_workbook_bytes",
    "build_blank_workbooks",
    "run_python_commands",
]


def _pick(templates: Mapping[str, FormTemplate], forms: Sequence[str] | None
          ) -> list[FormTemplate]:
    if not forms:
        return list(templates.values())
    picked: list[FormTemplate] = []
    for name in forms:
        t = templates.get(name) or next(
            (t for t in templates.values() if name in t.tab_names), None)
        if t is None:
            known = "、".join(f"{k}({t.label})" for k, t in templates.items())
            raise SheetsSyncError(f"没有名为“{name}”的表单。可选:{known}。")
        if t not in picked:
            picked.append(t)
    return picked


def blank_workbook_bytes(forms: Sequence[FormTemplate], program: Program, *,
                         rows: int = 500, schools: Mapping[str, Sequence[str]] | None = None,
                         conf: Mapping[str, str] | None = None,
                         macros: Path | None = None) -> bytes:
    """One ``.xlsm`` (as bytes) holding ``forms``, the buttons and the VBA project."""
    book = build_workbook(forms, program, rows=rows, schools=schools, conf=conf)
    key = "|".join(f.key for f in forms)
    vba = vba_project(project_modules(len(book.tabs), macros), key=key)
    return book.to_bytes(vba)


def _write(path: Path, data: bytes) -> None:
    """``data`` saved atomically at ``path`` (not over a workbook open in Excel)."""
    refuse_if_locked(path)
    atomic_save(lambda tmp: tmp.write_bytes(data), path)


def build_blank_workbooks(out_dir: Path | str, templates: Mapping[str, FormTemplate],
                          program: Program, forms: Sequence[str] | None = None, *,
                          rows: int = 500, schools: Mapping[str, Sequence[str]] | None = None,
                          conf: Mapping[str, str] | None = None) -> list[Path]:
    """Write the blank workbooks into ``out_dir``; the paths written, workbooks first.

    ``forms`` are form keys or tab names (default: every template); one workbook per form
    and, when there are several, ``全部表格.xlsm`` with all of them. ``schools`` (county ->
    school names) fills the 县 → 学校 dependent lists; ``conf`` overrides ``xlwings.conf``
    values (e.g. ``{"Interpreter_Win": r"C:\\Python312\\pythonw.exe"}``).
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SheetsSyncError(f"无法创建文件夹 {out}:{os_reason(e)}。请换一个位置。") from e
    picked = _pick(templates, forms)
    books: list[tuple[str, list[FormTemplate]]] = [(t.label, [t]) for t in picked]
    if len(picked) > 1:
        books.append((ALL_FORMS_BOOK, picked))
    paths: list[Path] = []
    for name, group in books:
        path = out / f"{name}.xlsm"
        _write(path, blank_workbook_bytes(group, program, rows=rows, schools=schools,
                                          conf=conf))
        paths.append(path)
    source = macros_dir() / MACROS_MODULE
    if source.is_file():
        shutil.copyfile(source, out / MACROS_MODULE)
        paths.append(out / MACROS_MODULE)
    return paths
