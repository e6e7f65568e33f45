"""签到表-<学校>: a printable sign-in sheet per school for its visiting week, typed back as 出勤.

One tab per school of the 学校 tab that has a known visit window (:func:`care.visit_windows`:
the school's 进驻安排 rows not 取消, else the 学校 tab's 进驻 dates). A school without one
gets no sheet and a problem line saying so.

Layout (A4, landscape when wider than :data:`WIDE` columns, fit to width, the two header rows
repeated on every page):

* row 1 the title, row 2 how to fill it in;
* row 3 the days (``7月13日 周一`` over that day's columns; the year is in the title's dates),
  row 4 the column heads:
  序号 编号 姓名 年级 班级 监护人 监护人电话, then per day its sessions — the program's week
  (:data:`WEEK`: 上午 and 下午 Monday to Saturday, 电影天堂 on 周二/周四/周五 evenings) and any
  other session 出勤 already records that day (外出活动) — and after each 电影天堂 or 外出活动
  a 交接 column (离开方式 and 接送人: ``家长接 王奶奶``, ``志愿者送 李明``, ``自行回家``);
* the school's children by grade, class and the pinyin of the name, a line per grade and
  class; 监护人电话 masked unless the output reveals it (``--reveal signin=child.guardian_phone``,
  as the rosters); below them a line for the 点名人's signature.

The tab is not protected (staff type into it); the tick columns have a 到/缺/请假 dropdown.

Every tick cell shows what 出勤 says (its 状态, its 离开方式 and 接送人). A cell whose text
cannot be read as a tick (:func:`read_status`, :func:`read_hand_over`) and differs from 出勤
is kept as staff typed it, so that they can correct it; the read-back step
(:mod:`sheets_sync.sync.signin_step`) names it. :func:`read_sheet` reads a sheet back by its own
header rows (not by today's layout), so a sheet written before a child or a day was added
is still read right.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

from ..books.base import PrintSetup, TabContent
from ..config import Program
from ..forms.validate import ref_key
from ..privacy import shown_value
from ..table import Grid
from .care import HAND_OVER, SESSIONS, visit_windows
from .model import Builder, Forms, Record, generated_note, records
from .rosters import grade_label, school_children, sort_key, unique_schools

PREFIX = "签到表-"
TAB_LABEL = "签到表"
LEAD = ["序号", "编号", "姓名", "年级", "班级", "监护人", "监护人电话"]
ID_COL = 2
HAND_OVER_HEAD = "交接"
HEADER_ROWS = 4
DAY_ROW, HEAD_ROW = 3, 4
WEEKDAYS = "一二三四五六日"
WEEK: dict[int, tuple[str, ...]] = {0: ("上午", "下午"), 1: ("上午", "下午", "电影天堂"),
                                    2: ("上午", "下午"), 3: ("上午", "下午", "电影天堂"),
                                    4: ("上午", "下午", "电影天堂"), 5: ("上午", "下午"), 6: ()}
"""The sessions of each weekday (Monday 0) in the program's week (一周一循环): 日常课程 every
day Monday to Saturday, the evening film on 周二, 周四 and 周五; Sunday is moving day."""
WIDE = 14
"""Columns beyond which the sheet prints landscape."""

STATUS_WORDS: dict[str, str] = {
    "到": "到", "✓": "到", "√": "到", "✔": "到", "☑": "到", "1": "到", "v": "到", "V": "到",
    "缺": "缺", "×": "缺", "✗": "缺", "✘": "缺", "x": "缺", "X": "缺", "0": "缺",
    "假": "请假", "请假": "请假"}
"""What a tick may be, besides the 出勤 form's own words and synonyms for 状态."""
STATUS_HINT = "到(或 ✓、√、1)、缺(或 ×、0)或 请假(或 假)"
HAND_OVER_HINT = "家长接 接送人、志愿者送 接送人 或 自行回家,例如“家长接 王奶奶”"
_SEPARATORS = " \t:：,，、;；/／()（）-—_"


def signin_tab_name(school: str, taken: Collection[str] = ()) -> str:
    """``签到表-<学校>`` as a tab name Excel accepts, unique among ``taken`` (as the rosters)."""
    from ..books.xlsx import valid_tab_name

    return valid_tab_name(PREFIX + school.strip(), taken)


# --------------------------------------------------------------------------- slots

