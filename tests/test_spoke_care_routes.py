"""The summer's duty-of-care forms reach the spoke of their child's (or school's) county (#17):
出勤 and 联系记录 follow the child named by 儿童编号, 事件 its school (or its child); 联系记录's
内容 and 事件's 经过 are sensitive, so a spoke shows them masked, and the hub keeps them whole."""

from __future__ import annotations

from pathlib import Path

from sheets_sync.books.memory import MemoryBook
from sheets_sync.privacy import mask
from sheets_sync.sync.pipeline import StepOptions, run_pipeline
from sheets_sync.sync.project import project_from_dict

from .test_spoke_routes import CHILD, CHILD_HEAD, HUB, KIDS, MC, SP, cells, ids, table

FORMS = ["child", "school", "attendance", "contact", "incident"]
ATT, CON, INC = "出勤", "联系记录", "事件"
SECRET = "说爸爸今年不回家过年,哭了"
ACCOUNT = "下午在操场摔倒,膝盖擦伤"


def _books() -> dict[str, MemoryBook]:
    hub = MemoryBook({
        CHILD: [CHILD_HEAD, *[list(k) for k in KIDS]],
        "学校": [["编号", "学校名称", "县"], ["S0001", "一小", "满城"], ["S0002", "二小", "顺平"]],
        ATT: [["编号", "日期", "学校", "场次", "儿童编号", "状态"],
              ["K0001", "2026-07-07", "一小", "上午", "C0001", "到"],
              ["K0002", "2026-07-07", "一小", "上午", "C0002", "缺"],
              ["K0003", "2026-07-07", "二小", "上午", "C0003", "到"]],
        CON: [["编号", "儿童编号", "日期", "方式", "对象", "参加人", "内容"],
              ["L0001", "C0001", "2026-07-08", "家访", "监护人", "张伟、李娜", SECRET],
              ["L0002", "C0003", "2026-07-08", "视频", "父母", "刘洋", "和妈妈视频"]],
        INC: [["编号", "日期", "学校", "儿童编号", "类型", "经过", "状态"],
              ["X0001", "2026-07-09", "二小", "C0003", "受伤", ACCOUNT, "处理中"]],
    }, name=HUB)
    return {HUB: hub, MC: MemoryBook({"封面": [["满城县大队"]]}, name=MC),
            SP: MemoryBook({"封面": [["顺平县大队"]]}, name=SP)}


def test_care_forms_follow_the_child_and_mask_what_is_sensitive(tmp_path: Path) -> None:
    project = project_from_dict({
        "project": {"forms": FORMS}, "hub": {"book": HUB},
        "spokes": [{"book": MC, "partition": {"county": "满城"}},
                   {"book": SP, "partition": {"county": "顺平"}}]}, tmp_path)
    books = _books()
    result = run_pipeline(project, steps=("sync",), books=books, options=StepOptions()).sync
    assert result.ok, result.blocked
    mc, sp = books[MC], books[SP]
    assert ids(mc, ATT) == ["K0001", "K0002"] and ids(sp, ATT) == ["K0003"]
    assert ids(mc, CON) == ["L0001"] and ids(sp, CON) == ["L0002"]
    assert ids(mc, INC) == [] and ids(sp, INC) == ["X0001"]
    shown = {r["编号"]: r["内容"] for r in table(mc, CON)}
    assert shown == {"L0001": mask(SECRET)} and mask(SECRET) != SECRET
    assert SECRET not in cells(mc) and ACCOUNT not in cells(sp)
    assert [r["经过"] for r in table(sp, INC)] == [mask(ACCOUNT)]
    assert {r["编号"]: r["内容"] for r in table(books[HUB], CON)}["L0001"] == SECRET
    # a second run with nothing typed changes nothing anywhere
    before = {name: {t: g.rows for t, g in b.read().items()} for name, b in books.items()}
    again = run_pipeline(project, steps=("sync",), books=books, options=StepOptions()).sync
    assert again.ok
    assert {name: {t: g.rows for t, g in b.read().items()} for name, b in books.items()} == before
