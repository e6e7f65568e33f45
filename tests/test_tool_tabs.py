"""The tool tabs people read and decide in: 同步冲突 (处理), 回收站 (恢复), 同步日志 (确认删除).

Each decision a person makes in a dropdown is carried out by the next run, which writes
what it did into the same cell; a safety field two books disagree on keeps both values
(each book its own, the roster both) until a person decides. Nothing is lost on the way:
every record is in a form tab or in 回收站 after every step.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from sheets_sync.books.excel import ExcelBook, write_workbook
from sheets_sync.books.memory import MemoryBook
from sheets_sync.sync.pipeline import StepOptions, run_pipeline
from sheets_sync.sync.project import Project, project_from_dict
from sheets_sync.sync.tooltabs import CONFLICTS, RECYCLE, append_rows, layout, shown_time
from sheets_sync.table import Grid

from .samples import tool_records

TAB = "留守儿童家庭情况登记表"
HEAD = ["编号", "姓名", "性别", "县", "学校", "年级", "过敏或特殊注意"]
HUB, MC = "总表.xlsx", "满城.xlsx"
KIDS = [["C0001", "王小红", "女", "满城", "一小", "3", ""],
        ["C0002", "李明", "男", "满城", "一小", "4", ""],
        ["C0003", "赵雪", "女", "满城", "二小", "5", "无"],
        ["C0004", "钱多多", "男", "满城", "二小", "2", ""]]
SCHOOLS = [["学校名称", "县"], ["一小", "满城"], ["二小", "满城"]]


def make(root: Path, **sync_options: int) -> tuple[Project, dict[str, MemoryBook]]:
    project = project_from_dict({"project": {"forms": ["child"]}, "hub": {"book": HUB},
                                 "spokes": [{"book": MC, "partition": {"county": "满城"}}],
                                 **({"sync": sync_options} if sync_options else {})}, root)
    books = {HUB: MemoryBook({TAB: [HEAD, *[list(k) for k in KIDS]], "学校": SCHOOLS}, name=HUB),
             MC: MemoryBook({"封面": [["满城县大队"]]}, name=MC)}
    assert sync(project, books).ok
    return project, books


def sync(project: Project, books: dict[str, MemoryBook], *steps: str, **opts: object):  # type: ignore[no-untyped-def]
    return run_pipeline(project, steps=("sync", *steps), books=books,
                        options=StepOptions(**opts))  # type: ignore[arg-type]


def value(book: MemoryBook, rid: str, header: str) -> str:
    rows = book.read()[TAB].rows
    for r in rows[1:]:
        if r and r[rows[0].index("编号")] == rid:
            return r[rows[0].index(header)] if rows[0].index(header) < len(r) else ""
    raise AssertionError(rid)


def put(book: MemoryBook, rid: str, header: str, text: str) -> None:
    rows = book.tab(TAB)
    for r in rows[1:]:
        if r and r[rows[0].index("编号")] == rid:
            r[rows[0].index(header)] = text
            return
    raise AssertionError(rid)


def tool(book: MemoryBook, tab: str) -> list[dict[str, str]]:
    tabs = book.read()
    return tool_records(tabs[tab].rows) if tab in tabs else []


def choose(book: MemoryBook, tab: str, row: int, column: str, text: str) -> None:
    """A person picks ``text`` in the dropdown of ``column`` on sheet row ``row``."""
    rows = book.tab(tab)
    col = rows[0].index(column)
    rows[row - 1].extend([""] * (col + 1 - len(rows[row - 1])))
    rows[row - 1][col] = text


def roster_cell(book: MemoryBook, school: str, rid: str) -> str:
    rows = book.read()[f"花名册-{school}"].rows
    head = next(r for r in rows if "编号" in r)
    row = next(r for r in rows if len(r) > head.index("编号") and r[head.index("编号")] == rid)
    return row[head.index("过敏或特殊注意")]


# -- 同步冲突: a safety field keeps both values until a person decides -------------------


def test_a_safety_conflict_overwrites_neither_book_and_the_roster_shows_both(
        tmp_path: Path) -> None:
    project, books = make(tmp_path)
    put(books[HUB], "C0001", "过敏或特殊注意", "无")
    put(books[MC], "C0001", "过敏或特殊注意", "对花生严重过敏")
    out = sync(project, books, "report")
    assert out.sync.counts["conflicts"] == 1
    assert value(books[HUB], "C0001", "过敏或特殊注意") == "无"
    assert value(books[MC], "C0001", "过敏或特殊注意") == "对花生严重过敏"  # not overwritten
    rows = tool(books[HUB], "同步冲突")
    assert [(r["编号"], r["姓名"], r["字段"], r["保留的值"], r["未采用的值"], r["未采用的值来自"],
             r["处理"]) for r in rows] == [
        ("C0001", "王小红", "过敏或特殊注意", "无", "对花生严重过敏", MC, "")]
    assert rows[0]["说明"] == "安全字段:两边都保留,花名册显示两个值,请核实后选“处理”"
    assert roster_cell(books[HUB], "一小", "C0001") == "无〔待核实:满城.xlsx 写的是“对花生严重过敏”〕"
    # the next runs find the same conflict: no second row, still nobody overwritten
    for _ in range(2):
        again = sync(project, books, "report")
        assert again.sync.counts["conflicts"] == 1
    assert len(tool(books[HUB], "同步冲突")) == 1
    assert value(books[MC], "C0001", "过敏或特殊注意") == "对花生严重过敏"
    assert roster_cell(books[HUB], "一小", "C0001").startswith("无〔待核实")


def test_choosing_the_other_value_puts_it_everywhere(tmp_path: Path) -> None:
    project, books = make(tmp_path)
    put(books[HUB], "C0001", "过敏或特殊注意", "无")
    put(books[MC], "C0001", "过敏或特殊注意", "对花生严重过敏")
    sync(project, books)
    choose(books[HUB], "同步冲突", 2, "处理", "采用另一值")
    out = sync(project, books, "report")
    assert out.sync.counts["conflicts"] == 0
    assert value(books[HUB], "C0001", "过敏或特殊注意") == "对花生严重过敏"
    assert value(books[MC], "C0001", "过敏或特殊注意") == "对花生严重过敏"
    assert tool(books[HUB], "同步冲突")[0]["处理"] == f"已采用另一值(第 {out.sync.run_id} 次运行)"
    assert roster_cell(books[HUB], "一小", "C0001") == "对花生严重过敏"
    settled = sync(project, books)
    assert settled.sync.counts["conflicts"] == 0 and not settled.sync.plan


def test_handled_keeps_the_kept_value_and_the_other_book_takes_it(tmp_path: Path) -> None:
    project, books = make(tmp_path)
    put(books[HUB], "C0003", "过敏或特殊注意", "对青霉素过敏")
    put(books[MC], "C0003", "过敏或特殊注意", "无已知过敏")
    sync(project, books)
    choose(books[HUB], "同步冲突", 2, "处理", "已处理")
    out = sync(project, books, "report")
    assert value(books[MC], "C0003", "过敏或特殊注意") == "对青霉素过敏"
    assert value(books[HUB], "C0003", "过敏或特殊注意") == "对青霉素过敏"
    assert tool(books[HUB], "同步冲突")[0]["处理"] == f"已处理(第 {out.sync.run_id} 次运行)"
    assert roster_cell(books[HUB], "二小", "C0003") == "对青霉素过敏"


def test_an_ordinary_conflict_follows_the_policy_and_can_be_turned_round(
        tmp_path: Path) -> None:
    project, books = make(tmp_path)
    put(books[HUB], "C0002", "年级", "5")
    put(books[MC], "C0002", "年级", "6")
    sync(project, books)
    assert value(books[MC], "C0002", "年级") == "5"  # hub-wins: the spoke took the hub's
    row = tool(books[HUB], "同步冲突")[0]
    assert (row["保留的值"], row["未采用的值"], row["说明"]) == ("5", "6", "两边都改了这个单元格")
    choose(books[HUB], "同步冲突", 2, "处理", "采用另一值")
    out = sync(project, books)
    assert value(books[HUB], "C0002", "年级") == "6" and value(books[MC], "C0002", "年级") == "6"
    assert tool(books[HUB], "同步冲突")[0]["处理"] == f"已采用另一值(第 {out.sync.run_id} 次运行)"


def test_the_other_value_is_not_taken_over_a_newer_edit(tmp_path: Path) -> None:
    project, books = make(tmp_path)
    put(books[HUB], "C0002", "年级", "5")
    put(books[MC], "C0002", "年级", "6")
    sync(project, books)
    put(books[HUB], "C0002", "年级", "3")  # someone corrected it since
    choose(books[HUB], "同步冲突", 2, "处理", "采用另一值")
    sync(project, books)
    assert value(books[HUB], "C0002", "年级") == "3" and value(books[MC], "C0002", "年级") == "3"
    assert tool(books[HUB], "同步冲突")[0]["处理"] == (
        "未能采用:总表中这一项现在是“3”,已不是保留的值;请核对后直接在表中改正")


# -- 回收站: 恢复 ------------------------------------------------------------------------


def test_restore_in_the_recycle_tab_brings_the_record_back_to_hub_and_spoke_at_once(
        tmp_path: Path) -> None:
    project, books = make(tmp_path)
    rows = books[MC].tab(TAB)
    rows[:] = [r for r in rows if "C0004" not in r]
    sync(project, books)
    recycle = tool(books[HUB], "回收站")
    assert [(r["编号"], r["去向"], r["姓名"], r["年级"], r["恢复"]) for r in recycle] == [
        ("C0004", f"删除于 {MC}", "钱多多", "2", "")]
    choose(books[HUB], "回收站", 2, "恢复", "恢复")
    out = sync(project, books)
    assert out.ok
    assert value(books[HUB], "C0004", "姓名") == "钱多多"
    assert value(books[MC], "C0004", "姓名") == "钱多多"  # the same run carried it back
    assert value(books[MC], "C0004", "年级") == "2"
    assert tool(books[HUB], "回收站")[0]["恢复"] == f"已恢复(第 {out.sync.run_id} 次运行)"
    assert any("已把 C0004 放回" in m for m in out.messages)
    again = sync(project, books)  # done once: not again, and nothing deletes it again
    assert again.ok and value(books[MC], "C0004", "姓名") == "钱多多"
    assert len([r for r in books[HUB].read()[TAB].rows if "C0004" in r]) == 1


def test_restore_of_a_moved_record_says_why_not_and_fails_the_run(tmp_path: Path) -> None:
    project = project_from_dict({"project": {"forms": ["child"]}, "hub": {"book": HUB},
                                 "spokes": [{"book": MC, "partition": {"county": "满城"}},
                                            {"book": "顺平.xlsx",
                                             "partition": {"county": "顺平"}}]}, tmp_path)
    books = {HUB: MemoryBook({TAB: [HEAD, *[list(k) for k in KIDS]]}, name=HUB),
             MC: MemoryBook({}, name=MC), "顺平.xlsx": MemoryBook({}, name="顺平.xlsx")}
    sync(project, books)
    rows = books[MC].tab(TAB)  # a column of the brigade's own, which 顺平 lacks
    rows[0].append("带队备注")
    next(r for r in rows if "C0002" in r).append("已家访")
    sync(project, books)
    put(books[MC], "C0002", "县", "顺平")
    sync(project, books)
    moved = tool(books[HUB], "回收站")
    assert [(r["编号"], r["去向"]) for r in moved] == [("C0002", "移到 顺平.xlsx")]
    choose(books[HUB], "回收站", 2, "恢复", "恢复")
    out = sync(project, books)
    assert not out.ok
    assert tool(books[HUB], "回收站")[0]["恢复"] == (
        "未能恢复:C0002 是移到 顺平.xlsx的,不是删除的:它在那里,不需要恢复。")
    assert "“回收站”第 2 行没有恢复:C0002 是移到 顺平.xlsx的,不是删除的" in "\n".join(out.messages)


# -- 同步日志: 确认删除 -------------------------------------------------------------------


def test_a_held_deletion_is_let_through_by_the_confirm_cell_in_the_log(tmp_path: Path) -> None:
    project, books = make(tmp_path)
    books[MC].tab(TAB)[1:] = []
    held = sync(project, books)
    assert not held.ok and held.sync.blocked
    log = tool(books[HUB], "同步日志")
    waiting = [(i, r) for i, r in enumerate(log, start=2) if r["结果"] == "删除待确认"]
    assert [(r["工作簿"], r["确认删除"]) for _, r in waiting] == [(MC, "")]
    assert waiting[0][1]["说明"] == held.sync.blocked[0]
    assert "在总表“同步日志”这一行的“确认删除”列选“确认删除”" in held.sync.blocked[0]
    sync(project, books)  # still held: the same row, not a second one
    assert sum(r["结果"] == "删除待确认" for r in tool(books[HUB], "同步日志")) == 1
    assert len(books[HUB].read()[TAB].rows) == 5
    choose(books[HUB], "同步日志", waiting[0][0], "确认删除", "确认删除")
    out = sync(project, books)
    assert out.ok and out.sync.counts["deleted"] == 4
    assert len(books[HUB].read()[TAB].rows) == 1
    assert {r["编号"] for r in tool(books[HUB], "回收站")} == {k[0] for k in KIDS}
    assert tool(books[HUB], "同步日志")[waiting[0][0] - 2]["确认删除"] == (
        f"已确认(第 {out.sync.run_id} 次运行)")


def test_a_confirmation_for_another_deletion_lets_nothing_through(tmp_path: Path) -> None:
    project, books = make(tmp_path, max_delete=1)
    rows = books[MC].tab(TAB)
    rows[:] = rows[:1]   # all four gone …
    sync(project, books)
    log = tool(books[HUB], "同步日志")
    row = next(i for i, r in enumerate(log, start=2) if r["结果"] == "删除待确认")
    books[MC].tab(TAB).append(["C0001", "王小红", "女", "满城", "一小", "3", ""])  # … one back
    choose(books[HUB], "同步日志", row, "确认删除", "确认删除")
    out = sync(project, books)
    assert not out.ok and len(books[HUB].read()[TAB].rows) == 5  # three missing: held again
    log = tool(books[HUB], "同步日志")
    assert log[row - 2]["确认删除"].startswith("未能确认:这一行说的删除现在已不同")
    assert sum(r["结果"] == "删除待确认" for r in log) == 2


# -- layout ------------------------------------------------------------------------------


def test_a_new_tool_tab_is_laid_out_to_be_read_and_printed() -> None:
    grid_rows = [list(CONFLICTS.header), ["2026-07-08 14:30", "3", TAB, "C0001", "王小红",
                                          "过敏或特殊注意", "无", HUB, "对花生严重过敏", MC, "",
                                          "两边都改了这个单元格" * 6, ""]]
    content = layout(CONFLICTS, grid_rows)
    head = grid_rows[0]
    assert content.choices == {head.index("处理") + 1: ["已处理", "采用另一值"]}
    assert content.print_setup is not None and content.print_setup.landscape
    assert content.print_setup.fit_width and content.print_setup.repeat_rows == (1, 1)
    assert head.index("说明") + 1 in content.wrap
    assert content.widths[head.index("时间") + 1] >= len("2026-07-08 14:30")
    assert all(w <= 40 for w in content.widths.values())
    assert shown_time("2026-07-08T14:30:05") == "2026-07-08 14:30"


def test_a_tab_from_the_previous_release_keeps_its_rows_and_gets_the_new_columns() -> None:
    old_conflicts = Grid.from_rows([
        ["时间", "运行", "表单", "编号", "字段", "保留的值", "来自", "未采用的值", "来自", "原值",
         "说明"],
        ["2026-07-01T10:00:00", "2", TAB, "C0009", "年级", "4", HUB, "5", MC, "3", "两边都改了"]])
    old_recycle = Grid.from_rows([
        ["时间", "运行", "表单", "编号", "处理", "原所在工作簿", "原位置", "内容(表头:值)"],
        ["2026-07-01T10:00:00", "2", TAB, "C0008", "删除于 满城.xlsx", HUB, "第 9 行",
         "姓名:孙丽;年级:3"]])
    book = MemoryBook({"同步冲突": old_conflicts.rows, "回收站": old_recycle.rows}, name=HUB)
    from sheets_sync.books.base import WriteBatch

    batch = WriteBatch()
    grids = book.read()
    append_rows(batch, grids, "同步冲突", CONFLICTS, [
        {"时间": "2026-07-09 09:00", "编号": "C0001", "姓名": "王小红", "字段": "年级",
         "保留的值": "4", "未采用的值": "5"}])
    append_rows(batch, grids, "回收站", RECYCLE, [
        {"时间": "2026-07-09 09:00", "编号": "C0002", "去向": "删除于 满城.xlsx", "姓名": "李明"}])
    book.apply(batch)
    conflicts = book.read()["同步冲突"].rows
    assert conflicts[0] == ["时间", "运行", "表单", "编号", "字段", "保留的值", "保留的值来自",
                            "未采用的值", "未采用的值来自", "原值", "说明", "姓名", "处理"]
    assert conflicts[1][:11] == old_conflicts.rows[1]  # the old row, where it was
    assert tool_records(conflicts)[1]["姓名"] == "王小红"
    assert batch.tabs["同步冲突"].choices == {13: ["已处理", "采用另一值"]}
    recycle = tool_records(book.read()["回收站"].rows)
    assert recycle[0]["去向"] == "删除于 满城.xlsx" and recycle[0]["内容(表头:值)"].startswith("姓名:孙丽")
    assert (recycle[1]["编号"], recycle[1]["姓名"], recycle[1]["恢复"]) == ("C0002", "李明", "")


def test_rows_are_appended_cell_by_cell_until_the_dropdowns_run_out() -> None:
    head = list(RECYCLE.header)
    rows = [head, *[["t", "1", TAB, f"C{i:04d}", "删除于 X"] for i in range(1, 498)]]
    grids = {"回收站": Grid.from_rows(rows)}
    from sheets_sync.books.base import WriteBatch

    small = WriteBatch()
    append_rows(small, grids, "回收站", RECYCLE, [{"编号": "C0498", "去向": "删除于 X"}])
    assert "回收站" not in small.tabs and (499, 4) in small.cells["回收站"]
    crossing = WriteBatch()
    append_rows(crossing, grids, "回收站", RECYCLE,
                [{"编号": f"C{i:04d}", "去向": "删除于 X"} for i in range(498, 505)])
    content = crossing.tabs["回收站"]  # written whole: the dropdown reaches the new rows
    assert len(content.rows) == 505 and content.rows[1:498] == rows[1:]
    assert content.dropdowns()[0].last_row >= 505 + 400


# -- in a real workbook ----------------------------------------------------------------


@pytest.mark.parametrize("tab", ["同步冲突", "回收站", "同步日志"])
def test_tool_tabs_in_an_xlsx_hub_have_their_dropdown_wrap_and_print_setup(
        tmp_path: Path, tab: str) -> None:
    project = project_from_dict({"project": {"forms": ["child"]}, "hub": {"book": HUB},
                                 "spokes": [{"book": MC, "partition": {"county": "满城"}}]},
                                tmp_path)
    write_workbook(tmp_path / HUB, {TAB: [HEAD, *[list(k) for k in KIDS]]})
    write_workbook(tmp_path / MC, {"封面": [["满城县大队"]]})
    assert run_pipeline(project, steps=("sync",)).ok
    ExcelBook(tmp_path / HUB).apply(_edit(TAB, 2, 6, "5"))
    ExcelBook(tmp_path / MC).apply(_edit(TAB, 2, 6, "6"))
    rows = ExcelBook(tmp_path / MC).read()[TAB].rows
    spoke_row = next(i for i, r in enumerate(rows, start=1) if "C0004" in r)
    ExcelBook(tmp_path / MC).apply(_clear(TAB, spoke_row, len(rows[0])))
    run_pipeline(project, steps=("sync",))
    ws = openpyxl.load_workbook(tmp_path / HUB)[tab]
    head = [c.value for c in ws[1]]
    decision = {"同步冲突": "处理", "回收站": "恢复", "同步日志": "确认删除"}[tab]
    letter = openpyxl.utils.get_column_letter(head.index(decision) + 1)
    assert any(str(dv.sqref).startswith(f"{letter}2:") for dv in ws.data_validations.dataValidation)
    assert ws.page_setup.orientation == "landscape"
    if tab == "回收站":  # a column per field: across pages, 编号 and 姓名 on every page
        assert ws.print_title_cols == "$D:$E" and [c.value for c in ws[1]][3:5] == ["编号", "姓名"]
    else:  # one page wide
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$1:$1"
    if tab == "同步冲突":  # long text wraps in its cell
        assert ws.cell(2, head.index("说明") + 1).alignment.wrap_text
    assert ws.freeze_panes == "A2"
    assert "T" not in str(ws.cell(2, 1).value)


def _edit(tab: str, row: int, col: int, text: str):  # type: ignore[no-untyped-def]
    from sheets_sync.books.base import WriteBatch

    b = WriteBatch()
    b.set_cell(tab, row, col, text)
    return b


def _clear(tab: str, row: int, width: int):  # type: ignore[no-untyped-def]
    from sheets_sync.books.base import WriteBatch

    b = WriteBatch()
    for c in range(1, width + 1):
        b.set_cell(tab, row, c, "")
    return b


def test_the_terminal_says_a_safety_conflict_is_waiting_for_a_person(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from sheets_sync.books.base import WriteBatch
    from sheets_sync.cli import cli

    (tmp_path / "sheets-sync.toml").write_text(
        '[project]\nforms = ["child"]\n[hub]\nbook = "总表.xlsx"\n'
        '[[spokes]]\nbook = "满城.xlsx"\npartition = {county = "满城"}\n', encoding="utf-8")
    write_workbook(tmp_path / HUB, {TAB: [HEAD, *[list(k) for k in KIDS]]})
    write_workbook(tmp_path / MC, {"封面": [["满城县大队"]]})
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["sync"]).exit_code == 0
    for name, text in ((HUB, "无"), (MC, "对花生严重过敏")):
        book = ExcelBook(tmp_path / name)
        rows = book.read()[TAB].rows
        batch = WriteBatch()
        batch.set_cell(TAB, next(i for i, r in enumerate(rows, start=1) if "C0001" in r),
                       rows[0].index("过敏或特殊注意") + 1, text)
        book.apply(batch)
    out = CliRunner().invoke(cli, ["sync"]).output
    assert (f"  冲突(安全相关,待核实):{TAB} C0001(王小红) “过敏或特殊注意”:{HUB} 写的是“无”,"
            f"{MC} 写的是“对花生严重过敏”,两边都没有改动;花名册上两个值都显示。"
            "请核实后在“同步冲突”表的“处理”列选择。") in out


def test_a_held_conflict_is_said_by_every_run_even_a_scheduled_one(tmp_path: Path) -> None:
    project = project_from_dict({"project": {"forms": ["child"]}, "hub": {"book": HUB},
                                 "spokes": [{"book": MC, "partition": {"county": "满城"}}]},
                                tmp_path)
    write_workbook(tmp_path / HUB, {TAB: [HEAD, *[list(k) for k in KIDS]]})
    write_workbook(tmp_path / MC, {"封面": [["满城县大队"]]})
    assert run_pipeline(project).sync.ok
    for name, text in ((HUB, "无"), (MC, "对花生严重过敏")):
        rows = ExcelBook(tmp_path / name).read()[TAB].rows
        ExcelBook(tmp_path / name).apply(_edit(
            TAB, next(i for i, r in enumerate(rows, start=1) if "C0001" in r),
            rows[0].index("过敏或特殊注意") + 1, text))
    for _ in range(3):  # a run that changes nothing is not skipped while one is held
        out = run_pipeline(project)
        assert not out.quiet_since and out.sync.counts["conflicts"] == 1
        assert out.sync.conflicts[0]["held"] == "yes"


def test_a_google_hub_wraps_the_long_text_columns_of_a_tool_tab() -> None:
    from sheets_sync.books.base import WriteBatch
    from sheets_sync.books.google_plan import SpreadsheetInfo, plan_requests

    content = layout(CONFLICTS, [list(CONFLICTS.header), ["2026-07-08 14:30", "3", TAB, "C0001",
                                                          "王小红", "年级", "4", HUB, "5", MC, "",
                                                          "两边都改了这个单元格", ""]])
    batch = WriteBatch()
    batch.replace_tab("同步冲突", content)
    wraps = [r["repeatCell"] for r in plan_requests(SpreadsheetInfo("项目", ()), batch)
             if "repeatCell" in r and "wrapStrategy" in r["repeatCell"]["fields"]]
    head = list(CONFLICTS.header)
    assert sorted(w["range"]["startColumnIndex"] + 1 for w in wraps) == sorted(content.wrap)
    assert {head.index("说明") + 1, head.index("保留的值") + 1} <= content.wrap
    assert all(w["range"]["startRowIndex"] == 1 and w["range"]["endRowIndex"] > 400
               for w in wraps)  # rows appended later wrap too
