"""Duty of care: 出勤统计, 联系情况, 待办 and 安全日志, from 出勤, 联系记录, 谈心记录 and 事件.

Pure functions: parsed forms, the program and the day (``today``, injected: the pipeline's
``now``) in, :class:`~sheets_sync.books.base.TabContent` out.

* **出勤统计** — first, every 电影天堂 or 外出活动 session with a child marked 到 and no
  hand-over recorded (离开方式 missing, or no 接送人 where the child may not walk home: below
  ``[program] walk_home_min_grade``), the same test as the 出勤 rule; then per school × day ×
  session 应到 (the school's registered children) / 实到 / 缺勤 / 请假 / 未记录; then every
  child absent (缺, no 到 that day) on two or more of the school's session days running.
* **联系情况** — per school, the share of its children visited at home (during its visit:
  the 进驻安排 rows not 取消, else the 学校 tab's 进驻 dates, else the whole program); per
  child, the last 家访, the last 电话/视频 with a parent (对象 父母, or left blank), the last
  谈心, and the days since each.
* **待办** — one row per due action: a contact of ``[program.cadence]`` (谈心 every 30 days,
  亲情视频 every 7 by default) due since the last one (or since the program's first visit
  day when there was none yet), and every 联系记录 需跟进 = 是 whose 跟进期限 has come and
  that has no 跟进完成; overdue first (most days first), then due today, then due within
  :data:`SOON` days. The person responsible: the follow-up's 负责人; for a cadence, the
  child's paired volunteer (结对 进行中), else who did the last one.
* **安全日志** — per brigade (the county of the incident's school) the incidents 处理中 and
  已结案; the open ones listed first, then the closed. 经过 is sensitive: masked unless
  revealed (``--reveal incidents=incident.account``).
"""

from __future__ import annotations

import datetime as dt
import operator
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import cache
from itertools import compress
from typing import Any

from ..books.base import PrintSetup, TabContent
from ..config import Program
from ..forms.validate import ref_key
from ..privacy import shown_value
from .model import Builder, FormRecords, Forms, Record, generated_note, rate, records

ATTENDANCE_TAB = "出勤统计"
CONTACTS_TAB = "联系情况"
TODO_TAB = "待办"
INCIDENTS_TAB = "安全日志"

REPORTS = ("attendance", "contacts", "todo", "incidents")
NAMES = {"attendance": ATTENDANCE_TAB, "contacts": CONTACTS_TAB, "todo": TODO_TAB,
         "incidents": INCIDENTS_TAB}
#: The forms (key, tab label) each report is made from (as render.NEEDS).
NEEDS: dict[str, tuple[tuple[str, str], ...]] = {
    "attendance": (("attendance", "出勤"), ("child", "留守儿童家庭情况登记表")),
    "contacts": (("child", "留守儿童家庭情况登记表"), ("contact", "联系记录")),
    "todo": (("child", "留守儿童家庭情况登记表"),),
    "incidents": (("incident", "事件"),),
}
#: What a report also reads when the book has it, and without which it is not worth making
#: when nobody asked for it (待办 needs one of them).
ANY_OF: dict[str, tuple[str, ...]] = {"todo": ("contact", "talk")}

HAND_OVER = ("电影天堂", "外出活动")
SESSIONS = ("上午", "下午", "电影天堂", "外出活动")
SOON = 7
"""待办 lists what falls due within this many days, after what is overdue."""
OPEN = "处理中"


def wanted(name: str, forms: Forms) -> bool:
    """Whether the book holds what report ``name`` is made from (made unasked then)."""
    return all(k in forms for k, _ in NEEDS[name]) and (
        name not in ANY_OF or any(k in forms for k in ANY_OF[name]))


def _day(r: Record, key: str) -> dt.date | None:
    v = r.v(key)
    if isinstance(v, dt.date):
        return v
    return _iso_day(str(v)) if v else None


@cache
def _iso_day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _since(day: dt.date | None, today: dt.date) -> int | str:
    return (today - day).days if day is not None else "—"


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day is not None else "从未"


