"""The hub's tool tabs show sensitive values masked, and every decision still works in full.

A shared Google hub is read by every coordinator: 同步冲突, 回收站 and 疑似重复 show 身份证号,
phones, addresses and 心理状况 masked, as every generated tab does. What a person decides
there is carried out with the full values: 采用另一值 takes the value the state store kept,
恢复 the record from the deleting run's backup, a merge the records' own cells. Tabs an
earlier release wrote in full are masked by the next run, their values kept first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from pathlib import Path

from sheets_sync.books.base import TabContent, WriteBatch
from sheets_sync.books.memory import MemoryBook
from sheets_sync.dedupe.review import REVIEW_TAB, choice_text, shown_choices
from sheets_sync.forms.ids import make_id
from sheets_sync.forms.template import FormTemplate, default_templates
from sheets_sync.sync.pipeline import StepOptions, run_pipeline
from sheets_sync.sync.project import Project, project_from_dict
from sheets_sync.sync.slices import dedupe_book
from sheets_sync.sync.tooltabs import CONFLICTS, RECYCLE

from .samples import tool_records

TAB = "留守儿童家庭情况登记表"
HEAD = ["编号", "姓名", "性别", "县", "学校", "年级", "身份证号", "监护人电话", "家庭住址",
        "过敏或特殊注意", "心理状况"]
HUB, MC = "总表.xlsx", "满城.xlsx"
ID1 = make_id("130607", dt.date(2015, 3, 8), 21, "女")
ID2 = make_id("130607", dt.date(2016, 5, 1), 33, "男")
KIDS = [["C0001", "王小红", "女", "满城", "一小", "3", ID1, "13712340003",
         "满城县龙泉镇郭庄村3组12号", "", "想念父母"],
        ["C0002", "李明", "男", "满城", "一小", "4", ID2, "13812340004",
         "满城县龙泉镇南庄村5组1号", "", "开朗"]]
SCHOOLS = [["学校名称", "县"], ["一小", "满城"]]
TOOL_TABS = ("同步冲突", "回收站", "同步日志", REVIEW_TAB)


def make(root: Path, templates: dict[str, FormTemplate] | None = None
         ) -> tuple[Project, dict[str, MemoryBook]]:
    """A hub and one county spoke that holds the sensitive fields in full (so that a person
    can type a phone there), synced once."""
    project = project_from_dict({"project": {"forms": ["child"]}, "hub": {"book": HUB},
                                 "spokes": [{"book": MC, "partition": {"county": "满城"},
                                             "sensitive": "full"}]}, root,
                                templates=templates)
    books = {HUB: MemoryBook({TAB: [HEAD, *[list(k) for k in KIDS]], "学校": SCHOOLS}, name=HUB),
             MC: MemoryBook({"封面": [["满城县大队"]]}, name=MC)}
    assert sync(project, books).ok
    return project, books


def sync(project: Project, books: dict[str, MemoryBook], *steps: str):  # type: ignore[no-untyped-def]
    return run_pipeline(project, steps=("sync", *steps), books=books, options=StepOptions())


def value(book: MemoryBook, rid: str, header: str) -> str:
    rows = book.read()[TAB].rows
    row = next(r for r in rows[1:] if r and r[0] == rid)
    j = rows[0].index(header)
    return row[j] if j < len(row) else ""


def put(book: MemoryBook, rid: str, header: str, text: str) -> None:
    rows = book.tab(TAB)
    next(r for r in rows[1:] if r and r[0] == rid)[rows[0].index(header)] = text


def tool(book: MemoryBook, tab: str) -> list[dict[str, str]]:
    tabs = book.read()
    return tool_records(tabs[tab].rows) if tab in tabs else []


def choose(book: MemoryBook, tab: str, row: int, column: str, text: str) -> None:
    rows = book.tab(tab)
    col = rows[0].index(column)
    rows[row - 1].extend([""] * (col + 1 - len(rows[row - 1])))
    rows[row - 1][col] = text


def tool_text(book: MemoryBook) -> str:
    """Every cell of the hub's tool tabs, as one text."""
    tabs = book.read()
    return "\n".join(c for t in TOOL_TABS if t in tabs for r in tabs[t].rows for c in r)


def assert_no_full(book: MemoryBook, *values: str) -> None:
    text = tool_text(book)
    for v in values:
        assert v not in text, f"“{v}” is in a tool tab"


