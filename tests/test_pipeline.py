"""One pipeline, one commit: every step's change is in ``history`` and undone by ``restore``.

A project of a hub and one county spoke (in memory, the real pipeline and state): the first
run syncs, validates, finds the planted duplicate (C0007 is C0001 typed again) and writes
the generated tabs. Each test then makes one kind of change — a spoke edit (sync), an edit
of one cell on both sides (conflict), a deleted row (delete), 是同一人 (merge), ``--fix``,
a generated tab (report) — and checks that the run that made it audited it with its step
and that ``restore`` of that run puts every book back, the bases too (the next run does
not undo the restore).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sheets_sync.books.base import TabContent, WriteBatch
from sheets_sync.books.memory import MemoryBook
from sheets_sync.dedupe.review import REVIEW_TAB
from sheets_sync.errors import SheetsSyncError
from sheets_sync.sync.pipeline import RUN_STEPS, StepOptions, run_pipeline
from sheets_sync.sync.project import Project, project_from_dict
from sheets_sync.sync.restore import history, restore
from sheets_sync.sync.state import SCHEMA_VERSION, State
from tests.test_dedupe_matching import TAB
from tests.test_dedupe_review import HEADER, NEW, OLD, OTHER  # the planted duplicate

HUB, MC = "总表.xlsx", "满城.xlsx"


def make_project(root: Path) -> Project:
    return project_from_dict({"project": {"forms": ["child"]}, "hub": {"book": HUB},
                              "spokes": [{"book": MC, "partition": {"county": "满城"}}]}, root)


def make_books() -> dict[str, MemoryBook]:
    hub = MemoryBook({TAB: [HEADER, *[[k.get(h, "") for h in HEADER] for k in (OLD, NEW, OTHER)]]},
                     name=HUB)
    return {HUB: hub, MC: MemoryBook({"封面": [["满城县大队"]]}, name=MC)}


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Project, dict[str, MemoryBook]]:
    project, books = make_project(tmp_path), make_books()
    first = run_pipeline(project, books=books)
    assert first.sync.status == "ok" and first.duplicates is not None
    assert len(first.duplicates.pairs) == 1
    return project, books


def snapshot(books: dict[str, MemoryBook]) -> dict[str, dict[str, list[list[str]]]]:
    return {n: {t: g.rows for t, g in b.read().items()} for n, b in books.items()}


def record(book: MemoryBook, rid: str) -> dict[str, str]:
    rows = book.read()[TAB].rows
    head = rows[0]
    for r in rows[1:]:
        rec = dict(zip(head, r + [""] * (len(head) - len(r)), strict=True))
        if rec["编号"] == rid:
            return rec
    return {}


def set_field(book: MemoryBook, rid: str, header: str, value: str) -> None:
    rows = book.tab(TAB)
    col = rows[0].index(header)
    row = next(r for r in rows[1:] if r and r[rows[0].index("编号")] == rid)
    row.extend([""] * (col + 1 - len(row)))
    row[col] = value


def steps_of(project: Project, rid: str | None, run_id: int) -> set[str]:
    return {a.step for a in history(project, rid) if a.run_id == run_id}


def undo_and_check(project: Project, books: dict[str, MemoryBook], run_id: int,
                   before: dict[str, dict[str, list[list[str]]]]) -> None:
    """``restore`` puts every book back exactly as it was before the run, bases too: the
    user's edit that run synced is a pending edit again, and the next sync makes the same
    change once more (it does not take the restored hub for an edit to undo)."""
    changed = {a.record_id for a in history(project, None) if a.run_id == run_id}
    result = restore(project, run_id, books=books)
    assert result.ok and not result.left
    assert snapshot(books) == before
    again = run_pipeline(project, steps=("sync",), books=books)
    assert again.sync.counts["deleted"] == 0
    assert {a.record_id for a in history(project, None)
            if a.run_id == again.sync.run_id} <= changed


def test_a_sync_edit_is_audited_and_undone(setup: tuple[Project, dict]) -> None:
    project, books = setup
    before = snapshot(books)
    set_field(books[MC], "C0003", "学校", "河口小学")
    edited = snapshot(books)
    res = run_pipeline(project, books=books)
    assert record(books[HUB], "C0003")["学校"] == "河口小学"
    assert "sync" in steps_of(project, "C0003", res.sync.run_id)
    undo_and_check(project, books, res.sync.run_id, edited)
    assert snapshot(books) != before  # the spoke's own edit is kept: only the run is undone


def test_a_conflict_is_audited_and_undone(setup: tuple[Project, dict]) -> None:
    project, books = setup
    set_field(books[HUB], "C0003", "年级", "5")
    set_field(books[MC], "C0003", "年级", "3")
    edited = snapshot(books)
    res = run_pipeline(project, books=books)
    assert res.sync.counts["conflicts"] == 1
    assert record(books[MC], "C0003")["年级"] == "5"  # hub wins; the spoke's 3 is in 同步冲突
    assert "conflict" in steps_of(project, "C0003", res.sync.run_id)
    undo_and_check(project, books, res.sync.run_id, edited)


def test_a_deletion_is_audited_and_undone(setup: tuple[Project, dict]) -> None:
    project, books = setup
    rows = books[MC].tab(TAB)
    rows[:] = [r for r in rows if "C0003" not in r]
    edited = snapshot(books)
    res = run_pipeline(project, books=books)
    assert record(books[HUB], "C0003") == {}
    assert "delete" in steps_of(project, "C0003", res.sync.run_id)
    assert any("C0003" in r for r in books[HUB].read()["回收站"].rows)
    result = restore(project, res.sync.run_id, books=books)
    assert result.ok and snapshot(books) == edited
    assert record(books[HUB], "C0003")["姓名"] == "李佳怡"


def decide_same(book: MemoryBook) -> None:
    rows = [list(r) for r in book.read()[REVIEW_TAB].rows]
    rows[1][rows[0].index("处理结果")] = "是同一人"
    batch = WriteBatch()
    batch.replace_tab(REVIEW_TAB, TabContent(rows=rows))
    book.apply(batch)


def test_a_merge_is_audited_and_undone_with_every_value(setup: tuple[Project, dict]) -> None:
    project, books = setup
    decide_same(books[HUB])
    decided = snapshot(books)
    gone_before = record(books[HUB], "C0007")
    res = run_pipeline(project, books=books)
    assert record(books[HUB], "C0007") == {}
    assert res.merged == {"C0007": "C0001"}  # the summary says which pair was merged
    assert res.as_json()["dedupe"]["merged"] == {"C0007": "C0001"}
    assert record(books[HUB], "C0001")["班级"] == "2班"  # a blank filled from the other record
    assert "merge" in steps_of(project, "C0007", res.sync.run_id)
    assert "merge" in steps_of(project, "C0001", res.sync.run_id)
    recycle = books[HUB].read()["回收站"].rows
    assert any(r[3:6:2] == ["C0007", "合并到 C0001"] for r in recycle)
    # the next run carries the merge to the spoke: no second 回收站 row for C0007
    follow = run_pipeline(project, books=books)
    assert record(books[MC], "C0007") == {}
    assert sum(1 for r in books[HUB].read()["回收站"].rows if r[3:4] == ["C0007"]) == 1
    # undo the merge run: hub and spoke come back, the merged-away child with every value
    result = restore(project, res.sync.run_id, books=books)
    assert result.ok
    assert record(books[HUB], "C0007") == gone_before
    assert record(books[MC], "C0007")["姓名"] == gone_before["姓名"]
    assert snapshot(books) == decided
    assert follow.sync.run_id > res.sync.run_id
    # the bases went back too: a sync now neither deletes C0007 nor brings the merge back
    run_pipeline(project, steps=("sync",), books=books)
    assert record(books[HUB], "C0007") == gone_before
    assert record(books[MC], "C0007")["姓名"] == gone_before["姓名"]


def test_a_fix_is_audited_and_undone(setup: tuple[Project, dict]) -> None:
    project, books = setup
    set_field(books[HUB], "C0003", "父亲电话", "138 0000 0011")
    edited = snapshot(books)
    res = run_pipeline(project, steps=("validate",), books=books, options=StepOptions(fix=True))
    assert record(books[HUB], "C0003")["父亲电话"] == "13800000011"
    fixes = [a for a in history(project, "C0003") if a.step == "fix"]
    assert [(a.field, a.old, a.new) for a in fixes] == [("父亲电话", "138 0000 0011",
                                                         "13800000011")]
    result = restore(project, res.sync.run_id, books=books)
    assert result.ok and snapshot(books) == edited


def test_a_generated_tab_is_audited_and_undone(tmp_path: Path) -> None:
    project, books = make_project(tmp_path), make_books()
    res = run_pipeline(project, steps=("report",), books=books)
    assert res.reports is not None and "年级统计" in res.reports.written
    assert "年级统计" in books[HUB].read()
    rows = [a for a in history(project, None) if a.step == "report"]
    assert "年级统计" in {a.tab for a in rows}
    assert restore(project, res.sync.run_id, books=books).ok
    assert "年级统计" not in books[HUB].read()


def test_one_write_per_book_per_run(setup: tuple[Project, dict]) -> None:
    project, books = setup
    set_field(books[MC], "C0003", "学校", "河口小学")
    set_field(books[HUB], "C0001", "父亲电话", "1381234 0001")  # a problem: 校验问题 changes
    set_field(books[HUB], "C0003", "出生日期", "2016年5月2日")  # fixed, and reaches the spoke
    decide_same(books[HUB])
    applies = {n: b.applies for n, b in books.items()}
    res = run_pipeline(project, books=books, options=StepOptions(fix=True))
    assert res.sync.counts["updated"] >= 1
    assert {n: b.applies - applies[n] for n, b in books.items()} == {HUB: 1, MC: 1}
    steps = {a.step for a in history(project, None) if a.run_id == res.sync.run_id}
    assert {"sync", "merge", "fix", "dedupe"} <= steps


def test_a_no_edit_run_writes_nothing(setup: tuple[Project, dict]) -> None:
    project, books = setup
    run_pipeline(project, books=books)  # settles the tabs the first run generated
    applies = {n: b.applies for n, b in books.items()}
    run_pipeline(project, books=books)
    assert {n: b.applies - applies[n] for n, b in books.items()} == {HUB: 0, MC: 0}


def test_a_locked_hub_stops_the_run_before_anything_is_planned(
        setup: tuple[Project, dict], tmp_path: Path) -> None:
    project, books = setup
    set_field(books[MC], "C0003", "学校", "河口小学")
    books[HUB].lock_file = tmp_path / "~$总表.xlsx"
    state = State.open(project.state_path)
    runs = len(state.runs())
    state.close()
    with pytest.raises(SheetsSyncError, match="锁文件"):
        run_pipeline(project, books=books)
    state = State.open(project.state_path)
    try:  # nothing journalled: the run failed before a backup was taken
        last = state.runs(1)[0]
        assert len(state.runs()) == runs + 1 and last.status == "failed"
        assert state.backups(last.id) == []
    finally:
        state.close()


def test_a_partial_restore_is_said_and_the_next_sync_refuses_to_mix(
        setup: tuple[Project, dict]) -> None:
    project, books = setup
    set_field(books[MC], "C0003", "学校", "河口小学")
    res = run_pipeline(project, books=books)

    class Failing(MemoryBook):
        def apply(self, batch: WriteBatch) -> None:
            raise SheetsSyncError("写入失败(测试)")

    broken = dict(books)
    broken[HUB] = Failing({t: g.rows for t, g in books[HUB].read().items()}, name=HUB)
    result = restore(project, res.sync.run_id, books=broken)
    assert not result.ok and result.left == [HUB]
    with pytest.raises(SheetsSyncError, match=r"恢复.*没有完成"):
        run_pipeline(project, books=books)
    assert restore(project, res.sync.run_id, books=books).ok  # finishing it lifts the stop
    run_pipeline(project, books=books)


def test_a_state_file_of_the_previous_release_is_upgraded_in_place(tmp_path: Path) -> None:
    folder = tmp_path / ".sheets-sync"
    folder.mkdir()
    conn = sqlite3.connect(folder / "state.db")
    conn.executescript((Path(__file__).parent / "data" / "state_v1.sql").read_text("utf-8"))
    conn.close()
    state = State.open(folder)
    try:
        assert state.version == SCHEMA_VERSION
        assert state.bases("child", HUB)["C0001"]["姓名"] == "王小明"
        assert state.decisions() == {("child", "C0001", "C0007"): "不是同一人"}
        merged = [a for a in state.audit_for("C0001") if a.step == "merge"]
        assert [(a.field, a.new) for a in merged] == [("班级", "2班")]
    finally:
        state.close()
    assert State.open(folder).version == SCHEMA_VERSION  # opening again changes nothing


def test_a_damaged_state_file_is_one_line_of_chinese(tmp_path: Path) -> None:
    folder = tmp_path / ".sheets-sync"
    folder.mkdir()
    (folder / "state.db").write_bytes(b"not a database " * 100)
    with pytest.raises(SheetsSyncError) as e:
        State.open(folder)
    assert "已损坏" in str(e.value) and "\n" not in str(e.value)


def test_run_steps_are_the_scheduled_job() -> None:
    assert RUN_STEPS == ("sync", "validate", "dedupe", "report")


def test_an_unchanged_run_does_no_step_again(
        setup: tuple[Project, dict], monkeypatch: pytest.MonkeyPatch) -> None:
    project, books = setup
    state = State.open(project.state_path)
    first = state.runs(1)[0].id                   # the setup's run: it wrote the books
    state.close()
    import sheets_sync.forms.validate as validate

    def no(*_: object, **__: object) -> None:
        raise AssertionError("validated again")

    with monkeypatch.context() as m:
        m.setattr(validate, "validate_grids", no)
        again = run_pipeline(project, books=books)  # the books are as that run left them
        assert again.quiet_since == first and again.ok
        assert again.cached["dedupe"] == {"pairs": 1, "merged": {}}
        assert again.cached["validate"]["records"] == 3
        assert "没有变化" in again.sync.messages[-1]
        assert run_pipeline(project, books=books).quiet_since == first
        set_field(books[MC], "C0003", "学校", "河口小学")   # an edit: the steps run again
        with pytest.raises(AssertionError, match="validated again"):
            run_pipeline(project, books=books)
    full = run_pipeline(project, books=books)
    assert not full.quiet_since and record(books[HUB], "C0003")["学校"] == "河口小学"


def test_a_merge_run_is_never_taken_for_a_settled_one(setup: tuple[Project, dict]) -> None:
    project, books = setup
    decide_same(books[HUB])
    merged = run_pipeline(project, books=books)
    assert "merge" in steps_of(project, "C0007", merged.sync.run_id)
    follow = run_pipeline(project, books=books)   # carries the merge to the spoke
    assert not follow.quiet_since and record(books[MC], "C0007") == {}


def test_a_run_between_two_quiet_ones_ends_the_skip(setup: tuple[Project, dict]) -> None:
    project, books = setup
    assert run_pipeline(project, books=books).quiet_since
    run_pipeline(project, steps=("validate",), books=books)   # another run came between
    assert not run_pipeline(project, books=books).quiet_since


def test_a_roster_tab_staff_made_is_never_deleted(tmp_path: Path) -> None:
    """Only roster tabs a run generated are removed when their school leaves 学校."""
    project = project_from_dict({"hub": {"book": HUB}}, tmp_path)
    school = [["学校名称", "所属县", "学校编号"], ["一小", "满城", "S0001"], ["二小", "满城", "S0002"]]
    kids = [HEADER, [OLD.get(h, "") if h != "学校" else "一小" for h in HEADER]]
    hub = MemoryBook({"学校": school, TAB: kids, "花名册-我们自己的": [["老师的名单"]]}, name=HUB)
    books = {HUB: hub}
    run_pipeline(project, steps=("report",), books=books)
    assert {"花名册-一小", "花名册-二小", "花名册-我们自己的"} <= set(hub.read())
    rows = hub.tab("学校")
    del rows[2]                                       # 二小 leaves the program
    res = run_pipeline(project, steps=("report",), books=books)
    assert res.reports is not None and res.reports.deleted == ["花名册-二小"]
    assert "花名册-我们自己的" in hub.read() and "花名册-二小" not in hub.read()


def test_each_form_tab_is_parsed_once_per_run(setup: tuple[Project, dict],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Sync, validation, duplicates and reports share one parse of the tabs no step changed."""
    import sheets_sync.forms.headers as headers

    project, books = setup
    set_field(books[MC], "C0003", "备注" if "备注" in HEADER else "兴趣爱好", "下棋")
    calls: list[str] = []
    real = headers.tab_data

    def counting(grid: object, layout: headers.TabLayout) -> headers.TabData:
        calls.append(layout.tab)
        return real(grid, layout)  # type: ignore[arg-type]

    monkeypatch.setattr(headers, "tab_data", counting)
    res = run_pipeline(project, books=books)
    assert res.sync.counts["updated"] == 1 and res.duplicates is not None
    # the spoke once; the hub once before the sync and once more after it wrote the edit
    assert calls == [TAB, TAB, TAB]
    calls.clear()
    set_field(books[MC], "C0003", "兴趣爱好", "下棋")  # the same text: nothing to write
    res = run_pipeline(project, steps=("sync", "validate", "dedupe", "report", "pair"),
                       books=books)
    assert calls == [TAB, TAB]  # hub and spoke, once each, for every step