class Keys(dict[str, str]):
    """``ref_key`` of each text, worked out once per text (a report run reads the same
    编号 and school names over and over)."""

    def __missing__(self, text: str) -> str:
        key = self[text] = ref_key(text)
        return key


class Days(dict[Any, "dt.date | None"]):
    """The day of each date cell's value (a ``date``, or ISO text), parsed once per text."""

    def __missing__(self, v: Any) -> dt.date | None:
        day = self[v] = v if isinstance(v, dt.date) else _iso_day(str(v)) if v else None
        return day

    def of(self, r: Record, key: str) -> dt.date | None:
        v = r.value.get(key)
        if v is None:
            return None
        return v if isinstance(v, dt.date) else self[v]


@dataclass
class People:
    """The children by 编号 (ref_key), their school, and who is paired with whom."""

    children: dict[str, Record]
    school_order: list[tuple[str, str]]   # (county, school) in county order
    county_of: dict[str, str]             # ref_key(school) -> county
    paired: dict[str, str]                # child key -> the paired volunteer's name
    ranks: dict[str, int] = field(default_factory=dict, init=False, repr=False)
    keys: Keys = field(default_factory=Keys, init=False, repr=False)
    days: Days = field(default_factory=Days, init=False, repr=False)

    @classmethod
    def of(cls, forms: Forms, program: Program) -> People:
        children = {ref_key(c.t("id")): c for c in records(forms, "child") if c.t("id")}
        county_of: dict[str, str] = {}
        order: list[tuple[str, str]] = []
        for s in records(forms, "school"):
            if ref_key(s.t("name")) not in county_of:
                county_of[ref_key(s.t("name"))] = s.t("county")
                order.append((s.t("county"), s.t("name")))
        for c in children.values():  # schools only the children name, after (as 年级统计)
            if ref_key(c.t("school")) not in county_of:
                county_of[ref_key(c.t("school"))] = c.t("county")
                order.append((c.t("county"), c.t("school")))
        rank = {c: i for i, c in enumerate(program.counties)}
        order.sort(key=lambda cs: rank.get(cs[0], len(rank)))
        names = {ref_key(v.t("id")): v.t("name") for v in records(forms, "volunteer")}
        paired: dict[str, str] = {}
        for p in records(forms, "pair"):
            who = names.get(ref_key(p.t("volunteer_id")))
            if p.t("status") in ("", "进行中") and who:
                paired.setdefault(ref_key(p.t("child_id")), who)
        return cls(children, order, county_of, paired)

    def child(self, key: str) -> Record | None:
        return self.children.get(key) or self.children.get(self.keys[key])

    def label(self, key: str) -> tuple[str, str, str]:
        """(编号, 姓名, 学校) of a child as the registration has it (姓名 is not sensitive)."""
        c = self.child(key)
        return (key, c.t("name"), c.t("school")) if c else (key, "(未登记)", "")

    def school_rank(self, school: str) -> int:
        """The school's place in county order (unknown schools last)."""
        if not self.ranks:
            for i, (_, s) in enumerate(self.school_order):
                self.ranks.setdefault(self.keys[s], i)
        return self.ranks.get(self.keys[school], len(self.school_order))


# --------------------------------------------------------------------------- 出勤统计

def handed_over(a: Record, people: People, program: Program) -> bool:
    """Whether a 到 row of 电影天堂/外出活动 records the hand-over (as the 出勤 rule asks)."""
    if not a.t("leave_by"):
        return False
    if a.t("pickup"):
        return True
    if a.t("leave_by") != "自行回家":
        return False
    c = people.child(a.t("child_id"))
    grade = c.v("grade") if c is not None else None
    return isinstance(grade, int) and grade >= program.walk_home_min_grade


@dataclass
class _Session:
    """One school × day × session of 出勤: counts by 状态, and the 到 rows without hand-over."""

    present: int = 0
    absent: int = 0
    leave: int = 0
    missing: list[Record] = field(default_factory=list)


Sessions = dict[tuple[str, dt.date, str], _Session]


