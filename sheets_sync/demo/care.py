"""The demo's first visit week of duty of care: attendance, contacts, talks, incidents.

Made after ``schedule`` has written 支队, 进驻安排 and the members' 所属支队 (which teams visit
which schools in the first week is the schedule's answer, not the generator's): from the
hub's tabs as they then are, :func:`care_week` makes, for every visit that starts on the
first visit day (15 teams at 15 schools from 7 July),

* **出勤**: every registered child of the school at every session up to the demo's day
  (:func:`~.synth.demo_now`): 上午 and 下午 on each school day Monday–Saturday, and the
  evening 电影天堂 on Tuesday, Thursday and Friday (the plan's week: “周二/周四/周五 ‘电影天堂’
  准备”); Sunday is the day the team moves on. Each child who came to the film is handed
  over: to the guardian (家长接), walked home by a volunteer (志愿者送, named), or, from
  ``walk_home_min_grade``, alone (自行回家). One child is absent two school days running;
* **联系记录**: a 家访 of most children (two volunteers of the team), a 亲情视频 or 亲情电话
  with the parents of some; a few need a follow-up (跟进期限 a few days on; some already
  done, some overdue on the demo's day, some due soon);
* **谈心记录**: a talk with about half the children during the week, appended to the tab;
* **事件**: two incidents — a child taken to the clinic (是否送医 是), a graze after the film.

Four planted mistakes, each noted as a :class:`~.build.Planted` of the hub with the rule code
``validate`` reports: a 电影天堂 row marked 到 with no hand-over (离开方式 and 接送人 blank:
two problems), a 家访 by one volunteer, a clinic visit with no 通知家长时间. (The fourth, a
volunteer insured from after his team's first visit day, is planted with the volunteers:
:func:`~.plant.plant_problems`.) Everything is invented and deterministic for the seed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ..config import Program
from ..forms.template import FormTemplate
from ..forms.validate import ref_key
from ..table import Grid, a1
from .synth import FOLLOW_UPS, TALK_TOPICS, demo_now, pick

Rows = list[list[str]]

HOME_VISIT_NOTES = ("了解家庭情况,爷爷奶奶身体尚可", "看了孩子的作业,学习习惯较好",
                    "家里农活多,孩子常帮忙", "监护人希望多辅导数学", "孩子想念在外打工的父母",
                    "家中住房较旧,孩子有自己的书桌", "监护人年纪大,接送不便")
CALL_NOTES = ("向父母介绍孩子这周的表现", "父母询问孩子的学习情况", "孩子和妈妈视频聊了很久",
              "父亲答应暑假回来一次", "父母感谢志愿者的陪伴")
CARE_FOLLOW_UPS = (*FOLLOW_UPS, "再次家访了解情况", "提醒监护人带孩子看牙")
FILM_DAYS = (1, 3, 4)
"""电影天堂 on Tuesday, Thursday and Friday (``date.weekday()``)."""
SCHOOL_DAYS = range(6)
"""Monday–Saturday are school days of a visit week; Sunday the team moves on."""
GRADE_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}


@dataclass
class CareMark:
    """A planted mistake in a care tab (sheet row known: the tab is new)."""

    tab: str
    row: int
    column: str
    code: str
    note: str
    value: str = ""


@dataclass
class CareWeek:
    """The week's new tabs (header + rows), the talks to append, and what was planted."""

    tabs: dict[str, Rows]
    talks: Rows                   # 谈心记录 rows in that tab's header order
    talk_first_row: int           # sheet row the first appended talk goes to
    marks: list[CareMark] = field(default_factory=list)
    schools: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Child:
    id: str
    name: str
    grade: int | None
    guardian: str
    relation: str


def _records(grid: Grid | None) -> list[dict[str, str]]:
    if grid is None or not grid.n_rows:
        return []
    head_at = next((i for i, r in enumerate(grid.rows) if "编号" in r), 0)
    head = grid.rows[head_at]
    return [dict(zip(head, r + [""] * (len(head) - len(r)), strict=False))
            for r in grid.rows[head_at + 1:] if any(c.strip() for c in r)]


def _grade(text: str) -> int | None:
    digits = "".join(ch for ch in text if ch.isdigit())
    if digits:
        return int(digits)
    return next((g for w, g in GRADE_WORDS.items() if w in text), None)