@dataclass(frozen=True)
class Slot:
    """One tick column: a day, a session, and whether it is the session's 交接 column."""

    day: dt.date
    session: str
    hand_over: bool = False

    @cached_property
    def key(self) -> str:
        """``2026-07-14|电影天堂`` / ``2026-07-14|电影天堂|交接`` (how bases are stored)."""
        return f"{self.day.isoformat()}|{self.session}" + ("|交接" if self.hand_over else "")

    def label(self) -> str:
        what = f"{self.session}的交接" if self.hand_over else f"{self.session}的出勤"
        return f"{day_label(self.day)}{what}"


def day_label(day: dt.date) -> str:
    """``2026-07-13 周一`` (in messages)."""
    return f"{day.isoformat()} 周{WEEKDAYS[day.weekday()]}"


def column_label(day: dt.date) -> str:
    """``7月13日 周一`` (over a day's columns; the year is in the title)."""
    return f"{day.month}月{day.day}日 周{WEEKDAYS[day.weekday()]}"


def _session_order(s: str) -> int:
    return SESSIONS.index(s) if s in SESSIONS else len(SESSIONS)


def slots(first: dt.date, last: dt.date, recorded: Iterable[tuple[dt.date, str]] = ()
          ) -> list[Slot]:
    """The tick columns of a visit from ``first`` to ``last``: each day's sessions of
    :data:`WEEK` and those 出勤 records that day (``recorded``), a 交接 column after each
    电影天堂 or 外出活动."""
    extra: dict[dt.date, set[str]] = defaultdict(set)
    for day, session in recorded:
        if first <= day <= last and session:
            extra[day].add(session)
    out: list[Slot] = []
    day = first
    while day <= last:
        for s in sorted({*WEEK[day.weekday()], *extra.get(day, ())}, key=_session_order):
            out.append(Slot(day, s))
            if s in HAND_OVER:
                out.append(Slot(day, s, True))
        day += dt.timedelta(days=1)
    return out


# --------------------------------------------------------------------------- ticks

def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


_WORDS: dict[str, dict[str, str]] = {}


def _words(key: str) -> dict[str, str]:
    """The 出勤 form's words for a choice field (values and synonyms) -> the value."""
    if key not in _WORDS:
        from ..forms.template import default_templates

        out: dict[str, str] = {}
        for c in default_templates()["attendance"].field(key).choices or ():
            out[_clean(c.value)] = c.value
            for s in c.synonyms:
                out[_clean(s)] = c.value
        _WORDS[key] = out
    return _WORDS[key]


def read_status(text: str) -> str | None:
    """A tick as a 状态 (到 / 缺 / 请假), ``""`` for an empty cell, None when unreadable."""
    t = _clean(text)
    if not t:
        return ""
    return STATUS_WORDS.get(t) or _words("status").get(t)


def read_hand_over(text: str) -> tuple[str, str] | None:
    """A 交接 cell as (离开方式, 接送人): ``家长接 王奶奶`` → (家长接, 王奶奶), ``自行回家`` →
    (自行回家, ""); ``("", "")`` for an empty cell; None when no 离开方式 can be read."""
    t = _clean(text)
    if not t:
        return ("", "")
    words = sorted(_words("leave_by").items(), key=lambda kv: -len(kv[0]))
    for word, value in words:
        if t.startswith(word):
            return value, t[len(word):].strip(_SEPARATORS)
    for word, value in words:
        if t.endswith(word):
            return value, t[:-len(word)].strip(_SEPARATORS)
    return None


def hand_over_text(leave_by: str, pickup: str) -> str:
    """How a 交接 cell shows 离开方式 and 接送人."""
    return " ".join(x for x in (leave_by, pickup) if x)


def cell_text(rec: Record | None, slot: Slot) -> str:
    """What ``slot``'s cell shows of the 出勤 record ``rec`` (none: empty)."""
    if rec is None:
        return ""
    if slot.hand_over:
        return hand_over_text(rec.t("leave_by"), rec.t("pickup"))
    return rec.t("status")


def readable(text: str, slot: Slot) -> bool:
    return (read_hand_over(text) if slot.hand_over else read_status(text)) is not None


# --------------------------------------------------------------------------- 出勤 index

Key = tuple[str, str, dt.date, str]
"""(ref_key(学校), ref_key(儿童编号), 日期, 场次) of a 出勤 record."""
Index = dict[tuple[str, str], dict[tuple[dt.date, str], Record]]
"""(ref_key(学校), ref_key(儿童编号)) -> (日期, 场次) -> the 出勤 record."""


def _day(r: Record) -> dt.date | None:
    v = r.value.get("date")
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(r.text.get("date", ""))
    except ValueError:
        return None