def test_run_validates_every_book_it_syncs(setup: tuple[Project, dict]) -> None:
    project, books = setup
    set_field(books[MC], "C0003", "父亲电话", "1380000")      # typed in the field
    res = run_pipeline(project, books=books)
    spoke = res.spoke_validations[MC]
    assert any(p.code.startswith("phone") for p in spoke.problems)
    assert not res.ok
    problems = books[MC].read()["校验问题"].rows
    assert any("父亲电话" in " ".join(r) for r in problems[1:])  # in the spoke's own tab
    assert res.as_json()["validate_spokes"][MC]["errors"] == len(spoke.errors)


def test_undelete_puts_a_deleted_record_back_with_every_value(
        setup: tuple[Project, dict]) -> None:
    project, books = setup
    before = record(books[HUB], "C0003")
    rows = books[MC].tab(TAB)
    rows[:] = [r for r in rows if "C0003" not in r]
    run_pipeline(project, books=books)
    assert record(books[HUB], "C0003") == {}
    res = run_pipeline(project, steps=("undelete",), books=books,
                       options=StepOptions(undelete=("C0003",)))
    assert record(books[HUB], "C0003") == before
    assert res.messages and "已把 C0003 放回" in res.messages[0]
    assert "undelete" in steps_of(project, "C0003", res.sync.run_id)
    run_pipeline(project, books=books)           # the next sync takes it back to its spoke
    assert record(books[MC], "C0003")["姓名"] == before["姓名"]
    with pytest.raises(SheetsSyncError, match="已经在"):
        run_pipeline(project, steps=("undelete",), books=books,
                     options=StepOptions(undelete=("C0003",))).raise_failed()
    with pytest.raises(SheetsSyncError, match="没有找到总表中被删除的 C0099"):
        run_pipeline(project, steps=("undelete",), books=books,
                     options=StepOptions(undelete=("C0099",))).raise_failed()