def _scan(fr: FormRecords | None, people: People, program: Program
          ) -> tuple[Sessions, list[tuple[str, str, list[dt.date]]]]:
    """The sessions of 出勤 (see :class:`_Session`) and :func:`absent_runs`, counted over
    its columns (each distinct date parsed once)."""
    sessions: Sessions = {}
    if fr is None or not fr.records:
        return sessions, []
    rows = fr.records
    school, session, status = fr.texts("school"), fr.texts("session"), fr.texts("status")
    child, dates = fr.texts("child_id"), fr.values("date")
    day_of = {v: people.days[v] for v in set(dates)}
    for (sc, v, se, st), n in Counter(zip(school, dates, session, status, strict=True)).items():
        day = day_of[v]
        if day is None or not sc or not se:
            continue
        key = (sc, day, se)
        got = sessions.get(key)
        if got is None:
            got = sessions[key] = _Session()
        if st == "到":
            got.present += n
        elif st == "缺":
            got.absent += n
        elif st == "请假":
            got.leave += n
    # 到 at 电影天堂/外出活动 with no 接送人: the only rows that may lack the hand-over
    present = list(map("到".__eq__, status))
    hand = map(frozenset(HAND_OVER).__contains__, session)
    unnamed = map(operator.not_, fr.texts("pickup"))
    for i in compress(range(len(rows)), map(all, zip(present, hand, unnamed, strict=True))):
        day = day_of[dates[i]]
        if day is not None and school[i] and not handed_over(rows[i], people, program):
            sessions[(school[i], day, session[i])].missing.append(rows[i])
    return sessions, _column_runs(rows, school, child, dates, status, present, day_of)


def _column_runs(rows: list[Record], school: list[str], child: list[str], dates: list[Any],
                 status: list[str], present: list[bool], day_of: dict[Any, dt.date | None]
                 ) -> list[tuple[str, str, list[dt.date]]]:
    """:func:`absent_runs` over the columns of 出勤."""
    days = [d for d in day_of.values() if d is not None]
    if len(set(days)) < len(days):  # two spellings of one day: row by row
        return absent_runs(rows)
    absent = set(compress(zip(child, school, dates, strict=True), map("缺".__eq__, status)))
    absent -= absent.intersection(compress(zip(child, school, dates, strict=True), present))
    marks: list[tuple[str, str, dt.date]] = []
    for c, sc, v in absent:
        day = day_of[v]
        if c and sc and day is not None:
            marks.append((c, sc, day))
    school_days: set[tuple[str, dt.date]] = set()
    for sc, v in set(zip(school, dates, strict=True)):
        day = day_of[v]
        if sc and day is not None:
            school_days.add((sc, day))
    firsts: dict[tuple[str, str], int] | None = None
    if len({c for c, _, _ in marks}) < len({(c, sc) for c, sc, _ in marks}):
        # one child absent at two schools: ties go by which the sheet names first
        firsts = {}
        for c, sc in zip(child, school, strict=True):
            firsts.setdefault((c, sc), len(firsts))
    return _runs(marks, school_days, firsts)