def _iso(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def _labels(templates: dict[str, FormTemplate], form: str) -> list[str]:
    return [f.label for f in templates[form].fields]


def _row(labels: list[str], rec: dict[str, str]) -> list[str]:
    return [rec.get(label, "") for label in labels]


def care_week(grids: dict[str, Grid], program: Program, templates: dict[str, FormTemplate],
              seed: int = 2026, now: dt.datetime | None = None) -> CareWeek:
    """The first visit week's care records from the hub's ``grids`` (see the module doc),
    up to ``now`` (default: :func:`~.synth.demo_now`)."""
    rng = np.random.default_rng([seed, 17])
    today = (now or demo_now(program)).date()
    first = program.visit_first
    visits = [v for v in _records(grids.get("进驻安排"))
              if v.get("状态") not in ("取消", "已取消") and _iso(v.get("开始日期", "")) == first]
    members: dict[str, list[str]] = {}
    for v in _records(grids.get("志愿者报名表")):
        if v.get("所属支队", "").strip():
            members.setdefault(ref_key(v["所属支队"]), []).append(v["姓名"])
    kids: dict[str, list[_Child]] = {}
    for rec in _records(grids.get("留守儿童家庭情况登记表")):
        if rec.get("编号", "").strip():
            kids.setdefault(ref_key(rec.get("学校", "")), []).append(
                _Child(rec["编号"], rec.get("姓名", ""), _grade(rec.get("年级", "")),
                       rec.get("监护人姓名", ""), rec.get("与儿童关系", "")))
    walk_alone = program.walk_home_min_grade

    att_l, con_l, inc_l = (_labels(templates, f) for f in ("attendance", "contact", "incident"))
    talk_grid = grids.get("谈心记录")
    talk_l = talk_grid.rows[0] if talk_grid is not None and talk_grid.n_rows \
        else _labels(templates, "talk")
    old_talks = _records(talk_grid)
    next_talk = max((int(t["编号"][1:]) for t in old_talks
                     if t.get("编号", "")[1:].isdigit()), default=0)
    att: Rows = []
    con: Rows = []
    talks: Rows = []
    marks: list[CareMark] = []
    schools: list[str] = []
    present: dict[tuple[str, dt.date], list[_Child]] = {}   # (school, day) -> children there
    absent_planted = False

    for visit in visits:
        school, team = visit["学校"], visit["支队"]
        crew = members.get(ref_key(team), [])
        children = kids.get(ref_key(school), [])
        start, end = _iso(visit["开始日期"]), _iso(visit["结束日期"])
        if not crew or not children or start is None or end is None:
            continue
        schools.append(school)
        days = [start + dt.timedelta(days=k) for k in range((end - start).days + 1)]
        days = [d for d in days if d.weekday() in SCHOOL_DAYS and d <= today]
        # per child and day: 到 (most), 缺 or 请假 for the whole day
        state = {(c.id, d): ("缺" if (x := rng.random()) < 0.03 else "请假" if x < 0.05
                             else "到") for c in children for d in days}
        if not absent_planted and len(children) > 3 and len(days) >= 3:
            for d in days[2:4]:   # a child away two school days running (出勤统计 lists it)
                state[(children[3].id, d)] = "缺"
            absent_planted = True
        for d in days:
            present[(school, d)] = [c for c in children if state[(c.id, d)] == "到"]
            sessions = ["上午", "下午"] + (["电影天堂"] if d.weekday() in FILM_DAYS else [])
            for session in sessions:
                recorder = pick(rng, crew)
                for c in children:
                    status = state[(c.id, d)]
                    leave = pickup = ""
                    if session == "电影天堂":
                        if status == "到" and rng.random() < 0.25:
                            status = "缺"       # did not come to the evening film
                        if status == "到":
                            x = rng.random()
                            if c.grade is not None and c.grade >= walk_alone and x < 0.3:
                                leave = "自行回家"
                            elif x < 0.7 and c.guardian:
                                leave, pickup = "家长接", c.guardian
                            else:
                                leave, pickup = "志愿者送", pick(rng, crew)
                    att.append(_row(att_l, {
                        "日期": d.isoformat(), "学校": school, "场次": session,
                        "儿童编号": c.id, "儿童姓名": c.name, "状态": status,
                        "离开方式": leave, "接送人": pickup, "记录人": recorder}))
        # contacts: a home visit of most children, calls and videos with parents
        for c in children:
            party = "父母" if c.relation in ("父亲", "母亲") else "监护人"
            if rng.random() < 0.8:
                d = days[int(rng.integers(len(days)))]
                two = [str(x) for x in rng.choice(crew, size=min(2, len(crew)), replace=False)]
                con.append(_contact(rng, con_l, c, d, "家访", party, two, today))
            if rng.random() < 0.35:
                d = days[int(rng.integers(len(days)))]
                con.append(_contact(rng, con_l, c, d, "视频", "父母", [pick(rng, crew)], today))
            elif rng.random() < 0.2:
                d = days[int(rng.integers(len(days)))]
                con.append(_contact(rng, con_l, c, d, "电话", "父母", [pick(rng, crew)], today))
            if rng.random() < 0.5:
                d = days[int(rng.integers(len(days)))]
                follow = rng.random() < 0.1
                next_talk += 1
                talks.append(_row(talk_l, {
                    "编号": f"T{next_talk:04d}", "儿童编号": c.id, "谈心人": pick(rng, crew),
                    "日期": d.isoformat(), "主要内容": pick(rng, TALK_TOPICS),
                    "需跟进": "是" if follow else "否",
                    "跟进措施": pick(rng, FOLLOW_UPS) if follow else ""}))

    _number(att, att_l, "K")
    # planted: a film session, a child marked 到, no hand-over recorded (first school, a
    # child below walk_home_min_grade so that 接送人 is needed too)
    col = {label: j for j, label in enumerate(att_l)}
    film = next((i for i, r in enumerate(att) if r[col["场次"]] == "电影天堂"
                 and r[col["状态"]] == "到" and r[col["离开方式"]] != "自行回家"), None)
    if film is not None:
        r = att[film]
        r[col["离开方式"]], r[col["接送人"]] = "", ""
        marks.append(CareMark("出勤", film + 2, "离开方式", "required_if",
                              "电影天堂到场的儿童没有记录交接(离开方式未填)"))
        marks.append(CareMark("出勤", film + 2, "接送人", "required_if",
                              "电影天堂到场的儿童没有记录交给了谁(接送人未填)"))
    # planted: a home visit by one volunteer
    ccol = {label: j for j, label in enumerate(con_l)}
    lone = next((i for i, r in enumerate(con) if r[ccol["方式"]] == "家访"
                 and r[ccol["需跟进"]] == "否"), None)
    if lone is not None:
        r = con[lone]
        r[ccol["参加人"]] = r[ccol["参加人"]].split("、")[0]
        marks.append(CareMark("联系记录", lone + 2, "参加人", "count.min",
                              "家访只有一名志愿者(至少两人同去)", r[ccol["参加人"]]))
    _number(con, con_l, "L")
    inc = _incidents(rng, inc_l, [v for v in visits if v["学校"] in schools], members,
                     present, marks)
    tabs = {"出勤": [att_l, *att], "联系记录": [con_l, *con], "事件": [inc_l, *inc]}
    first_row = (talk_grid.n_rows if talk_grid is not None else 1) + 1
    counts = {"出勤": len(att), "联系记录": len(con), "谈心记录": len(talks), "事件": len(inc)}
    return CareWeek(tabs, talks, first_row, marks, schools, counts)


def _number(rows: Rows, labels: list[str], prefix: str) -> None:
    j = labels.index("编号")
    for i, r in enumerate(rows, start=1):
        r[j] = f"{prefix}{i:04d}"


def _contact(rng: np.random.Generator, labels: list[str], c: _Child, d: dt.date, how: str,
             party: str, people: list[str], today: dt.date) -> list[str]:
    """One 联系记录 row; about one in twelve needs a follow-up: from a contact two or more
    days before ``today`` the deadline is a day or two on (overdue unless done, as a third
    are), from a later one three to five days on (due soon)."""
    rec = {"儿童编号": c.id, "日期": d.isoformat(), "方式": how, "对象": party,
           "参加人": "、".join(people),
           "内容": pick(rng, HOME_VISIT_NOTES if how == "家访" else CALL_NOTES), "需跟进": "否"}
    if rng.random() < 0.08:
        early = (today - d).days >= 2
        by = d + dt.timedelta(days=int(rng.integers(1, 3) if early else rng.integers(3, 6)))
        rec.update({"需跟进": "是", "跟进措施": pick(rng, CARE_FOLLOW_UPS),
                    "跟进期限": by.isoformat(), "负责人": people[0]})
        if early and rng.random() < 0.35:
            rec["跟进完成"] = by.isoformat()
    return _row(labels, rec)


def _incidents(rng: np.random.Generator, labels: list[str], visits: list[dict[str, str]],
               members: dict[str, list[str]], present: dict[tuple[str, dt.date], list[_Child]],
               marks: list[CareMark]) -> Rows:
    """Two incidents, at the second school of the week and at the second to last (another
    brigade's): a child taken to the clinic with no 通知家长时间 (planted), and a graze
    after the film, closed; each child was there that day."""
    out: Rows = []
    cases = (
        {"日期": "2026-07-09", "时间": "15:40", "地点": "操场", "类型": "身体不适",
         "经过": "下午体育活动后头晕、出汗,疑似中暑",
         "处理措施": "移到阴凉处补水,两名志愿者陪同送乡卫生院,观察后好转", "是否送医": "是",
         "通知家长时间": "", "状态": "处理中"},
        {"日期": "2026-07-10", "时间": "20:10", "地点": "教室门口台阶", "类型": "受伤",
         "经过": "电影天堂散场时在台阶上摔倒,膝盖擦伤",
         "处理措施": "用药箱消毒、贴创可贴,由监护人接回家", "是否送医": "否",
         "通知家长时间": "2026-07-10 20:15", "状态": "已结案"},
    )
    for visit, case in zip([visits[1], visits[-2]] if len(visits) > 2 else visits, cases,
                           strict=False):
        crew = members.get(ref_key(visit["支队"]), [])
        children = present.get((visit["学校"], dt.date.fromisoformat(case["日期"])), [])
        if not crew or not children:
            continue
        c = children[int(rng.integers(len(children)))]
        out.append(_row(labels, {**case, "编号": f"X{len(out) + 1:04d}", "学校": visit["学校"],
                                 "涉及儿童": c.id, "涉及志愿者": crew[0], "报告人": crew[-1]}))
        if case["是否送医"] == "是":
            marks.append(CareMark("事件", len(out) + 1, "通知家长时间", "required_if",
                                  "送医却没有写通知家长的时间"))
    return out


def cell_of(labels: list[str], row: int, column: str) -> str:
    """The A1 reference of ``column`` in sheet row ``row`` of a tab with header ``labels``."""
    return a1(row, labels.index(column) + 1)
