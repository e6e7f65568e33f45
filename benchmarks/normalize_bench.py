"""Throughput of :func:`sheets_sync.forms.normalize.normalize_column`, per field type.

Run: ``python benchmarks/normalize_bench.py [rows]``. Each column is synthetic, mostly
valid, with about 2% of cells written the messy ways people write them (so the slow
path is exercised too). Prints milliseconds per column and cells per second.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time

import pandas as pd

from sheets_sync.config import Program
from sheets_sync.forms.ids import make_id
from sheets_sync.forms.normalize import normalize_column
from sheets_sync.forms.template import Choice, Field

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志"


def _mess(rng: random.Random, good: str, messy: list[str], share: float = 0.02) -> str:
    return rng.choice(messy) if rng.random() < share else good


def columns(n: int, seed: int = 7) -> dict[str, tuple[Field, list[str]]]:
    rng = random.Random(seed)
    start = dt.date(2013, 1, 1)
    out: dict[str, tuple[Field, list[str]]] = {}
    ids = []
    for _ in range(n):
        born = start + dt.timedelta(days=rng.randrange(2200))
        good = make_id("130607", born, rng.randrange(500), rng.choice("男女"))
        ids.append(_mess(rng, good, [good[:17] + "0", good.lower(), "1.30607E+17", " " + good]))
    out["cn_id"] = (Field("id", "身份证号", type="cn_id"), ids)
    phones = []
    for _ in range(n):
        good = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        phones.append(_mess(rng, good, [f"{good[:3]}-{good[3:7]}-{good[7:]}", "0312-5551234",
                                        "138-1234-567", ""], 0.03))
    out["cn_phone"] = (Field("p", "监护人电话", type="cn_phone"), phones)
    dates = []
    for _ in range(n):
        d = start + dt.timedelta(days=rng.randrange(2200))
        dates.append(_mess(rng, d.isoformat(), [f"{d.year}年{d.month}月{d.day}日",
                                                f"{d.year}.{d.month}.{d.day}", "2013-02-30"]))
    out["date"] = (Field("d", "出生日期", type="date", min="2005-01-01",
                         max="$program.start_date"), dates)
    sex = (Choice("男", ("男生", "M", "m")), Choice("女", ("女生", "F", "f")))
    out["choice"] = (Field("s", "性别", type="choice", choices=sex),
                     [_mess(rng, rng.choice("男女"), ["男生", "F", " 女", "未知"])
                      for _ in range(n)])
    names = ["".join([rng.choice(SURNAMES), *rng.choices(GIVEN, k=rng.choice((1, 2)))])
             for _ in range(n)]
    out["name_zh"] = (Field("n", "姓名", type="name_zh"),
                      [_mess(rng, g, ["张 三", "阿依·买买提", "zhang", "王"]) for g in names])
    out["money"] = (Field("m", "金额", type="money"),
                    [_mess(rng, f"{rng.randrange(1, 5000)}.{rng.randrange(100):02d}",
                           ["1,200.50元", "¥300", "三百元", "1.234"]) for _ in range(n)])
    out["integer"] = (Field("i", "外出月数", type="integer", min=0, max=240),
                      [_mess(rng, str(rng.randrange(1, 120)), ["12个月", "１２", "12.5"])
                       for _ in range(n)])
    out["grade"] = (Field("g", "年级", type="grade", min=1, max=6),
                    [_mess(rng, str(rng.randrange(3, 6)), ["三年级", "4年级", "初三"])
                     for _ in range(n)])
    out["bool_zh"] = (Field("b", "是否贫困", type="bool_zh"),
                      [_mess(rng, rng.choice("是否"), ["Y", "无", "不知道"]) for _ in range(n)])
    out["text"] = (Field("a", "家庭住址"),
                   [_mess(rng, f"满城区{rng.randrange(10**6)}号", [" 前后空格 ", ""])
                    for _ in range(n)])
    out["record_id"] = (Field("r", "编号", type="record_id"),
                        [f"C{i + 1:06d}" for i in range(n)])
    return out


def main(n: int = 100_000, repeat: int = 5) -> None:
    program = Program()
    total = 0.0
    print(f"{'type':10} {'ms/column':>10} {'cells/s':>12}  issues")
    for kind, (field, cells) in columns(n).items():
        series = pd.Series(cells, dtype=object)
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = normalize_column(series, field, program)
            best = min(best, time.perf_counter() - t0)
        total += best
        print(f"{kind:10} {best * 1000:10.1f} {n / best:12,.0f}  {len(result.issues)}")
    print(f"{'all':10} {total * 1000:10.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
