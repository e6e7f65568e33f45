"""Every form reaches the field workbooks, and the children's sensitive data stays home (#15).

* 谈心记录, 结对 and 儿童参加活动申请书 follow their child's 县; 支出明细 and 志愿者报名表 follow
  所属大队; a new record typed into a spoke's copy gets an 编号, reaches the hub and flows back
  to the right spoke only;
* a spoke shows sensitive fields masked (``sensitive = "mask"``, the default) or not at all
  (``"omit"``): a masked cell is never an edit, a value typed there flows in full, and the
  spoke shows it masked after the run;
* 谈心记录 (sensitive as a whole) reaches only a spoke whose ``forms`` names it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sheets_sync.books.memory import MemoryBook
from sheets_sync.errors import ConfigError
from sheets_sync.sync.pipeline import StepOptions, run_pipeline
from sheets_sync.sync.project import Project, project_from_dict

HUB, MC, SP = "总表.xlsx", "满城.xlsx", "顺平.xlsx"
CHILD, VOL, PAIR, APP, EXP, TALK = ("留守儿童家庭情况登记表", "志愿者报名表", "结对",
                                     "儿童参加活动申请书", "支出明细", "谈心记录")
FORMS = ["child", "school", "volunteer", "pair", "application", "expense", "talk"]

_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def cn_id(area: str, birth: str, seq: int) -> str:
    """A synthetic 18-digit ID with a valid check digit (no real person's)."""
    body = f"{area}{birth}{seq:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _W, strict=True)) % 11]


CHILD_HEAD = ["编号", "姓名", "性别", "出生日期", "身份证号", "县", "学校", "监护人姓名",
              "监护人电话", "家庭住址", "心理状况"]
KIDS = [
    ["C0001", "王小红", "女", "2015-03-08", cn_id("130607", "20150308", 122), "满城", "一小",
     "王建国", "13812340001", "满城县龙泉镇郭庄村3组12号", "比较内向,想念妈妈"],
    ["C0002", "李明", "男", "2016-05-01", cn_id("130607", "20160501", 131), "满城", "一小",
     "李福", "13812340002", "满城县龙泉镇郭庄村5组1号", "开朗"],
    ["C0003", "赵雪", "女", "2014-09-10", cn_id("130636", "20140910", 142), "顺平", "二小",
     "赵强", "13812340003", "顺平县蒲阳镇北关村2号", "有时哭闹"],
]
VOL_HEAD = ["编号", "姓名", "学号", "手机号", "紧急联系人", "紧急联系人电话", "所属大队"]
VOLS = [["V0001", "张伟", "2023001", "15000000001", "张父", "15000000011", "满城"],
        ["V0002", "刘洋", "2023002", "15000000002", "刘母", "15000000012", "顺平大队"]]
PAIR_HEAD = ["编号", "志愿者编号", "儿童编号", "状态"]
PAIRS = [["P0001", "V0002", "C0001", "进行中"],   # a 顺平 volunteer with a 满城 child
         ["P0002", "V0002", "C0003", "进行中"]]
APP_HEAD = ["编号", "儿童编号", "儿童姓名", "申请活动", "监护人姓名", "监护人同意"]
APPS = [["A0001", "C0002", "李明", "夏令营", "李福", "是"]]
EXP_HEAD = ["编号", "日期", "类别", "金额", "支出理由", "发票号", "经办人", "所属大队"]
EXPS = [["E0001", "2026-07-08", "交通", "35", "买车票", "F001", "王明", "满城大队"],
        ["E0002", "2026-07-09", "餐饮", "80", "午饭", "F002", "赵刚", "总队"]]
TALK_HEAD = ["编号", "儿童编号", "谈心人", "日期", "主要内容"]
TALKS = [["T0001", "C0001", "张伟", "2026-07-10", "说想妈妈"],
         ["T0002", "C0003", "刘洋", "2026-07-11", "说学校的事"]]


def make(root: Path, **spoke: Any) -> tuple[Project, dict[str, MemoryBook]]:
    """A hub of every form; 满城 with ``spoke``'s settings, 顺平 asking for 谈心记录."""
    project = project_from_dict({
        "project": {"forms": FORMS}, "hub": {"book": HUB},
        "spokes": [{"book": MC, "partition": {"county": "满城"}, **spoke},
                   {"book": SP, "partition": {"county": "顺平"}, "forms": FORMS}]}, root)
    hub = MemoryBook({CHILD: [CHILD_HEAD, *[list(k) for k in KIDS]],
                      "学校": [["编号", "学校名称", "县"], ["S0001", "一小", "满城"],
                             ["S0002", "二小", "顺平"]],
                      VOL: [VOL_HEAD, *map(list, VOLS)], PAIR: [PAIR_HEAD, *map(list, PAIRS)],
                      APP: [APP_HEAD, *map(list, APPS)], EXP: [EXP_HEAD, *map(list, EXPS)],
                      TALK: [TALK_HEAD, *map(list, TALKS)]}, name=HUB)
    books = {HUB: hub, MC: MemoryBook({"封面": [["满城县大队"]]}, name=MC),
             SP: MemoryBook({"封面": [["顺平县大队"]]}, name=SP)}
    first = sync(project, books)
    assert first.ok, first.blocked
    return project, books


def sync(project: Project, books: dict[str, MemoryBook]):  # type: ignore[no-untyped-def]
    return run_pipeline(project, steps=("sync",), books=books, options=StepOptions()).sync


def table(book: MemoryBook, tab: str) -> list[dict[str, str]]:
    rows = book.read()[tab].rows
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:] if any(r)]


