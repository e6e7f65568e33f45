"""Duty-of-care tabs (出勤统计, 联系情况, 待办, 安全日志): a 5,000-child summer, against pandas.

The program (synthetic: made-up names and numbers, seeded): 125 schools of 40 children in
three counties, each school visited for two weeks (10 weekdays; 上午, 下午 — 外出活动 on
Wednesdays — and the evening 电影天堂), so ~150,000 出勤 rows (3% of sessions not recorded
per child, a few hand-overs missing, some children absent days running); per child a home
visit, about three calls or videos with a parent (one in ten 需跟进) and a 谈心; 400
volunteers, 4,500 pairs, 60 incidents. The day is the end of the summer (2026-08-31).

Two measurements, each the median CPU seconds (``time.process_time``) of ``--repeat`` runs,
and the peak of Python allocations (``tracemalloc``, numpy's included; one more run, as
tracing slows the code down):

* **(a) the care tabs** — ``care_tabs`` from the parsed forms (records already in memory)
  against pandas computing the same figures from DataFrames already in memory, dates and
  grades typed as the records hold them: 应到/实到/缺勤/请假/未记录 per school × day × session,
  the 电影天堂/外出活动 rows marked 到 without a hand-over (as the 出勤 rule: no 离开方式, or no
  接送人 below ``walk_home_min_grade``), every run of two or more school days absent, the last
  家访 / call or video with a parent / 谈心 per child and the home-visit share per school, the
  待办 items (谈心 every 30 days, 亲情视频 every 7, follow-ups past 跟进期限; owner: the paired
  volunteer, else who made the last contact), incidents per brigade. The figures of both
  sides are compared (``same figures:``). ``ratio:`` = ours / pandas (target: within 2×).
* **(b) from the hub workbook** — ``ExcelBook(hub).read()`` + ``generate_reports(only=<the
  care reports>)`` (read, validate every cell, parse, make the tabs), and the pipeline's
  whole report step, ``report_book(..., dry_run=True)`` (also diffs against the book and
  plans the write on a copy), against ``pandas.read_excel(sheet_name=None, dtype=str,
  engine="calamine")`` (the reader we use too), typing the date and grade columns, and the
  same pandas figures. Printed for a reader to see where the time goes; our side also
  validates every cell, pandas does not.

    python benchmarks/report_bench.py [--children 5000] [--days 10] [--repeat 3] [--only a|b]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sheets_sync.config import Program
from sheets_sync.forms.template import default_templates
from sheets_sync.forms.validate import validate_grids
from sheets_sync.reports import care
from sheets_sync.reports.model import Forms, forms_from_report
from sheets_sync.table import Grid

PROGRAM = Program(start_date=dt.date(2026, 7, 1), end_date=dt.date(2026, 8, 31))
TODAY = dt.date(2026, 8, 31)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "小明红刚丽强华军芳伟敏静磊洋艳勇娜杰涛雨"
SLOTS = (dt.date(2026, 7, 6), dt.date(2026, 7, 20), dt.date(2026, 8, 3), dt.date(2026, 8, 17))


def person(i: int) -> str:
    return SURNAMES[i % 20] + GIVEN[(i // 20) % 20] + GIVEN[(i * 7 + 3) % 20]


def weekdays(start: dt.date, n: int) -> list[dt.date]:
    out, d = [], start
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


def program_tabs(children: int, days: int, seed: int = 17) -> dict[str, list[list[str]]]:
    """The hub's form tabs (header row of labels first), synthetic and seeded."""
    rng = np.random.default_rng(seed)
    t = default_templates()
    counties = PROGRAM.counties
    n_schools = max(1, children // 40)
    schools = [[f"S{i + 1:04d}", f"{counties[i % 3]}第{i + 1:03d}小学", counties[i % 3],
                (d := weekdays(SLOTS[i % len(SLOTS)], days))[0].isoformat(), d[-1].isoformat()]
               for i in range(n_schools)]
    visit = {s[1]: weekdays(SLOTS[i % len(SLOTS)], days) for i, s in enumerate(schools)}
    kids = []
    grades = rng.choice([3, 4, 5], children)
    for i in range(children):
        s = schools[i % n_schools]
        kids.append([f"C{i + 1:05d}", person(i + 5), "男" if i % 2 else "女",
                     f"{2014 + i % 4}-0{1 + i % 9}-1{i % 10}", s[2], s[1], str(grades[i]),
                     person(i + 11), f"138{i:08d}"])
    vols = [[f"V{i + 1:04d}", person(i + 101), f"2025{i:05d}", f"139{i:08d}", person(i + 13),
             f"137{i:08d}"] for i in range(400)]
    pairs = [[f"P{i + 1:05d}", vols[i % 400][0], kids[i][0], "进行中"]
             for i in range(min(children, 4500))]
    att: list[list[str]] = []
    status = rng.choice(["到", "缺", "请假"], (children, days), p=[0.91, 0.06, 0.03])
    noise = rng.random((children, days, 3))
    how_home = ["家长接", "志愿者送", "自行回家", ""]
    leave = np.where(grades[:, None] >= PROGRAM.walk_home_min_grade,
                     rng.choice(how_home, (children, days), p=[0.60, 0.15, 0.24, 0.01]),
                     rng.choice(how_home, (children, days), p=[0.75, 0.235, 0.005, 0.01]))
    for i, k in enumerate(kids):
        school, guardian = k[5], k[7]
        for j, day in enumerate(visit[school]):
            sessions = ("上午", "外出活动" if day.weekday() == 2 else "下午", "电影天堂")
            for s, session in enumerate(sessions):
                x = noise[i, j, s]
                if x < 0.03:
                    continue  # not recorded
                st = str(status[i, j]) if x > 0.04 else "到"
                how = pickup = ""
                if st == "到" and session in care.HAND_OVER:
                    how = str(leave[i, j])
                    pickup = {"家长接": guardian, "志愿者送": vols[i % 400][1]}.get(how, "")
                    if x > 0.99:
                        pickup = ""  # a hand-over without who took the child
                att.append([f"K{len(att) + 1:06d}", day.isoformat(), school, session, k[0], st,
                            how, pickup, vols[(i + 1) % 400][1]])
    contacts: list[list[str]] = []
    talks: list[list[str]] = []
    for i, k in enumerate(kids):
        days_of = visit[k[5]]
        two = f"{vols[i % 400][1]}、{vols[(i + 7) % 400][1]}"
        if i % 7:
            contacts.append([k[0], days_of[i % len(days_of)].isoformat(), "家访", "监护人",
                             two if i % 211 else vols[i % 400][1], "", "", "", "", ""])
        for c in range(int(rng.integers(1, 6))):
            day = days_of[0] + dt.timedelta(days=int(rng.integers(0, (TODAY - days_of[0]).days)))
            follow = rng.random() < 0.1
            by = (day + dt.timedelta(days=int(rng.integers(3, 11)))).isoformat() if follow else ""
            done = by if follow and rng.random() < 0.4 else ""
            contacts.append([k[0], day.isoformat(), "视频" if c % 2 else "电话",
                             ["父母", "父母", "监护人", ""][(i + c) % 4], vols[i % 400][1],
                             "是" if follow else "", "了解近况" if follow else "", by,
                             vols[i % 400][1] if follow else "", done])
        if i % 10 < 7:
            talks.append([k[0], vols[i % 400][1], days_of[-1 - i % 3].isoformat()])
    contacts = [[f"L{n + 1:06d}", *r] for n, r in enumerate(contacts)]
    talks = [[f"T{n + 1:05d}", *r] for n, r in enumerate(talks)]
    incidents = [[f"X{i + 1:04d}", visit[schools[i * 2 % n_schools][1]][i % days].isoformat(),
                  schools[i * 2 % n_schools][1], ["身体不适", "受伤", "财物"][i % 3], "否",
                  vols[i % 400][1], "处理中" if i % 3 == 0 else "已结案"] for i in range(60)]
    heads = {
        "school": ["编号", "学校名称", "县", "进驻开始日期", "进驻结束日期"],
        "child": ["编号", "姓名", "性别", "出生日期", "县", "学校", "年级", "监护人姓名",
                  "监护人电话"],
        "volunteer": ["编号", "姓名", "学号", "手机号", "紧急联系人", "紧急联系人电话"],
        "pair": ["编号", "志愿者编号", "儿童编号", "状态"],
        "attendance": ["编号", "日期", "学校", "场次", "儿童编号", "状态", "离开方式", "接送人",
                       "记录人"],
        "contact": ["编号", "儿童编号", "日期", "方式", "对象", "参加人", "需跟进", "跟进措施",
                    "跟进期限", "负责人", "跟进完成"],
        "talk": ["编号", "儿童编号", "谈心人", "日期"],
        "incident": ["编号", "日期", "学校", "类型", "是否送医", "报告人", "状态"],
    }
    rows = {"school": schools, "child": kids, "volunteer": vols, "pair": pairs,
            "attendance": att, "contact": contacts, "talk": talks, "incident": incidents}
    return {t[k].label: [heads[k], *rows[k]] for k in heads}


# --------------------------------------------------------------------------- pandas side

DATES = {"attendance": ("date",), "contact": ("date", "follow_up_by"), "talk": ("date",),
         "school": ("start_date", "end_date"), "incident": ("date",)}


def typed(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Text frames (field keys as columns) with dates and grades typed."""
    for key, cols in DATES.items():
        for c in cols:
            if c in frames[key]:
                frames[key][c] = pd.to_datetime(frames[key][c], format="%Y-%m-%d",
                                                errors="coerce")
    g = frames["child"]["grade"].str.extract(r"(\d)", expand=False)
    frames["child"]["grade"] = pd.to_numeric(g, errors="coerce")
    return frames


def frames_from_forms(forms: Forms) -> dict[str, pd.DataFrame]:
    """The pandas side's input: one DataFrame per form, already in memory (not timed)."""
    out = {}
    for key, fr in forms.items():
        cols = [f.key for f in fr.form.fields]
        out[key] = pd.DataFrame({c: [r.t(c) for r in fr] for c in cols})
        out[key]["row"] = [r.row for r in fr]
    return typed(out)


def frames_from_grids(sheets: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """``read_excel``'s frames (Chinese headers) by form key with field keys as columns."""
    out = {}
    for form in default_templates().values():
        if form.label in sheets:
            df = sheets[form.label].fillna("")
            df.columns = [next((f.key for f in form.fields if f.label == c), c)
                          for c in df.columns]
            df["row"] = np.arange(2, len(df) + 2)
            out[form.key] = df
    return typed(out)


def pandas_care(f: dict[str, pd.DataFrame], program: Program, today: dt.date
                ) -> dict[str, Any]:
    """The figures of the four care tabs, with pandas."""
    kids, att, con, talk = f["child"], f["attendance"], f["contact"], f["talk"]
    sch, inc = f["school"], f["incident"]
    now = pd.Timestamp(today)
    # the schools in county order: the 学校 tab's, then those only children name
    order = pd.concat([sch[["county", "name"]],
                       kids[["county", "school"]].rename(columns={"school": "name"})])
    order = order.drop_duplicates("name")
    crank = {c: i for i, c in enumerate(program.counties)}
    order = order.assign(r=order["county"].map(crank).fillna(len(crank))).sort_values(
        "r", kind="stable")
    srank = pd.Series(np.arange(len(order)), index=order["name"].to_numpy())
    per_school = kids.groupby("school").size()
    # 出勤统计: per school × day × session
    a = att[att["date"].notna() & (att["school"] != "") & (att["session"] != "")]
    keys = ["school", "date", "session"]
    n = a.groupby(keys)["status"].value_counts().unstack(fill_value=0)
    n = n.reindex(columns=["到", "缺", "请假"], fill_value=0)
    n["应到"] = per_school.reindex(n.index.get_level_values("school")).fillna(0).to_numpy()
    n["未记录"] = (n["应到"] - n[["到", "缺", "请假"]].sum(axis=1)).clip(lower=0)
    n = n.reset_index()
    sess = {s: i for i, s in enumerate(care.SESSIONS)}
    n["_r"] = srank.reindex(n["school"]).fillna(len(srank)).to_numpy()
    n["_s"] = n["session"].map(sess).fillna(len(sess))
    sessions = n.sort_values(["_r", "school", "date", "_s"])
    # hand-over missing: 到 at 电影天堂/外出活动 without 离开方式, or without 接送人 below the grade
    h = a[a["session"].isin(care.HAND_OVER) & (a["status"] == "到")]
    grade = h["child_id"].map(kids.drop_duplicates("id").set_index("id")["grade"])
    ok = (h["leave_by"] != "") & ((h["pickup"] != "") | ((h["leave_by"] == "自行回家")
                                                        & (grade >= program.walk_home_min_grade)))
    missed = h[~ok]
    miss = pd.DataFrame({"missing": missed.groupby(keys).size()})
    miss["present"] = h.groupby(keys).size().reindex(miss.index).to_numpy()
    # absent (缺, no 到) on two or more of the school's session days running
    d = att[att["date"].notna() & (att["school"] != "")]
    m = d[d["child_id"] != ""].assign(absent=d["status"] == "缺", present=d["status"] == "到")
    per_day = m.groupby(["child_id", "school", "date"])[["absent", "present"]].any()
    per_day = per_day[per_day["absent"] & ~per_day["present"]].reset_index()
    days = d[["school", "date"]].drop_duplicates().sort_values(["school", "date"])
    days["k"] = days.groupby("school").cumcount()
    per_day = per_day.merge(days, on=["school", "date"]).sort_values(["child_id", "school", "k"])
    new = ((per_day["child_id"] != per_day["child_id"].shift())
           | (per_day["school"] != per_day["school"].shift())
           | (per_day["k"] != per_day["k"].shift() + 1))
    per_day["run"] = new.cumsum()
    runs = per_day.groupby("run").agg(child_id=("child_id", "first"), school=("school", "first"),
                                      first=("date", "first"), days=("date", "size"))
    runs = runs[runs["days"] >= 2].sort_values(["days", "first", "child_id"],
                                                ascending=[False, True, True])
    # 联系情况: the last of each kind per child (who made it: the last in sheet order that day)
    c = con[con["date"].notna() & (con["child_id"] != "")]
    parent = c[c["method"].isin(["电话", "视频"]) & c["party"].isin(["父母", ""])]
    kinds = {"家访": c[c["method"] == "家访"][["child_id", "date", "participants"]],
             "父母": parent[["child_id", "date", "participants"]],
             "亲情电话": parent[parent["method"] == "电话"][["child_id", "date", "participants"]],
             "亲情视频": parent[parent["method"] == "视频"][["child_id", "date", "participants"]],
             "谈心": talk[talk["date"].notna() & (talk["child_id"] != "")].rename(
                 columns={"talker": "participants"})[["child_id", "date", "participants"]]}
    last = {k: v.sort_values("date", kind="stable").drop_duplicates("child_id", keep="last")
            .set_index("child_id") for k, v in kinds.items()}
    ids = kids["id"]
    per_child = pd.DataFrame({"id": ids, "name": kids["name"], "school": kids["school"],
                              **{k: ids.map(last[k]["date"]) for k in ("家访", "父母", "谈心")}})
    for k in ("家访", "父母", "谈心"):
        per_child[k + "_days"] = (now - per_child[k]).dt.days
    per_child["_r"] = srank.reindex(per_child["school"]).to_numpy()
    per_child["_g"] = kids["grade"].fillna(99)
    per_child = per_child.sort_values(["_r", "school", "_g", "id"])
    win = sch[sch["start_date"].notna() & (sch["end_date"] >= sch["start_date"])].set_index(
        "name")[["start_date", "end_date"]]
    v = kinds["家访"].merge(kids[["id", "school"]], left_on="child_id", right_on="id")
    v = v.join(win, on="school")
    inside = v["start_date"].isna() | ((v["date"] >= v["start_date"])
                                       & (v["date"] <= v["end_date"]))
    visited = v[inside].groupby("school")["child_id"].nunique()
    coverage = pd.DataFrame({"children": per_school, "visited": visited}).fillna(0)
    coverage["share"] = coverage["visited"] / coverage["children"]
    # 待办: cadences and follow-ups due by today + SOON, overdue first
    horizon = now + pd.Timedelta(days=care.SOON)
    anchor = pd.Timestamp(program.visit_first) if program.visit_first else pd.NaT
    names = f["volunteer"].set_index("id")["name"]
    p = f["pair"]
    p = p[p["status"].isin(["", "进行中"])]
    paired = p.assign(who=p["volunteer_id"].map(names)).dropna(subset=["who"])
    paired = paired.drop_duplicates("child_id").set_index("child_id")["who"]
    if len(win):
        start = kids["school"].map(win["start_date"])
        first_day = start.where(start <= now).set_axis(ids.to_numpy())
    else:
        first_day = pd.Series(anchor, index=ids.to_numpy())
    due = []
    for kind, every in program.cadence:
        lk = last[kind].reindex(ids)
        mine = ids.map(paired).to_numpy()
        # no record yet: due from the first day of the child's school's visit (nothing before
        # it, nor without visit dates); a book without any visit dates counts from the anchor
        since = lk["date"].fillna(first_day)
        d = pd.DataFrame({"child": ids.to_numpy(), "due": (since + pd.Timedelta(days=every))
                          .to_numpy(), "what": care.WHAT[kind], "last": lk["date"].to_numpy(),
                          "owner": np.where(pd.notna(mine), mine, lk["participants"]
                                            .fillna("").to_numpy())})
        d["owner"] = d["owner"].replace("", "未结对")
        due.append(d[d["due"] <= horizon])
    fu = c[(c["needs_follow_up"] == "是") & (c["follow_up_done"] == "")
           & c["follow_up_by"].notna() & (c["follow_up_by"] <= horizon)]
    owner = fu["owner"].where(fu["owner"] != "", fu["participants"]).replace("", "未指定")
    due.append(pd.DataFrame({"child": fu["child_id"].to_numpy(), "due": fu["follow_up_by"]
                             .to_numpy(), "what": "跟进", "owner": owner.to_numpy()}))
    todo = pd.concat(due, ignore_index=True)
    todo["overdue"] = (now - todo["due"]).dt.days.clip(lower=0)
    todo["_r"] = srank.reindex(todo["child"].map(kids.set_index("id")["school"])).fillna(
        len(srank)).to_numpy()
    todo = todo.sort_values(["overdue", "due", "_r", "child", "what"],
                            ascending=[False, True, True, True, True])
    # 安全日志: per brigade, open and closed
    county = order.set_index("name")["county"]
    brigade = (inc["school"].map(county).fillna("") + "大队").replace("大队", "大队不明")
    per_brigade = pd.crosstab(brigade, inc["status"].isin([care.OPEN, ""]))
    return {"sessions": sessions, "missing": miss, "missed": missed, "runs": runs,
            "per_child": per_child, "coverage": coverage, "todo": todo, "incidents": per_brigade}


# --------------------------------------------------------------------------- comparing

def _section(rows: list[list[str]], title: str) -> list[list[str]]:
    start = next(i for i, r in enumerate(rows) if r and r[0].startswith(title))
    out = []
    for r in rows[start + 2:]:
        if not any(r):
            break
        out.append(r)
    return out


def same_figures(tabs: dict[str, Any], pd_: dict[str, Any]) -> list[str]:
    """What differs between our tabs and pandas' figures (empty: the same)."""
    bad = []
    att = tabs[care.ATTENDANCE_TAB].rows
    ours = [[r[0], r[1], r[2], *map(int, r[3:])] for r in _section(att, "各校各场次出勤")]
    s = pd_["sessions"]
    theirs = [[a, b.date().isoformat(), c, int(d), int(e), int(f), int(g), int(h)]
              for a, b, c, d, e, f, g, h in zip(s["school"], s["date"], s["session"], s["应到"],
                                                 s["到"], s["缺"], s["请假"], s["未记录"],
                                                 strict=True)]
    if ours != theirs:
        bad.append(f"出勤 per session ({len(ours)} vs {len(theirs)} rows)")
    missing = [int(r[4]) for r in _section(att, "电影天堂、外出活动中到场")]
    if sum(missing) != int(pd_["missing"]["missing"].sum()) or len(missing) != len(
            pd_["missing"]):
        bad.append(f"hand-over ({sum(missing)} vs {int(pd_['missing']['missing'].sum())})")
    runs = _section(att, "连续两天及以上缺勤")
    theirs_runs = list(zip(pd_["runs"]["child_id"], pd_["runs"]["days"].astype(int),
                           strict=True))
    if [(r[0], int(r[4])) for r in runs] != theirs_runs:
        bad.append(f"absent runs ({len(runs)} vs {len(theirs_runs)})")
    con = tabs[care.CONTACTS_TAB].rows
    per_child = _section(con, "每名儿童最近一次联系")
    pc = pd_["per_child"]
    theirs_pc = [[i, *(d.date().isoformat() if not pd.isna(d) else "从未" for d in ds)]
                 for i, *ds in zip(pc["id"], pc["家访"], pc["父母"], pc["谈心"],
                                   strict=True)]
    if [[r[0], r[3], r[5], r[7]] for r in per_child] != theirs_pc:
        bad.append("联系情况 per child")
    total = _section(con, "各校家访覆盖")[-1]
    cov = pd_["coverage"]
    if [int(total[3]), int(total[4])] != [int(cov["children"].sum()), int(cov["visited"].sum())]:
        bad.append("家访 coverage")
    todo = [r for r in tabs[care.TODO_TAB].rows[2:] if len(r) > 4]
    t = pd_["todo"]
    theirs_todo = [[d.date().isoformat(), int(o), w, c, who] for d, o, w, c, who in zip(
        t["due"], t["overdue"], t["what"], t["child"], t["owner"], strict=True)]
    if [[r[1], int(r[2]), r[3], r[4], r[7]] for r in todo] != theirs_todo:
        bad.append(f"待办 ({len(todo)} vs {len(theirs_todo)} rows)")
    return bad


# --------------------------------------------------------------------------- measuring

def measure(fn: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """(median CPU seconds, peak MiB of Python allocations, the result)."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    gc.collect()
    tracemalloc.start()
    result = fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return statistics.median(times), peak, result


def part_a(tabs: dict[str, list[list[str]]], repeat: int) -> float:
    templates = default_templates()
    report = validate_grids({k: Grid(v) for k, v in tabs.items()}, templates, PROGRAM)
    forms = forms_from_report(report)
    frames = frames_from_forms(forms)
    names = care.REPORTS
    ours_t, ours_m, ours = measure(lambda: care.care_tabs(forms, PROGRAM, names, TODAY), repeat)
    pd_t, pd_m, theirs = measure(lambda: pandas_care(frames, PROGRAM, TODAY), repeat)
    rows = sum(len(c.rows) for c in ours.values())  # type: ignore[attr-defined]
    print(f"(a) care tabs from parsed forms: {len(forms['attendance']):,} 出勤, "
          f"{len(forms['contact']):,} 联系记录, {len(forms['talk']):,} 谈心记录 rows -> "
          f"{rows:,} tab rows")
    print(f"  sheets-sync care_tabs   {ours_t:6.3f} s CPU   peak {ours_m:6.1f} MiB")
    print(f"  pandas groupby          {pd_t:6.3f} s CPU   peak {pd_m:6.1f} MiB")
    diff = same_figures(ours, theirs)  # type: ignore[arg-type]
    print(f"  same figures: {not diff}" + (f" (differ: {'; '.join(diff)})" if diff else ""))
    ratio = ours_t / pd_t
    print(f"  ratio: {ratio:.2f}  (ours / pandas CPU; target <= 2: "
          f"{'met' if ratio <= 2 else 'NOT met'}); memory ratio {ours_m / pd_m:.2f}")
    return ratio


def part_b(tabs: dict[str, list[list[str]]], repeat: int) -> float:
    from sheets_sync.books.excel import ExcelBook, write_workbook
    from sheets_sync.reports import generate_reports
    from sheets_sync.sync.slices import report_book

    now = dt.datetime.combine(TODAY, dt.time(9))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "总表.xlsx"
        write_workbook(path, tabs)

        def step() -> object:
            return report_book(ExcelBook(path), program=PROGRAM, only=care.REPORTS,
                               dry_run=True, now=now, state_dir=Path(tmp) / ".sheets-sync")[0]

        def core() -> object:
            return generate_reports(ExcelBook(path).read(), program=PROGRAM, only=care.REPORTS,
                                    now=now)

        def peer() -> object:
            sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="calamine")
            return pandas_care(frames_from_grids(sheets), PROGRAM, TODAY)

        step_t, step_m, _ = measure(step, repeat)
        ours_t, ours_m, res = measure(core, repeat)
        pd_t, pd_m, theirs = measure(peer, repeat)
        print(f"(b) the hub workbook ({path.stat().st_size / 2**20:.1f} MiB .xlsx) to the care "
              "tabs")
        print(f"  report step (--dry-run)  {step_t:6.3f} s CPU   peak {step_m:6.1f} MiB  "
              "(read, validate, parse, tabs, diff, plan)")
        print(f"  read + generate_reports  {ours_t:6.3f} s CPU   peak {ours_m:6.1f} MiB  "
              "(read, validate, parse, tabs)")
        print(f"  pandas read_excel + same {pd_t:6.3f} s CPU   peak {pd_m:6.1f} MiB  "
              "(read, type dates and grades, figures)")
        diff = same_figures(res.tabs, theirs)  # type: ignore[attr-defined, arg-type]
        print(f"  same figures: {not diff}" + (f" (differ: {'; '.join(diff)})" if diff else ""))
        ratio = ours_t / pd_t
        print(f"  ratio: {ratio:.2f}  (read + generate_reports / pandas CPU; ours validates "
              f"every cell); report step / pandas {step_t / pd_t:.2f}")
        return ratio


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--children", type=int, default=5000)
    ap.add_argument("--days", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=["a", "b"])
    args = ap.parse_args()
    start = time.perf_counter()
    tabs = program_tabs(args.children, args.days)
    print(f"program: {args.children:,} children, {len(tabs['学校']) - 1} schools, "
          f"{len(tabs['出勤']) - 1:,} 出勤 rows (made in {time.perf_counter() - start:.1f} s)")
    ratio = part_a(tabs, args.repeat) if args.only != "b" else None
    if args.only != "a":
        part_b(tabs, args.repeat)
    if ratio is not None:
        print(f"ratio: {ratio:.2f}  (care tabs, ours / pandas groupby CPU; target <= 2)")


if __name__ == "__main__":
    main()
