"""The ``结对建议`` tab: proposals out, staff decisions (确认 = 接受 / 拒绝) back in.

Layout (row 1 is the header)::

    儿童编号 | 儿童姓名 | 学校 | 年级 | 志愿者编号 | 志愿者姓名 | 理由 | 代价 | 确认
    …one row per proposal, then the rows staff decided and the tool keeps…

    结对缺口(N 所学校)                     (only when children stay unpaired)
    学校 | 原因                             顺平·东王庄小学 | 52 名儿童,支队 8 人,…
    …
    未能结对的儿童(N 名)
    儿童编号 | 儿童姓名 | 学校 | 年级 | 原因
    …
    暂无结对儿童的志愿者(N 名)
    志愿者编号 | 志愿者姓名 | 所属学校 | 所属大队 | 原因

The 确认 column has a dropdown (接受 / 拒绝) over the proposal rows; other words are
warned about, not refused, and still read (同意, √, 不 …). The section titles and
column heads below are styled like the header. Rows with an empty 确认 belong to the
tool and are rewritten every run. A row whose 确认
staff filled in is read back as a :class:`Decision`; rejected ones (and ones the tool
cannot act on yet) are written back as they were, columns staff added included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..books.base import TabContent
from ..proposals import ACCEPT, CONFIRM, REJECT, kept_cells, mark_of, read_decided
from ..table import Grid
from .model import PairingError, id_key

TAB = "结对建议"
HEADERS = ["儿童编号", "儿童姓名", "学校", "年级", "志愿者编号", "志愿者姓名", "理由", "代价",
           "确认"]
UNPAIRED_TITLE = "未能结对的儿童"
UNPAIRED_HEADERS = ["儿童编号", "儿童姓名", "学校", "年级", "原因"]
IDLE_TITLE = "暂无结对儿童的志愿者"
GAP_TITLE = "结对缺口"
GAP_HEADERS = ["学校", "原因"]
IDLE_HEADERS = ["志愿者编号", "志愿者姓名", "所属学校", "所属大队", "原因"]
NO_PROPOSALS = "(暂无新的结对建议)"
BLOCKED = "未写入结对:"
NOTE = ("此表由 sheets-sync pair 生成。请在“确认”列填写“接受”或“拒绝”:下次运行时,"
        "接受的行写入“结对”表,拒绝的行保留在这里且不再建议;“确认”为空的行每次运行都会重写。")

@dataclass
class Decision:
    """A 结对建议 row staff decided on (确认 filled in)."""

    row: int                    # sheet row in 结对建议
    child_id: str               # id_key of 儿童编号 ("" when blank)
    volunteer_id: str
    mark: str                   # ACCEPT, REJECT or UNCLEAR
    confirm: str                # 确认 as written
    cells: dict[str, str]       # header -> text, every column of the row as written
    blocked: str = ""           # why an accepted row could not be written to 结对 yet


@dataclass
class Suggestions:
    """What the existing tab holds: staff decisions and the columns staff added."""

    decisions: list[Decision] = field(default_factory=list)
    extra_headers: list[str] = field(default_factory=list)
    confirm_column: int = len(HEADERS)


def read_suggestions(grid: Grid | None) -> Suggestions:
    """Staff decisions in an existing 结对建议 tab (none when there is no tab).

    Raises :class:`PairingError` when the tab holds something but its header cannot be
    found, rather than overwrite decisions it cannot read.
    """
    got = read_decided(
        grid, HEADERS, find=("儿童编号", "志愿者编号"),
        titles=(GAP_TITLE, UNPAIRED_TITLE, IDLE_TITLE), title_columns=3, error=PairingError,
        no_header=f"“{TAB}”表中找不到表头(须有“儿童编号”“志愿者编号”“确认”列),"
                  "为免丢失其中的确认结果,本次没有改写它。请恢复第 1 行的表头,"
                  "或在没有需要保留的确认时删除这张表,然后重新运行。",
        no_confirm=f"“{TAB}”表第 {{row}} 行没有“确认”列:请把这一列加回来"
                   "(填写 接受 或 拒绝)后重新运行。")
    return Suggestions([Decision(m.row, id_key(m.cells.get("儿童编号", "")),
                                 id_key(m.cells.get("志愿者编号", "")), m.mark, m.confirm,
                                 m.cells) for m in got.marked],
                       got.extra_headers, got.confirm_column)


@dataclass(frozen=True)
class Line:
    """One proposal row as shown."""

    child_id: str
    child_name: str
    school: str
    grade: str
    volunteer_id: str
    volunteer_name: str
    reasons: Sequence[str]
    cost: int


def _kept_cells(d: Decision, header: list[str]) -> list[str]:
    return kept_cells(d.cells, d.blocked, header, BLOCKED)


def suggestions_tab(lines: Sequence[Line], kept: Sequence[Decision],
                    unpaired: Sequence[tuple[str, str, str, str, str]],
                    idle: Sequence[tuple[str, str, str, str, str]],
                    extra_headers: Sequence[str] = (),
                    gaps: Sequence[tuple[str, str]] = ()) -> TabContent:
    """The whole tab: proposals, kept decisions, the schools where children stay unpaired
    (with the arithmetic, when there are any), unpaired children, idle volunteers."""
    header = [*HEADERS, *extra_headers]
    pad = [""] * len(extra_headers)
    rows: list[list[str]] = [header]
    for ln in lines:
        rows.append([ln.child_id, ln.child_name, ln.school, ln.grade, ln.volunteer_id,
                     ln.volunteer_name, "；".join(ln.reasons), str(ln.cost), "", *pad])
    rows.extend(_kept_cells(d, header) for d in kept)
    if len(rows) == 1:
        rows.append([NO_PROPOSALS])
    sections: set[int] = set()
    parts: list[tuple[str, list[str], Sequence[Sequence[str]], str]] = []
    if gaps:
        parts.append((GAP_TITLE, GAP_HEADERS, gaps, "所学校"))
    parts += [(UNPAIRED_TITLE, UNPAIRED_HEADERS, unpaired, "名"),
              (IDLE_TITLE, IDLE_HEADERS, idle, "名")]
    for title, head, items, unit in parts:
        rows.append([])
        rows.append([f"{title}({len(items)} {unit})"])
        rows.append(list(head))
        sections |= {len(rows) - 1, len(rows)}
        rows.extend(list(item) for item in items)
    widths = {1: 10.0, 2: 10.0, 3: 18.0, 4: 6.0, 5: 10.0, 6: 10.0, 7: 60.0, 8: 6.0, 9: 8.0}
    # the 确认 dropdown covers the proposal rows, down to the first section
    return TabContent(rows=rows, header_rows=1, widths=widths, note=NOTE, section_rows=sections,
                      choices={HEADERS.index(CONFIRM) + 1: [ACCEPT, REJECT]})


__all__ = ["ACCEPT", "GAP_TITLE", "HEADERS", "REJECT", "TAB", "Decision", "Line", "Suggestions",
           "mark_of", "read_suggestions", "suggestions_tab"]