def attendance(forms: Forms, program: Program, people: People | None = None) -> TabContent:
    """The 出勤统计 tab."""
    people = people or People.of(forms, program)
    keys_of = people.keys
    per_school = Counter(keys_of[c.t("school")] for c in people.children.values())
    sessions, runs = _scan(forms.get("attendance"), people, program)
    index = {s: i for i, s in enumerate(SESSIONS)}

    def order(k: tuple[str, dt.date, str]) -> tuple[int, str, dt.date, int]:
        return (people.school_rank(k[0]), k[0], k[1], index.get(k[2], len(SESSIONS)))

    keys = sorted(sessions, key=order)
    b = Builder()
    b.add([f"{program.name} 出勤统计"], bold=True)
    b.merge(1, 1, 8)
    missing = [(k, sessions[k]) for k in keys if sessions[k].missing]
    times = sum(len(n.missing) for _, n in missing)
    b.add([f"电影天堂、外出活动中到场但未记录交接的儿童({times} 人次)"], bold=True)
    # one column order for the three parts (学校, 日期 …), a long list last: it runs on over
    # the empty cells to its right, so the narrow count columns below stay narrow
    b.add(["学校", "日期", "场次", "到场", "未交接", "位置", "儿童"], section=True)
    for (school, day, session), n in missing:
        m = n.missing
        kids = "、".join(" ".join(people.label(a.t("child_id"))[:2]) for a in m)
        where = f"{m[0].tab} 第 " + "、".join(str(a.row) for a in m) + " 行"
        b.add([school, day.isoformat(), session, n.present, len(m), where, kids])
    if not missing:
        b.add(["所有电影天堂和外出活动的到场儿童都已记录交接(离开方式和接送人)。"])
    b.add([])
    b.add(["各校各场次出勤"], bold=True)
    b.add(["学校", "日期", "场次", "应到", "实到", "缺勤", "请假", "未记录"], section=True)
    for k in keys:
        n = sessions[k]
        expected = per_school[keys_of[k[0]]]
        recorded = n.present + n.absent + n.leave
        b.add([k[0], k[1].isoformat(), k[2], expected, n.present, n.absent, n.leave,
               max(expected - recorded, 0)])
    if not keys:
        b.add(["“出勤”表中还没有记录。"])
    b.add([])
    b.add([f"连续两天及以上缺勤的儿童({len(runs)} 人次)"], bold=True)
    b.add(["编号", "姓名", "学校", "年级", "天数", "缺勤日期"], section=True)
    for child_id, school, days in runs:
        c = people.child(child_id)
        grade = f"{c.v('grade')}年级" if c is not None and isinstance(c.v("grade"), int) else ""
        b.add([child_id, people.label(child_id)[1], school, grade, len(days),
               "、".join(d.isoformat() for d in days)])
    if not runs:
        b.add(["没有连续两天缺勤的儿童。"])
    return b.content(header_rows=1, widths={1: 16, 2: 12, 3: 14, 4: 8, 5: 8, 6: 14, 7: 8, 8: 8},
                     note=generated_note("按“出勤”表统计各校各场次的应到、实到、缺勤、请假,"
                                         "列出未记录交接和连续缺勤的儿童"),
                     print_setup=PrintSetup(landscape=True))


def absent_runs(rows: Iterable[Record]) -> list[tuple[str, str, list[dt.date]]]:
    """(child 编号, school, days) for every run of two or more of the school's session days
    running on which the child was marked 缺 (and not 到). 请假 is excused, not absent."""
    marks: dict[tuple[str, str, dt.date], int] = {}
    school_days: set[tuple[str, dt.date]] = set()
    firsts: dict[tuple[str, str], int] = {}
    for a in rows:
        day = _day(a, "date")
        if day is None or not a.t("school"):
            continue
        school_days.add((a.t("school"), day))
        if a.t("child_id"):
            k = (a.t("child_id"), a.t("school"), day)
            firsts.setdefault(k[:2], len(firsts))
            status = a.t("status")
            marks[k] = marks.get(k, 0) | (1 if status == "缺" else 2 if status == "到" else 0)
    return _runs([k for k, m in marks.items() if m == 1], school_days, firsts)


def _runs(absent: Collection[tuple[str, str, dt.date]], school_days: set[tuple[str, dt.date]],
          firsts: dict[tuple[str, str], int] | None) -> list[tuple[str, str, list[dt.date]]]:
    """:func:`absent_runs` from the (child, school, day) absent (缺, no 到) and the days each
    school has any 出勤 row. Runs of equal length from one day sort by 编号, then by where
    the sheet first names the (child, school): ``firsts``; without it, by ``absent``'s
    order (enough when no child is absent at two schools)."""
    index: dict[str, dict[dt.date, int]] = defaultdict(dict)
    for school, day in sorted(school_days):
        index[school][day] = len(index[school])
    by_child: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for child, school, day in absent:
        by_child[(child, school)].append(day)
    out: list[tuple[int, str, str, list[dt.date]]] = []
    for n, ((child, school), days) in enumerate(by_child.items()):
        at, first = index[school], firsts[(child, school)] if firsts is not None else n
        days.sort()
        run = [days[0]]
        for day in days[1:]:
            if at[day] == at[run[-1]] + 1:
                run.append(day)
                continue
            if len(run) >= 2:
                out.append((first, child, school, run))
            run = [day]
        if len(run) >= 2:
            out.append((first, child, school, run))
    out.sort(key=lambda r: (-len(r[3]), r[3][0], r[1], r[0]))
    return [(child, school, days) for _, child, school, days in out]


