"""Pairing: proposals that keep every rule, staff decisions that survive, accepted rows once."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheets_sync.books.base import Dropdown, WriteBatch
from sheets_sync.books.excel import ExcelBook, write_workbook
from sheets_sync.books.memory import MemoryBook
from sheets_sync.config import Program
from sheets_sync.demo.build import HUB_NAME, demo_books
from sheets_sync.errors import ConfigError
from sheets_sync.forms.template import default_templates
from sheets_sync.pairing import PairingError, PairingResult, Weights, propose_pairs
from sheets_sync.pairing.model import Child, Settings, Volunteer
from sheets_sync.pairing.sheet import HEADERS, TAB
from sheets_sync.pairing.solve import allowed, assign, greedy, pair_cost
from sheets_sync.pairing.study import weak_subjects
from sheets_sync.sync.slices import pair_book

TODAY = dt.date(2026, 7, 10)
CHILD_TAB, VOL_TAB, PAIR_TAB, SCHOOL_TAB = "留守儿童家庭情况登记表", "志愿者报名表", "结对", "学校"
CHILD_HEAD = ["编号", "姓名", "性别", "县", "学校", "年级", "学习情况"]
VOL_HEAD = ["编号", "姓名", "性别", "特长", "录取状态", "培训完成", "所属大队", "所属学校"]
PAIR_HEAD = ["编号", "志愿者编号", "儿童编号", "开始日期", "状态"]
SCHOOLS = {"龙泉小学": "满城", "城关小学": "满城", "河口小学": "顺平"}
NAMES = ["王小明", "李小红", "张小华", "刘小军", "陈小丽", "杨小刚", "赵小燕", "黄小龙", "周小梅",
         "吴小东", "徐小芳", "孙小伟", "胡小玲", "朱小强"]


def kid(n: int, school: str = "龙泉小学", sex: str = "男", grade: str = "3", study: str = "",
        county: str = "") -> list[str]:
    return [f"C{n:04d}", NAMES[n % len(NAMES)], sex, county, school, grade, study]


def vol(n: int, school: str = "龙泉小学", sex: str = "男", skills: str = "体育",
        status: str = "录取", trained: str = "是", brigade: str = "") -> list[str]:
    return [f"V{n:04d}", NAMES[(n + 5) % len(NAMES)], sex, skills, status, trained,
            brigade or SCHOOLS.get(school, ""), school]


def make_book(children: Sequence[list[str]], volunteers: Sequence[list[str]],
              pairs: Sequence[list[str]] = ()) -> MemoryBook:
    return MemoryBook({
        SCHOOL_TAB: [["学校名称", "县"], *([s, c] for s, c in SCHOOLS.items())],
        VOL_TAB: [VOL_HEAD, *volunteers],
        CHILD_TAB: [CHILD_HEAD, *children],
        PAIR_TAB: [PAIR_HEAD, *pairs],
    })


def run(book: MemoryBook, program: Program | None = None, *, dry_run: bool = False
        ) -> PairingResult:
    return pair_book(book, today=TODAY, program=program, dry_run=dry_run)[0]


def proposed(result: PairingResult) -> list[tuple[str, str]]:
    return [(a.child.id, a.volunteer.id) for a in result.proposals]


def mark(book: MemoryBook, child: str, volunteer: str, decision: str) -> None:
    """Play the staff member: write 接受/拒绝 into the 确认 cell of one proposal."""
    rows = book.tab(TAB)
    row = next(r for r in rows if r[:1] == [child] and r[4] == volunteer)
    row[HEADERS.index("确认")] = decision


# --------------------------------------------------------------------------- study text

@pytest.mark.parametrize(("text", "weak"), [
    pytest.param("数学较弱", ["数学"], id="math-weak"),
    pytest.param("英语差", ["英语"], id="english-poor"),
    pytest.param("语文需辅导", ["语文"], id="chinese-needs-tutoring"),
    pytest.param("语文较好,数学较弱", ["数学"], id="good-then-weak-with-comma"),
    pytest.param("语文好数学差", ["数学"], id="good-then-weak-without-comma"),
    pytest.param("数学英语较弱", ["数学", "英语"], id="two-subjects-one-marker"),
    pytest.param("需要辅导数学、英语", ["数学", "英语"], id="marker-before-subjects"),
    pytest.param("数学不好", ["数学"], id="not-good-is-weak"),
    pytest.param("数学不错", [], id="not-bad-is-strong"),
    pytest.param("作文吃力", ["语文"], id="alias-composition"),
    pytest.param("成绩优秀", [], id="no-subject"),
    pytest.param("偏科", [], id="lopsided-without-subject"),
    pytest.param("", [], id="blank"),
])
def test_weak_subjects(text: str, weak: list[str]) -> None:
    assert [s for s, _ in weak_subjects(text)] == weak


# --------------------------------------------------------------------------- proposals

def test_proposal_with_reasons_in_chinese() -> None:
    book = make_book([kid(1, sex="女", grade="5", study="英语较弱")],
                     [vol(1, sex="男", skills="英语"), vol(2, sex="女", skills="英语、音乐"),
                      vol(3, sex="女", skills="数学")])
    result = run(book)
    assert result.as_json()["proposals"] == [{
        "child": {"id": "C0001", "row": 2}, "volunteer": {"id": "V0002", "row": 3}, "cost": 0,
        "reasons": ["同校", "特长:英语 ↔ 英语较弱", "同性别", "当前负担 0/3"]}]
    assert book.tab(TAB)[:2] == [HEADERS, ["C0001", NAMES[1], "龙泉小学", "5", "V0002", NAMES[7],
                                           "同校；特长:英语 ↔ 英语较弱；同性别；当前负担 0/3", "0", ""]]


def test_confirm_column_is_a_dropdown_over_the_proposal_rows() -> None:
    book = make_book([kid(1), kid(2)], [vol(1), vol(2)])
    run(book)
    rows = book.tab(TAB)
    first_section = next(i for i, r in enumerate(rows, start=1)
                         if r[:1] and r[0].startswith("未能结对的儿童"))
    assert first_section == 5  # header, two proposals, a blank row
    assert book.dropdowns(TAB) == [Dropdown(HEADERS.index("确认") + 1, 2, 4, ("接受", "拒绝"))]


def test_costs_name_what_was_missed() -> None:
    book = make_book([kid(1, sex="女", grade="6", study="数学较弱")], [vol(1, sex="男")])
    [a] = run(book).proposals
    assert a.reasons == ("同校", "特长未覆盖:数学较弱", "性别不同", "当前负担 0/3")
    assert a.cost == Weights().skill_miss + Weights().sex_mismatch


def test_same_sex_only_counts_from_grade_five() -> None:
    book = make_book([kid(1, sex="女", grade="4")], [vol(1, sex="男")])
    [a] = run(book).proposals
    assert a.reasons == ("同校", "当前负担 0/3") and a.cost == 0


def test_load_is_balanced_across_volunteers() -> None:
    book = make_book([kid(i) for i in range(1, 5)], [vol(1), vol(2)])
    result = run(book)
    assert sorted(Counter(v for _, v in proposed(result)).values()) == [2, 2]
    assert sorted(a.cost for a in result.proposals) == [0, 0, 2, 2]


def test_volunteer_without_school_serves_children_of_their_brigade_county() -> None:
    book = make_book([kid(1, school="河口小学"), kid(2, school="龙泉小学")],
                     [vol(1, school="", brigade="顺平")])
    result = run(book)
    assert proposed(result) == [("C0001", "V0001")]
    assert result.proposals[0].reasons[0] == "同县"
    assert [(u.child.id, u.reason) for u in result.unpaired_children] == [
        ("C0002", "该校没有已录取并完成培训的志愿者")]


@pytest.mark.parametrize(("status", "trained"), [
    pytest.param("未录取", "是", id="not-admitted"),
    pytest.param("初试通过", "是", id="still-interviewing"),
    pytest.param("录取", "否", id="admitted-but-untrained"),
])
def test_only_admitted_and_trained_volunteers_are_proposed(status: str, trained: str) -> None:
    book = make_book([kid(1)], [vol(1, status=status, trained=trained)])
    result = run(book)
    assert result.proposals == []
    assert [u.reason for u in result.unpaired_children] == ["该校没有已录取并完成培训的志愿者"]


def test_capacity_counts_existing_pairs_and_explains_who_waits() -> None:
    book = make_book([kid(i) for i in range(1, 6)], [vol(1)],
                     [["P0001", "V0001", "C0001", "2026-07-02", "进行中"]])
    result = run(book)
    assert proposed(result) == [("C0002", "V0001"), ("C0003", "V0001")]
    assert [(u.child.id, u.reason) for u in result.unpaired_children] == [
        ("C0004", "该校志愿者已满额(3/3)"), ("C0005", "该校志愿者已满额(3/3)")]


def test_capacity_from_program_config() -> None:
    book = make_book([kid(1), kid(2)], [vol(1)])
    result = run(book, Program(extra={"pair_capacity": 1}))
    assert proposed(result) == [("C0001", "V0001")]
    assert result.unpaired_children[0].reason == "该校志愿者已满额(1/1)"


@pytest.mark.parametrize("value", [
    pytest.param(0, id="zero"), pytest.param("3", id="text"), pytest.param(True, id="bool")])
def test_bad_capacity_in_config_is_a_clear_error(value: object) -> None:
    with pytest.raises(ConfigError) as e:
        Settings.from_program(Program(extra={"pair_capacity": value}))
    assert str(e.value) == "sheets-sync.toml: [program] pair_capacity 应为正整数,例如 pair_capacity = 3。"


def test_child_without_school_and_ended_pairs() -> None:
    book = make_book([kid(1, school=""), kid(2)], [vol(1)],
                     [["P0001", "V0001", "C0002", "2026-07-02", "已结束"]])
    result = run(book)
    assert proposed(result) == [("C0002", "V0001")]  # an ended pair frees the child
    assert [(u.child.id, u.reason) for u in result.unpaired_children] == [("C0001", "缺少学校")]


def test_idle_volunteers_are_listed_with_why() -> None:
    book = make_book([kid(1)], [vol(1), vol(2, school="河口小学"), vol(3, trained="否"),
                                vol(4, status="未录取")],
                     [["P0001", "V0001", "C0001", "2026-07-02", "进行中"]])
    result = run(book)
    assert result.proposals == []
    assert [(i.volunteer.id, i.reason) for i in result.idle_volunteers] == [
        ("V0002", "所属学校“河口小学”没有登记的儿童"),
        ("V0003", "尚未完成培训(培训完成 不是“是”)")]
    tab = book.tab(TAB)
    assert ["(暂无新的结对建议)"] in tab
    i = tab.index(["暂无结对儿童的志愿者(2 名)"])
    assert tab[i + 1] == ["志愿者编号", "志愿者姓名", "所属学校", "所属大队", "原因"]
    assert tab[i + 2] == ["V0002", NAMES[7], "河口小学", "顺平", "所属学校“河口小学”没有登记的儿童"]


def test_missing_form_tab_is_a_clear_error() -> None:
    book = MemoryBook({CHILD_TAB: [CHILD_HEAD, kid(1)]})
    with pytest.raises(PairingError) as e:
        run(book)
    assert str(e.value) == ("工作簿 memory 中找不到“志愿者报名表”:结对需要这张表,请把它放进同一个工作簿"
                            "(表名为“志愿者报名表”)后重新运行。")


# --------------------------------------------------------------------------- staff decisions

def test_accepting_a_suggestion_appends_exactly_one_pair_row() -> None:
    old_pair = ["P0007", "V0002", "C0003", "2026-07-02", "进行中"]
    book = make_book([kid(1), kid(2), kid(3)], [vol(1), vol(2)], [old_pair])
    first = run(book)
    assert ("C0001", "V0001") in proposed(first)
    mark(book, "C0001", "V0001", "接受")
    second = run(book)
    assert [(p.id, p.volunteer_id, p.child_id) for p in second.accepted] == [
        ("P0008", "V0001", "C0001")]
    assert book.tab(PAIR_TAB) == [PAIR_HEAD, old_pair,
                                  ["P0008", "V0001", "C0001", "2026-07-10", "进行中"]]
    assert all(r[:1] != ["C0001"] for r in book.tab(TAB))  # moved out of the suggestions
    third = run(book)
    assert third.accepted == []
    assert book.tab(PAIR_TAB)[1:] == [old_pair, ["P0008", "V0001", "C0001", "2026-07-10", "进行中"]]
    assert "C0001" not in {a.child.id for a in third.proposals}


def test_accepted_row_is_not_written_twice_when_the_child_is_already_paired() -> None:
    book = make_book([kid(1)], [vol(1)])
    run(book)
    mark(book, "C0001", "V0001", "同意")
    rows = book.tab(TAB)
    # staff also wrote the pair into 结对 by hand before the next run
    book.tab(PAIR_TAB).append(["P0001", "V0001", "C0001", "2026-07-09", "进行中"])
    book2 = MemoryBook({name: book.tab(name) for name in (SCHOOL_TAB, VOL_TAB, CHILD_TAB,
                                                          PAIR_TAB)} | {TAB: rows})
    result = run(book2)
    assert result.accepted == [] and result.notes == []
    assert len(book2.tab(PAIR_TAB)) == 2


def test_rejected_pair_is_kept_and_never_proposed_again() -> None:
    book = make_book([kid(1)], [vol(1), vol(2, skills="数学")])
    first = run(book)
    [(child, volunteer)] = proposed(first)
    mark(book, child, volunteer, "拒绝")
    second = run(book)
    assert (child, volunteer) not in proposed(second)
    assert len(second.proposals) == 1
    rejected = [r for r in book.tab(TAB) if r[-1:] == ["拒绝"]]
    assert [r[0] for r in rejected] == [child] and rejected[0][4] == volunteer
    other = second.proposals[0].volunteer.id
    mark(book, child, other, "拒绝")
    third = run(book)
    assert third.proposals == []
    assert third.unpaired_children[0].reason == "可选的志愿者都已被拒绝(V0001、V0002)"
    assert sum(r[-1:] == ["拒绝"] for r in book.tab(TAB)) == 2


def test_staff_columns_and_unclear_marks_survive_the_rewrite() -> None:
    book = make_book([kid(1), kid(2)], [vol(1)])
    run(book)
    rows = book.tab(TAB)
    rows[0].append("备注")
    rows[1][8] = "再看看"
    rows[1].append("家长想要女老师")
    result = run(book)
    assert result.notes == ["结对建议!I2:确认“再看看”无法识别,请填写“接受”或“拒绝”;"
                            "这一行先保留,不再重复建议。"]
    tab = book.tab(TAB)
    assert tab[0] == [*HEADERS, "备注"]
    kept = next(r for r in tab if r[8:9] == ["再看看"])
    assert kept[0] == rows[1][0] and kept[9] == "家长想要女老师"


def test_accepted_pair_that_breaks_a_rule_stays_in_the_tab_with_why() -> None:
    book = make_book([kid(1)], [vol(1)])
    run(book)
    mark(book, "C0001", "V0001", "接受")
    book.tab(VOL_TAB)[1][VOL_HEAD.index("录取状态")] = "未录取"
    result = run(book)
    assert result.accepted == []
    assert len(book.tab(PAIR_TAB)) == 1
    kept = next(r for r in book.tab(TAB) if r[8:9] == ["接受"])
    assert kept[6].startswith("未写入结对:志愿者不是已录取并完成培训；同校")
    assert result.notes == ["结对建议!I2:确认的结对 C0001–V0001 没有写入:志愿者不是已录取并完成培训。"]
    run(book)  # the prefix is not stacked on a second run
    kept = next(r for r in book.tab(TAB) if r[8:9] == ["接受"])
    assert kept[6].count("未写入结对") == 1


def test_unreadable_suggestions_tab_is_not_overwritten() -> None:
    book = make_book([kid(1)], [vol(1)])
    book2 = MemoryBook({name: book.tab(name) for name in (SCHOOL_TAB, VOL_TAB, CHILD_TAB,
                                                          PAIR_TAB)}
                       | {TAB: [["随便写的"], ["C0001", "V0001", "接受"]]})
    with pytest.raises(PairingError) as e:
        run(book2)
    assert str(e.value).startswith("“结对建议”表中找不到表头(须有“儿童编号”“志愿者编号”“确认”列)")
    assert book2.applies == 0


def test_dry_run_writes_nothing_and_a_rerun_with_nothing_new_writes_nothing() -> None:
    book = make_book([kid(1)], [vol(1)])
    result, batch = pair_book(book, today=TODAY, dry_run=True)
    assert batch and book.applies == 0 and result.proposals
    run(book)
    assert book.applies == 1
    _, batch = pair_book(book, today=TODAY)
    assert not batch and book.applies == 1


def test_accepting_into_a_book_without_a_pair_tab_creates_it() -> None:
    book = make_book([kid(1)], [vol(1)])
    tabs = {name: book.tab(name) for name in (SCHOOL_TAB, VOL_TAB, CHILD_TAB)}
    book = MemoryBook(tabs)
    run(book)
    mark(book, "C0001", "V0001", "接受")
    run(book)
    assert book.tab(PAIR_TAB) == [["编号", "志愿者编号", "儿童编号", "开始日期", "状态", "备注"],
                                  ["P0001", "V0001", "C0001", "2026-07-10", "进行中",
                                   "由结对建议确认"]]


def test_excel_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "总表.xlsx"
    make = make_book([kid(1), kid(2, school="河口小学")], [vol(1), vol(2, school="河口小学")])
    write_workbook(path, {name: make.tab(name) for name in make.read()})
    book = ExcelBook(path)
    result, _ = pair_book(book, today=TODAY)
    assert proposed(result) == [("C0001", "V0001"), ("C0002", "V0002")]
    grids = book.read()
    rows = grids[TAB].rows
    assert rows[0] == HEADERS
    staff = WriteBatch()
    staff.set_cell(TAB, 3, 9, "接受")
    book.apply(staff)
    result, _ = pair_book(book, today=TODAY)
    assert [p.child_id for p in result.accepted] == ["C0002"]
    assert book.read()[PAIR_TAB].rows == [PAIR_HEAD, ["P0001", "V0002", "C0002", "2026-07-10",
                                                      "进行中"]]


# --------------------------------------------------------------------------- the demo

def test_demo_program_keeps_every_rule() -> None:
    demo = demo_books()
    book = MemoryBook(demo.books[HUB_NAME])
    pairs_before = [list(r) for r in book.tab(PAIR_TAB)]
    result = run(book)
    assert book.tab(PAIR_TAB) == pairs_before
    assert len(result.proposals) > 100
    check_rules(result, Settings())
    again = propose_pairs(book.read(), default_templates(), Program(), today=TODAY)
    assert again.as_json() == result.as_json()


def check_rules(result: PairingResult, s: Settings, active: Counter[str] | None = None,
                rejected: set[tuple[str, str]] | None = None) -> None:
    """Every proposal keeps the hard rules (and, given the active pairs, the capacity)."""
    rejected = rejected or set()
    children = Counter(a.child.id for a in result.proposals)
    assert all(n == 1 for n in children.values())
    for a in result.proposals:
        assert a.volunteer.admitted and a.volunteer.trained
        assert allowed(a.child, a.volunteer)
        assert (a.child.id, a.volunteer.id) not in rejected
    if active is None:
        return
    load = active + Counter(a.volunteer.id for a in result.proposals)
    for v in {a.volunteer.id for a in result.proposals}:
        assert load[v] <= s.capacity


# --------------------------------------------------------------------------- properties

SCHOOL_NAMES = list(SCHOOLS)


@st.composite
def programs(draw: st.DrawFn) -> tuple[list[list[str]], list[list[str]], list[list[str]],
                                       list[tuple[str, str]], int]:
    n_kids = draw(st.integers(0, 9))
    n_vols = draw(st.integers(0, 5))
    kids = [kid(i + 1, school=draw(st.sampled_from([*SCHOOL_NAMES, ""])),
                sex=draw(st.sampled_from(["男", "女"])), grade=str(draw(st.integers(1, 6))),
                study=draw(st.sampled_from(["数学较弱", "英语差", "", "语文需辅导", "成绩优秀"])))
            for i in range(n_kids)]
    vols = [vol(i + 1, school=draw(st.sampled_from([*SCHOOL_NAMES, ""])),
                sex=draw(st.sampled_from(["男", "女"])),
                skills=draw(st.sampled_from(["数学", "英语", "语文、数学", "音乐"])),
                status=draw(st.sampled_from(["录取", "录取", "未录取"])),
                trained=draw(st.sampled_from(["是", "是", "否"])),
                brigade=draw(st.sampled_from(["满城", "顺平"])))
            for i in range(n_vols)]
    pairs: list[list[str]] = []
    if kids and vols:
        for k in draw(st.lists(st.integers(0, n_kids - 1), unique=True, max_size=4)):
            v = draw(st.integers(1, n_vols))
            status = draw(st.sampled_from(["进行中", "已结束"]))
            pairs.append([f"P{len(pairs) + 1:04d}", f"V{v:04d}", f"C{k + 1:04d}", "2026-07-01",
                          status])
    rejected: list[tuple[str, str]] = []
    if kids and vols:
        rejected = draw(st.lists(st.tuples(st.integers(1, n_kids), st.integers(1, n_vols)).map(
            lambda t: (f"C{t[0]:04d}", f"V{t[1]:04d}")), unique=True, max_size=3))
    capacity = draw(st.integers(1, 3))
    return kids, vols, pairs, rejected, capacity


def program_book(kids: list[list[str]], vols: list[list[str]], pairs: list[list[str]],
                 rejected: list[tuple[str, str]]) -> MemoryBook:
    book = make_book(kids, vols, pairs)
    if rejected:
        tab = [HEADERS, *(([c, "", "", "", v, "", "", "", "拒绝"]) for c, v in rejected)]
        book = MemoryBook({name: book.tab(name) for name in (SCHOOL_TAB, VOL_TAB, CHILD_TAB,
                                                             PAIR_TAB)} | {TAB: tab})
    return book


PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(programs())
def test_random_programs_keep_capacity_and_constraints(
        case: tuple[list[list[str]], list[list[str]], list[list[str]], list[tuple[str, str]], int]
) -> None:
    kids, vols, pairs, rejected, capacity = case
    program = Program(extra={"pair_capacity": capacity})
    book = program_book(kids, vols, pairs, rejected)
    pairs_before = [list(r) for r in book.tab(PAIR_TAB)]
    result = run(book, program)
    assert book.tab(PAIR_TAB) == pairs_before                      # kept pairs never move
    active = Counter(p[1] for p in pairs if p[4] == "进行中")
    paired = {p[2] for p in pairs if p[4] == "进行中"}
    check_rules(result, Settings(capacity), active, set(rejected))
    assert not paired & {a.child.id for a in result.proposals}
    # every child without an active pair is either proposed or explained
    waiting = {k[0] for k in kids} - paired
    explained = {u.child.id: u.reason for u in result.unpaired_children}
    assert {a.child.id for a in result.proposals} | set(explained) == waiting
    assert not {a.child.id for a in result.proposals} & set(explained)
    assert all(explained.values())
    # nobody waits while an allowed, not-rejected volunteer still has room
    load = active + Counter(a.volunteer.id for a in result.proposals)
    ok = [a for a in read_vols(vols) if a.admitted and a.trained]
    for u in result.unpaired_children:
        if u.child.school_key:
            assert not [v for v in ok if allowed(u.child, v) and load[v.id] < capacity
                        and (u.child.id, v.id) not in set(rejected)], u.reason
    # deterministic
    again = propose_pairs(book.read(), default_templates(), program, today=TODAY)
    assert again.as_json() == result.as_json()


@PROPERTY
@given(programs(), st.data())
def test_accepting_any_suggestion_creates_exactly_one_pair_row(
        case: tuple[list[list[str]], list[list[str]], list[list[str]], list[tuple[str, str]], int],
        data: st.DataObject) -> None:
    kids, vols, pairs, rejected, capacity = case
    program = Program(extra={"pair_capacity": capacity})
    book = program_book(kids, vols, pairs, rejected)
    result = run(book, program)
    if not result.proposals:
        return
    pick = data.draw(st.sampled_from(proposed(result)))
    mark(book, *pick, "接受")
    n = len(book.tab(PAIR_TAB))
    run(book, program)
    assert len(book.tab(PAIR_TAB)) == n + 1
    assert book.tab(PAIR_TAB)[-1][1:] == [pick[1], pick[0], "2026-07-10", "进行中"]
    run(book, program)
    assert len(book.tab(PAIR_TAB)) == n + 1


def read_vols(vols: list[list[str]]) -> list[Volunteer]:
    return [Volunteer(id=v[0], row=i + 2, name=v[1], sex=v[2], school=v[7], school_key=v[7],
                      brigade=v[6], skills=tuple(v[3].split("、")), admitted=v[4] == "录取",
                      trained=v[5] == "是") for i, v in enumerate(vols)]


# --------------------------------------------------------------------------- optimality

def objective(pairs: Sequence[tuple[Child, Volunteer]], s: Settings, w: Weights) -> int:
    """Total pair cost plus the load cost (load_step × (load before) per child)."""
    n = Counter(v.id for _, v in pairs)
    return (sum(pair_cost(c, v, s, w)[0] for c, v in pairs)
            + sum(w.load_step * k for count in n.values() for k in range(count)))


@st.composite
def small_problems(draw: st.DrawFn) -> tuple[list[Child], list[Volunteer]]:
    kids = [Child(id=f"C{i}", row=i + 2, name="", school="甲", school_key="甲", county="满城",
                  grade=draw(st.integers(1, 6)), grade_text="", sex=draw(st.sampled_from("男女")),
                  study="", weak=tuple((s, s + "较弱") for s in draw(
                      st.lists(st.sampled_from(["数学", "英语", "语文"]), unique=True,
                               max_size=2))))
            for i in range(draw(st.integers(1, 5)))]
    vols = [Volunteer(id=f"V{j}", row=j + 2, name="", sex=draw(st.sampled_from("男女")),
                      school="甲" if j else "", school_key="甲" if j else "", brigade="满城",
                      skills=tuple(draw(st.lists(st.sampled_from(["数学", "英语", "语文"]),
                                                 unique=True, max_size=2))),
                      admitted=True, trained=True)
            for j in range(draw(st.integers(1, 3)))]
    return kids, vols


@settings(max_examples=80, deadline=None)
@given(small_problems())
def test_assignment_is_optimal_against_brute_force(
        problem: tuple[list[Child], list[Volunteer]]) -> None:
    kids, vols = problem
    s, w = Settings(capacity=2), Weights()
    best = {c.id: min(pair_cost(c, v, s, w)[0] for v in vols) for c in kids}
    options: list[list[Volunteer | None]] = [[*vols, None] for _ in kids]
    top: tuple[int, int] | None = None
    for choice in itertools.product(*options):
        used = Counter(v.id for v in choice if v is not None)
        if any(n > s.capacity for n in used.values()):
            continue
        pairs = [(c, v) for c, v in zip(kids, choice, strict=True) if v is not None]
        key = (-len(pairs), objective(pairs, s, w) - sum(best[c.id] for c, _ in pairs))
        top = key if top is None or key < top else top
    got = [(a.child, a.volunteer) for a in assign(kids, vols, {}, set(), s, w)]
    assert top is not None
    assert (-len(got), objective(got, s, w) - sum(best[c.id] for c, _ in got)) == top
    first_fit = [(a.child, a.volunteer) for a in greedy(kids, vols, {}, set(), s, w)]
    if len(first_fit) == len(got):
        assert (objective(got, s, w) - sum(best[c.id] for c, _ in got)
                <= objective(first_fit, s, w) - sum(best[c.id] for c, _ in first_fit))