def attendance_index(forms: Forms) -> Index:
    """Each 出勤 record by school and child, then day and session; the first row of a
    repeated one (the repeat is a 校验 problem of its own)."""
    out: Index = {}
    keys: dict[str, str] = {}

    def key(text: str) -> str:
        k = keys.get(text)
        if k is None:
            k = keys[text] = ref_key(text)
        return k

    for a in records(forms, "attendance"):
        t = a.text
        child, session = t.get("child_id", ""), t.get("session", "")
        day = _day(a) if child and session else None
        if day is None:
            continue
        mine = out.setdefault((key(t.get("school", "")), key(child)), {})
        mine.setdefault((day, session), a)
    return out


def find(index: Index, key: Key) -> Record | None:
    """The 出勤 record of (school, child, day, session), or None."""
    return index.get((key[0], key[1]), {}).get((key[2], key[3]))


# --------------------------------------------------------------------------- the tab

@dataclass
class SigninSheet:
    """One school's sheet, and what its tick cells show of 出勤 (the base of the read-back)."""

    school: str
    tab: str
    content: TabContent
    cells: dict[str, dict[str, str]] = field(default_factory=dict)
    """child 编号 -> :attr:`Slot.key` -> the text 出勤 gives the cell (non-empty only)."""
    kept: list[tuple[int, int, str]] = field(default_factory=list)
    """(row, col, text) of cells kept as staff typed them (unreadable ticks)."""


def wanted(forms: Forms) -> bool:
    """Whether the book holds 出勤, children, schools and a visit window (made unasked then)."""
    return all(k in forms for k in ("attendance", "child", "school")) and bool(
        visit_windows(forms))


def no_window_text(school: str) -> str:
    return (f"未生成{PREFIX}{school}:{school}没有已知的进驻日期(“进驻安排”中没有该校未取消的安排,"
            "“学校”表中也没有进驻开始和结束日期)。请在“进驻安排”或“学校”表中填写该校的进驻日期。")


def signin_sheets(forms: Forms, program: Program, reveal: Collection[str] = (),
                  held: Mapping[str, Grid] | None = None
                  ) -> tuple[dict[str, SigninSheet], list[str]]:
    """``签到表-<学校>`` for every school of the 学校 tab with a visit window (by tab name),
    and a problem line for each school without one. ``held``: the book's tabs as they are
    (an unreadable tick staff typed there is kept)."""
    windows = visit_windows(forms)
    index = attendance_index(forms)
    by_school: dict[str, set[tuple[dt.date, str]]] = defaultdict(set)
    for (at, _child), marks in index.items():
        by_school[at].update(marks)
    out: dict[str, SigninSheet] = {}
    problems: list[str] = []
    taken: list[str] = []
    for school, kids in school_children(forms)[0]:
        name = school.t("name").strip()
        win = windows.get(ref_key(name))
        if win is None:
            problems.append(no_window_text(name))
            continue
        tab = signin_tab_name(name, taken)
        taken.append(tab)
        cols = slots(win[0], win[1], by_school.get(ref_key(name), ()))
        sheet = signin_sheet(name, tab, kids, cols, index, forms, program, reveal, win[2])
        if held is not None and tab in held:
            sheet = keep_unreadable(sheet, held[tab])
        out[tab] = sheet
    return out, problems


def sheet_schools(forms: Forms) -> dict[str, str]:
    """Tab name -> school, of the sheets :func:`signin_sheets` makes (same names, same order)."""
    windows = visit_windows(forms)
    out: dict[str, str] = {}
    for school in unique_schools(forms):
        name = school.t("name").strip()
        if ref_key(name) in windows:
            out[signin_tab_name(name, out)] = name
    return out