def hidden_rows(root: Path) -> list[tuple[str, int, str, str]]:
    db = sqlite3.connect(root / ".sheets-sync" / "state.db")
    try:
        return db.execute("SELECT tab, run_id, shown, data FROM hidden_values").fetchall()
    finally:
        db.close()


# -- 同步冲突 ------------------------------------------------------------------------------


def test_a_phone_conflict_is_masked_and_the_other_value_goes_back_in_full(
        tmp_path: Path) -> None:
    project, books = make(tmp_path)
    put(books[HUB], "C0001", "监护人电话", "13711112222")
    put(books[MC], "C0001", "监护人电话", "13933334444")
    out = sync(project, books)
    assert out.sync.counts["conflicts"] == 1
    [row] = tool(books[HUB], "同步冲突")
    assert (row["编号"], row["姓名"], row["字段"], row["保留的值"], row["保留的值来自"],
            row["未采用的值"], row["未采用的值来自"], row["原值"]) == (
        "C0001", "王小红", "监护人电话", "137****2222", HUB, "139****4444", MC, "137****0003")
    assert_no_full(books[HUB], "13711112222", "13933334444", "13712340003")
    # the full values are in the state store, written with the run
    [(kind, run, _, data)] = hidden_rows(tmp_path)
    assert (kind, run) == ("conflicts", out.sync.run_id)
    assert "13933334444" in data
    # the terminal's view (sync.conflicts goes through masked_json) carries no full value
    from sheets_sync.output import masked_json
    shown = masked_json({"conflicts": out.sync.conflicts}, project.templates.values())
    assert (shown["conflicts"][0]["kept"], shown["conflicts"][0]["lost"]) == (
        "137****2222", "139****4444")

    choose(books[HUB], "同步冲突", 2, "处理", "采用另一值")
    done = sync(project, books)
    assert value(books[HUB], "C0001", "监护人电话") == "13933334444"   # the full value
    assert value(books[MC], "C0001", "监护人电话") == "13933334444"
    assert tool(books[HUB], "同步冲突")[0]["处理"] == f"已采用另一值(第 {done.sync.run_id} 次运行)"
    assert_no_full(books[HUB], "13933334444")
    settled = sync(project, books)
    assert settled.sync.counts["conflicts"] == 0 and not settled.sync.plan


def test_a_conflict_the_hub_no_longer_holds_is_said_masked(tmp_path: Path) -> None:
    project, books = make(tmp_path)
    put(books[HUB], "C0001", "监护人电话", "13711112222")
    put(books[MC], "C0001", "监护人电话", "13933334444")
    sync(project, books)
    put(books[HUB], "C0001", "监护人电话", "13655556666")  # changed again since
    choose(books[HUB], "同步冲突", 2, "处理", "采用另一值")
    sync(project, books)
    assert value(books[HUB], "C0001", "监护人电话") == "13655556666"
    assert tool(books[HUB], "同步冲突")[0]["处理"] == (
        "未能采用:总表中这一项现在是“136****6666”,已不是保留的值;请核对后直接在表中改正")
    assert_no_full(books[HUB], "13655556666")


def test_a_masked_row_whose_values_the_state_lost_is_not_put_back(tmp_path: Path) -> None:
    project, books = make(tmp_path)
    put(books[HUB], "C0001", "监护人电话", "13711112222")
    put(books[MC], "C0001", "监护人电话", "13933334444")
    sync(project, books)
    db = sqlite3.connect(tmp_path / ".sheets-sync" / "state.db")
    db.execute("DELETE FROM hidden_values")  # e.g. a state.db put back from an old copy
    db.commit()
    db.close()
    choose(books[HUB], "同步冲突", 2, "处理", "采用另一值")
    sync(project, books)
    assert value(books[HUB], "C0001", "监护人电话") == "13711112222"  # never the masked text
    assert value(books[MC], "C0001", "监护人电话") == "13711112222"
    assert tool(books[HUB], "同步冲突")[0]["处理"] == (
        "未能采用:这一行的值是遮挡显示的,完整的值不在状态数据库中(state.db 可能换过);"
        "请核对后直接在总表中改正")


def sensitive_allergies() -> dict[str, FormTemplate]:
    """The shipped templates with 过敏或特殊注意 (a field kept both ways) marked sensitive."""
    templates = default_templates()
    child = templates["child"]
    fields = tuple(dataclasses.replace(f, sensitive=True) if f.key == "allergies" else f
                   for f in child.fields)
    return {**templates, "child": dataclasses.replace(child, fields=fields)}


