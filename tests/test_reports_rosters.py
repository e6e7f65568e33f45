"""花名册-<学校>: exactly the school's children, in order, with the header block."""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

import pytest

from sheets_sync.books.excel import read_workbook
from sheets_sync.demo.build import HUB_NAME, demo_books
from sheets_sync.reports import generate_reports, write_school_books
from sheets_sync.reports.rosters import HEADER_ROWS, roster_tab_name
from sheets_sync.table import Grid

SCHOOLS = [["学校名称", "县", "联系老师", "联系电话", "进驻开始日期", "进驻结束日期"],
           ["第一小学", "满城", "周老师", "0312-7654321", "2026-07-06", "2026-07-12"],
           ["空小学", "顺平", "", "", "", ""]]
CHILD_HEAD = ["编号", "姓名", "性别", "学校", "年级", "班级", "监护人姓名", "监护人电话",
              "过敏或特殊注意"]


def _child(cid: str, name: str, sex: str, grade: str, cls: str, school: str = "第一小学"
           ) -> list[str]:
    return [cid, name, sex, school, grade, cls, "王奶奶", "13812345678", ""]


def small_book(*children: list[str]) -> dict[str, Grid]:
    return {"学校": Grid([list(r) for r in SCHOOLS]),
            "留守儿童家庭情况登记表": Grid([CHILD_HEAD, *map(list, children)])}


@cache
def demo_hub() -> dict[str, list[list[str]]]:
    return demo_books().books[HUB_NAME]


@cache
def demo_rosters() -> dict[str, list[list[str]]]:
    result = generate_reports({k: Grid(v) for k, v in demo_hub().items()}, only="rosters")
    return {k: v.rows for k, v in result.tabs.items()}


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def test_each_roster_holds_exactly_the_schools_children() -> None:
    head, *rows = demo_hub()["留守儿童家庭情况登记表"]
    school_col, id_col = head.index("学校"), head.index("编号")
    school_head, *school_rows = demo_hub()["学校"]
    schools = [r[school_head.index("学校名称")] for r in school_rows]
    for school in schools:
        expected = sorted(r[id_col] for r in rows if _key(r[school_col]) == _key(school))
        listed = demo_rosters()[roster_tab_name(school)][HEADER_ROWS:]
        assert sorted(r[1] for r in listed) == expected, school
        assert [r[0] for r in listed] == [str(n) for n in range(1, len(expected) + 1)]
    assert len(demo_rosters()) == len(set(schools))


def test_sorted_by_grade_class_then_pinyin() -> None:
    grids = small_book(
        _child("C1", "张三", "男", "4", "1班"),
        _child("C2", "安娜", "女", "3", "10班"),
        _child("C3", "李四", "男", "3", "2班"),
        _child("C4", "白雪", "女", "3", "2班"),
        _child("C5", "陈晨", "女", "三年级", "2班"),
    )
    rows = generate_reports(grids, only="rosters").tabs["花名册-第一小学"].rows
    assert [r[2] for r in rows[HEADER_ROWS:]] == ["白雪", "陈晨", "李四", "安娜", "张三"]
    assert [r[4] for r in rows[HEADER_ROWS:]] == ["3年级"] * 4 + ["4年级"]


def test_header_block_names_school_teacher_dates_and_counts() -> None:
    grids = small_book(_child("C1", "张三", "男", "4", "1班"),
                       _child("C2", "李梅", "女", "4", "1班"),
                       _child("C3", "王五", "男", "3", "1班"))
    rows = generate_reports(grids, only="rosters").tabs["花名册-第一小学"].rows
    assert rows[0] == ["第一小学 留守儿童花名册"]
    assert rows[1] == ["县:满城  乡镇:未填  联系老师:周老师 0312-7654321  "
                       "进驻日期:2026-07-06 至 2026-07-12"]
    assert rows[2] == ["进驻支队:未安排(见“进驻安排”)"]
    assert rows[3] == ["人数:3(男 2,女 1)"]
    assert rows[4] == ["各年级:3年级 1 人(男 1,女 0);4年级 2 人(男 1,女 1)"]
    assert rows[5][:3] == ["序号", "编号", "姓名"]