def signin_sheet(school: str, tab: str, children: list[Record], cols: list[Slot],
                 index: Index, forms: Forms, program: Program,
                 reveal: Collection[str] = (), source: str = "") -> SigninSheet:
    """One school's sheet (``children``: its records, any order; ``cols``: its slots)."""
    child_form = forms["child"].form if "child" in forms else None
    kids = sorted(children, key=sort_key)
    width = len(LEAD) + len(cols)
    b = Builder()
    first, last = (cols[0].day, cols[-1].day) if cols else (None, None)
    period = f"{first} 至 {last}" if first else "进驻期间没有活动日"
    b.add([f"{school} 签到表({period},共 {len(kids)} 人)"], bold=True)
    b.merge(1, 1, width)
    b.add([f"每个场次在本人一格写 到(✓ √ 1)、缺(× 0)或 请假(假);电影天堂、外出活动结束后在“交接”"
           f"写离开方式和接送人:家长接 王奶奶、志愿者送 李明,或 自行回家"
           f"(只有 {program.walk_home_min_grade} 年级及以上可以自行回家)。"
           "运行 sheets-sync run 后记入“出勤”表。" + (f"进驻日期来自{source}。" if source else "")])
    b.merge(2, 1, width)
    day_row = [""] * len(LEAD)
    head = list(LEAD)
    for j, s in enumerate(cols):
        new_day = j == 0 or cols[j - 1].day != s.day
        day_row.append(column_label(s.day) if new_day else "")
        head.append(HAND_OVER_HEAD if s.hand_over else s.session)
    b.add(day_row)
    b.add(head)
    start = len(LEAD) + 1
    for j, s in enumerate(cols):  # each day's label over its columns
        if j == 0 or cols[j - 1].day != s.day:
            end = j
            while end + 1 < len(cols) and cols[end + 1].day == s.day:
                end += 1
            if end > j:
                b.merge(DAY_ROW, start + j, start + end)
    school_key = ref_key(school)
    keys = [s.key for s in cols]
    cells: dict[str, dict[str, str]] = {}
    group: tuple[str, str] | None = None
    for n, c in enumerate(kids, start=1):
        g = (grade_label(c), c.t("class_name"))
        if g != group:
            group = g
            size = sum(1 for k in kids if (grade_label(k), k.t("class_name")) == g)
            b.add([f"{g[0]} {g[1] or '班级未填'}({size} 人)"], bold=True)
        phone = c.t("guardian_phone")
        if child_form is not None and phone:
            phone = shown_value(phone, child_form, child_form.field("guardian_phone"), reveal)
        row: list[str | int] = [n, c.t("id"), c.t("name"), grade_label(c), c.t("class_name"),
                                c.t("guardian_name"), phone]
        mine: dict[str, str] = {}
        marks = index.get((school_key, ref_key(c.t("id"))), {})
        for s, k in zip(cols, keys, strict=True):
            text = cell_text(marks.get((s.day, s.session)), s) if marks else ""
            row.append(text)
            if text:
                mine[k] = text
        if mine and c.t("id"):
            cells[c.t("id")] = mine
        b.add(row)
    if not kids:
        b.add(["该校还没有登记儿童。"])
    b.add([])
    b.add(["点名人(签名):", "", "", "日期:"])
    widths = {1: 5, 2: 8, 3: 9, 4: 6, 5: 6, 6: 9, 7: 13}
    for j, s in enumerate(cols, start=start):
        widths[j] = 12 if s.hand_over else 7
    content = b.content(
        header_rows=HEADER_ROWS, widths=widths,
        note=generated_note(f"{school}进驻期间每天每个场次的签到表,按“出勤”表填好;"
                            "在勾选格和交接格中填写的内容在下次运行时记入“出勤”表"),
        print_setup=PrintSetup(landscape=width > WIDE, fit_width=True,
                               repeat_rows=(DAY_ROW, HEAD_ROW), gridlines=True))
    ticks = [start + j for j, s in enumerate(cols) if not s.hand_over]
    choices = {j: ["到", "缺", "请假"] for j in ticks}
    # staff type into this tab: not protected, the tick columns with a dropdown
    content = replace(content, protected=False, choices=choices)
    return SigninSheet(school, tab, content, cells)


def keep_unreadable(sheet: SigninSheet, grid: Grid) -> SigninSheet:
    """``sheet`` with the unreadable ticks staff typed into ``grid`` (the tab as it is) kept
    where they are, when that cell is still on the new sheet."""
    typed = read_sheet(grid)
    if not typed.cells:
        return sheet
    rows = [list(r) for r in sheet.content.rows]
    where_row = {r[ID_COL - 1]: i for i, r in enumerate(rows, start=1)
                 if i > HEADER_ROWS and len(r) >= ID_COL and r[ID_COL - 1]}
    where_col = {s.key: j for j, s in read_sheet(Grid(rows)).columns.items()}
    kept: list[tuple[int, int, str]] = []
    for c in typed.cells:
        if not c.text or readable(c.text, c.slot):
            continue
        i, j = where_row.get(c.child), where_col.get(c.slot.key)
        if i is None or j is None:
            continue
        row = rows[i - 1]
        row.extend([""] * (j - len(row)))
        if row[j - 1] != c.text:
            row[j - 1] = c.text
            kept.append((i, j, c.text))
    if not kept:
        return sheet
    return replace(sheet, content=replace(sheet.content, rows=rows), kept=kept)


