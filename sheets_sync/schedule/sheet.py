"""The ``排班建议`` tab: proposed teams and visits out, staff decisions (确认) back in.

Layout (row 1 is the header)::

    类型 | 支队 | 所属大队 | 学校 | 乡镇 | 开始日期 | 结束日期 | 队长 | 队员 | 理由 | 确认
    支队 | 满城一支队 | 满城 | | | | | V0003 张三 | V0003 张三、V0011 李四 … | 8 人:男 4 …
    进驻 | 满城一支队 | 满城 | 东王庄小学 | 东王庄 | 2026-07-07 | 2026-07-12 |  |  | 第 1 周 … |
    …then the rows staff decided and the tool keeps…

    排班核算
    顺平:12 所学校待排,3 个支队 × 5 周 = 15 个支队周,够用
    未能排班(N 项)
    类型 | 名称 | 所属 | 原因

The 确认 column has the dropdown 接受 / 拒绝, read as ``结对建议``'s is (同意, √, 不 … are
understood too). Rows with an empty 确认 belong to the tool and are rewritten every run; a
row staff decided is read back as a :class:`Decision` (an accepted 支队 row with the 队员
and 队长 as the row says them: staff may strike a name before accepting). Rejected rows are
kept as they were, columns staff added included.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..books.base import TabContent
from ..proposals import ACCEPT, CONFIRM, REJECT, kept_cells, read_decided
from ..table import Grid
from .model import ScheduleError, id_key

TAB = "排班建议"
HEADERS = ["类型", "支队", "所属大队", "学校", "乡镇", "开始日期", "结束日期", "队长", "队员",
           "理由", "确认"]
KIND_TEAM, KIND_VISIT = "支队", "进驻"
ARITHMETIC_TITLE = "排班核算"
LEFT_TITLE = "未能排班"
LEFT_HEADERS = ["类型", "名称", "所属", "原因"]
NO_PROPOSALS = "(暂无新的排班建议)"
BLOCKED = "未写入:"
NOTE = ("此表由 sheets-sync schedule 生成。请在“确认”列填写“接受”或“拒绝”:下次运行时,接受的"
        "“支队”行写入“支队”表(队员的所属支队一并填上),接受的“进驻”行写入“进驻安排”表;拒绝的行"
        "保留在这里,同样的支队(同一组队员)不再建议,该支队也不再被建议去该学校;“确认”为空的行"
        "每次运行都会重写。")
_ID = re.compile(r"[A-Za-z]{1,3}\s*\d+")


@dataclass
class Decision:
    """A 排班建议 row staff decided on (确认 filled in)."""

    row: int
    kind: str                   # KIND_TEAM or KIND_VISIT (anything else: not understood)
    mark: str                   # ACCEPT, REJECT or ? (not understood)
    confirm: str
    cells: dict[str, str]       # header -> text, every column as written
    blocked: str = ""

    def get(self, header: str) -> str:
        return self.cells.get(header, "").strip()

    @property
    def members(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(id_key(m) for m in _ID.findall(self.get("队员"))))

    @property
    def leader(self) -> str:
        found = _ID.findall(self.get("队长"))
        return id_key(found[0]) if found else ""


@dataclass
class Suggestions:
    decisions: list[Decision] = field(default_factory=list)
    extra_headers: list[str] = field(default_factory=list)
    confirm_column: int = len(HEADERS)


def read_suggestions(grid: Grid | None) -> Suggestions:
    """Staff decisions in an existing 排班建议 tab (none when there is no tab).

    Raises :class:`ScheduleError` when the tab holds something but its header cannot be
    found, rather than overwrite decisions it cannot read.
    """
    got = read_decided(
        grid, HEADERS, find=("类型", "支队", CONFIRM), titles=(ARITHMETIC_TITLE, LEFT_TITLE),
        title_columns=1, error=ScheduleError,
        no_header=f"“{TAB}”表中找不到表头(须有“类型”“支队”“确认”列),为免丢失其中的"
                  "确认结果,本次没有改写它。请恢复第 1 行的表头,或在没有需要保留的确认时"
                  "删除这张表,然后重新运行。")
    return Suggestions([Decision(m.row, m.cells.get("类型", "").strip(), m.mark, m.confirm,
                                 m.cells) for m in got.marked],
                       got.extra_headers, got.confirm_column)


@dataclass(frozen=True)
class Line:
    """One proposal row as shown (cells in :data:`HEADERS` order, without 确认)."""

    cells: tuple[str, ...]


def _kept_cells(d: Decision, header: list[str]) -> list[str]:
    return kept_cells(d.cells, d.blocked, header, BLOCKED)


def suggestions_tab(lines: Sequence[Line], kept: Sequence[Decision], arithmetic: Sequence[str],
                    left: Sequence[tuple[str, str, str, str]],
                    extra_headers: Sequence[str] = ()) -> TabContent:
    """The whole tab: proposals, kept decisions, the arithmetic, what could not be scheduled."""
    header = [*HEADERS, *extra_headers]
    pad = [""] * len(extra_headers)
    rows: list[list[str]] = [header]
    rows.extend([*ln.cells, "", *pad] for ln in lines)
    rows.extend(_kept_cells(d, header) for d in kept)
    if len(rows) == 1:
        rows.append([NO_PROPOSALS])
    sections: set[int] = set()
    rows.append([])
    rows.append([ARITHMETIC_TITLE])
    sections.add(len(rows))
    rows.extend([a] for a in arithmetic)
    rows.append([])
    rows.append([f"{LEFT_TITLE}({len(left)} 项)"])
    rows.append(list(LEFT_HEADERS))
    sections |= {len(rows) - 1, len(rows)}
    rows.extend(list(item) for item in left)
    widths = {1: 6.0, 2: 14.0, 3: 8.0, 4: 18.0, 5: 10.0, 6: 11.0, 7: 11.0, 8: 12.0, 9: 40.0,
              10: 50.0, 11: 8.0}
    return TabContent(rows=rows, header_rows=1, widths=widths, note=NOTE, section_rows=sections,
                      choices={HEADERS.index(CONFIRM) + 1: [ACCEPT, REJECT]}, wrap={9, 10})


__all__ = ["ACCEPT", "HEADERS", "KIND_TEAM", "KIND_VISIT", "REJECT", "TAB", "Decision", "Line",
           "Suggestions", "read_suggestions", "suggestions_tab"]
