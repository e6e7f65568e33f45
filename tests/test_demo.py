"""The synthetic demo program: deterministic, valid where it should be, wrong where planted."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import numpy as np
import openpyxl
import pytest

from sheets_sync.books.excel import read_workbook
from sheets_sync.config import Program
from sheets_sync.demo import DemoResult, build_demo, children_frame, demo_books
from sheets_sync.demo.build import FORM_ORDER, HUB_NAME
from sheets_sync.demo.synth import (
    EMAIL_DOMAINS,
    MOBILE_PREFIXES,
    REGION_CODES,
    VOLUNTEER_REGIONS,
    demo_program,
    name_pools,
    region_at,
)
from sheets_sync.forms.ids import is_valid_id
from sheets_sync.forms.template import default_templates
from sheets_sync.forms.validate import validate_grids
from sheets_sync.table import Grid, col_letter, col_number

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def checksum_ok(id18: str) -> bool:
    """An independent check of the ID checksum (GB 11643)."""
    if not re.fullmatch(r"\d{17}[\dX]", id18):
        return False
    return "10X98765432"[sum(int(c) * w for c, w in zip(id18[:17], WEIGHTS, strict=True)) % 11] == id18[17]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    return build_demo(tmp_path_factory.mktemp("demo") / "演示")


@pytest.fixture(scope="module")
def grids(demo: DemoResult) -> dict[str, dict[str, Grid]]:
    return {p.name: read_workbook(p) for p in demo.books}


def records(grid: Grid, header_row: int = 1) -> list[dict[str, str]]:
    head = grid.rows[header_row - 1]
    return [dict(zip(head, r + [""] * (len(head) - len(r)), strict=True))
            for r in grid.rows[header_row:]]


def planted_cells(demo: DemoResult, book: str = HUB_NAME) -> set[tuple[str, int, str]]:
    return {(p.tab, p.row, p.column) for p in demo.planted if p.book == book}


# --------------------------------------------------------------------------- layout

def test_folder_holds_hub_county_books_and_readme(demo: DemoResult) -> None:
    names = sorted(p.name for p in demo.directory.iterdir())
    assert names == sorted(["README.md", "总表.xlsx", "满城.xlsx", "顺平.xlsx", "清苑.xlsx"])
    assert [p.name for p in demo.counties] == ["满城.xlsx", "顺平.xlsx", "清苑.xlsx"]


def test_hub_has_every_form_tab_and_county_books_three(grids: dict[str, dict[str, Grid]]
                                                        ) -> None:
    templates = default_templates()
    labels = [templates[f].label for f in FORM_ORDER]
    assert sorted(grids[HUB_NAME]) == sorted(labels)
    assert "支队" not in grids[HUB_NAME] and "进驻安排" not in grids[HUB_NAME]  # schedule's
    for book in ("满城.xlsx", "顺平.xlsx", "清苑.xlsx"):
        assert list(grids[book]) == ["学校", "留守儿童家庭情况登记表", "支出明细"]


def test_county_books_hold_their_own_rows_and_the_hub_holds_all(
        demo: DemoResult, grids: dict[str, dict[str, Grid]]) -> None:
    tab = "留守儿童家庭情况登记表"
    hub_ids = {r["编号"] for r in records(grids[HUB_NAME][tab])}
    seen: set[str] = set()
    for county in ("满城", "顺平", "清苑"):
        book = f"{county}.xlsx"
        kids = records(grids[book][tab], demo.header_row(book, tab))
        schools = {r["学校名称"] for r in records(grids[book]["学校"])}
        assert len(schools) == 25
        assert {r["县"].rstrip("县区") for r in kids} <= {county, "保定"}
        assert all(r["所属大队"] == county for r in records(grids[book]["支出明细"]))
        seen |= {r["编号"] for r in kids}
    assert seen == hub_ids


def test_one_county_tab_has_a_merged_title_above_its_header(
        demo: DemoResult, grids: dict[str, dict[str, Grid]]) -> None:
    assert demo.title == ("满城.xlsx", "留守儿童家庭情况登记表", "满城县留守儿童家庭情况登记表")
    assert demo.header_rows == {("满城.xlsx", "留守儿童家庭情况登记表"): 2}
    grid = grids["满城.xlsx"]["留守儿童家庭情况登记表"]
    assert grid.rows[0] == ["满城县留守儿童家庭情况登记表"]
    assert grid.rows[1][:3] == ["编号", "姓名", "性别"]
    ws = openpyxl.load_workbook(demo.counties[0], read_only=False)["留守儿童家庭情况登记表"]
    assert [str(r) for r in ws.merged_cells.ranges] == [f"A1:{col_letter(len(grid.rows[1]))}1"]
    assert ws.freeze_panes == "A3"


# --------------------------------------------------------------------------- determinism, sizes

def test_same_seed_gives_the_same_data_and_another_seed_does_not() -> None:
    a, b, c = demo_books(seed=11), demo_books(seed=11), demo_books(seed=12)
    assert a.books == b.books
    assert a.planted == b.planted and a.duplicates == b.duplicates and a.odd_valid == b.odd_valid
    assert a.books[HUB_NAME]["留守儿童家庭情况登记表"] != c.books[HUB_NAME]["留守儿童家庭情况登记表"]


def test_written_books_hold_exactly_the_generated_text(
        demo: DemoResult, grids: dict[str, dict[str, Grid]]) -> None:
    again = demo_books(seed=2026)
    for book, tabs in again.books.items():
        for tab, rows in tabs.items():
            assert grids[book][tab].rows == Grid.from_rows(rows).rows, (book, tab)


def test_counts_are_near_the_targets(demo: DemoResult) -> None:
    c = demo.counts
    assert c["school"] == 75
    assert c["volunteer"] == 135  # 120 admitted, 15 not (yet)
    assert 2800 <= c["child"] <= 3300
    assert c["budget"] == 8
    assert 290 <= c["expense"] <= 310
    assert 30 <= c["application"] <= 60
    assert 18 <= c["donation"] <= 25
    assert 180 <= c["talk"] <= 220
    assert 80 <= c["pair"] <= 160


def test_the_demo_follows_the_plan(demo: DemoResult, grids: dict[str, dict[str, Grid]]) -> None:
    hub = grids[HUB_NAME]
    schools = records(hub["学校"])
    assert Counter(s["县"].rstrip("县") for s in schools) == {"满城": 25, "顺平": 25, "清苑": 25}
    assert 0.8 <= sum(s["协议已签"] == "是" for s in schools) / len(schools) < 1
    vols = records(hub["志愿者报名表"])
    admitted = [v for v in vols if v["录取状态"] == "录取"]
    assert len(admitted) == 120 and all(v["培训完成"] == "是" for v in admitted)
    assert Counter(v["所属大队"] for v in admitted) == {"满城": 40, "顺平": 40, "清苑": 40}
    assert all(v["所属学校"] == "" and v["所属支队"] == "" for v in vols)  # schedule proposes
    per_school = Counter(k["学校"] for k in records(hub["留守儿童家庭情况登记表"]))
    real = {s["学校名称"] for s in schools}
    assert all(30 <= n <= 62 for school, n in per_school.items() if school in real)
    readme = demo.readme.read_text(encoding="utf-8")
    assert "计划抽样 75 所学校;原文又说“每一个县15所”,三个县共 45 所,与 75 所对不上。" in readme
    assert "15 个支队 × 5 周 = 75 个支队周" in readme


# --------------------------------------------------------------------------- valid data

def test_every_unplanted_child_id_is_valid_and_agrees_with_the_row(
        demo: DemoResult, grids: dict[str, dict[str, Grid]]) -> None:
    bad = planted_cells(demo)
    odd = {(o.tab, o.row, o.column) for o in demo.odd_valid if o.book == HUB_NAME}
    kids = records(grids[HUB_NAME]["留守儿童家庭情况登记表"])
    # the county's code in the birth year (满城县 130621 before 满城区 130607 in 2015)
    codes = {region_at(REGION_CODES[c], y) for c in ("满城", "顺平", "清苑")
             for y in range(2005, 2027)}
    checked = 0
    for row, r in enumerate(kids, start=2):
        where = ("留守儿童家庭情况登记表", row)
        if r["身份证号"] == "" or (*where, "身份证号") in bad:
            continue
        idn = r["身份证号"]
        assert checksum_ok(idn) and is_valid_id(idn), (row, idn)
        assert idn[:6] in codes
        if (*where, "出生日期") not in bad | odd:
            assert idn[6:14] == r["出生日期"].replace("-", ""), row
        if (*where, "性别") not in bad | odd:
            assert ("男" if int(idn[16]) % 2 else "女") == r["性别"], row
        checked += 1
    assert checked > 1400
    ids = [r["身份证号"] for r in kids if r["身份证号"]]
    assert len(ids) - len(set(ids)) == 1  # the one planted duplicate


def test_volunteers_are_students_of_18_to_24_with_valid_ids_and_unique_numbers(
        demo: DemoResult, grids: dict[str, dict[str, Grid]]) -> None:
    bad = planted_cells(demo)
    vols = records(grids[HUB_NAME]["志愿者报名表"])
    start = demo_program().start_date
    for row, v in enumerate(vols, start=2):
        phone = v["手机号"].replace(" ", "")
        assert re.fullmatch(r"1\d{10}", phone) and phone[:3] in MOBILE_PREFIXES
        if ("志愿者报名表", row, "身份证号") in bad:
            continue
        idn = v["身份证号"]
        assert is_valid_id(idn) and idn[:6] in VOLUNTEER_REGIONS
        born = dt.date(int(idn[6:10]), int(idn[10:12]), int(idn[12:14]))
        age = start.year - born.year - ((start.month, start.day) < (born.month, born.day))
        assert 18 <= age <= 24, (row, age)
        assert re.fullmatch(r"20\d{8}", v["学号"])
    phones = [v["手机号"].replace(" ", "") for v in vols]
    assert len(set(phones)) == len(phones)
    assert len({v["学号"] for v in vols}) == len(vols) - 1  # the planted duplicate


def test_generated_labels_are_template_labels_and_required_fields_are_filled(
        demo: DemoResult, grids: dict[str, dict[str, Grid]]) -> None:
    bad = planted_cells(demo)
    templates = default_templates()
    for form in (templates[f] for f in FORM_ORDER):
        grid = grids[HUB_NAME][form.label]
        assert grid.rows[0] == [f.label for f in form.fields][: len(grid.rows[0])]
        for row, r in enumerate(records(grid), start=2):
            for f in form.required_fields():
                if (form.label, row, f.label) not in bad:
                    assert r[f.label] != "", (form.label, row, f.label)


def test_children_dates_fall_in_the_program_and_ages_fit_the_grade(
        demo: DemoResult, grids: dict[str, dict[str, Grid]]) -> None:
    program = demo_program()
    exps = records(grids[HUB_NAME]["支出明细"])
    bad = planted_cells(demo)
    for row, e in enumerate(exps, start=2):
        if ("支出明细", row, "日期") not in bad and re.fullmatch(r"\d{4}-\d\d-\d\d", e["日期"]):
            assert program.start_date <= dt.date.fromisoformat(e["日期"]) <= program.end_date
    kids = records(grids[HUB_NAME]["留守儿童家庭情况登记表"])
    grades = [int(k["年级"]) for k in kids if k["年级"].isdigit()]
    share_3_to_5 = sum(3 <= g <= 5 for g in grades) / len(grades)
    assert 0.75 <= share_3_to_5 <= 0.95
    blank = sum(k["性格特征"] == "" for k in kids) / len(kids)
    assert 0.02 <= blank <= 0.09


def test_no_real_looking_personal_data(grids: dict[str, dict[str, Grid]]) -> None:
    hub = grids[HUB_NAME]
    pools = name_pools()
    surnames = set(pools.surnames) | {"張"}
    for v in records(hub["志愿者报名表"]):
        assert v["邮箱"].split("@")[1] in EMAIL_DOMAINS
    for k in records(hub["留守儿童家庭情况登记表"]):
        assert k["姓名"][0] in surnames or k["姓名"][:2] in surnames
        assert k["家庭住址"].endswith("村") and not re.search(r"\d", k["家庭住址"])
        for col in ("父亲电话", "母亲电话"):
            assert k[col] == "" or (len(k[col]) == 11 and k[col][:3] in MOBILE_PREFIXES)


# --------------------------------------------------------------------------- planted problems

REQUIRED_CODES = {
    "id.checksum", "id.old15", "id.stored_as_number", "id.birth_mismatch", "id.sex_mismatch",
    "date.impossible", "phone.invalid", "choice.unknown", "grade.invalid", "grade.age",
    "required_if", "range.min", "required", "ref.missing", "unique.duplicate", "age.min",
    "date.max", "date.min", "money.invalid", "equals", "unique_where", "cover.gap",
}


def test_every_required_kind_of_problem_is_planted(demo: DemoResult) -> None:
    assert {p.code for p in demo.planted} == REQUIRED_CODES
    warnings = {p.code for p in demo.planted if p.severity == "warning"}
    assert warnings == {"grade.age", "range.min", "id.old15"}


def test_each_planted_problem_is_at_its_recorded_cell(
        demo: DemoResult, grids: dict[str, dict[str, Grid]]) -> None:
    for p in demo.planted:
        grid = grids[p.book][p.tab]
        header = grid.rows[demo.header_row(p.book, p.tab) - 1]
        col = header.index(p.column) + 1
        assert re.fullmatch(r"[A-Z]+(\d+)", p.cell).group(1) == str(p.row)  # type: ignore[union-attr]
        assert grid.cell(p.row, col) == p.value, p
    by_code = {p.code: p.value for p in demo.planted}
    assert by_code["phone.invalid"] == "138-1234-567"
    assert by_code["choice.unknown"] == "保定县"
    assert by_code["grade.invalid"] == "7"
    assert by_code["money.invalid"] == "abc"
    assert re.fullmatch(r"\d{4}-02-30", by_code["date.impossible"])
    assert re.fullmatch(r"1\.3060[78]E\+17|1\.30636E\+17", by_code["id.stored_as_number"])
    assert re.fullmatch(r"\d{15}", by_code["id.old15"])


def test_planted_rows_are_in_the_hub_and_in_their_county_book(demo: DemoResult) -> None:
    county_tabs = {"学校", "留守儿童家庭情况登记表", "支出明细"}
    hub = [p for p in demo.planted if p.book == HUB_NAME]
    county = [p for p in demo.planted if p.book != HUB_NAME]
    assert len(county) == sum(
        1 for p in hub if p.tab in county_tabs)
    assert {p.code for p in hub} == REQUIRED_CODES


def test_validator_reports_exactly_the_planted_problems(
        demo: DemoResult, grids: dict[str, dict[str, Grid]]) -> None:
    program, templates = demo_program(), default_templates()
    for book, tabs in grids.items():
        report = validate_grids(tabs, templates, program, book=book)
        found = {(p.tab, p.row, p.code) for p in report.problems}
        planted = {(p.tab, p.row, p.code) for p in demo.planted
                   if p.book == book and p.stage == "sync"}
        assert found == planted, (book, sorted(found ^ planted))
        odd = {(o.tab, o.cell) for o in demo.odd_valid if o.book == book}
        assert not [p for p in report.problems if (p.tab, p.cell) in odd]


def test_admitted_volunteers_are_insured_all_summer_but_one(demo: DemoResult,
                                                             grids: dict[str, dict[str, Grid]]
                                                             ) -> None:
    vols = records(grids[HUB_NAME]["志愿者报名表"])
    late = [p for p in demo.planted if p.code == "cover.gap"]
    assert [(p.tab, p.column, p.value, p.stage) for p in late] == [
        ("志愿者报名表", "保险开始", "2026-07-10", "schedule")]  # 3 days into the first week
    for v in vols:
        insured = (v["保险单号"], v["保险开始"], v["保险结束"])
        if v["录取状态"] != "录取":
            assert insured == ("", "", ""), v["编号"]
        elif v["编号"] == vols[late[0].row - 2]["编号"]:
            assert insured == ("PICC-TY2026-0701", "2026-07-10", "2026-08-31")
        else:
            assert insured == ("PICC-TY2026-0701", "2026-07-01", "2026-08-31"), v["编号"]
    readme = demo.readme.read_text(encoding="utf-8")
    assert f"| {late[0].cell} | 保险开始:保险 7 月 10 日才生效,所在支队在此之前已经进驻" \
        "(排班写入支队和进驻安排后才能查出)(值:`2026-07-10`) | `cover.gap` |" in readme


def test_talks_and_pairs_are_dated_by_the_demo_day(grids: dict[str, dict[str, Grid]]) -> None:
    for tab in ("谈心记录", "结对"):
        dates = [r["日期" if tab == "谈心记录" else "开始日期"] for r in records(grids[HUB_NAME][tab])]
        assert dates and all("2026-07-01" <= d <= "2026-07-11" for d in dates), tab


def test_formula_looking_text_stays_text(demo: DemoResult,
                                         grids: dict[str, dict[str, Grid]]) -> None:
    cells = [o for o in demo.odd_valid if o.value.startswith("=")]
    assert {o.value for o in cells} == {'=HYPERLINK("http://x","y")', "=SUM(A1:A9)"}
    assert {o.book for o in cells} >= {HUB_NAME}
    for o in cells:
        assert grids[o.book][o.tab].cell(o.row, col_number(o.cell.rstrip("0123456789"))) == o.value
    o = next(o for o in cells if o.book == HUB_NAME and o.value.startswith("=HYPERLINK"))
    col = col_number(o.cell.rstrip("0123456789"))
    hub = openpyxl.load_workbook(demo.hub, read_only=True)
    (cell,), = hub[o.tab].iter_rows(min_row=o.row, max_row=o.row, min_col=col, max_col=col)
    assert cell.data_type == "s" and cell.value == o.value  # a string cell, not a formula
    hub.close()


def test_odd_but_valid_cells_cover_the_usual_variants(demo: DemoResult) -> None:
    values = [o.value for o in demo.odd_valid if o.book == HUB_NAME]
    assert any(re.fullmatch(r"\d{4}/\d{1,2}/\d{1,2}", v) for v in values)
    assert any(re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", v) for v in values)
    assert any(re.fullmatch(r"1\d\d \d{4} \d{4}", v) for v in values)
    assert {"男孩", "女孩", "满城县"} <= set(values)
    assert any(v.endswith("年级") for v in values)
    assert any(re.fullmatch(r"[\d,]+\.\d\d元", v) and "," in v for v in values)
    assert any(v.startswith("¥") for v in values)


# --------------------------------------------------------------------------- duplicates

def test_planted_duplicates_and_look_alikes(demo: DemoResult,
                                            grids: dict[str, dict[str, Grid]]) -> None:
    kids = grids[HUB_NAME]["留守儿童家庭情况登记表"]
    head = kids.rows[0]

    def row(n: int) -> dict[str, str]:
        return dict(zip(head, kids.rows[n - 1] + [""] * len(head), strict=False))

    kinds = {d.kind: d for d in demo.duplicates}
    assert {k for k, d in kinds.items() if d.same} == {"错别字", "同音字", "繁体字", "格式不同",
                                                       "无身份证号"}
    assert {k for k, d in kinds.items() if not d.same} == {"双胞胎", "兄弟姐妹"}
    for d in demo.duplicates:
        a, b = row(d.rows[0]), row(d.rows[1])
        assert (a["编号"], b["编号"]) == (d.a, d.b)
        assert a["学校"] == b["学校"] and a["监护人姓名"] == b["监护人姓名"]
    assert (row(kinds["同音字"].rows[0])["姓名"], row(kinds["同音字"].rows[1])["姓名"]) == ("李明", "李鸣")
    assert (row(kinds["繁体字"].rows[0])["姓名"], row(kinds["繁体字"].rows[1])["姓名"]) == ("张伟", "張偉")
    twin_a, twin_b = row(kinds["双胞胎"].rows[0]), row(kinds["双胞胎"].rows[1])
    assert twin_a["出生日期"] == twin_b["出生日期"] and twin_a["姓名"] != twin_b["姓名"]
    assert twin_a["身份证号"] != twin_b["身份证号"] and is_valid_id(twin_b["身份证号"])
    sib_a, sib_b = row(kinds["兄弟姐妹"].rows[0]), row(kinds["兄弟姐妹"].rows[1])
    assert sib_a["监护人电话"] == sib_b["监护人电话"] and sib_a["出生日期"] != sib_b["出生日期"]
    assert is_valid_id(sib_b["身份证号"])
    same_id = row(kinds["格式不同"].rows[1])
    assert "年" in same_id["出生日期"] and " " in same_id["监护人电话"]


# --------------------------------------------------------------------------- README

def test_readme_lists_every_planted_cell_and_the_duplicates(demo: DemoResult) -> None:
    text = demo.readme.read_text(encoding="utf-8")
    assert text.startswith("# 演示项目:让你不再孤单——一对一帮助计划")
    assert "| 文件 | 工作表 | 单元格 | 问题 | 规则代码 |" in text
    for p in demo.planted:
        assert f"| {p.book} | {p.tab} | {p.cell} | {p.column}:{p.note}" in text, p
    for d in demo.duplicates:
        assert f"| {d.a} / {d.b} | {d.rows[0]} / {d.rows[1]} | {d.kind} |" in text
    assert "第 1 行是合并单元格的标题“满城县留守儿童家庭情况登记表”" in text


# --------------------------------------------------------------------------- custom program

def test_a_custom_program_gets_its_own_counties_and_dates() -> None:
    program = Program(counties=("易县", "唐县"), start_date=dt.date(2027, 7, 5),
                      end_date=dt.date(2027, 8, 20))
    demo = demo_books(seed=3, program=program)
    assert sorted(demo.books) == sorted([HUB_NAME, "易县.xlsx", "唐县.xlsx"])
    schools = demo.books[HUB_NAME]["学校"]
    assert {r[2] for r in schools[1:]} <= {"易县", "唐县", "易县县", "唐县县"}
    report = validate_grids({t: Grid.from_rows(r) for t, r in demo.books[HUB_NAME].items()},
                            default_templates(), demo_program(program))
    found = {(p.tab, p.row, p.code) for p in report.problems}
    assert found == {(p.tab, p.row, p.code) for p in demo.planted
                     if p.book == HUB_NAME and p.stage == "sync"}
    vols = [dict(zip(demo.books[HUB_NAME]["志愿者报名表"][0], r, strict=True))
            for r in demo.books[HUB_NAME]["志愿者报名表"][1:]]
    assert {(v["保险开始"], v["保险结束"]) for v in vols if v["录取状态"] == "录取"} == {
        ("2027-07-05", "2027-08-20"), ("2027-07-08", "2027-08-20")}  # the late one: 3 days in


# --------------------------------------------------------------------------- children_frame

def test_children_frame_makes_100k_unique_valid_rows() -> None:
    frame = children_frame(100_000, seed=5)
    assert frame.shape == (100_000, len(default_templates()["child"].fields))
    assert list(frame.columns) == [f.label for f in default_templates()["child"].fields]
    ids = frame["身份证号"]
    assert ids.is_unique and frame["编号"].is_unique
    assert all(checksum_ok(s) for s in ids.iloc[::97])
    assert (ids.str[6:14] == frame["出生日期"].str.replace("-", "")).all()
    male = ids.str[16].astype(int) % 2 == 1
    assert ((frame["性别"] == "男") == male).all()
    assert frame.map(lambda v: isinstance(v, str)).all().all()


def test_children_frame_is_deterministic_and_passes_validation() -> None:
    a, b = children_frame(3000, seed=9), children_frame(3000, seed=9)
    assert a.equals(b)
    assert not a.equals(children_frame(3000, seed=10))
    from sheets_sync.demo.synth import make_schools

    schools = make_schools(np.random.default_rng(9), demo_program())
    school_tab = [["学校名称", "县"], *([s["学校名称"], s["县"]] for s in schools)]
    rows = [list(a.columns), *a.to_numpy().tolist()]
    report = validate_grids({"学校": Grid.from_rows(school_tab),
                             "留守儿童家庭情况登记表": Grid.from_rows(rows)},
                            default_templates(), demo_program())
    assert [p.message for p in report.problems] == []