# --------------------------------------------------------------------------- 联系情况

def _parent(r: Record) -> bool:
    return r.t("party") in ("父母", "")


@dataclass
class Contacts:
    """The last contact of each kind per child (key: ref_key of 编号), and who made it; and
    the days of every 家访 per child."""

    last: dict[str, dict[str, tuple[dt.date, str]]]
    visits: dict[str, list[dt.date]] = field(default_factory=dict)

    @classmethod
    def of(cls, forms: Forms, people: People | None = None) -> Contacts:
        keys, days = (people.keys, people.days) if people is not None else (Keys(), Days())
        last: dict[str, dict[str, tuple[dt.date, str]]] = defaultdict(dict)
        visits: dict[str, list[dt.date]] = defaultdict(list)

        def seen(child: str, kind: str, day: dt.date, who: str) -> None:
            mine = last[keys[child]]
            had = mine.get(kind)
            if had is None or day >= had[0]:
                mine[kind] = (day, who)

        kinds = {"电话": "亲情电话", "视频": "亲情视频"}
        fr = forms.get("contact")
        if fr is not None:
            for child, how, party, who, v in zip(
                    fr.texts("child_id"), fr.texts("method"), fr.texts("party"),
                    fr.texts("participants"), fr.values("date"), strict=True):
                if (how != "家访" and how not in kinds) or v is None:
                    continue
                day = v if isinstance(v, dt.date) else days[v]
                if day is None:
                    continue
                if how == "家访":
                    visits[keys[child]].append(day)
                    if child:
                        seen(child, "家访", day, who)
                elif child and party in ("父母", ""):
                    seen(child, kinds[how], day, who)
                    seen(child, "父母", day, who)
        fr = forms.get("talk")
        if fr is not None:
            for child, who, v in zip(fr.texts("child_id"), fr.texts("talker"), fr.values("date"),
                                     strict=True):
                day = None if v is None else v if isinstance(v, dt.date) else days[v]
                if day is not None and child:
                    seen(child, "谈心", day, who)
        return cls(dict(last), dict(visits))

    def day(self, child: str, kind: str) -> dt.date | None:
        hit = self.last.get(ref_key(child), {}).get(kind)
        return hit[0] if hit else None

    def who(self, child: str, kind: str) -> str:
        hit = self.last.get(ref_key(child), {}).get(kind)
        return hit[1] if hit else ""


def visit_windows(forms: Forms) -> dict[str, tuple[dt.date, dt.date, str]]:
    """ref_key(school) -> (first, last day, where from) of the school's visit."""
    out: dict[str, tuple[dt.date, dt.date, str]] = {}
    for s in records(forms, "school"):
        a, z = _day(s, "start_date"), _day(s, "end_date")
        if a and z and z >= a:
            out[ref_key(s.t("name"))] = (a, z, "学校表")
    rot: dict[str, tuple[dt.date, dt.date, str]] = {}
    for r in records(forms, "rotation"):
        a, z = _day(r, "start_date"), _day(r, "end_date")
        if a and z and z >= a and r.t("status") != "取消" and r.t("school"):
            k = ref_key(r.t("school"))
            lo, hi, _ = rot.get(k, (a, z, ""))
            rot[k] = (min(lo, a), max(hi, z), "进驻安排")
    return out | rot