def roster_cell(book: MemoryBook, rid: str) -> str:
    rows = book.read()["花名册-一小"].rows
    head = next(r for r in rows if "编号" in r)
    row = next(r for r in rows if len(r) > head.index("编号") and r[head.index("编号")] == rid)
    return row[head.index("过敏或特殊注意")]


def test_a_masked_held_conflict_is_one_row_and_the_roster_gets_the_full_value(
        tmp_path: Path) -> None:
    project, books = make(tmp_path, sensitive_allergies())
    put(books[HUB], "C0002", "过敏或特殊注意", "无")
    put(books[MC], "C0002", "过敏或特殊注意", "对花生严重过敏")
    for _ in range(3):  # a held conflict is found again every run: still one row
        out = sync(project, books, "report")
        assert out.sync.counts["conflicts"] == 1
    [row] = tool(books[HUB], "同步冲突")
    assert (row["保留的值"], row["未采用的值"]) == ("*", "对******")
    assert_no_full(books[HUB], "对花生严重过敏")
    # the roster is given the other book's value in full (it masks by its own rules)
    assert roster_cell(books[HUB], "C0002") == "无〔待核实:满城.xlsx 写的是“对花生严重过敏”〕"
    # 已处理: the kept value stands, so the spoke takes it (compared on the full values)
    choose(books[HUB], "同步冲突", 2, "处理", "已处理")
    sync(project, books)
    assert value(books[MC], "C0002", "过敏或特殊注意") == "无"
    assert len(tool(books[HUB], "同步冲突")) == 1


# -- 回收站 --------------------------------------------------------------------------------


def delete_row(book: MemoryBook, rid: str) -> None:
    rows = book.tab(TAB)
    rows[:] = [r for r in rows if not (r and r[0] == rid)]


def test_a_deleted_child_is_masked_in_the_recycle_tab_and_comes_back_whole(
        tmp_path: Path) -> None:
    project, books = make(tmp_path)
    delete_row(books[MC], "C0002")
    out = sync(project, books)
    assert out.sync.counts["deleted"] == 1
    [gone] = tool(books[HUB], "回收站")
    assert (gone["编号"], gone["姓名"], gone["去向"]) == ("C0002", "李明", "删除于 满城.xlsx")
    assert gone["身份证号"] == ID2[:6] + "********" + ID2[-4:]
    assert gone["监护人电话"] == "138****0004"
    assert gone["家庭住址"] == "满城县龙泉镇南庄村***"
    assert gone["心理状况"] == "开*"
    assert_no_full(books[HUB], ID2, "13812340004", "满城县龙泉镇南庄村5组1号")

    choose(books[HUB], "回收站", 2, "恢复", "恢复")
    back = sync(project, books)
    assert tool(books[HUB], "回收站")[0]["恢复"] == f"已恢复(第 {back.sync.run_id} 次运行)"
    for book in (books[HUB], books[MC]):
        assert value(book, "C0002", "身份证号") == ID2            # the full ID, not the mask
        assert value(book, "C0002", "监护人电话") == "13812340004"
        assert value(book, "C0002", "家庭住址") == "满城县龙泉镇南庄村5组1号"
        assert value(book, "C0002", "心理状况") == "开朗"


# -- tabs an earlier release wrote in full -----------------------------------------------