def ids(book: MemoryBook, tab: str) -> list[str]:
    tabs = book.read()
    return sorted(r["编号"] for r in table(book, tab)) if tab in tabs else []


def cells(book: MemoryBook) -> list[str]:
    return [c for g in book.read().values() for r in g.rows for c in r if c]


def test_every_form_follows_its_route_to_the_spokes(tmp_path: Path) -> None:
    _, books = make(tmp_path)
    mc, sp = books[MC], books[SP]
    assert ids(mc, CHILD) == ["C0001", "C0002"] and ids(sp, CHILD) == ["C0003"]
    assert ids(mc, PAIR) == ["P0001"] and ids(sp, PAIR) == ["P0002"]  # the child's county
    assert ids(mc, APP) == ["A0001"] and ids(sp, APP) == []
    assert ids(mc, EXP) == ["E0001"] and ids(sp, EXP) == []           # 总队's stays home
    assert ids(mc, VOL) == ["V0001"] and ids(sp, VOL) == ["V0002"]    # 所属大队
    assert TALK not in mc.read() and ids(sp, TALK) == ["T0002"]       # only when asked
    assert ids(books[HUB], EXP) == ["E0001", "E0002"]


def test_the_run_says_what_each_spoke_carries(tmp_path: Path) -> None:
    project, books = make(tmp_path)
    books[MC].tab(CHILD)[1][1] = "王晓红"
    result = sync(project, books)
    assert (f"{MC} 同步 “{CHILD}”、“学校”、“{VOL}”、“{PAIR}”、“{APP}”、“{EXP}”;不同步 “{TALK}”"
            "(整张表是敏感信息,只发给在 forms 中写明它的分表),这些只在总表中。") in result.messages


@pytest.mark.parametrize("tab, row, spoke, prefix", [
    (EXP, {"日期": "2026-07-12", "类别": "交通", "金额": "20", "支出理由": "去郭庄村家访",
           "发票号": "F009", "经办人": "王明", "所属大队": "满城"}, MC, "E"),
    (PAIR, {"志愿者编号": "V0001", "儿童编号": "C0002", "状态": "进行中"}, MC, "P"),
    (APP, {"儿童编号": "C0001", "儿童姓名": "王小红", "申请活动": "绘画课", "监护人姓名": "王建国",
           "监护人同意": "是"}, MC, "A"),
    (TALK, {"儿童编号": "C0003", "谈心人": "刘洋", "日期": "2026-07-20", "主要内容": "说考试"},
     SP, "T"),
])
def test_a_record_typed_into_a_spoke_reaches_the_hub_with_an_id(
        tmp_path: Path, tab: str, row: dict[str, str], spoke: str, prefix: str) -> None:
    project, books = make(tmp_path)
    rows = books[spoke].tab(tab)
    rows.append([row.get(h, "") for h in rows[0]])
    before = set(ids(books[HUB], tab))
    result = sync(project, books)
    assert result.ok, result.blocked
    new = set(ids(books[HUB], tab)) - before
    assert len(new) == 1 and next(iter(new)).startswith(prefix)
    rid = next(iter(new))
    assert rid in ids(books[spoke], tab)                          # its 编号 written there
    other = SP if spoke == MC else MC
    assert rid not in ids(books[other], tab)                      # and nowhere else
    hub_row = next(r for r in table(books[HUB], tab) if r["编号"] == rid)
    assert all(hub_row[h] == t for h, t in row.items())