# --------------------------------------------------------------------------- reading

@dataclass(frozen=True)
class SheetCell:
    """A tick cell of a sheet as it is: whose, which slot, where, what it says."""

    child: str
    name: str
    slot: Slot
    row: int
    col: int
    text: str


@dataclass
class SheetRead:
    """A sheet read back by its own header rows."""

    columns: dict[int, Slot] = field(default_factory=dict)
    cells: list[SheetCell] = field(default_factory=list)
    stray: list[tuple[int, int, str]] = field(default_factory=list)
    """(row, col, text) typed on a row without 编号 (nothing to record it for)."""


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_MONTH_DAY = re.compile(r"(\d{1,2})月(\d{1,2})日")


def _column_day(text: str, first: dt.date | None) -> dt.date | None:
    """The day a day-row cell names (``7月13日 周一``, the year from the title's first day
    ``first``; or ``2026-07-13``), or None."""
    try:
        if (m := _ISO.search(text)) is not None:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if (m := _MONTH_DAY.search(text)) is not None and first is not None:
            month, day = int(m.group(1)), int(m.group(2))
            return dt.date(first.year + (month < first.month), month, day)
    except ValueError:
        return None
    return None


def sheet_columns(grid: Grid) -> tuple[int, dict[int, Slot]]:
    """(the sheet row of the column heads, column -> slot) of a sign-in sheet; (0, {}) when
    ``grid`` has no such heads."""
    cols: dict[int, Slot] = {}
    head = next((r for r in range(1, min(grid.n_rows, 8) + 1)
                 if grid.cell(r, ID_COL).strip() == LEAD[ID_COL - 1]
                 and grid.cell(r, 1).strip() == LEAD[0]), None)
    if head is None or head < 2:
        return 0, {}
    width = max((len(r) for r in grid.rows[:head]), default=0)
    first = _column_day(grid.cell(1, 1), None)  # the title: 满城一小 签到表(2026-07-13 至 …)
    day: dt.date | None = None
    last_session: str | None = None
    for j in range(len(LEAD) + 1, width + 1):
        label = grid.cell(head - 1, j).strip()
        if label:
            day = _column_day(label, first)
            last_session = None
        what = grid.cell(head, j).strip()
        if day is None or not what:
            continue
        if what == HAND_OVER_HEAD:
            if last_session is not None:
                cols[j] = Slot(day, last_session, True)
            continue
        last_session = what
        cols[j] = Slot(day, what)
    return head, cols


def changed_since(grid: Grid, base: Mapping[str, Mapping[str, str]] | None) -> bool:
    """Whether any tick cell of the sheet differs from ``base`` (child -> slot key -> text,
    what the generator last wrote; None: nothing known, so any text differs)."""
    head, columns = sheet_columns(grid)
    keys = [(j, s.key) for j, s in columns.items()]
    empty: Mapping[str, str] = {}
    for row in grid.rows[head:] if head else ():
        n = len(row)
        child = row[ID_COL - 1].strip() if n >= ID_COL else ""
        mine = base.get(child, empty) if base is not None else empty
        for j, k in keys:
            if (row[j - 1].strip() if j <= n else "") != mine.get(k, ""):
                return True
    return False


def read_sheet(grid: Grid) -> SheetRead:
    """The tick cells of a sign-in sheet (every child row × slot, empty ones too)."""
    head, found = sheet_columns(grid)
    out = SheetRead(columns=found)
    columns = list(found.items())
    for r, row in enumerate(grid.rows[head:], start=head + 1):
        n = len(row)
        child = row[ID_COL - 1].strip() if n >= ID_COL else ""
        name = row[2].strip() if n >= 3 else ""
        for j, s in columns:
            text = row[j - 1].strip() if j <= n else ""
            if child:
                out.cells.append(SheetCell(child, name, s, r, j, text))
            elif text:
                out.stray.append((r, j, text))
    return out


__all__ = ["HAND_OVER_HINT", "PREFIX", "STATUS_HINT", "WEEK", "Index", "Key", "SheetCell",
           "SheetRead", "SigninSheet", "Slot", "attendance_index", "cell_text", "find",
           "hand_over_text", "read_hand_over", "read_sheet", "read_status", "sheet_schools",
           "signin_sheets", "signin_tab_name", "slots", "wanted"]