def contacts(forms: Forms, program: Program, today: dt.date,
             people: People | None = None, seen: Contacts | None = None) -> TabContent:
    """The 联系情况 tab."""
    people = people or People.of(forms, program)
    seen = seen or Contacts.of(forms, people)
    keys = people.keys
    windows = visit_windows(forms)
    visits = seen.visits
    b = Builder()
    b.add([f"{program.name} 联系情况({today.isoformat()})"], bold=True)
    b.merge(1, 1, 9)
    b.add(["各校家访覆盖"], bold=True)
    b.add(["县", "学校", "统计期间", "儿童人数", "已家访", "家访率"], section=True)
    by_school: dict[str, list[str]] = defaultdict(list)
    for key, c in people.children.items():
        by_school[keys[c.t("school")]].append(key)
    total = done = 0
    for county, school in people.school_order:
        kids = by_school.get(keys[school.removesuffix("(不在学校表)")], [])
        win = windows.get(keys[school])
        n = sum(1 for c in kids if any(win is None or win[0] <= d <= win[1]
                                       for d in visits.get(c, [])))
        period = f"{win[0].isoformat()} 至 {win[1].isoformat()}({win[2]})" if win else "全程"
        b.add([county or "县未填", school, period, len(kids), n, rate(n, len(kids))])
        total, done = total + len(kids), done + n
    b.add(["合计", "", "", total, done, rate(done, total)], bold=True)
    b.add([])
    b.add(["每名儿童最近一次联系"], bold=True)
    b.add(["编号", "姓名", "学校", "最近家访", "距今天数", "最近与父母电话/视频", "距今天数",
           "最近谈心", "距今天数"], section=True)
    rank: dict[str, int] = {}

    def order(kc: tuple[str, Record]) -> tuple[int, str, int, str]:
        c = kc[1]
        school, grade = c.t("school"), c.v("grade")
        if school not in rank:
            rank[school] = people.school_rank(school)
        return (rank[school], school, grade if isinstance(grade, int) else 99, c.t("id"))

    none: dict[str, tuple[dt.date, str]] = {}
    for key, c in sorted(people.children.items(), key=order):
        cells: list[str | int] = [c.t("id"), c.t("name"), c.t("school")]
        mine = seen.last.get(key, none)
        for kind in ("家访", "父母", "谈心"):
            hit = mine.get(kind)
            day = hit[0] if hit else None
            cells += [_iso(day), _since(day, today)]
        b.add(cells)
    return b.content(header_rows=1, widths={1: 10, 2: 18, 3: 30, 4: 12, 5: 9, 6: 18, 7: 9,
                                            8: 12, 9: 9},
                     note=generated_note("按“联系记录”和“谈心记录”列出每名儿童最近一次家访、"
                                         "与父母通话或视频、谈心,以及各校家访覆盖率"),
                     print_setup=PrintSetup(landscape=True))


# --------------------------------------------------------------------------- 待办

@dataclass(frozen=True)
class Due:
    """One action that is due: what, for which child, by when, by whom."""

    due: dt.date
    what: str
    child: str
    owner: str
    detail: str

    def overdue(self, today: dt.date) -> int:
        return max((today - self.due).days, 0)


WHAT = {"谈心": "每月谈心", "亲情视频": "亲情视频", "亲情电话": "亲情电话", "家访": "家访"}