def test_a_pair_moves_with_its_child(tmp_path: Path) -> None:
    project, books = make(tmp_path)
    hub_child = books[HUB].tab(CHILD)
    hub_child[1][CHILD_HEAD.index("县")] = "顺平"                 # C0001 moved to 顺平
    assert sync(project, books).ok
    assert ids(books[SP], PAIR) == ["P0001", "P0002"] and ids(books[MC], PAIR) == []
    assert "T0001" in ids(books[SP], TALK)


def test_a_spoke_shows_sensitive_fields_masked_and_never_takes_the_mask_for_an_edit(
        tmp_path: Path) -> None:
    project, books = make(tmp_path)
    kid = next(r for r in table(books[MC], CHILD) if r["编号"] == "C0001")
    assert kid["身份证号"] == KIDS[0][4][:6] + "********" + KIDS[0][4][-4:]
    assert kid["监护人电话"] == "138****0001" and kid["家庭住址"] == "满城县龙泉镇郭庄村***"
    assert kid["心理状况"] == "比" + "*" * 6 and kid["姓名"] == "王小红"
    vol = table(books[MC], VOL)[0]
    assert vol["手机号"] == "150****0001" and vol["紧急联系人电话"] == "150****0011"
    text = "\n".join(cells(books[MC]))
    assert KIDS[0][4] not in text and "13812340001" not in text and "想念" not in text
    assert sync(project, books).counts["updated"] == 0            # nothing to do again
    hub_before = table(books[HUB], CHILD)
    assert hub_before[0]["身份证号"] == KIDS[0][4]                 # the hub keeps it whole
    # a masked value copied from another row is not an edit either
    mc = books[MC].tab(CHILD)
    phone = mc[0].index("监护人电话")
    mc[2][phone] = mc[1][phone]
    result = sync(project, books)
    assert table(books[HUB], CHILD) == hub_before
    assert any("C0002)的“监护人电话”是遮挡显示的值(含 *),但不是这条记录的,没有当作修改" in m
               for m in result.messages)


def test_a_value_typed_into_a_masked_cell_flows_in_full_and_shows_masked(
        tmp_path: Path) -> None:
    project, books = make(tmp_path)
    mc = books[MC].tab(CHILD)
    mc[1][mc[0].index("监护人电话")] = "13999998888"                # corrected in the field
    result = sync(project, books)
    assert result.ok
    hub = next(r for r in table(books[HUB], CHILD) if r["编号"] == "C0001")
    assert hub["监护人电话"] == "13999998888"
    assert table(books[MC], CHILD)[0]["监护人电话"] == "139****8888"
    # and a change in the hub reaches the spoke masked
    books[HUB].tab(CHILD)[1][CHILD_HEAD.index("监护人电话")] = "13700001111"
    assert sync(project, books).ok
    assert table(books[MC], CHILD)[0]["监护人电话"] == "137****1111"
    hub = next(r for r in table(books[HUB], CHILD) if r["编号"] == "C0001")
    assert hub["监护人电话"] == "13700001111"


def test_a_new_child_typed_in_full_into_a_masked_spoke(tmp_path: Path) -> None:
    project, books = make(tmp_path)
    mc = books[MC].tab(CHILD)
    new_id = cn_id("130607", "20170101", 155)
    mc.append(["", "孙丽", "女", "2017-01-01", new_id, "满城", "一小", "孙强", "13600001234",
               "满城县龙泉镇东村1号", "爱笑"])
    assert sync(project, books).ok
    hub = next(r for r in table(books[HUB], CHILD) if r["姓名"] == "孙丽")
    assert hub["身份证号"] == new_id and hub["心理状况"] == "爱笑"
    spoke = next(r for r in table(books[MC], CHILD) if r["姓名"] == "孙丽")
    assert spoke["身份证号"] == new_id[:6] + "********" + new_id[-4:]
    assert spoke["编号"] == hub["编号"]


