"""find_duplicates: each corruption is caught, look-alike family members never linked.

Every case adds a few synthetic children to the demo's 1,500 (a realistic background
of other children, so a match must stand out from a crowd) and checks the pair.
"""

from __future__ import annotations

import datetime as dt

import pytest

from sheets_sync.config import Program
from sheets_sync.dedupe.features import fuzzy_syllable, name_pinyin, school_key, simplify
from sheets_sync.dedupe.matching import DedupeResult, find_duplicates
from sheets_sync.demo.build import demo_books
from sheets_sync.forms.ids import make_id
from sheets_sync.forms.template import default_templates
from sheets_sync.table import Grid

TAB = "留守儿童家庭情况登记表"
BORN = dt.date(2015, 3, 8)
KID_ID = make_id("130607", BORN, 21, "男")

KID = {"编号": "C9001", "姓名": "王小明", "性别": "男", "出生日期": "2015-03-08",
       "身份证号": KID_ID, "县": "满城", "学校": "城关镇中心小学", "年级": "4",
       "父亲姓名": "王大力", "父亲电话": "13812340001", "母亲姓名": "苏秀英",
       "母亲电话": "13912340002", "监护人姓名": "王建国", "与儿童关系": "祖父",
       "监护人电话": "13712340003"}


@pytest.fixture(scope="module")
def background() -> list[list[str]]:
    return demo_books().books["总表.xlsx"][TAB]


def run(background: list[list[str]], *kids: dict[str, str]) -> DedupeResult:
    header = background[0]
    rows = [*background, *[[k.get(h, "") for h in header] for k in kids]]
    return find_duplicates({TAB: Grid(rows)}, default_templates(), Program())


def pair_of(res: DedupeResult, a: str, b: str) -> list[str] | None:
    for p in res.pairs:
        if {p.a.id, p.b.id} == {a, b}:
            return p.reasons
    return None


def copy(**changes: str) -> dict[str, str]:
    return {**KID, "编号": "C9002", **changes}


@pytest.mark.parametrize(("dup", "reason"), [
    pytest.param(copy(姓名="王小朋", 身份证号=""), "姓名形近字(王小明/王小朋)", id="typo-look-alike"),
    pytest.param(copy(姓名="王晓明", 身份证号=""), "姓名同音(王小明/王晓明)", id="homophone"),
    pytest.param(copy(姓名="王小民", 身份证号=""), "姓名读音相近(王小明/王小民)",
                 id="similar-sound-ming-min"),
    pytest.param(copy(姓名="王小鸣", 身份证号="", 出生日期="2015-03-09"), "出生日期相近",
                 id="homophone-and-date-off-by-one"),
    pytest.param(copy(姓名="王曉明", 身份证号=""), "姓名同音(王小明/王曉明)",
                 id="traditional-homophone"),
    pytest.param(copy(出生日期="2015年3月8日", 监护人电话="137 1234 0003"), "身份证号相同",
                 id="other-date-and-phone-format"),
    pytest.param(copy(身份证号=""), "出生日期相同", id="no-id"),
    pytest.param(copy(身份证号="", 学校="城关中心小学"),
                 "学校相同(城关镇中心小学/城关中心小学)", id="school-written-differently"),
    pytest.param(copy(姓名="王明小", 身份证号=""), "姓名前后颠倒(王小明/王明小)",
                 id="given-name-swapped"),
    pytest.param(copy(姓名="王小明", 身份证号="", 监护人电话="13700000000", 父亲电话="",
                      母亲电话="", 出生日期="2015-08-03"), "姓名相同(王小明)",
                 id="month-day-swapped-new-phone"),
    pytest.param(copy(姓名=" 王 小明 ", 身份证号=""), "姓名相同(王小明)",
                 id="spaces-in-name"),
])
def test_corruption_is_caught(background: list[list[str]], dup: dict[str, str],
                              reason: str) -> None:
    reasons = pair_of(run(background, KID, dup), "C9001", "C9002")
    assert reasons is not None
    assert reason in reasons


def test_traditional_characters_are_caught(background: list[list[str]]) -> None:
    kid = {**KID, "姓名": "张伟"}
    reasons = pair_of(run(background, kid, {**kid, "编号": "C9002", "姓名": "張偉", "身份证号": ""}),
                      "C9001", "C9002")
    assert reasons is not None
    assert reasons[0] == "姓名繁简相同(张伟/張偉)"


TWIN_ID = make_id("130607", BORN, 22, "男")
SIB_BORN = dt.date(2013, 6, 1)


