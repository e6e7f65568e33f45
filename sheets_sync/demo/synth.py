"""Synthetic program data: schools, volunteers, children and the books around them.

Everything here is invented: names are drawn from pools built once from faker's zh_CN
lists, ID numbers are built from region codes, birth dates and random sequence numbers
with a correct checksum, phones are random mobiles, e-mail addresses use the reserved
``example.com`` / ``example.org`` domains, villages are generic names. Every generator is
seeded and deterministic.

A record is a ``dict`` from column label (the form template's Chinese header) to the text
a staff member would type. Keys starting with ``_`` are bookkeeping for the demo layout
(which county book a row belongs to) and never reach a sheet.

:func:`children_frame` is the fast, vectorised generator the benchmarks use:
100,000 valid child registrations in a few seconds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

import numpy as np
import pandas as pd
from faker import Faker
from faker.providers.person.zh_CN import Provider as _ZhPerson

from ..config import Program
from ..forms.ids import region_exists

Record = dict[str, str]

#: Real region codes (Baoding) for the program's counties; the ID numbers start with them.
REGION_CODES = {"满城": "130607", "顺平": "130636", "清苑": "130608"}
#: Other Baoding county codes, given in order to counties a custom program names.
SPARE_REGION_CODES = ("130609", "130623", "130626", "130627", "130628", "130629", "130631",
                      "130632", "130633", "130634", "130635", "130637", "130638")
#: The code a county had before its current one (满城县 130621 until 满城区 130607, 2015):
#: someone born before the current code existed has the former one.
FORMER_REGION_CODES = {"130607": "130621", "130608": "130622", "130609": "130625"}
#: Where volunteers come from: a handful of province/city district codes.
VOLUNTEER_REGIONS = ("110105", "120101", "130102", "130602", "140105", "210102", "320102",
                     "370102", "410105", "510104")
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150",
                   "151", "152", "155", "156", "157", "158", "159", "177", "180", "181",
                   "182", "183", "185", "186", "187", "188", "189", "199")
EMAIL_DOMAINS = ("example.com", "example.org")

TOWNS = ("城关镇", "东关镇", "西河镇", "南庄镇", "北岳乡", "石桥乡", "白塔乡", "柳林镇",
         "杨庄乡", "高村乡", "龙泉镇", "清河乡", "安乐镇", "红旗乡", "新兴镇", "马头乡",
         "河阳乡", "双井镇", "青山乡", "永安镇")
VILLAGES = ("南韩村", "东王庄村", "西刘庄村", "北孟村", "前屯村", "后屯村", "大王店村",
            "小辛庄村", "张家庄村", "李家营村", "赵家村", "孙庄村", "杨家坡村", "马家堡村",
            "黄土岭村", "青龙村", "白云村", "石井村", "桃园村", "柳树村", "杏花村", "高家庄村",
            "郭庄村", "何家村", "上庄村", "下庄村", "河口村", "东营村", "西营村", "南营村",
            "北营村", "东庄村", "西庄村", "前进村", "胜利村", "红星村", "团结村", "和平村",
            "太平村", "长乐村", "新庄村", "老庄村", "王家坟村", "韩家庄村", "刘家台村",
            "周家庄村", "吴家庄村", "郑家庄村", "冯家村", "陈家屯村", "褚家庄村", "卫家营村",
            "蒋家村", "沈家庄村", "韦家村", "杨家村", "朱家庄村", "秦家村", "尤家庄村",
            "许家村")
WORKPLACES = ("北京", "天津", "石家庄", "广州", "深圳", "上海", "保定", "郑州", "苏州",
              "杭州", "廊坊", "唐山")
CATEGORIES = ("交通", "食宿", "物资", "宣传", "保险", "培训", "活动", "其他")
COLLEGES = (("文学院", "汉语言文学"), ("数学与信息科学学院", "数学与应用数学"),
            ("外国语学院", "英语"), ("教育学院", "小学教育"), ("心理学院", "应用心理学"),
            ("法学院", "法学"), ("体育学院", "社会体育指导与管理"), ("音乐学院", "音乐学"),
            ("美术学院", "美术学"), ("新闻传播学院", "新闻学"), ("计算机学院", "计算机科学与技术"))
SKILLS = ("语文", "数学", "英语", "体育", "音乐", "美术", "心理", "法律", "摄影", "其他")
PERSONALITY = ("开朗", "内向", "活泼", "安静", "腼腆", "懂事", "倔强", "敏感", "乐观", "热心")
INTERESTS = ("画画", "唱歌", "跳绳", "踢足球", "看书", "打篮球", "下棋", "跳舞", "手工",
             "讲故事", "写字", "跑步")
STUDY = ("成绩中等", "数学较弱", "英语较弱", "语文较好", "成绩优秀", "偏科", "作业拖拉")
HEALTH = ("良好", "一般", "近视", "偏瘦", "哮喘")
ALLERGIES = ("花生过敏", "青霉素过敏", "对芒果过敏", "哮喘,避免剧烈运动", "晕车", "海鲜过敏")
PSYCHOLOGY = ("良好", "想念父母", "有些孤独", "胆小")
GUARDIAN_HEALTH = ("良好", "一般", "高血压", "腿脚不便")
LODGING = ("学校宿舍", "村委会", "老乡家", "乡镇招待所")


# --------------------------------------------------------------------------- small helpers

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_char(body17: str) -> str:
    """The 18th character of a resident ID from its first 17 digits (GB 11643)."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(body17, _ID_WEIGHTS, strict=True)) % 11]


