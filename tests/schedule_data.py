"""Synthetic books for scheduling (tests and ``benchmarks/schedule_bench.py``).

Made-up names and numbers only: volunteers of three brigades (admitted and trained unless
told otherwise), schools with a county, a 乡镇 and an agreement, and optionally 支队 /
进驻安排 rows. Plan-sized by default: 120 volunteers, 75 schools, five weeks from 7 July.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from sheets_sync.config import Program
from sheets_sync.table import Grid

PLAN = Program(start_date=dt.date(2026, 7, 1), end_date=dt.date(2026, 8, 31),
               visit_start=dt.date(2026, 7, 7), visit_end=dt.date(2026, 8, 11))
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
COLLEGES = ("文学院", "数学学院", "外国语学院", "教育学院", "艺术学院", "物理学院")
SKILLS = ("语文", "数学", "英语", "体育", "音乐", "美术", "心理")
VOLUNTEER_HEAD = ["编号", "姓名", "性别", "学院", "手机号", "特长", "复试成绩", "录取状态", "培训完成",
                  "所属大队", "所属支队"]
SCHOOL_HEAD = ["编号", "学校名称", "县", "乡镇", "协议已签", "住宿安排"]
TEAM_HEAD = ["编号", "支队名称", "所属大队", "队长"]
ROTATION_HEAD = ["编号", "支队", "学校", "开始日期", "结束日期", "状态"]


def name(i: int) -> str:
    return SURNAMES[i % 20] + GIVEN[(i // 20) % 22] + GIVEN[(i * 7 + 3) % 22]


def volunteer_rows(n: int, counties: Sequence[str], seed: int = 3,
                   untrained: int = 0) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        skills = "、".join(sorted({SKILLS[int(k)] for k in rng.integers(0, len(SKILLS), 2)}))
        rows.append([f"V{i + 1:04d}", name(i), "男" if rng.random() < 0.45 else "女",
                     COLLEGES[int(rng.integers(0, len(COLLEGES)))], f"139{i:08d}", skills,
                     str(int(rng.integers(60, 100))), "录取", "否" if i < untrained else "是",
                     counties[i % len(counties)], ""])
    return rows


def school_rows(n: int, counties: Sequence[str], towns_per_county: int = 8,
                agreed: float = 1.0, seed: int = 5) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        c = counties[i % len(counties)]
        town = f"{c}第{int(rng.integers(0, towns_per_county)) + 1}乡"
        rows.append([f"S{i + 1:04d}", f"{c}第{i + 1:03d}小学", c, town,
                     "是" if rng.random() < agreed else "否", "学校宿舍"])
    return rows


def plan_grids(volunteers: int = 120, schools: int = 75, *, counties: Sequence[str] = ("满城",
               "顺平", "清苑"), untrained: int = 0, agreed: float = 1.0,
               towns_per_county: int = 8, teams: Sequence[Sequence[str]] = (),
               rotation: Sequence[Sequence[str]] = (), seed: int = 3) -> dict[str, Grid]:
    """The tabs scheduling reads, as grids of text."""
    grids = {
        "志愿者报名表": Grid([VOLUNTEER_HEAD, *volunteer_rows(volunteers, counties, seed,
                                                       untrained)]),
        "学校": Grid([SCHOOL_HEAD, *school_rows(schools, counties, towns_per_county, agreed,
                                                seed + 2)]),
    }
    if teams:
        grids["支队"] = Grid([TEAM_HEAD, *(list(t) for t in teams)])
    if rotation:
        grids["进驻安排"] = Grid([ROTATION_HEAD, *(list(r) for r in rotation)])
    return grids
