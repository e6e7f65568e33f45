"""report_book: diffed writes, overwritten staff edits, --only, dry runs; the count tabs."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from functools import cache
from pathlib import Path

import openpyxl
import pytest

from sheets_sync.books.base import WriteBatch
from sheets_sync.books.excel import ExcelBook, write_workbook
from sheets_sync.books.memory import MemoryBook
from sheets_sync.demo.build import HUB_NAME, demo_books
from sheets_sync.errors import ConfigError
from sheets_sync.reports import REPORTS, Overwrite, generate_reports
from sheets_sync.reports.archive import lacks
from sheets_sync.reports.model import Record
from sheets_sync.sync.slices import report_book
from sheets_sync.table import Grid

NOW = datetime(2026, 8, 1, 9, 30)


@cache
def demo_hub() -> dict[str, list[list[str]]]:
    return demo_books().books[HUB_NAME]


def fresh_book() -> MemoryBook:
    return MemoryBook({k: [list(r) for r in v] for k, v in demo_hub().items()})


def test_a_rerun_with_no_change_writes_nothing() -> None:
    book = fresh_book()
    first, batch = report_book(book, now=NOW)
    assert book.applies == 1
    assert set(batch.tabs) == set(first.tabs)
    again, batch = report_book(book, now=NOW)
    assert not batch
    assert book.applies == 1
    assert again.written == [] and sorted(again.unchanged) == sorted(first.tabs)


def test_a_rerun_on_an_excel_workbook_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "hub.xlsx"
    write_workbook(path, demo_hub())
    book = ExcelBook(path)
    report_book(book, only="grades,budget,settlement", now=NOW)
    stamp = path.stat().st_mtime_ns
    result, batch = report_book(book, only="grades,budget,settlement", now=NOW)
    assert not batch and result.written == []
    assert path.stat().st_mtime_ns == stamp
    wb = openpyxl.load_workbook(path)
    assert len(wb["预算汇总"]._charts) == 1 and len(wb["年级统计"]._charts) == 1
    assert wb["经费结算表"].print_title_rows == "$3:$3"
    assert "生成时间:2026-08-01 09:30" in wb["预算汇总"]["A1"].comment.text
    total = wb["预算汇总"]["C12"]  # the 已支出 total: a number with a money format
    assert (wb["预算汇总"]["A12"].value, total.data_type, total.number_format) == (
        "合计", "n", "#,##0.00")
    assert wb["预算汇总"]["B13"].value.startswith("=SUM(B4:B11)")
    assert "A1:Z1" in {str(r) for r in wb["年级统计"].merged_cells.ranges}
    assert wb["年级统计"].protection.sheet and wb["年级统计"].freeze_panes == "A4"


def test_staff_edits_are_recorded_before_they_are_overwritten() -> None:
    book = fresh_book()
    report_book(book, only="grades", now=NOW)
    count = book.tab("年级统计")[3][2]
    book.tab("年级统计")[3][2] = "99"
    result, batch = report_book(book, only="grades", now=NOW)
    assert result.overwritten == [Overwrite("年级统计", "C4", "99", count)]
    assert list(batch.tabs) == ["年级统计"]
    assert book.tab("年级统计")[3][2] == count


def test_only_the_changed_tabs_are_written() -> None:
    book = fresh_book()
    report_book(book, now=NOW)
    donations = book.tab("捐赠")
    cash = next(r for r in donations[1:] if r[donations[0].index("类型")] == "现金")
    cash[donations[0].index("金额")] = "20700"
    result, batch = report_book(book, now=NOW)
    assert sorted(batch.tabs) == ["经费结算表", "预算汇总"]
    assert "年级统计" in result.unchanged


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    book = fresh_book()
    result, batch = report_book(book, dry_run=True, per_school_dir=tmp_path / "schools")
    assert batch and book.applies == 0
    assert not (tmp_path / "schools").exists() and result.school_books == []


def test_roster_of_a_school_no_longer_listed_is_removed() -> None:
    book = fresh_book()
    report_book(book, only="rosters", now=NOW)
    schools = book.tab("学校")
    gone = schools.pop(1)[schools[0].index("学校名称")]
    result, batch = report_book(book, only="rosters", now=NOW)
    assert result.deleted == [f"花名册-{gone}"]
    assert f"花名册-{gone}" not in book.read()
    assert batch.delete_tabs == {f"花名册-{gone}"}


@pytest.mark.parametrize("only, message", [
    pytest.param("rosters,bugdet", "--only 中的“bugdet”不是报表名称:可选 rosters, grades, "
                 "archive, budget, settlement, survey, attendance, contacts, todo, incidents, "
                 "signin(用逗号分隔),例如 --only rosters,budget。",
                 id="misspelt-report"),
])
def test_an_unknown_report_name_is_a_clear_error(only: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        generate_reports({}, only=only)
    assert str(err.value) == message


def test_only_selects_the_reports() -> None:
    grids = {k: Grid(v) for k, v in demo_hub().items()}
    assert list(generate_reports(grids, only="archive").tabs) == ["建档完整率"]
    assert REPORTS == ("rosters", "grades", "archive", "budget", "settlement")


def test_grade_counts_tie_out() -> None:
    head, *rows = demo_hub()["留守儿童家庭情况登记表"]
    sexes = Counter(r[head.index("性别")][:1] for r in rows)  # 男孩 is 男
    tab = generate_reports({k: Grid(v) for k, v in demo_hub().items()}, only="grades")
    table = tab.tabs["年级统计"].rows
    total = next(r for r in table if r[0] == "总计")
    assert total[-3:] == [str(sexes["男"]), str(sexes["女"]), str(len(rows))]
    schools = [r for r in table[3:] if r and r[1] not in ("小计", "") and r[0] != "总计"
               and len(r) == len(total)]
    for col in range(2, len(total)):
        assert sum(int(r[col]) for r in schools) == int(total[col])
    for r in schools:  # 男 + 女 = 小计 in every grade of every school
        assert all(int(r[c]) + int(r[c + 1]) == int(r[c + 2]) for c in range(2, len(r), 3))


def _record(**text: str) -> Record:
    base = {"name": "张三", "sex": "男", "birth_date": "2015-03-01", "school": "第一小学",
            "grade": "3", "personality": "开朗", "interests": "画画", "health": "良好",
            "guardian_phone": "13812345678", "father_phone": "13912345678",
            "mother_phone": ""}
    base.update(text)
    return Record("登记表", 2, base, {k: (v or None) for k, v in base.items()}, {})


@pytest.mark.parametrize("changes, missing", [
    pytest.param({}, [], id="complete"),
    pytest.param({"interests": ""}, ["兴趣爱好"], id="no-interests"),
    pytest.param({"birth_date": ""}, ["基本信息(缺出生日期)"], id="no-birth-date"),
    pytest.param({"father_phone": ""}, ["联系方式(缺父母任一方的有效电话)"],
                 id="no-parent-phone"),
    pytest.param({"guardian_phone": "", "health": ""},
                 ["健康状况", "联系方式(缺监护人电话)"], id="two-items"),
])
def test_archive_completeness_items(changes: dict[str, str], missing: list[str]) -> None:
    assert lacks(_record(**changes)) == missing


def test_archive_rates_tie_out() -> None:
    tab = generate_reports({k: Grid(v) for k, v in demo_hub().items()}, only="archive")
    rows = tab.tabs["建档完整率"].rows
    total = next(r for r in rows if r[0] == "总计")
    listed = next(r for r in rows if r and r[0].startswith("未完整建档的记录"))
    n, complete = int(total[2]), int(total[3])
    assert n == len(demo_hub()["留守儿童家庭情况登记表"]) - 1
    assert listed == [f"未完整建档的记录({n - complete} 条)"]
    assert total[4] == str(round(complete / n, 4))


def test_a_county_book_gets_the_reports_its_forms_allow() -> None:
    county = demo_books().books["满城.xlsx"]
    tabs = {k: [list(r) for r in v] for k, v in county.items()}
    book = MemoryBook({**tabs, "花名册-旧学校": [["旧内容"]]})  # a tool tab left over: pruned
    result, _ = report_book(book, now=NOW)
    assert result.reports == ["rosters", "grades", "archive"]
    assert "未生成预算汇总:工作簿中没有“预算”表。" in result.problems
    assert "未生成经费结算表:工作簿中没有“预算”表。" in result.problems
    assert "预算汇总" not in book.read() and result.deleted == ["花名册-旧学校"]


def test_without_a_school_tab_rosters_are_kept_not_pruned() -> None:
    book = fresh_book()
    report_book(book, only="rosters", now=NOW)
    n_rosters = sum(t.startswith("花名册-") for t in book.read())
    book.apply(_delete("学校"))
    result, batch = report_book(book, only="rosters", now=NOW)
    assert result.problems == ["未生成花名册:工作簿中没有“学校”表。"]
    assert not batch and sum(t.startswith("花名册-") for t in book.read()) == n_rosters


def _delete(tab: str) -> WriteBatch:
    batch = WriteBatch()
    batch.delete_tab(tab)
    return batch


def test_with_what_the_last_run_wrote_only_staff_edits_are_recorded() -> None:
    book = fresh_book()
    first, _ = report_book(book, only="grades", now=NOW)
    previous = {"年级统计": [list(r) for r in first.tabs["年级统计"].rows]}
    book.tab("年级统计")[3][1] = "龙泉镇小学(改)"       # a staff edit
    children = book.tab("留守儿童家庭情况登记表")
    children.append(list(children[1]))                # the data moves the counts
    result, _ = report_book(book, only="grades", now=NOW, previous=previous)
    assert result.overwritten == [Overwrite("年级统计", "B4", "龙泉镇小学(改)", "龙泉镇中心小学")]
    everything, _ = report_book(fresh_book(), only="grades", now=NOW)
    assert everything.overwritten == []


class _ReadOnlyBook(MemoryBook):
    writable = False


def test_a_book_that_cannot_hold_tabs_is_not_written() -> None:
    book = _ReadOnlyBook({k: [list(r) for r in v] for k, v in demo_hub().items()}, name="儿童.csv")
    result, batch = report_book(book, only="grades")
    assert not batch and book.applies == 0 and list(result.tabs) == ["年级统计"]
    assert result.problems == ["儿童.csv 不能保存生成的表格(例如 CSV 文件),本次只生成、未写入:"
                               "请对 Excel 工作簿或 Google 表格运行。"]


@pytest.mark.parametrize("name", ["roster.png", "budget.png", "settlement.png"])
def test_docs_renderings_are_committed_and_small(name: str) -> None:
    path = Path(__file__).parent.parent / "docs" / name
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) <= 200 * 1024


@pytest.mark.parametrize(("new", "old", "same"), [
    pytest.param("0.8925", "89.3%", True, id="percent-tie-rounded-up"),
    pytest.param("0.8925", "89.2%", True, id="percent-tie-rounded-down"),
    pytest.param("0.8935", "89.2%", False, id="percent-differs"),
    pytest.param("1215", "1,215.00", True, id="thousands-and-places"),
    pytest.param("1215.004", "1,215.00", True, id="rounded-to-shown-places"),
    pytest.param("1215.01", "1,215.00", False, id="cent-differs"),
    pytest.param("abc", "abc", True, id="text-equal"),
])
def test_number_cells_compare_at_the_precision_the_book_shows(new: str, old: str,
                                                              same: bool) -> None:
    from sheets_sync.reports.render import _same_cell

    assert _same_cell(new, old, is_number=True) is same
