"""Ordinary mistakes never cost data: the sync's guards (issue 13).

* a spoke that emptied its child tab, deleted the tab, or lost more records than one run
  may delete is left out of that form's sync, with a message saying what to do; the hub
  keeps every record and ``--allow-delete BOOK`` lets the deletion through once;
* a project whose state was lost does not merge blind: a spoke without a base that
  disagrees with the hub waits for ``--rebase-from hub|spoke``;
* a row pasted with another child's 编号 never takes that child's identity.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sheets_sync.books.memory import MemoryBook
from sheets_sync.errors import SheetsSyncError
from sheets_sync.sync.pipeline import StepOptions, run_pipeline
from sheets_sync.sync.project import Project, project_from_dict
from sheets_sync.sync.run import delete_limit

TAB = "留守儿童家庭情况登记表"
HEAD = ["编号", "姓名", "性别", "县", "学校", "年级"]
HUB, MC = "总表.xlsx", "满城.xlsx"
KIDS = [[f"C{i:04d}", name, "女" if i % 2 else "男", "满城", "一小", str(1 + i % 6)]
        for i, name in enumerate(["王小红", "李明", "赵雪", "钱多多", "孙丽", "周强", "吴昊",
                                  "郑爽", "冯佳", "陈晨"], start=1)]


def make(root: Path, max_delete: int | None = None) -> tuple[Project, dict[str, MemoryBook]]:
    data: dict = {"project": {"forms": ["child"]}, "hub": {"book": HUB},
                  "spokes": [{"book": MC, "partition": {"county": "满城"}}]}
    if max_delete is not None:
        data["sync"] = {"max_delete": max_delete}
    project = project_from_dict(data, root)
    books = {HUB: MemoryBook({TAB: [HEAD, *[list(k) for k in KIDS]]}, name=HUB),
             MC: MemoryBook({"封面": [["满城县大队"]]}, name=MC)}
    first = run_pipeline(project, steps=("sync",), books=books).sync
    assert first.ok and len(ids(books[MC])) == 10
    return project, books


def ids(book: MemoryBook) -> list[str]:
    tabs = book.read()
    return [r[0] for r in tabs[TAB].rows[1:] if r and r[0]] if TAB in tabs else []


def sync(project: Project, books: dict[str, MemoryBook], **opts: object):  # type: ignore[no-untyped-def]
    return run_pipeline(project, steps=("sync",), books=books,
                        options=StepOptions(**opts)).sync  # type: ignore[arg-type]


def test_an_emptied_spoke_tab_deletes_nothing(tmp_path: Path) -> None:
    project, books = make(tmp_path)
    books[MC].tab(TAB)[1:] = []
    result = sync(project, books)
    assert not result.ok and result.status == "partial"
    assert result.blocked == [
        f"{MC}“{TAB}”中的记录全部不见了(上次同步时有 10 条):为免误删,本次没有同步它的“{TAB}”。"
        f"如果确实要删除,请运行 sheets-sync sync --allow-delete {MC}"
        "(或在总表“同步日志”这一行的“确认删除”列选“确认删除”);如果是误删,"
        "请在工作簿中撤销(或用 sheets-sync restore 恢复)后再同步。"]
    assert len(ids(books[HUB])) == 10 and ids(books[MC]) == []   # nothing changed anywhere
    again = sync(project, books)                                  # and it stays held back
    assert again.blocked and len(ids(books[HUB])) == 10
    allowed = sync(project, books, allow_delete=frozenset({MC}))
    assert allowed.ok and allowed.counts["deleted"] == 10 and ids(books[HUB]) == []
    recycle = books[HUB].read()["回收站"].rows
    assert {r[3] for r in recycle[1:]} == {k[0] for k in KIDS}  # every record kept there


def test_a_deleted_spoke_tab_deletes_nothing(tmp_path: Path) -> None:
    project, books = make(tmp_path)
    books[MC] = MemoryBook({"封面": [["满城县大队"]]}, name=MC)
    result = sync(project, books)
    assert result.blocked == [
        f"{MC} 中找不到“{TAB}”工作表(上次同步时它有 10 条记录):为免删除总表中的这些记录,"
        f"本次没有同步它的“{TAB}”。如果工作表被改了名,请改回原名;如果确实要删除,请运行 "
        f"sheets-sync sync --allow-delete {MC}(或在总表“同步日志”这一行的“确认删除”列选"
        "“确认删除”);如果是误删,请在工作簿中撤销(或用 sheets-sync restore 恢复)后再同步。"]
    assert len(ids(books[HUB])) == 10


def test_more_deletions_than_allowed_are_held_back(tmp_path: Path) -> None:
    assert (delete_limit(make_project(tmp_path), 10), delete_limit(make_project(tmp_path), 200)
            ) == (3, 10)
    project, books = make(tmp_path)
    rows = books[MC].tab(TAB)
    rows[1:] = [r for r in rows[1:] if r[0] not in {"C0001", "C0002", "C0003", "C0004"}]
    result = sync(project, books)
    assert result.blocked == [
        f"{MC}“{TAB}”中有 4 条记录不见了(上次同步时有 10 条),超过一次最多允许删除的 3 条:"
        f"为免误删,本次没有同步它的“{TAB}”。如果确实要删除,请运行 sheets-sync sync "
        f"--allow-delete {MC}(或在总表“同步日志”这一行的“确认删除”列选“确认删除”);"
        "如果是误删,请在工作簿中撤销(或用 sheets-sync restore 恢复)后再同步。"]
    assert len(ids(books[HUB])) == 10
    # three are within the limit: they go through (to 回收站)
    rows[1:1] = [list(k) for k in KIDS if k[0] == "C0004"]
    ok = sync(project, books)
    assert ok.ok and ok.counts["deleted"] == 3 and len(ids(books[HUB])) == 7


def make_project(root: Path) -> Project:
    return project_from_dict({"project": {"forms": ["child"]}, "hub": {"book": HUB}}, root)


def test_max_delete_is_configurable(tmp_path: Path) -> None:
    project, books = make(tmp_path, max_delete=0)
    rows = books[MC].tab(TAB)
    del rows[1]
    assert sync(project, books).blocked
    with pytest.raises(Exception, match=r"\[sync\] max_delete"):
        project_from_dict({"hub": {"book": HUB}, "sync": {"max_delete": "很多"}}, tmp_path)


def test_a_lost_state_file_does_not_merge_blind(tmp_path: Path) -> None:
    project, books = make(tmp_path)
    (project.state_path / "state.db").unlink()
    rows = books[MC].tab(TAB)
    rows[1][4] = "二小"                       # the spoke's edit since the (lost) base
    books[HUB].tab(TAB)[2][5] = "6"          # and the hub's, on another child
    result = sync(project, books)
    assert result.blocked == [
        f"{MC} 的“{TAB}”没有上次同步的记录(状态文件 state.db 缺失,或它是新加入的分表),而它有 2 条"
        "记录与总表不一致:为免盲目合并,本次没有同步它。以总表为准请运行 sheets-sync sync "
        "--rebase-from hub;以分表为准请运行 sheets-sync sync --rebase-from spoke。"]
    assert books[HUB].tab(TAB)[1][4] == "一小" and books[MC].tab(TAB)[1][4] == "二小"
    trusted = sync(project, books, rebase_from="spoke")
    assert trusted.ok
    hub = {r[0]: r for r in books[HUB].read()[TAB].rows[1:]}
    assert hub["C0001"][4] == "二小" and hub["C0002"][5] == "3"   # the spoke's values won


def test_rebase_from_the_hub_keeps_the_hubs_values(tmp_path: Path) -> None:
    project, books = make(tmp_path)
    (project.state_path / "state.db").unlink()
    books[MC].tab(TAB)[1][4] = "二小"
    assert sync(project, books, rebase_from="hub").ok
    assert {r[0]: r for r in books[MC].read()[TAB].rows[1:]}["C0001"][4] == "一小"


def test_a_pasted_row_never_takes_another_childs_identity(tmp_path: Path) -> None:
    project, books = make(tmp_path)
    rows = books[MC].tab(TAB)
    copy = list(rows[3])                      # staff copy C0003's row to enter a new child …
    copy[1], copy[2] = "马小跳", "男"          # … and forget to clear its 编号
    rows.insert(1, copy)                      # the copy even comes first in the tab
    result = sync(project, books)
    assert len(result.blocked) == 1 and "编号都是 C0003" in result.blocked[0]
    hub = {r[0]: r for r in books[HUB].read()[TAB].rows[1:]}
    assert hub["C0003"][1] == "赵雪"           # the real C0003 untouched
    new = [rid for rid, r in hub.items() if r[1] == "马小跳"]
    assert new == ["C0011"]                   # the pasted child is a new record
    assert result.blocked[0] == (
        f"{MC}“{TAB}”第 5 行和第 2 行的编号都是 C0003:第 5 行保留 C0003,第 2 行当作另一条记录,"
        "给了新编号 C0011。如果第 2 行是复制来的同一个人,请删除它。")


def test_a_formula_saved_without_its_result_is_no_edit_to_blank(tmp_path: Path) -> None:
    """openpyxl (and other tools) save formulas without results: they read as blank."""
    import openpyxl

    from sheets_sync.books.excel import write_workbook
    from sheets_sync.sync import load_project

    (tmp_path / "sheets-sync.toml").write_text(
        '[project]\nforms = ["child"]\n[hub]\nbook = "总表.xlsx"\n'
        '[[spokes]]\nbook = "满城.xlsx"\npartition = {county = "满城"}\n', encoding="utf-8")
    write_workbook(tmp_path / HUB, {TAB: [HEAD, *[list(k) for k in KIDS[:3]]]})
    write_workbook(tmp_path / MC, {"封面": [["满城县大队"]]})
    project = load_project(tmp_path)
    assert run_pipeline(project, steps=("sync",)).sync.ok
    wb = openpyxl.load_workbook(tmp_path / MC)
    ws = wb[TAB]
    ws["E2"] = '="一" & "小"'                 # C0001's 学校, as a formula with no saved result
    wb.save(tmp_path / MC)
    result = run_pipeline(project, steps=("sync",)).sync
    assert not result.ok and result.counts["updated"] == 0
    assert result.blocked == [
        f"{MC}“{TAB}”中有 1 个公式单元格没有保存计算结果(如 E2),读出来是空的:本次把它们当作没有"
        "修改。请在 Excel 或 WPS 中打开并保存该工作簿,让公式算出结果。"]
    from sheets_sync.books.excel import ExcelBook

    hub = {r[0]: r for r in ExcelBook(tmp_path / HUB).read()[TAB].rows[1:]}
    assert hub["C0001"][4] == "一小"          # not blanked


def test_a_renamed_spoke_header_is_said_not_left_to_drift(tmp_path: Path) -> None:
    """监护人电话 → 家长电话 in a spoke: that column would stop syncing in silence."""
    head = [*HEAD, "监护人电话"]
    data = {"project": {"forms": ["child"]}, "hub": {"book": HUB},
            "spokes": [{"book": MC, "partition": {"county": "满城"}}]}
    project = project_from_dict(data, tmp_path)
    kids = [[*k, f"1390000{i:04d}"] for i, k in enumerate(KIDS[:3])]
    books = {HUB: MemoryBook({TAB: [head, *kids]}, name=HUB),
             MC: MemoryBook({"封面": [["满城县大队"]]}, name=MC)}
    assert run_pipeline(project, steps=("sync",), books=books).sync.ok
    rows = books[MC].tab(TAB)
    rows[0][rows[0].index("监护人电话")] = "家长电话"
    result = sync(project, books)
    assert not result.ok
    assert result.blocked == [
        f"{MC}“{TAB}”找不到“监护人电话”列(上次同步时还有),这一列的修改不会同步:"
        "表头“家长电话”不是这个表单的字段;请把表头改回“监护人电话”"
        "(也可写作“监护人手机”“监护人联系方式”)后重新同步。"]


def test_a_conflict_is_named_in_the_terminal_masked_where_sensitive(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from sheets_sync.books.base import WriteBatch
    from sheets_sync.books.excel import ExcelBook, write_workbook
    from sheets_sync.cli import cli

    head = [*HEAD, "监护人电话"]
    (tmp_path / "sheets-sync.toml").write_text(
        '[project]\nforms = ["child"]\n[hub]\nbook = "总表.xlsx"\n'
        '[[spokes]]\nbook = "满城.xlsx"\npartition = {county = "满城"}\n', encoding="utf-8")
    write_workbook(tmp_path / HUB, {TAB: [head, *[[*k, "13900001111"] for k in KIDS[:2]]]})
    write_workbook(tmp_path / MC, {"封面": [["满城县大队"]]})
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["sync"]).exit_code == 0
    for name, school, phone in ((HUB, "二小", "13900002222"), (MC, "三小", "13900003333")):
        book = ExcelBook(tmp_path / name)
        rows = book.read()[TAB].rows
        row = next(i for i, r in enumerate(rows, start=1) if "C0001" in r)
        batch = WriteBatch()
        batch.set_cell(TAB, row, rows[0].index("学校") + 1, school)
        batch.set_cell(TAB, row, rows[0].index("监护人电话") + 1, phone)
        book.apply(batch)
    out = CliRunner().invoke(cli, ["sync"]).output
    assert (f"  冲突:{TAB} C0001(王小红) “学校”:保留 {HUB} 的“二小”,未采用 {MC} 的“三小”"
            "(两个值都记在“同步冲突”表中;如未采用的值才对,请在该表的“处理”列选“采用另一值”)"
            ) in out
    assert f"“监护人电话”:保留 {HUB} 的“139****2222”,未采用 {MC} 的“139****3333”" in out
    assert "13900002222" not in out and "13900003333" not in out


def test_a_typed_over_id_is_put_back_not_deleted_and_re_added(tmp_path: Path) -> None:
    project, books = make(tmp_path)
    rows = books[MC].tab(TAB)
    row = next(i for i, r in enumerate(rows) if r and r[0] == "C0003")
    rows[row][0] = "C003"                         # C0003 → C003, as in the issue
    result = sync(project, books)
    assert result.counts["deleted"] == 0 and result.counts["new_ids"] == 0
    assert result.blocked == [
        f"{MC}“{TAB}”第 {row + 1} 行的编号从 C0003 改成了 C003:编号由工具分配,不能修改,"
        "已改回 C0003。如果这一行是另一个孩子,请清空它的编号,同步时会分配新编号。"]
    assert books[MC].tab(TAB)[row][0] == "C0003"
    assert sorted(ids(books[HUB])) == [k[0] for k in KIDS]
    assert sync(project, books).ok                # and it has settled


def test_a_header_row_pasted_mid_sheet_is_no_record(tmp_path: Path) -> None:
    project, books = make(tmp_path)
    rows = books[MC].tab(TAB)
    rows.insert(4, list(rows[0]))                # the header again, pasted with a block
    result = sync(project, books)
    assert result.ok and result.counts["new_ids"] == 0 and result.counts["appended"] == 0
    assert "编号" not in ids(books[HUB])


def test_a_partition_that_matches_nothing_is_said(tmp_path: Path) -> None:
    """{school = "龙泉镇中心小学"} with no such school: the spoke would get nothing, silently."""
    data = {"project": {"forms": ["child"]}, "hub": {"book": HUB},
            "spokes": [{"book": MC, "partition": {"school": "龙泉镇中心小学"}}]}
    project = project_from_dict(data, tmp_path)
    books = {HUB: MemoryBook({TAB: [HEAD, *[list(k) for k in KIDS]]}, name=HUB),
             MC: MemoryBook({"封面": [["满城县大队"]]}, name=MC)}
    result = sync(project, books)
    assert not result.ok
    assert result.blocked == [
        f"分表 {MC} 的 partition(school = 龙泉镇中心小学)没有对上总表中的任何记录:它什么也拿不到。"
        "请检查 sheets-sync.toml 里的写法是否与总表一致(县名、学校名要和表中的写法相同)。"]


def test_an_oversize_cell_is_named_where_it_was_typed_and_blocks_nothing_else(
        tmp_path: Path) -> None:
    from sheets_sync.books.excel import ExcelBook, write_workbook

    project = project_from_dict({"project": {"forms": ["child"]}, "hub": {"book": HUB},
                                 "spokes": [{"book": MC, "partition": {"county": "满城"}}]},
                                tmp_path)
    write_workbook(tmp_path / HUB, {TAB: [[*HEAD, "健康状况"], *[[*k, ""] for k in KIDS]]})
    spoke = MemoryBook({}, name=MC)  # e.g. a workbook another program saved
    assert sync(project, {MC: spoke}).ok
    rows = spoke.tab(TAB)
    head = rows[0]
    rows[1][head.index("健康状况")] = "很长" * 20_000          # 40,000 characters
    rows[2][head.index("年级")] = "6"                         # an ordinary edit beside it
    result = sync(project, {MC: spoke})
    assert not result.ok
    assert result.blocked == [
        f"{MC}“{TAB}”单元格 {'ABCDEFG'[head.index('健康状况')]}2(C0001)有 40000 个字符,超过了 "
        "Excel单个单元格的上限 32767 个字符:这一格本次没有同步(其他内容照常同步)。"
        "请把它缩短到上限以内后重新同步。"]
    hub = ExcelBook(tmp_path / HUB).read()[TAB].padded()
    assert hub[2][HEAD.index("年级")] == "6"                   # the rest went through
    assert hub[1][len(HEAD)] == "" and rows[1][head.index("健康状况")] == "很长" * 20_000  # kept there


def test_allow_delete_of_a_book_the_project_lacks_is_said_not_ignored(tmp_path: Path) -> None:
    project, books = make(tmp_path)
    with pytest.raises(SheetsSyncError) as err:
        sync(project, books, allow_delete=frozenset({"不存在.xlsx"}))
    assert str(err.value) == (f"--allow-delete 不存在.xlsx:项目里没有这个工作簿,可以是 {HUB}、{MC}"
                              "(照 sheets-sync.toml 里的写法)。")


def test_dedupe_of_a_tab_the_hub_lacks_is_said_not_zero_pairs(tmp_path: Path) -> None:
    project, books = make(tmp_path)
    out = run_pipeline(project, steps=("dedupe",), books=books,
                       options=StepOptions(dedupe_tab="不存在"))
    assert out.failed_steps == ["dedupe"] and not out.ok
    assert str(out.errors["dedupe"]) == (
        f"{HUB} 中没有名为“不存在”的表单工作表(--tab):可以是 {TAB}。不写 --tab 就查所有表单工作表。")


def test_a_spoke_says_which_forms_it_does_not_carry_and_blocks_on_rows_typed_there(
        tmp_path: Path) -> None:
    project = project_from_dict({"project": {"forms": ["child", "expense"]},
                                 "hub": {"book": HUB}, "partition": {"expense": "hub"},
                                 "spokes": [{"book": MC, "partition": {"county": "满城"}}]},
                                tmp_path)
    expense = ["日期", "类别", "金额", "用途说明", "所属大队", "经手人", "发票号"]
    books = {HUB: MemoryBook({TAB: [HEAD, *[list(k) for k in KIDS]], "支出明细": [expense]},
                             name=HUB),
             MC: MemoryBook({"封面": [["满城县大队"]]}, name=MC)}
    first = sync(project, books)
    note = f"{MC} 同步 “{TAB}”;不同步 “支出明细”([partition] 写明它只在总表中),这些只在总表中。"
    assert first.ok and note in first.messages
    spoke = {**books[MC].read(), "支出明细": None}
    books[MC] = MemoryBook({**{t: g.rows for t, g in spoke.items() if g is not None},
                            "支出明细": [expense, ["2026-07-08", "交通", "35", "买车票", "满城",
                                               "王明", "F001"]]}, name=MC)
    result = sync(project, books)
    assert not result.ok
    assert result.blocked == [
        f"{MC}“支出明细”有 1 行“支出明细”,但这个分表不同步“支出明细”([partition] 写明它只在总表中),"
        "这些行不会进入总表:请把它们录入总表,或在 sheets-sync.toml 里为这个分表写明 forms"
        "(需要时用 [partition] 写明按哪个字段分)。"]