DEMO_START = dt.date(2026, 7, 1)
DEMO_END = dt.date(2026, 8, 31)
DEMO_VISIT_START = dt.date(2026, 7, 7)
DEMO_VISIT_END = dt.date(2026, 8, 11)
"""The plan's five visit weeks: one school a week from 7 July to 11 August."""
DEMO_PAIR_CAPACITY_MAX = 8
"""Children per volunteer and school the demo allows: ⌈60 ÷ 8⌉ (the default 5 covers only
schools of up to 40 children with a team of eight; the demo's README says so)."""


def demo_program(program: Program | None = None) -> Program:
    """The demo's program, explicit: ``program`` with the demo's values where it has none.

    A summer 2026-07-01 … 2026-08-31 with five visit weeks from 7 July to 11 August, a
    receipt rule under 100 元, volunteers of 18 and over and up to
    :data:`DEMO_PAIR_CAPACITY_MAX` children per volunteer and school, so every planted
    problem has a rule to find it and every child of a visited school a volunteer (the
    demo's config says so).
    """
    p = program or Program()
    return dataclasses.replace(
        p, start_date=p.start_date or DEMO_START, end_date=p.end_date or DEMO_END,
        invoice_threshold=p.invoice_threshold or Decimal("100"),
        volunteer_min_age=p.volunteer_min_age or 18, period_from="",
        visit_start=p.visit_start or DEMO_VISIT_START, visit_end=p.visit_end or DEMO_VISIT_END,
        pair_capacity_max=max(p.pair_capacity_max, DEMO_PAIR_CAPACITY_MAX))


def demo_now(program: Program) -> dt.datetime:
    """The demo's clock: Saturday evening (21:00) of the first visit week, after the 告别联欢会
    ("晚上总结一周情况"). The demo's care records stop there and its report step (待办,
    出勤统计 …) counts from there: follow-ups past their 跟进期限 are overdue, the weekly
    亲情视频 falls due."""
    first = max(program.visit_first or DEMO_VISIT_START, start_of(program))
    saturday = first + dt.timedelta(days=(5 - first.weekday()) % 7)
    return dt.datetime.combine(saturday, dt.time(21, 0))


def insurance_of(program: Program) -> tuple[str, str, str]:
    """The group accident policy (团体意外人身保险) of the admitted volunteers: its number, the
    first and the last insured day (the whole program)."""
    first = start_of(program)
    return f"PICC-TY{first:%Y-%m%d}", iso(first), iso(end_of(program))


def start_of(program: Program) -> dt.date:
    """The program's first day (the demo's when it has none)."""
    return program.start_date or DEMO_START


def end_of(program: Program) -> dt.date:
    """The program's last day (the demo's when it has none)."""
    return program.end_date or DEMO_END


DEMO_NOW = demo_now(demo_program())
"""The demo's clock for its own program: 2026-07-11 21:00 (first visit day Tuesday 7 July)."""


def region_at(region6: str, year: int) -> str:
    """The region code of someone born in ``year``: the former code before the current existed."""
    if region6 in FORMER_REGION_CODES and not region_exists(region6, year):
        return FORMER_REGION_CODES[region6]
    return region6


def make_cn_id(region6: str, birth: dt.date, seq: int, male: bool) -> str:
    """A valid 18-digit ID: region (as it was in the birth year), birth date, a sequence
    number whose parity is the sex."""
    region6 = region_at(region6, birth.year)
    seq = seq - seq % 2 + (1 if male else 0)
    body = f"{region6}{birth:%Y%m%d}{seq % 1000:03d}"
    return body + id_check_char(body)