def test_tabs_an_earlier_release_wrote_in_full_are_masked_and_still_work(
        tmp_path: Path) -> None:
    project, books = make(tmp_path)
    hub = books[HUB]
    put(hub, "C0001", "监护人电话", "13711112222")
    put(books[MC], "C0001", "监护人电话", "13711112222")
    sync(project, books)  # both books agree now; the old release had recorded a conflict
    old_conflict = {"时间": "2026-07-01 10:00", "运行": "2", "表单": TAB, "编号": "C0001",
                    "姓名": "王小红", "字段": "监护人电话", "保留的值": "13711112222",
                    "保留的值来自": HUB, "未采用的值": "13933334444", "未采用的值来自": MC,
                    "原值": "13712340003", "说明": "两边都改了这个单元格"}
    old_recycle = {"时间": "2026-07-01 10:00", "运行": "2", "表单": TAB, "编号": "C0009",
                   "姓名": "赵雪", "去向": "删除于 满城.xlsx", "原所在工作簿": HUB,
                   "原位置": f"{TAB} 第 9 行", "身份证号": ID1, "监护人电话": "13700001111"}
    batch = WriteBatch()
    batch.replace_tab("同步冲突", TabContent(rows=[list(CONFLICTS.header),
                                               [old_conflict.get(h, "")
                                                for h in CONFLICTS.header]]))
    head = [*RECYCLE.header, "身份证号", "监护人电话"]
    batch.replace_tab("回收站", TabContent(rows=[head, [old_recycle.get(h, "") for h in head]]))
    hub.apply(batch)

    out = sync(project, books)
    assert f"{HUB}:“同步冲突”中 3 个敏感值改为遮挡显示" in out.sync.plan
    assert f"{HUB}:“回收站”中 2 个敏感值改为遮挡显示" in out.sync.plan
    [row] = tool(hub, "同步冲突")
    assert (row["保留的值"], row["未采用的值"], row["原值"]) == (
        "137****2222", "139****4444", "137****0003")
    [gone] = tool(hub, "回收站")
    assert (gone["身份证号"], gone["监护人电话"]) == (ID1[:6] + "********" + ID1[-4:],
                                                  "137****1111")
    assert_no_full(hub, "13711112222", "13933334444", ID1, "13700001111")
    again = sync(project, books)  # nothing left to mask: no write
    assert not again.sync.plan

    # the old row's full value was kept before it was masked: 采用另一值 still works
    choose(hub, "同步冲突", 2, "处理", "采用另一值")
    sync(project, books)
    assert value(hub, "C0001", "监护人电话") == "13933334444"
    assert value(books[MC], "C0001", "监护人电话") == "13933334444"


# -- 疑似重复 ------------------------------------------------------------------------------

DEDUPE_HEAD = ["编号", "姓名", "性别", "出生日期", "身份证号", "县", "学校", "年级", "监护人姓名",
               "监护人电话", "家庭住址"]
OLD = ["C0001", "王小明", "男", "2015-03-08", "", "满城", "城关镇中心小学", "4", "王建国",
       "13712340003", "满城县龙泉镇郭庄村3组12号"]
NEW = ["C0007", "王小明", "男", "2015-03-08", ID1, "满城", "城关镇中心小学", "4", "王建国",
       "13712340003", "满城县龙泉镇郭庄村4组7号"]


def decide(book: MemoryBook, decision: str) -> None:
    rows = [list(r) for r in book.read()[REVIEW_TAB].rows]
    rows[1][rows[0].index("处理结果")] = decision
    batch = WriteBatch()
    batch.replace_tab(REVIEW_TAB, TabContent(rows=rows))
    book.apply(batch)


def test_a_merge_lists_the_choices_masked_and_keeps_the_full_values(tmp_path: Path) -> None:
    book = MemoryBook({TAB: [DEDUPE_HEAD, OLD, NEW]})
    state = tmp_path / ".sheets-sync"
    res, _ = dedupe_book(book, state_dir=state)
    assert [(p.a.id, p.b.id) for p in res.pairs] == [("C0001", "C0007")]
    decide(book, "是同一人")
    dedupe_book(book, state_dir=state)
    rows = book.read()[TAB].rows
    survivor = dict(zip(DEDUPE_HEAD, rows[1], strict=False))
    assert survivor["身份证号"] == ID1                              # filled in full
    assert survivor["家庭住址"] == "满城县龙泉镇郭庄村3组12号"          # its own, in full
    review = book.read()[REVIEW_TAB].rows
    merged = dict(zip(review[0], review[-1], strict=False))
    assert merged["处理结果"] == "已合并"
    assert merged["需人工选择"] == "家庭住址:满城县龙泉镇郭庄村*** / 满城县龙泉镇郭庄村***"
    [gone] = tool(book, "回收站")
    assert (gone["编号"], gone["去向"]) == ("C0007", "合并到 C0001")
    assert gone["身份证号"] == ID1[:6] + "********" + ID1[-4:]
    assert gone["家庭住址"] == "满城县龙泉镇郭庄村***"
    assert_no_full(book, ID1, "13712340003", "郭庄村4组7号", "郭庄村3组12号")
    # the merged-away record's full values are kept: in the audit trail of the merge
    db = sqlite3.connect(state / "state.db")
    olds = {r[0] for r in db.execute("SELECT old FROM audit WHERE record_id = 'C0007'")}
    db.close()
    assert {ID1, "满城县龙泉镇郭庄村4组7号"} <= olds