def test_a_school_without_children_gets_an_empty_roster_with_its_header() -> None:
    content = generate_reports(small_book(_child("C1", "张三", "男", "4", "1班")),
                               only="rosters").tabs["花名册-空小学"]
    assert len(content.rows) == HEADER_ROWS
    assert content.rows[1:5] == [["县:顺平  乡镇:未填  联系老师:未填  进驻日期:未定"],
                                 ["进驻支队:未安排(见“进驻安排”)"],
                                 ["人数:0(男 0,女 0)"], ["各年级:暂无登记儿童"]]


def test_a_child_of_an_unlisted_school_is_reported_not_dropped() -> None:
    result = generate_reports(small_book(_child("C1", "张三", "男", "4", "1班", "东风小学")),
                              only="rosters")
    assert result.problems == [
        "留守儿童家庭情况登记表!D2 学校“东风小学”不在“学校”表中,张三没有列入任何花名册:"
        "请改成学校表中的名称,或先在学校表登记该学校。"]


@pytest.mark.parametrize("reveal, shown", [
    pytest.param(None, "138****5678", id="masked-by-default"),
    pytest.param({"rosters": {"child.guardian_phone"}}, "13812345678", id="revealed-by-config"),
])
def test_guardian_phone_is_masked_unless_revealed(reveal: dict[str, set[str]] | None,
                                                  shown: str) -> None:
    result = generate_reports(small_book(_child("C1", "张三", "男", "4", "1班")),
                              only="rosters", reveal=reveal)
    assert result.tabs["花名册-第一小学"].rows[HEADER_ROWS][8] == shown


@pytest.mark.parametrize("school, tab", [
    pytest.param("第一小学", "花名册-第一小学", id="plain"),
    pytest.param("城关/中心小学", "花名册-城关_中心小学", id="slash-replaced"),
    pytest.param("一" * 40, "花名册-" + "一" * 27, id="cut-to-31-characters"),
])
def test_roster_tab_names_are_valid_in_excel(school: str, tab: str) -> None:
    assert roster_tab_name(school) == tab


def test_per_school_books_hold_only_that_schools_children(tmp_path: Path) -> None:
    tabs = generate_reports({k: Grid(v) for k, v in demo_hub().items()}, only="rosters").tabs
    written = write_school_books(tmp_path, tabs)
    assert sorted(p.name for p in written) == sorted(f"{t}.xlsx" for t in tabs)
    for path in written:
        held = read_workbook(path)
        assert list(held) == [path.stem]
        expected = demo_rosters()[path.stem][HEADER_ROWS:]
        assert [r[1] for r in held[path.stem].rows[HEADER_ROWS:]] == [r[1] for r in expected]
    assert write_school_books(tmp_path, tabs) == []  # unchanged: nothing rewritten


def test_per_school_books_are_written_when_the_hub_rosters_are_already_current(
        tmp_path: Path) -> None:
    from sheets_sync.books.excel import ExcelBook, write_workbook
    from sheets_sync.sync.slices import report_book

    hub = tmp_path / "总表.xlsx"
    write_workbook(hub, demo_hub())
    report_book(ExcelBook(hub), state_dir=tmp_path / "s")  # the hub's rosters written once …
    result, batch = report_book(ExcelBook(hub), per_school_dir=tmp_path / "各校",
                                state_dir=tmp_path / "s")  # … the next run changes nothing
    assert not batch.tabs  # … the next run changes nothing
    assert sorted(p.name for p in result.school_books) == sorted(
        f"{t}.xlsx" for t in result.tabs if t.startswith("花名册-"))
    assert result.school_books and all(p.is_file() for p in result.school_books)