def cn_ids(prefix17: np.ndarray) -> list[str]:
    """Vectorised :func:`make_cn_id`: 17-digit integer prefixes -> 18-character IDs."""
    powers = 10 ** np.arange(16, -1, -1, dtype=np.int64)
    digits = (prefix17[:, None] // powers[None, :]) % 10
    check = (digits * np.array(_ID_WEIGHTS, dtype=np.int64)).sum(axis=1) % 11
    chars = np.array(list(_ID_CHECK))[check]
    return [f"{p}{c}" for p, c in zip(prefix17.tolist(), chars.tolist(), strict=True)]


def region_codes(program: Program) -> dict[str, str]:
    """Region code per county: the real ones for 满城/顺平/清苑, spare Baoding codes otherwise."""
    spare = iter(SPARE_REGION_CODES)
    return {c: REGION_CODES.get(c) or next(spare) for c in program.counties}


def iso(d: dt.date) -> str:
    return d.isoformat()


def pick(rng: np.random.Generator, pool: Sequence[str]) -> str:
    return pool[int(rng.integers(len(pool)))]


def mobiles(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` random 11-digit mobile numbers (not necessarily distinct)."""
    pre = np.array(MOBILE_PREFIXES)[rng.integers(len(MOBILE_PREFIXES), size=n)]
    rest = rng.integers(0, 10**8, size=n)
    return [f"{p}{r:08d}" for p, r in zip(pre.tolist(), rest.tolist(), strict=True)]


class UniqueMobiles:
    """Distinct mobile numbers, drawn lazily."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.seen: set[str] = set()

    def __call__(self) -> str:
        while True:
            m = mobiles(self.rng, 1)[0]
            if m not in self.seen:
                self.seen.add(m)
                return m


@dataclass(frozen=True)
class NamePools:
    """Surnames (with weights) and given names, built once from faker's zh_CN lists."""

    surnames: tuple[str, ...]
    weights: np.ndarray
    male: tuple[str, ...]
    female: tuple[str, ...]


@cache
def name_pools() -> NamePools:
    last = _ZhPerson.last_names
    surnames = tuple(last) if not isinstance(last, dict) else tuple(last.keys())
    w = np.array([float(last[s]) for s in surnames] if isinstance(last, dict)
                 else [1.0] * len(surnames))

    def given(pool: Sequence[str]) -> tuple[str, ...]:
        singles = sorted({g for g in pool if len(g) == 1})
        doubles = {a + b for a in singles for b in singles if a != b}
        return tuple(sorted(set(pool) | doubles))

    return NamePools(surnames, w / w.sum(), given(_ZhPerson.first_names_male),
                     given(_ZhPerson.first_names_female))


class Names:
    """Draws synthetic Chinese names from :func:`name_pools`."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.pools = name_pools()

    def surname(self) -> str:
        p = self.pools
        return p.surnames[int(self.rng.choice(len(p.surnames), p=p.weights))]

    def given(self, male: bool) -> str:
        return pick(self.rng, self.pools.male if male else self.pools.female)

    def full(self, male: bool | None = None, surname: str | None = None) -> str:
        if male is None:
            male = bool(self.rng.random() < 0.5)
        return (surname or self.surname()) + self.given(male)

    def many(self, n: int, male: np.ndarray | None = None) -> tuple[list[str], list[str]]:
        """``n`` names at once: (surnames, full names)."""
        p = self.pools
        if male is None:
            male = self.rng.random(n) < 0.5
        s = np.array(p.surnames)[self.rng.choice(len(p.surnames), size=n, p=p.weights)]
        gm = np.array(p.male)[self.rng.integers(len(p.male), size=n)]
        gf = np.array(p.female)[self.rng.integers(len(p.female), size=n)]
        g = np.where(male, gm, gf)
        sl = s.tolist()
        return sl, [a + b for a, b in zip(sl, g.tolist(), strict=True)]


# --------------------------------------------------------------------------- schools

SCHOOLS_PER_COUNTY = 25
"""The plan samples 75 schools over three counties (its "每一个县15所" does not add up)."""
TOWNS_PER_COUNTY = 5
_VILLAGE_HEADS = "东西南北前后大小"
_VILLAGE_NAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯董程曹袁邓许沈彭"
_VILLAGE_TAILS = ("庄", "营", "屯", "店", "堡")


@cache
def village_pool() -> tuple[str, ...]:
    """:data:`VILLAGES` and generic names like 东王庄村: enough for 75 schools × 4 villages."""
    extra = [f"{h}{n}{t}村" for h in _VILLAGE_HEADS for n in _VILLAGE_NAMES
             for t in _VILLAGE_TAILS]
    return tuple(dict.fromkeys([*VILLAGES, *extra]))


def make_schools(rng: np.random.Generator, program: Program,
                 per_county: int = SCHOOLS_PER_COUNTY) -> list[Record]:
    """``per_county`` schools in each county, in :data:`TOWNS_PER_COUNTY` towns (a town's
    中心小学 and its village schools); names are unique across the program. Agreements
    (协议已签) are signed for most schools; the visit dates are left to the rotation
    (``sheets-sync schedule``)."""
    towns = list(rng.permutation(TOWNS))
    villages = list(rng.permutation(village_pool()))
    names = Names(rng)
    n_towns = max(1, min(TOWNS_PER_COUNTY, per_county))
    out: list[Record] = []
    for ci, county in enumerate(program.counties):
        county_towns = [str(towns.pop()) if towns else f"第{ci}{k}乡" for k in range(n_towns)]
        for k in range(per_county):
            town = county_towns[k % n_towns]
            own = [str(villages.pop()) if villages else f"{town}{k}{j}村" for j in range(4)]
            name = f"{town}中心小学" if k < n_towns else f"{own[0]}小学"
            out.append({
                "学校名称": name, "县": county, "乡镇": town,
                "联系老师": names.full(), "联系电话": mobiles(rng, 1)[0],
                "协议已签": "是" if rng.random() < 0.9 else "否",
                "进驻开始日期": "", "进驻结束日期": "",
                "住宿安排": pick(rng, LODGING),
                "预计留守儿童人数": str(int(rng.integers(30, 61))),
                "_county": county, "_villages": "、".join(own),
            })
    for i, s in enumerate(out, start=1):
        s["编号"] = f"S{i:04d}"
    return out


# --------------------------------------------------------------------------- children

def school_year_entry(program: Program, grade: int) -> int:
    """The year a child now in ``grade`` started grade 1 (in September)."""
    year = start_of(program).year + (1 if start_of(program).month >= 9 else 0)
    return year - grade


def _choice(rng: np.random.Generator, pool: Sequence[str], n: int,
            p: Sequence[float] | None = None) -> np.ndarray:
    return np.array(pool)[rng.choice(len(pool), size=n, p=p)]


def _join_some(rng: np.random.Generator, pool: Sequence[str], n: int, blank: float) -> list[str]:
    a = _choice(rng, pool, n).tolist()
    b = _choice(rng, pool, n).tolist()
    two = (rng.random(n) < 0.4).tolist()
    off = (rng.random(n) < blank).tolist()
    return ["" if o else (x + "、" + y if t and x != y else x)
            for x, y, t, o in zip(a, b, two, off, strict=True)]


def child_columns(rng: np.random.Generator, n: int, schools: Sequence[Record],
                  school_idx: np.ndarray, program: Program, registrars: Sequence[str],
                  *, first_no: int = 1, archive_blank: float = 0.05) -> dict[str, list[str]]:
    """``n`` valid child registrations, column by column (vectorised)."""
    regions = region_codes(program)
    sch = [schools[i] for i in range(len(schools))]
    county = np.array([s["_county"] for s in sch])[school_idx]
    male = rng.random(n) < 0.52
    grade = rng.choice(np.arange(1, 7), size=n, p=[0.04, 0.06, 0.29, 0.30, 0.27, 0.04])
    base = np.array([np.datetime64(f"{school_year_entry(program, g) - 7}-09-01")
                     for g in range(1, 7)])[grade - 1]
    birth = base + rng.integers(0, 365, size=n).astype("timedelta64[D]")
    birth_txt = birth.astype(str)
    ymd = np.char.replace(birth_txt, "-", "").astype(np.int64)
    region = np.array([int(regions[c]) for c in county.tolist()], dtype=np.int64)
    pairs, where = np.unique(region * 10000 + ymd // 10000, return_inverse=True)
    region = np.array([int(region_at(f"{k // 10000:06d}", k % 10000)) for k in pairs.tolist()],
                      dtype=np.int64)[where.ravel()]
    seq = rng.integers(0, 500, size=n) * 2 + male
    prefix = region * 10**11 + ymd * 1000 + seq
    while True:  # re-draw sequence numbers until every ID is distinct
        _, first = np.unique(prefix, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        if not dup.any():
            break
        seq[dup] = rng.integers(0, 500, size=int(dup.sum())) * 2 + male[dup]
        prefix = region * 10**11 + ymd * 1000 + seq
    names = Names(rng)
    surnames, child_names = names.many(n, male)
    fathers = [s + g for s, g in zip(surnames, _choice(rng, names.pools.male, n).tolist(),
                                     strict=True)]
    _, mothers = names.many(n, np.zeros(n, dtype=bool))
    kind = _choice(rng, ("双亲外出", "父亲外出", "母亲外出"), n, (0.55, 0.35, 0.10))
    father_away = kind != "母亲外出"
    mother_away = kind != "父亲外出"
    rel = np.where(
        kind == "双亲外出",
        _choice(rng, ("祖母", "祖父", "外祖母", "外祖父", "其他亲属"), n,
                (.45, .25, .15, .08, .07)),
        np.where(kind == "父亲外出", _choice(rng, ("母亲", "祖母", "祖父"), n, (.6, .25, .15)),
                 _choice(rng, ("父亲", "祖母", "祖父"), n, (.5, .35, .15))))
    _, old_women = names.many(n, np.zeros(n, dtype=bool))
    _, others = names.many(n)
    old_men_given = _choice(rng, names.pools.male, n).tolist()
    f_phone, m_phone, g_phone = mobiles(rng, n), mobiles(rng, n), mobiles(rng, n)
    guardian, gphone = [], []
    for i, r in enumerate(rel.tolist()):
        if r == "父亲":
            guardian.append(fathers[i])
            gphone.append(f_phone[i])
        elif r == "母亲":
            guardian.append(mothers[i])
            gphone.append(m_phone[i])
        else:
            if r == "祖父":
                guardian.append(surnames[i] + old_men_given[i])
            elif r == "外祖父":
                guardian.append(mothers[i][0] + old_men_given[i])
            elif r in ("祖母", "外祖母"):
                guardian.append(old_women[i])
            else:
                guardian.append(others[i])
            gphone.append(g_phone[i])
    is_parent = np.isin(rel, ("父亲", "母亲"))
    g_age = np.where(is_parent, rng.integers(30, 46, size=n), rng.integers(55, 76, size=n))
    g_age = np.where(rel == "其他亲属", rng.integers(30, 61, size=n), g_age)
    workplaces_f = _choice(rng, WORKPLACES, n)
    workplaces_m = _choice(rng, WORKPLACES, n)
    town = [schools[i]["乡镇"] for i in school_idx.tolist()]
    villages = [schools[i]["_villages"].split("、") for i in school_idx.tolist()]
    vpick = rng.integers(0, 4, size=n).tolist()
    village = [v[k % len(v)] for v, k in zip(villages, vpick, strict=True)]
    cls = rng.integers(1, 3, size=n)
    span = max((end_of(program) - start_of(program)).days, 0)
    reg_on = (np.datetime64(start_of(program)) +
              rng.integers(0, span + 1, size=n).astype("timedelta64[D]")).astype(str)
    width = max(4, len(str(first_no + n - 1)))
    allergy = np.where(rng.random(n) < 0.06, _choice(rng, ALLERGIES, n), "")
    fw = np.where(father_away, workplaces_f, "")
    mw = np.where(mother_away, workplaces_m, "")
    mphone_blank = (~mother_away) & (rng.random(n) < 0.3)
    return {
        "编号": [f"C{first_no + i:0{width}d}" for i in range(n)],
        "姓名": child_names,
        "性别": np.where(male, "男", "女").tolist(),
        "出生日期": birth_txt.tolist(),
        "身份证号": cn_ids(prefix),
        "民族": _choice(rng, ("汉族", "满族", "回族"), n, (0.95, 0.03, 0.02)).tolist(),
        "县": county.tolist(),
        "乡镇": town,
        "村": village,
        "学校": [schools[i]["学校名称"] for i in school_idx.tolist()],
        "年级": grade.astype(str).tolist(),
        "班级": [f"{c}班" for c in cls.tolist()],
        "留守类型": kind.tolist(),
        "父亲姓名": fathers,
        "父亲务工地": fw.tolist(),
        "父亲电话": f_phone,
        "母亲姓名": mothers,
        "母亲务工地": mw.tolist(),
        "母亲电话": np.where(mphone_blank, "", np.array(m_phone)).tolist(),
        "父母外出时长(月)": rng.integers(3, 97, size=n).astype(str).tolist(),
        "监护人姓名": guardian,
        "与儿童关系": rel.tolist(),
        "监护人电话": gphone,
        "监护人年龄": g_age.astype(str).tolist(),
        "监护人健康状况": _choice(rng, GUARDIAN_HEALTH, n, (.6, .25, .1, .05)).tolist(),
        "家庭住址": [f"{c}县{t}{v}" for c, t, v in zip(county.tolist(), town, village,
                                                     strict=True)],
        "健康状况": _choice(rng, HEALTH, n, (.82, .08, .05, .03, .02)).tolist(),
        "过敏或特殊注意": allergy.tolist(),
        "性格特征": _join_some(rng, PERSONALITY, n, archive_blank),
        "兴趣爱好": _join_some(rng, INTERESTS, n, archive_blank),
        "学习情况": _choice(rng, STUDY, n).tolist(),
        "心理状况": _choice(rng, PSYCHOLOGY, n, (.7, .15, .08, .07)).tolist(),
        "是否贫困": np.where(rng.random(n) < 0.2, "是", "否").tolist(),
        "登记人": _choice(rng, registrars, n).tolist(),
        "登记日期": reg_on.tolist(),
    }


def children_frame(n: int, seed: int, *, program: Program | None = None) -> pd.DataFrame:
    """``n`` valid child registrations as text, one column per child-template field.

    Schools are the demo's schools for ``seed`` (:func:`make_schools`), so a 学校 tab
    built from them satisfies the 学校 reference. Vectorised: 100,000 rows in seconds.
    """
    from ..forms.template import default_templates

    program = demo_program(program)
    rng = np.random.default_rng(seed)
    schools = make_schools(rng, program)
    school_idx = rng.integers(len(schools), size=n)
    names = Names(rng)
    registrars = [names.full() for _ in range(40)]
    cols = child_columns(rng, n, schools, school_idx, program, registrars)
    labels = [f.label for f in default_templates()["child"].fields]
    return pd.DataFrame({lab: cols.get(lab, [""] * n) for lab in labels}, dtype=object)


CHILDREN_PER_SCHOOL = (30, 60)
"""The plan's 30–60 left-behind children per school (about 40 on average here)."""


def demo_children(rng: np.random.Generator, schools: Sequence[Record], program: Program,
                  registrars: dict[str, list[str]],
                  per_school: tuple[int, int] = CHILDREN_PER_SCHOOL) -> list[Record]:
    """30–60 children per school (most near 40, mostly in grades 3–5), ordered by county
    and school."""
    lo, hi = per_school
    counts = lo + rng.binomial(hi - lo, 0.35, size=len(schools))
    school_idx = np.repeat(np.arange(len(schools)), counts)
    n = int(counts.sum())
    pool = [name for names in registrars.values() for name in names] or ["王芳"]
    cols = child_columns(rng, n, schools, school_idx, program, pool)
    by_county = {c: registrars.get(c) or pool for c in program.counties}
    labels = list(cols)
    out: list[Record] = []
    for i, vals in enumerate(zip(*(cols[k] for k in labels), strict=True)):
        rec = dict(zip(labels, vals, strict=True))
        rec["_county"] = schools[int(school_idx[i])]["_county"]
        rec["登记人"] = pick(rng, by_county[rec["_county"]])
        out.append(rec)
    return out


def faker_for(seed: int) -> Faker:
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    return fake


# --------------------------------------------------------------------------- volunteers

GRADE_BY_AGE = {18: "大一", 19: "大二", 20: "大三", 21: "大四", 22: "研一", 23: "研二", 24: "研三"}
ENTRY_OFFSET = {"大一": 1, "大二": 2, "大三": 3, "大四": 4, "研一": 1, "研二": 2, "研三": 3}


VOLUNTEERS = 120
"""Admitted volunteers: the plan's 120, 40 per brigade, five teams of eight each."""
NOT_ADMITTED = (("未录取", 8), ("初试通过", 4), ("待面试", 3))


def make_volunteers(rng: np.random.Generator, program: Program, schools: Sequence[Record],
                    admitted_n: int = VOLUNTEERS) -> list[Record]:
    """``admitted_n`` admitted and trained university students (18–24 on the start date),
    shared round-robin among the brigades, and the applicants who were not (yet) admitted.
    Nobody has a school or a team yet: ``sheets-sync schedule`` proposes the teams."""
    names = Names(rng)
    phone = UniqueMobiles(rng)
    status = ["录取"] * admitted_n + [s for s, k in NOT_ADMITTED for _ in range(k)]
    n = len(status)
    status = [str(s) for s in rng.permutation(status)]
    admitted = [i for i, s in enumerate(status) if s == "录取"]
    seen_no: set[str] = set()
    seen_id: set[str] = set()
    out: list[Record] = []
    for i in range(n):
        male = bool(rng.random() < 0.45)
        age = int(rng.integers(18, 25))
        born = (start_of(program) - dt.timedelta(days=365 * age + int(rng.integers(5, 360))))
        while _age(born, start_of(program)) != age:
            born += dt.timedelta(days=1 if _age(born, start_of(program)) > age else -1)
        grade = GRADE_BY_AGE[age]
        entry = school_year_entry(program, 0) - ENTRY_OFFSET[grade]
        while True:
            no = f"{entry}{int(rng.integers(0, 10**6)):06d}"
            if no not in seen_no:
                seen_no.add(no)
                break
        while True:
            idn = make_cn_id(pick(rng, VOLUNTEER_REGIONS), born, int(rng.integers(0, 1000)), male)
            if idn not in seen_id:
                seen_id.add(idn)
                break
        college, major = COLLEGES[int(rng.integers(len(COLLEGES)))]
        k = int(rng.integers(1, 4))
        skills = "、".join(str(s) for s in rng.choice(SKILLS[:9], size=k, replace=False))
        st = status[i]
        first = str(int(rng.integers(60, 99))) if st != "待面试" else ""
        second = str(int(rng.integers(60, 99))) if st in ("录取", "未录取") else ""
        if st == "未录取" and second:
            second = str(int(rng.integers(40, 70)))
        county = pick(rng, program.counties)
        rec: Record = {
            "编号": f"V{i + 1:04d}", "姓名": names.full(male), "性别": "男" if male else "女",
            "学号": no, "学院": college, "专业": major, "年级": grade, "手机号": phone(),
            "身份证号": idn, "邮箱": f"{no}@{pick(rng, EMAIL_DOMAINS)}", "特长": skills,
            "意向县": county, "健康状况": "良好",
            "紧急联系人": names.full(), "紧急联系人电话": phone(),
            "以往志愿经历": "" if rng.random() < 0.6 else pick(
                rng, ("社区志愿服务", "支教一次", "敬老院志愿者", "运动会志愿者")),
            "初试成绩": first, "复试成绩": second, "录取状态": st,
            "培训完成": "是" if st == "录取" else "否", "所属大队": "", "所属学校": "",
            "报名日期": iso(start_of(program) - dt.timedelta(days=int(rng.integers(20, 60)))),
            "_county": "",
        }
        if st == "录取":  # the group policy covers every admitted volunteer
            policy, first_day, last_day = insurance_of(program)
            rec.update({"保险单号": policy, "保险开始": first_day, "保险结束": last_day})
        out.append(rec)
    for j, i in enumerate(admitted):  # brigades round-robin
        out[i]["所属大队"] = program.counties[j % len(program.counties)]
    return out


def _age(born: dt.date, at: dt.date) -> int:
    return at.year - born.year - ((at.month, at.day) < (born.month, born.day))


# --------------------------------------------------------------------------- the rest

ACTIVITIES = ("夏令营", "趣味运动会", "城市参观", "手工课", "文艺汇演", "读书会")
TALK_TOPICS = ("聊学习和作业", "聊想念爸爸妈妈", "聊和同学相处", "聊暑假安排", "聊兴趣爱好",
               "聊家里的情况", "聊最近的心情")
FOLLOW_UPS = ("下周再次家访", "请班主任多关注", "与监护人沟通", "联系父母视频通话")


def days_in(rng: np.random.Generator, program: Program, lo: int = 0,
            until: dt.date | None = None) -> dt.date:
    """A random date within the program (``lo`` days after its start at the earliest, not
    after ``until``)."""
    last = min(end_of(program), until) if until is not None else end_of(program)
    span = max((last - start_of(program)).days, 0)
    lo = min(lo, span)
    return start_of(program) + dt.timedelta(days=int(rng.integers(lo, span + 1)))


def make_pairs(rng: np.random.Generator, program: Program, volunteers: Sequence[Record],
               children: Sequence[Record]) -> list[Record]:
    """One 进行中 pair per admitted volunteer (from a visit before the summer: a child of a
    school in their brigade's county), a few ended ones."""
    by_county: dict[str, list[Record]] = {}
    for c in children:
        by_county.setdefault(c["_county"], []).append(c)
    taken: set[str] = set()
    out: list[Record] = []
    for v in volunteers:
        if v["录取状态"] != "录取" or not v["所属大队"]:
            continue
        pool = [c for c in by_county.get(v["所属大队"], []) if c["编号"] not in taken]
        n = 2 if rng.random() < 0.2 else 1
        for k in range(min(n, len(pool))):
            c = pool[int(rng.integers(len(pool)))]
            pool.remove(c)
            taken.add(c["编号"])
            ended = k == 1
            out.append({"志愿者编号": v["编号"], "儿童编号": c["编号"],
                        "开始日期": iso(days_in(rng, program, until=demo_now(program).date())
                                        if not ended else start_of(program)),
                        "状态": "已结束" if ended else "进行中",
                        "备注": "儿童随父母外出,结对结束" if ended else "",
                        "_county": ""})
    for i, p in enumerate(out, start=1):
        p["编号"] = f"P{i:04d}"
    return out


def make_applications(rng: np.random.Generator, program: Program, children: Sequence[Record],
                      n: int = 40) -> list[Record]:
    idx = sorted(int(i) for i in rng.choice(len(children), size=min(n, len(children)),
                                            replace=False))
    out: list[Record] = []
    for j, i in enumerate(idx, start=1):
        c = children[i]
        with_id = rng.random() < 0.8
        out.append({"编号": f"A{j:04d}", "儿童编号": c["编号"] if with_id else "",
                    "儿童姓名": c["姓名"], "学校": c["学校"], "申请活动": pick(rng, ACTIVITIES),
                    "监护人姓名": c["监护人姓名"], "监护人同意": "是",
                    "申请日期": iso(days_in(rng, program)), "_county": ""})
    return out


def make_budget(rng: np.random.Generator) -> list[Record]:
    # sized so most categories stay within budget and one (其他) is over, as happens
    amounts = {"交通": 45000, "食宿": 98000, "物资": 24000, "宣传": 6000, "保险": 5000,
               "培训": 10000, "活动": 19000, "其他": 1500}
    notes = {"交通": "往返三县的租车和车票", "食宿": "志愿者驻村期间的伙食和住宿",
             "物资": "文具、图书、体育用品", "宣传": "海报、横幅、短片制作",
             "保险": "志愿者意外险", "培训": "志愿者岗前培训", "活动": "夏令营和运动会",
             "其他": "不可预见的支出"}
    return [{"类别": c, "预算金额": str(amounts[c]), "说明": notes[c], "_county": ""}
            for c in CATEGORIES]


EXPENSE_REASONS = {
    "交通": ("租车往返驻地", "志愿者火车票", "乡镇间包车", "公交车费"),
    "食宿": ("志愿者午餐", "驻村住宿费", "桶装水", "食堂伙食费"),
    "物资": ("购买文具", "购买图书", "购买体育用品", "购买药箱"),
    "宣传": ("打印海报", "制作横幅", "短片剪辑"),
    "保险": ("志愿者意外险",),
    "培训": ("培训场地租用", "培训资料印刷"),
    "活动": ("运动会奖品", "夏令营门票", "手工课材料"),
    "其他": ("快递费", "复印费"),
}
EXPENSE_RANGES = {"交通": (30, 1500), "食宿": (40, 2000), "物资": (20, 800), "宣传": (50, 600),
                  "保险": (200, 1200), "培训": (100, 800), "活动": (50, 900), "其他": (5, 90)}


def make_expenses(rng: np.random.Generator, program: Program, volunteers: Sequence[Record],
                  n: int = 300) -> list[Record]:
    """``n`` expenses within the program's dates; invoices unique, small ones on receipts."""
    names = Names(rng)
    approvers = [names.full() for _ in range(3)]
    handlers: dict[str, list[str]] = {c: [] for c in program.counties}
    for v in volunteers:
        if v["所属大队"] in handlers:
            handlers[v["所属大队"]].append(v["姓名"])
    everyone = [n for hs in handlers.values() for n in hs] or approvers
    invoices: set[str] = set()
    brigades = [*program.counties, program.head_brigade]
    threshold = float(program.invoice_threshold)
    weights = [0.8 / len(program.counties)] * len(program.counties) + [0.2]
    out: list[Record] = []
    for i in range(n):
        cat = CATEGORIES[int(rng.choice(len(CATEGORIES),
                                         p=[.2, .3, .15, .05, .03, .05, .12, .1]))]
        lo, hi = EXPENSE_RANGES[cat]
        cents = int(rng.integers(lo * 100, hi * 100 + 1))
        if rng.random() < 0.6:
            cents -= cents % 100
        amount = f"{cents // 100}.{cents % 100:02d}"
        brigade = brigades[int(rng.choice(len(brigades), p=weights))]
        invoice = ""
        if cents / 100 >= threshold - 10 or rng.random() < 0.5:
            while True:
                invoice = f"{int(rng.integers(0, 10**8)):08d}"
                if invoice not in invoices:
                    invoices.add(invoice)
                    break
        out.append({
            "编号": f"E{i + 1:04d}", "日期": iso(days_in(rng, program)), "类别": cat,
            "金额": amount, "支出理由": pick(rng, EXPENSE_REASONS[cat]), "发票号": invoice,
            "经办人": pick(rng, handlers.get(brigade) or everyone),
            "审批人": pick(rng, approvers), "所属大队": brigade,
            "备注": "" if invoice else "凭收据",
            "_county": brigade if brigade in program.counties else "",
        })
    out.sort(key=lambda r: r["日期"])
    for i, r in enumerate(out, start=1):
        r["编号"] = f"E{i:04d}"
    return out


def make_donations(rng: np.random.Generator, program: Program, fake: Faker,
                   volunteers: Sequence[Record], n: int = 20) -> list[Record]:
    goods = ("书包 40 个", "图书 200 册", "文具礼包 100 份", "篮球 10 个", "校服 60 套")
    handlers = [v["姓名"] for v in volunteers if v["录取状态"] == "录取"][:5] or ["王芳"]
    out: list[Record] = []
    for i in range(n):
        cash = rng.random() < 0.6
        # cash gifts cover the spending (~190,000 over 12 gifts on average)
        amount = int(rng.integers(40, 300)) * 100 if cash else int(rng.integers(5, 200)) * 100
        out.append({
            "编号": f"D{i + 1:04d}",
            "日期": iso(start_of(program) - dt.timedelta(days=int(rng.integers(0, 45)))),
            "捐赠方": fake.company() if rng.random() < 0.7 else Names(rng).full() + "(个人)",
            "类型": "现金" if cash else "物资", "金额": str(amount),
            "物资说明": "" if cash else pick(rng, goods), "经手人": pick(rng, handlers),
            "收据号": f"SJ{start_of(program).year}{i + 1:03d}", "_county": "",
        })
    return out


def make_talks(rng: np.random.Generator, program: Program, pairs: Sequence[Record],
               volunteers: Sequence[Record], n: int = 200) -> list[Record]:
    vname = {v["编号"]: v["姓名"] for v in volunteers}
    live = [p for p in pairs if p["状态"] == "进行中"] or list(pairs)
    out: list[Record] = []
    for i in range(n if live else 0):
        p = live[int(rng.integers(len(live)))]
        follow = rng.random() < 0.15
        out.append({
            "编号": f"T{i + 1:04d}", "儿童编号": p["儿童编号"], "谈心人": vname[p["志愿者编号"]],
            "日期": iso(max(days_in(rng, program, until=demo_now(program).date()),
                          dt.date.fromisoformat(p["开始日期"]))),
            "主要内容": pick(rng, TALK_TOPICS), "需跟进": "是" if follow else "否",
            "跟进措施": pick(rng, FOLLOW_UPS) if follow else "", "_county": "",
        })
    out.sort(key=lambda r: (r["日期"], r["儿童编号"]))
    for i, r in enumerate(out, start=1):
        r["编号"] = f"T{i:04d}"
    return out