def test_a_merged_row_an_earlier_release_wrote_in_full_is_masked(tmp_path: Path) -> None:
    book = MemoryBook({TAB: [DEDUPE_HEAD, OLD, NEW]})
    state = tmp_path / ".sheets-sync"
    dedupe_book(book, state_dir=state)
    decide(book, "是同一人")
    dedupe_book(book, state_dir=state)
    rows = [list(r) for r in book.read()[REVIEW_TAB].rows]
    col = rows[0].index("需人工选择")
    rows[-1][col] = "家庭住址:满城县龙泉镇郭庄村3组12号 / 满城县龙泉镇郭庄村4组7号;兴趣爱好:画画 / 跳舞"
    batch = WriteBatch()
    batch.replace_tab(REVIEW_TAB, TabContent(rows=rows))
    book.apply(batch)
    dedupe_book(book, state_dir=state)
    review = book.read()[REVIEW_TAB].rows
    assert review[-1][col] == "家庭住址:满城县龙泉镇郭庄村*** / 满城县龙泉镇郭庄村***;兴趣爱好:画画 / 跳舞"


def test_choice_texts_mask_sensitive_fields_only() -> None:
    child = default_templates()["child"]
    items = [("guardian_phone", "监护人电话", "13712340003", "13912340004"),
             ("interests", "兴趣爱好", "画画", "跳舞"), ("", "备注", "甲", "乙")]
    assert choice_text(items, child) == (
        "监护人电话:137****0003 / 139****0004;兴趣爱好:画画 / 跳舞;备注:甲 / 乙")
    assert shown_choices("监护人电话:137****0003 / 139****0004", child) == (
        "监护人电话:137****0003 / 139****0004")  # masking a masked text changes nothing
    assert shown_choices("心理状况:想念父母 / 有些孤独", child) == "心理状况:想*** / 有***"


# -- the masks, row by row ---------------------------------------------------------------


def test_a_whole_sensitive_form_is_masked_in_every_field_but_its_ids() -> None:
    from sheets_sync.sync.tooltabs import recycle_row, shown_conflict

    talk = default_templates()["talk"]
    row = recycle_row("2026-07-08T14:30:00", 5, talk.label, "T0003", "删除于 满城.xlsx", HUB,
                      "谈心记录 第 4 行", [("编号", "T0003"), ("谈心人", "刘洋"),
                                       ("时间", "2026-07-15"), ("主要内容", "想念在外打工的妈妈")],
                      template=talk)
    assert (row["编号"], row["时间"], row["去向"]) == ("T0003", "2026-07-08 14:30", "删除于 满城.xlsx")
    assert (row["谈心人"], row["时间(记录)"], row["主要内容"]) == ("刘*", "2******", "想******")
    conflict = shown_conflict({"表单": talk.label, "编号": "T0003", "字段": "主要内容",
                               "保留的值": "想念妈妈", "未采用的值": "", "原值": "想家"}, talk)
    assert (conflict["编号"], conflict["保留的值"], conflict["未采用的值"], conflict["原值"]) == (
        "T0003", "想***", "", "想*")
    child = default_templates()["child"]
    plain = {"表单": child.label, "字段": "年级", "保留的值": "4", "未采用的值": "5"}
    assert shown_conflict(plain, child) == plain  # a field that is not sensitive: as it is


def test_a_state_file_of_the_previous_layout_gets_the_table(tmp_path: Path) -> None:
    from sheets_sync.sync.state import SCHEMA_VERSION, Hidden, State

    folder = tmp_path / ".sheets-sync"
    State.open(folder).close()
    db = sqlite3.connect(folder / "state.db")
    db.executescript("DROP TABLE hidden_values; DELETE FROM sync_schema_version; "
                     "INSERT INTO sync_schema_version VALUES (2);")
    db.close()
    state = State.open(folder)
    try:
        assert state.version == SCHEMA_VERSION == 3
        state.journal(7, {}, [], [], [Hidden("conflicts", 7, ("a", "1**2"), {"保留的值": "1002"})])
        assert state.hidden("conflicts") == {(7, ("a", "1**2")): {"保留的值": "1002"}}
        assert state.hidden("recycle") == {}
    finally:
        state.close()