def due_actions(forms: Forms, program: Program, today: dt.date,
                people: People | None = None, seen: Contacts | None = None
                ) -> tuple[list[Due], list[str]]:
    """Everything due by ``today`` + :data:`SOON`, sorted overdue first; and notes."""
    people = people or People.of(forms, program)
    seen = seen or Contacts.of(forms, people)
    horizon = today + dt.timedelta(days=SOON)
    anchor = program.visit_first
    out: list[Due] = []
    notes: list[str] = []
    have = {"谈心": "talk" in forms, "亲情视频": "contact" in forms,
            "亲情电话": "contact" in forms, "家访": "contact" in forms}
    # A child with no record yet is due from the first day of its school's visit (the
    # volunteers are there from then on); before its school is visited nothing is due. A
    # book with no visit dates at all counts from the program's first visit day.
    windows = visit_windows(forms)
    starts: dict[str, dt.date | None] = {}
    for kind, days in program.cadence:
        if not have.get(kind):
            continue
        never = later = unvisited = 0
        every = dt.timedelta(days=days)
        none: dict[str, tuple[dt.date, str]] = {}
        for key, c in people.children.items():
            hit = seen.last.get(key, none).get(kind)
            last = hit[0] if hit else None
            since = last
            if since is None:
                if not windows:
                    since = anchor
                else:
                    if key not in starts:
                        w = windows.get(ref_key(c.t("school")))
                        starts[key] = w[0] if w else None
                    since = starts[key]
                    if since is None:
                        unvisited += 1
                        continue
                    if since > today:
                        later += 1
                        continue
            if since is None:
                never += 1
                continue
            due = since + every
            if due > horizon:
                continue
            owner = people.paired.get(key) or (hit[1] if hit else "") or "未结对"
            detail = (f"上次 {last.isoformat()},每 {days} 天一次" if last else
                      f"还没有记录,每 {days} 天一次(自 {since} 起)")
            out.append(Due(due, WHAT[kind], c.t("id"), owner, detail))
        if never:
            notes.append(f"{never} 名儿童还没有{WHAT[kind]}记录:项目开始日期未知,"
                         "未列入(在 sheets-sync.toml 的 [program] 中写 start_date 后列出)。")
        if later:
            notes.append(f"{later} 名儿童还没有{WHAT[kind]}记录,所在学校还没到进驻的日子:"
                         "从进驻第一天起计,未列入。")
        if unvisited:
            notes.append(f"{unvisited} 名儿童还没有{WHAT[kind]}记录,所在学校没有进驻日期"
                         "(“进驻安排”或“学校”表的进驻日期):未列入。")
    for r in records(forms, "contact"):
        if r.t("needs_follow_up") != "是" or r.t("follow_up_done"):
            continue
        by = people.days.of(r, "follow_up_by")
        if by is None:
            continue
        if by <= horizon:
            out.append(Due(by, "跟进", r.t("child_id"), r.t("owner") or r.t("participants")
                           or "未指定", f"{r.t('follow_up') or '(未写跟进措施)'}"
                           f"({r.tab} 第 {r.row} 行,{r.t('date')} {r.t('method')})"))
    rank: dict[str, int] = {}

    def order(d: Due) -> tuple[int, dt.date, int, str, str]:
        if d.child not in rank:
            rank[d.child] = people.school_rank(people.label(d.child)[2])
        return (-d.overdue(today), d.due, rank[d.child], d.child, d.what)

    out.sort(key=order)
    return out, notes


def _state(d: Due, today: dt.date) -> str:
    if d.due < today:
        return "已逾期"
    if d.due == today:
        return "今天到期"
    return f"{(d.due - today).days} 天后到期"


def todo(forms: Forms, program: Program, today: dt.date,
         people: People | None = None, *, school: str | None = None,
         seen: Contacts | None = None) -> TabContent:
    """The 待办 tab; with ``school``, only that school's rows (a teacher's per-school book)."""
    people = people or People.of(forms, program)
    items, notes = due_actions(forms, program, today, people, seen)
    if school is not None:
        key, keys = ref_key(school), people.keys
        items = [d for d in items if keys[people.label(d.child)[2]] == key]
        notes = []  # they count the whole program's children: not the school's teachers' concern
    late = sum(1 for d in items if d.due < today)
    b = Builder()
    where = f"{school} " if school is not None else ""
    b.add([f"{program.name} {where}待办({today.isoformat()}):已逾期 {late} 项,"
           f"{SOON} 天内到期 {len(items) - late} 项"], bold=True)
    b.merge(1, 1, 9)
    b.add(["状态", "到期日", "逾期天数", "事项", "儿童编号", "姓名", "学校", "负责人", "说明"],
          section=True)
    for d in items:
        child_id, name, at = people.label(d.child)
        b.add([_state(d, today), d.due.isoformat(), d.overdue(today), d.what, child_id, name,
               at, d.owner, d.detail])
    if not items:
        b.add([f"没有逾期或 {SOON} 天内到期的事项。"])
    for n in notes:
        b.add([f"注:{n}"])
    return b.content(header_rows=2, widths={1: 12, 2: 12, 3: 9, 4: 10, 5: 10, 6: 8, 7: 18,
                                            8: 10, 9: 46},
                     note=generated_note("按 [program.cadence] 和“联系记录”的跟进期限列出到期和"
                                         "逾期的谈心、亲情视频、跟进"),
                     print_setup=PrintSetup(landscape=True, repeat_rows=(2, 2)))


# --------------------------------------------------------------------------- 安全日志

COLUMNS = ["编号", "日期", "时间", "大队", "学校", "地点", "类型", "涉及儿童", "涉及志愿者", "经过",
           "处理措施", "是否送医", "通知家长时间", "报告人", "状态", "位置"]


