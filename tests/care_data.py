"""A hand-built program for the duty-of-care tabs (tests/test_care_*.py): two schools, four
children, a week of attendance, contacts, talks, a pair and three incidents.

Made-up names and numbers only. What the figures must be is worked out in the tests, by
hand, from these rows (the comments say what each row is there for).
"""

from __future__ import annotations

import datetime as dt

from sheets_sync.config import Program
from sheets_sync.forms.template import FormTemplate, default_templates
from sheets_sync.table import Grid

PROGRAM = Program(start_date=dt.date(2026, 7, 1), end_date=dt.date(2026, 8, 31))

SCHOOLS = [
    {"编号": "S0001", "学校名称": "满城一小", "县": "满城", "进驻开始日期": "2026-07-13",
     "进驻结束日期": "2026-07-17"},
    {"编号": "S0002", "学校名称": "顺平二小", "县": "顺平"},
]


def _child(i: str, name: str, sex: str, school: str, county: str, grade: str) -> dict[str, str]:
    return {"编号": i, "姓名": name, "性别": sex, "出生日期": "2015-03-01", "县": county,
            "村": "东村", "学校": school, "年级": grade, "监护人姓名": "王奶奶",
            "监护人电话": "13800000001"}


CHILDREN = [
    _child("C0001", "王小雨", "女", "满城一小", "满城", "3"),
    _child("C0002", "李大山", "男", "满城一小", "满城", "5"),   # may walk home (grade 5)
    _child("C0003", "赵小花", "女", "满城一小", "满城", "4"),   # absent three days running
    _child("C0004", "孙小军", "男", "顺平二小", "顺平", "3"),   # absent once: not listed
]

VOLUNTEERS = [
    {"编号": "V0001", "姓名": "李明", "性别": "男", "学号": "2024001", "手机号": "13700000001",
     "紧急联系人": "李父", "紧急联系人电话": "13700000002"},
    {"编号": "V0002", "姓名": "王芳", "性别": "女", "学号": "2024002", "手机号": "13700000003",
     "紧急联系人": "王父", "紧急联系人电话": "13700000004"},
]
PAIRS = [{"编号": "P0001", "志愿者编号": "V0001", "儿童编号": "C0001", "状态": "进行中"}]


def _a(n: int, day: str, school: str, session: str, child: str, status: str,
       leave: str = "", pickup: str = "") -> dict[str, str]:
    return {"编号": f"K{n:04d}", "日期": day, "学校": school, "场次": session, "儿童编号": child,
            "状态": status, "离开方式": leave, "接送人": pickup, "记录人": "李明"}


ATTENDANCE = [
    _a(1, "2026-07-13", "满城一小", "上午", "C0001", "到"),
    _a(2, "2026-07-13", "满城一小", "上午", "C0002", "到"),
    _a(3, "2026-07-13", "满城一小", "上午", "C0003", "缺"),
    _a(4, "2026-07-13", "满城一小", "电影天堂", "C0001", "到", "家长接", "王奶奶"),
    _a(5, "2026-07-13", "满城一小", "电影天堂", "C0002", "到", "自行回家"),  # grade 5: fine
    _a(6, "2026-07-14", "满城一小", "上午", "C0001", "到"),
    _a(7, "2026-07-14", "满城一小", "上午", "C0002", "请假"),
    _a(8, "2026-07-14", "满城一小", "上午", "C0003", "缺"),
    _a(9, "2026-07-14", "满城一小", "电影天堂", "C0001", "到"),              # no hand-over
    _a(10, "2026-07-14", "满城一小", "电影天堂", "C0002", "到", "志愿者送"),  # nobody named
    _a(11, "2026-07-15", "满城一小", "上午", "C0001", "到"),
    _a(12, "2026-07-15", "满城一小", "上午", "C0003", "缺"),
    _a(13, "2026-07-13", "顺平二小", "上午", "C0004", "缺"),
]


def _c(n: int, child: str, day: str, method: str, party: str = "", people: str = "李明、王芳",
       **more: str) -> dict[str, str]:
    return {"编号": f"L{n:04d}", "儿童编号": child, "日期": day, "方式": method, "对象": party,
            "参加人": people, **more}


CONTACTS = [
    _c(1, "C0001", "2026-07-14", "家访", "监护人"),                       # inside the visit
    _c(2, "C0001", "2026-07-10", "视频", "父母", "李明"),
    _c(3, "C0002", "2026-07-12", "电话", "监护人", "李明"),              # not a parent
    _c(4, "C0002", "2026-07-01", "家访", "监护人"),                       # before the visit
    _c(5, "C0003", "2026-07-13", "电话", "父母", "王芳", 需跟进="是",
       跟进措施="联系班主任了解缺勤", 跟进期限="2026-07-16", 负责人="王芳"),
    _c(6, "C0002", "2026-07-05", "电话", "父母", "王芳", 需跟进="是", 跟进措施="送学习用品",
       跟进期限="2026-07-10", 负责人="王芳", 跟进完成="2026-07-09"),      # done: not due
]

TALKS = [
    {"编号": "T0001", "儿童编号": "C0001", "谈心人": "李明", "日期": "2026-07-01"},
    {"编号": "T0002", "儿童编号": "C0004", "谈心人": "张老师", "日期": "2026-06-20"},
]

INCIDENTS = [
    {"编号": "X0001", "日期": "2026-07-14", "时间": "16:20", "学校": "满城一小", "地点": "操场",
     "涉及儿童": "C0001", "类型": "受伤", "经过": "跑步时摔倒擦伤膝盖", "处理措施": "送镇卫生院包扎",
     "是否送医": "是", "通知家长时间": "16:40", "报告人": "李明", "状态": "处理中"},
    {"编号": "X0002", "日期": "2026-07-13", "学校": "顺平二小", "类型": "身体不适",
     "经过": "中午头晕", "是否送医": "否", "报告人": "王芳", "状态": "已结案"},
    {"编号": "X0003", "日期": "2026-07-15", "学校": "满城一小", "类型": "财物",
     "经过": "水杯丢失", "报告人": "李明", "状态": "已结案"},
]


def grid(t: FormTemplate, rows: list[dict[str, str]]) -> Grid:
    labels = [f.label for f in t.fields]
    return Grid.from_rows([labels] + [[r.get(x, "") for x in labels] for r in rows])


def care_grids(**replace: list[dict[str, str]]) -> dict[str, Grid]:
    """The hub's form tabs (a form given by key in ``replace`` gets those rows instead)."""
    t = default_templates()
    rows = {"school": SCHOOLS, "child": CHILDREN, "volunteer": VOLUNTEERS, "pair": PAIRS,
            "attendance": ATTENDANCE, "contact": CONTACTS, "talk": TALKS,
            "incident": INCIDENTS} | replace
    return {t[k].label: grid(t[k], v) for k, v in rows.items()}


def rows_after(rows: list[list[str]], title: str) -> list[list[str]]:
    """The rows of a generated tab below the row starting with ``title`` and its header row,
    up to the next empty row."""
    start = next(i for i, r in enumerate(rows) if r and r[0].startswith(title))
    out = []
    for r in rows[start + 2:]:
        if not any(r):
            break
        out.append(r)
    return out