def test_an_omitting_spoke_has_no_sensitive_columns_and_never_blanks_the_hub(
        tmp_path: Path) -> None:
    project, books = make(tmp_path, sensitive="omit")
    head = books[MC].read()[CHILD].rows[0]
    assert "身份证号" not in head and "监护人电话" not in head and "心理状况" not in head
    assert "姓名" in head and "县" in head
    books[MC].tab(CHILD)[1][head.index("姓名")] = "王晓红"
    assert sync(project, books).ok
    hub = next(r for r in table(books[HUB], CHILD) if r["编号"] == "C0001")
    assert hub["姓名"] == "王晓红" and hub["身份证号"] == KIDS[0][4]
    assert hub["监护人电话"] == "13812340001"


def test_switching_to_omit_empties_the_column_and_deleting_it_is_fine(tmp_path: Path) -> None:
    _, books = make(tmp_path)                             # masked first
    omit = project_from_dict({
        "project": {"forms": FORMS}, "hub": {"book": HUB},
        "spokes": [{"book": MC, "partition": {"county": "满城"}, "sensitive": "omit"},
                   {"book": SP, "partition": {"county": "顺平"}, "forms": FORMS}]}, tmp_path)
    assert sync(omit, books).ok
    kid = table(books[MC], CHILD)[0]
    assert kid.get("身份证号", "") == "" and kid.get("监护人电话", "") == ""  # emptied
    rows = books[MC].tab(CHILD)
    j = rows[0].index("身份证号")
    for r in rows:                                        # staff delete the empty column
        del r[j:j + 1]
    result = sync(omit, books)
    assert result.ok, result.blocked
    hub = next(r for r in table(books[HUB], CHILD) if r["编号"] == "C0001")
    assert hub["身份证号"] == KIDS[0][4] and hub["监护人电话"] == "13812340001"


def test_reveal_shows_one_field_in_full(tmp_path: Path) -> None:
    _, books = make(tmp_path, reveal=["监护人电话"])
    kid = table(books[MC], CHILD)[0]
    assert kid["监护人电话"] == "13812340001" and "*" in kid["身份证号"]


def test_a_full_spoke_holds_everything(tmp_path: Path) -> None:
    _, books = make(tmp_path, sensitive="full")
    assert table(books[MC], CHILD)[0]["身份证号"] == KIDS[0][4]


def test_partition_override_and_its_mistakes(tmp_path: Path) -> None:
    base = {"project": {"forms": ["child", "expense"]}, "hub": {"book": HUB},
            "spokes": [{"book": MC, "partition": {"county": "满城"}}]}
    project = project_from_dict({**base, "partition": {"expense": "hub"}}, tmp_path)
    assert project.spokes[0].forms == ("child",)
    with pytest.raises(ConfigError) as err:
        project_from_dict({**base, "partition": {"expense": "金额单位"}}, tmp_path)
    assert str(err.value).startswith("sheets-sync.toml: [partition] expense = '金额单位' 不是“支出明细”"
                                     "的字段;可用:编号、日期")
    with pytest.raises(ConfigError) as err:
        project_from_dict({**base, "spokes": [{"book": MC, "partition": {"county": "满城"},
                                              "forms": ["child", "budget"]}]}, tmp_path)
    assert "“预算”不在 [project] forms 中" in str(err.value) or "没有编号列" in str(err.value)
    with pytest.raises(ConfigError) as err:
        project_from_dict({**base, "spokes": [{"book": MC, "partition": {"county": "满城"},
                                              "sensitive": "hide"}]}, tmp_path)
    assert "sensitive = 'hide' 不可用" in str(err.value)


def test_a_spoke_validates_masked_cells_as_the_hubs_values(tmp_path: Path) -> None:
    project, books = make(tmp_path)
    res = run_pipeline(project, steps=("sync", "validate"), books=books)
    mine = [p for p in res.spoke_validations[MC].problems
            if p.field in {"id_number", "guardian_phone", "phone", "emergency_phone"}]
    assert mine == []
    mc = books[MC].tab(CHILD)
    mc[1][mc[0].index("监护人电话")] = "1380000"                     # typed wrong in the field
    res = run_pipeline(project, steps=("sync", "validate"), books=books)
    assert [p.field for p in res.spoke_validations[MC].problems
            if p.code.startswith("phone")] == ["guardian_phone"]