def open_incidents(forms: Forms) -> int:
    """How many incidents are 处理中 (a blank 状态 counts as open)."""
    return sum(1 for r in records(forms, "incident") if r.t("status") in (OPEN, ""))


def incidents(forms: Forms, program: Program, reveal: Collection[str] = (),
              people: People | None = None) -> TabContent:
    """The 安全日志 tab."""
    people = people or People.of(forms, program)
    rows = records(forms, "incident")
    form = forms["incident"].form
    account = form.field("account")

    def brigade(r: Record) -> str:
        county = people.county_of.get(ref_key(r.t("school")), "")
        return f"{county}大队" if county else "大队不明"

    ranks = {f"{c}大队": i for i, c in enumerate(program.counties)}
    rows = sorted(rows, key=lambda r: (ranks.get(brigade(r), len(ranks)), brigade(r),
                                       r.t("date"), r.t("time"), r.t("id")))
    b = Builder()
    n_open = open_incidents(forms)
    b.add([f"{program.name} 安全日志:处理中 {n_open} 起,共 {len(rows)} 起"], bold=True)
    b.merge(1, 1, 8)
    b.add(["大队", "处理中", "已结案", "合计"], section=True)
    per = Counter((brigade(r), r.t("status") in (OPEN, "")) for r in rows)
    for name in dict.fromkeys(brigade(r) for r in rows):
        b.add([name, per[(name, True)], per[(name, False)], per[(name, True)] + per[(name, False)]])
    b.add(["合计", n_open, len(rows) - n_open, len(rows)], bold=True)
    for title, is_open in (("处理中的事件", True), ("已结案的事件", False)):
        mine = [r for r in rows if (r.t("status") in (OPEN, "")) == is_open]
        b.add([])
        b.add([f"{title}({len(mine)} 起)"], bold=True)
        b.add(COLUMNS, section=True)
        for r in mine:
            child = " ".join(people.label(r.t("child_id"))[:2]) if r.t("child_id") else ""
            b.add([r.t("id"), r.t("date"), r.t("time"), brigade(r), r.t("school"), r.t("place"),
                   r.t("kind"), child, r.t("volunteers"),
                   shown_value(r.t("account"), form, account, reveal), r.t("action"),
                   r.t("hospital"), r.t("parents_told"), r.t("reporter"),
                   r.t("status") or OPEN, f"{r.tab} 第 {r.row} 行"])
        if not mine:
            b.add(["无"])
    return b.content(header_rows=1, widths={1: 8, 2: 11, 3: 6, 4: 9, 5: 16, 6: 10, 7: 8, 8: 14,
                                            9: 12, 10: 16, 11: 24, 12: 8, 13: 12, 14: 8, 15: 8,
                                            16: 14},
                     note=generated_note("按“事件”表列出各大队处理中和已结案的安全事件;"
                                         "经过为敏感信息,遮挡显示"),
                     print_setup=PrintSetup(landscape=True))


def care_tabs(forms: Forms, program: Program, names: Collection[str], today: dt.date,
              reveal: dict[str, Collection[str]] | None = None) -> dict[str, TabContent]:
    """The tabs of the care reports in ``names`` whose forms the book holds."""
    reveal = reveal or {}
    out: dict[str, TabContent] = {}
    if not set(names) & set(REPORTS):
        return out
    people = People.of(forms, program)
    seen = Contacts.of(forms, people) if {"contacts", "todo"} & set(names) else None
    if "attendance" in names:
        out[ATTENDANCE_TAB] = attendance(forms, program, people)
    if "contacts" in names:
        out[CONTACTS_TAB] = contacts(forms, program, today, people, seen)
    if "todo" in names:
        out[TODO_TAB] = todo(forms, program, today, people, seen=seen)
    if "incidents" in names:
        out[INCIDENTS_TAB] = incidents(forms, program, reveal.get("incidents", ()), people)
    return out


__all__ = ["NAMES", "NEEDS", "REPORTS", "Due", "absent_runs", "attendance", "care_tabs",
           "contacts", "due_actions", "incidents", "open_incidents", "todo", "wanted"]