@pytest.mark.parametrize("other", [
    pytest.param(copy(姓名="王小亮", 身份证号=TWIN_ID), id="twin-with-own-id"),
    pytest.param(copy(姓名="王小亮", 身份证号=""), id="twin-without-id-sharing-a-character"),
    pytest.param(copy(姓名="王子涵", 身份证号="", 性别="女"), id="twin-sister-without-id"),
    pytest.param(copy(姓名="王大伟", 出生日期="2013-06-01", 年级="6",
                      身份证号=make_id("130607", SIB_BORN, 40, "男")), id="older-brother"),
    pytest.param(copy(姓名="王小华", 出生日期="2017-01-20", 身份证号="", 年级="2"),
                 id="younger-sibling-without-id"),
    pytest.param(copy(姓名="刘佳怡", 性别="女", 出生日期="2015-11-02", 身份证号="",
                      父亲姓名="刘强", 父亲电话="13812349999", 母亲姓名="王丽",
                      母亲电话="13912349999"), id="cousin-same-grandparent"),
    pytest.param(copy(身份证号=make_id("130608", BORN, 3, "男"), 学校="龙泉镇中心小学",
                      父亲姓名="王军", 父亲电话="15012340001", 母亲姓名="赵敏",
                      母亲电话="15112340002", 监护人姓名="王福", 监护人电话="15212340003"),
                 id="same-name-same-birthday-other-family"),
    pytest.param(copy(身份证号="", 出生日期="2014-10-10", 父亲姓名="王军",
                      父亲电话="15012340001", 母亲姓名="赵敏", 母亲电话="15112340002",
                      监护人姓名="王福", 监护人电话="15212340003"),
                 id="same-name-same-school-no-id"),
    pytest.param(copy(身份证号="", 出生日期="2014-10-19", 学校="龙泉镇中心小学",
                      父亲姓名="王军", 父亲电话="15012340001", 母亲姓名="赵敏",
                      母亲电话="15112340002"), id="cousin-of-the-same-name"),
    pytest.param(copy(姓名="王晓明", 性别="女", 身份证号=""), id="homophone-but-other-sex"),
])
def test_family_members_and_namesakes_are_not_linked(background: list[list[str]],
                                                     other: dict[str, str]) -> None:
    assert pair_of(run(background, KID, other), "C9001", "C9002") is None


def test_demo_duplicates_found_and_look_alikes_not() -> None:
    demo = demo_books()
    grids = {k: Grid(v) for k, v in demo.books["总表.xlsx"].items()}
    res = find_duplicates(grids, default_templates(), Program())
    found = {frozenset((p.a.id, p.b.id)) for p in res.pairs}
    assert {frozenset((d.a, d.b)) for d in demo.duplicates if d.same} <= found
    assert not {frozenset((d.a, d.b)) for d in demo.duplicates if not d.same} & found
    assert len(found) == sum(d.same for d in demo.duplicates)


def test_json_shape_is_pairs_and_clusters(background: list[list[str]]) -> None:
    res = run(background, KID, copy(身份证号=""), copy(编号="C9003", 姓名="王晓明", 身份证号=""))
    out = res.as_json()
    assert set(out) == {"pairs", "clusters"}
    mine = [p for p in out["pairs"] if p["a"]["id"].startswith("C9")]
    assert len(mine) == 3
    assert set(mine[0]) == {"a", "b", "score", "reasons"}
    assert set(mine[0]["a"]) == {"tab", "row", "id"}
    assert mine[0]["a"]["tab"] == TAB
    cluster = next(c for c in out["clusters"] if c["records"][0]["id"] == "C9001")
    assert [r["id"] for r in cluster["records"]] == ["C9001", "C9002", "C9003"]
    n = len(background)  # the three records come after the demo's rows
    assert [r["row"] for r in cluster["records"]] == [n + 1, n + 2, n + 3]
    assert 0.5 <= cluster["score"] <= 1


def test_volunteers_with_same_student_number() -> None:
    header = ["编号", "姓名", "性别", "学号", "手机号"]
    rows = [header, ["V0001", "陈思远", "男", "2023001", "13800000001"],
            ["V0002", "陈思源", "男", "2023001", "138 0000 0001"],
            ["V0003", "陈思远", "男", "2023002", "13800000003"]]
    res = find_duplicates({"志愿者报名表": Grid(rows)}, default_templates(), Program())
    assert [(p.a.id, p.b.id) for p in res.pairs] == [("V0001", "V0002")]
    assert res.pairs[0].reasons == ["学号相同", "姓名同音(陈思远/陈思源)", "手机号相同"]


@pytest.mark.parametrize(("name", "pinyin"), [
    pytest.param("曾小明", ["zeng", "xiao", "ming"], id="surname-zeng"),
    pytest.param("单雄信", ["shan", "xiong", "xin"], id="surname-shan"),
    pytest.param("解放", ["xie", "fang"], id="surname-xie"),
])
def test_surname_readings(name: str, pinyin: list[str]) -> None:
    assert name_pinyin(name) == pinyin


@pytest.mark.parametrize(("a", "b"), [
    pytest.param("城关镇中心小学", "城关中心小学", id="zhen-dropped"),
    pytest.param("满城县沈家庄村小学", "沈家庄小学", id="county-and-village"),
    pytest.param("城關鎮中心小學", "城关镇中心小学", id="traditional"),
])
def test_school_keys_agree(a: str, b: str) -> None:
    assert school_key(a, ("满城县",)) == school_key(b, ("满城县",))


def test_text_helpers() -> None:
    assert simplify("張 偉") == "张伟"
    assert fuzzy_syllable("zhang") == fuzzy_syllable("zan") == "zan"
    assert fuzzy_syllable("ning") == fuzzy_syllable("lin")
