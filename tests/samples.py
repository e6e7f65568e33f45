"""Sample records shared by the tests: one valid child, one valid school (synthetic)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from sheets_sync.forms.ids import make_id
from sheets_sync.table import Grid

CHILD_ID = make_id("130607", dt.date(2015, 3, 8), 12, "女")
CHILD = {
    "编号": "C0001", "姓名": "王小红", "性别": "女", "出生日期": "2015-03-08", "身份证号": CHILD_ID,
    "县": "满城", "学校": "城关镇中心小学", "年级": "4", "班级": "2", "留守类型": "双亲外出",
    "父亲务工地": "北京", "父亲电话": "13812345678", "母亲务工地": "天津",
    "母亲电话": "13912345678", "父母外出时长(月)": "24", "监护人姓名": "王建国",
    "与儿童关系": "祖父", "监护人电话": "13712345678", "性格特征": "开朗", "兴趣爱好": "画画",
    "健康状况": "良好",
}
SCHOOL = {"编号": "S001", "学校名称": "城关镇中心小学", "县": "满城", "乡镇": "城关镇",
          "联系老师": "李老师", "联系电话": "0312-7012345", "协议已签": "是",
          "进驻开始日期": "2026-07-06", "进驻结束日期": "2026-07-12", "预计留守儿童人数": "40"}


def grid(*records: dict[str, str], title: str | None = None) -> Grid:
    headers = list(records[0])
    rows = [[title]] if title else []
    rows.append(headers)
    rows += [[r.get(h, "") for h in headers] for r in records]
    return Grid.from_rows(rows)


CHILD_TAB = "留守儿童家庭情况登记表"


def book_tabs(*children: dict[str, str]) -> dict[str, list[list[str]]]:
    """A school tab and a child tab holding ``children`` (as lists of text rows)."""
    headers = list(CHILD)
    return {
        "学校": [list(SCHOOL), list(SCHOOL.values())],
        CHILD_TAB: [headers, *[[c.get(h, "") for h in headers] for c in children]],
    }


def tool_records(rows: list[list[str]]) -> list[dict[str, str]]:
    """A tool tab's rows below its header (同步冲突, 回收站, 同步日志) as header -> text."""
    head = rows[0] if rows else []
    return [{h: (r[j] if j < len(r) else "") for j, h in enumerate(head) if h}
            for r in rows[1:]]


def tab_records(rows: list[list[str]], fields: Sequence[str]) -> dict[str, dict[str, str]]:
    """A form tab's rows (header first) as 编号 -> {field: text} for ``fields``; rows
    without 编号 are left out (the property tests compare books by these)."""
    head = rows[0] if rows else []
    out: dict[str, dict[str, str]] = {}
    for r in rows[1:]:
        rec = dict(zip(head, r + [""] * (len(head) - len(r)), strict=False))
        if rec.get("编号"):
            out[rec["编号"]] = {k: rec.get(k, "") for k in fields}
    return out


def synced_demo(root: Path) -> Path:
    """The demo program's books in ``root`` with a config (``init``) and a first base."""
    import os

    from click.testing import CliRunner

    from sheets_sync.cli import cli
    from sheets_sync.demo.build import build_demo

    build_demo(root)
    cwd = Path.cwd()
    os.chdir(root)
    try:
        for args in (["init", "."], ["sync", "--rebase-from", "hub"]):
            result = CliRunner().invoke(cli, args, catch_exceptions=False)
            assert result.exit_code == 0, result.output
    finally:
        os.chdir(cwd)
    return root
