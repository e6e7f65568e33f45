"""Synthetic Chinese child registrations with planted duplicates and hard negatives.

Used by ``benchmarks/dedupe_bench.py`` and the tests; every value is invented.

Population. Families live in villages of three counties; each has a father (the
surname), a mother (own surname), a guardian (a grandparent with the family's phone, or
the mother) and 1–3 children (60/30/10 %). Given names are drawn from a skewed pool of
common name characters, so namesakes (two 王子涵) occur naturally; siblings share the
first given character in 40 % of families. 15 % of originals have no ID number.

Hard negatives (must never be linked):

* twins (4 % of families): same birth date, school, parents, guardian and phones; a
  different given name (half of them share the first given character); 30 % of twins
  have no ID number. Parents do not give two children names that a copy's typo could
  make of each other: names that sound alike (曦宇/曦雨), the given name swapped
  (嘉洋/洋嘉) or one look-alike character apart (浩宇/浩字,
  :func:`~.confusions.look_alike_char`); such twins, one without an ID, could not be
  told from a copy, so a sibling's name is drawn again until it is none of these;
* siblings: same family, each child born 1–3 years (365·U(1, 3) days) after the one
  before, so never less than a year apart; a twin shares the previous child's date;
* cousins (10 % of families are paired): the same grandparent guardian, name and phone,
  half with the same surname, different parents;
* namesakes: common names recur across families, some born the same day; with
  ``namesakes`` > 0 also children named exactly as a child of another family at their
  school, born the same year (another day), with their own guardian and phones and
  (85 %) their own ID; half of them registered with the guardian only (no parents'
  names or phones), so nothing but the name, school, year and sex is in common.

Corruption model of a duplicate (``dup_rate`` of children get one, 10 % of those two):

* name — 40 % unchanged, 20 % one given character replaced by a homophone, 10 % by a
  look-alike (:data:`~.confusions.SHAPE_GROUPS`), 10 % written in traditional characters,
  7 % a similar sound (ming/min, zhang/zang), 3 % the two given characters swapped,
  10 % with spaces; typos that neither sound nor shape explain are *not* generated: they
  cannot be told from a twin's name and the matcher vetoes them by design;
* ID — 55 % left blank, otherwise the same (sometimes with spaces);
* birth date — written ``2015年3月8日`` / ``2015/3/8`` / ``2015.03.08``; 5 % a day off,
  3 % month and day swapped (when both ≤ 12);
* phones — spaces or dashes inside; 20 % a new guardian phone; 30 % parents' phones blank;
* school — ``城关镇中心小学`` → ``城关中心小学`` / ``城关镇小学``; 8 % another school;
* guardian name — 10 % blank; grade and class may differ.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from ..forms.ids import make_id
from .confusions import SHAPE_GROUPS, look_alike_char
from .features import char_pinyin, fuzzy_syllable

HEADER = ["编号", "姓名", "性别", "出生日期", "身份证号", "县", "学校", "年级", "父亲姓名",
          "父亲电话", "母亲姓名", "母亲电话", "监护人姓名", "与儿童关系", "监护人电话"]

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
            "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江"
            "尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("子涵梓轩浩宇欣怡雨萱一诺思彤佳琪俊杰明华伟芳娜敏静丽强磊军洋勇艳杰娟涛超"
         "秀霞平刚桂英辉鹏玉兰婷红建文晨阳博文嘉怡瑞泽睿雅晓宁昊天语嫣若曦诗涵紫萱"
         "可馨梦琪雪彬家乐志远春燕海燕丹丹国庆建国金凤永红亮琳颖慧淑贞立新兴旺德福")
COMMON = ("王伟", "李娜", "张伟", "王芳", "李伟", "刘洋", "张敏", "王静", "李强", "张丽",
          "王子涵", "李欣怡", "张浩宇", "刘梓轩", "陈一诺")
"""Common names; their given names are handed out often, so namesakes are frequent."""
TOWNS = ("城关", "龙泉", "柳林", "南韩", "东营", "前屯", "白龙", "石井", "神星", "大册营",
         "腰山", "蒲上", "高于铺", "台鱼", "安阳", "河阳", "北店", "闫庄", "冉庄", "东闾")
VILLAGES = ("沈家庄", "高家庄", "小辛庄", "秦家", "郭庄", "团结", "南关", "北关", "西关",
            "东关", "刘家营", "王家庄", "李家庄", "赵家口", "孙家屯", "马家坊", "杨各庄",
            "黄土坡", "石门", "清水河", "柳树湾", "杏花村", "新华", "红旗", "前进", "胜利")
COUNTIES = (("满城", "130607"), ("顺平", "130636"), ("清苑", "130608"))


@dataclass
class Generated:
    """Rows (header first), and per data row its person and family numbers and kind."""

    rows: list[list[str]]
    person: np.ndarray
    family: np.ndarray
    kind: list[str] = field(default_factory=list)     # original / duplicate

    def true_pairs(self) -> set[tuple[int, int]]:
        """Pairs of data-row indexes (0-based, i < j) that are one person."""
        return _pairs_by(self.person)

    def family_pairs(self) -> set[tuple[int, int]]:
        """Pairs of records of one family (or cousins) that are different people."""
        return _pairs_by(self.family) - self.true_pairs()

    def namesake_pairs(self) -> set[tuple[int, int]]:
        """Pairs of records of different families with one name (as written, spaces
        dropped), one school and one birth year: what a common name makes of strangers."""
        name, school, born = (HEADER.index(h) for h in ("姓名", "学校", "出生日期"))
        keys = ["".join(r[name].split()) + "|" + r[school] + "|" + r[born][:4]
                for r in self.rows[1:]]
        _, label = np.unique(np.asarray(keys), return_inverse=True)
        return {(a, b) for a, b in _pairs_by(label) if self.family[a] != self.family[b]}


def _pairs_by(label: np.ndarray) -> set[tuple[int, int]]:
    order = np.argsort(label, kind="stable")
    out: set[tuple[int, int]] = set()
    start = 0
    lab = label[order]
    for k in range(1, len(order) + 1):
        if k == len(order) or lab[k] != lab[start]:
            members = sorted(order[start:k].tolist())
            out.update((a, b) for n, a in enumerate(members) for b in members[n + 1:])
            start = k
    return out


def _homophones() -> dict[str, list[str]]:
    by: dict[str, list[str]] = {}
    pool = set(GIVEN) | set("鸣名铭茗民敏闵珉萌梦蒙军君均钧俊峻骏浚晓小筱孝笑肖啸宇雨语羽禹玉钰"
                            "昱佳家嘉加伽琪棋淇祺奇其齐静晶菁婧靖京涵寒晗韩含轩萱宣瑄玄")
    for ch in sorted(pool):
        by.setdefault(char_pinyin(ch), []).append(ch)
    return {ch: [o for o in by[char_pinyin(ch)] if o != ch] for ch in pool}


def _similar_sound() -> dict[str, list[str]]:
    pool = sorted(set(GIVEN) | set("民敏名铭珍真振震增曾森生升胜晨辰陈城成"))
    by: dict[str, list[str]] = {}
    for ch in pool:
        by.setdefault(fuzzy_syllable(char_pinyin(ch)), []).append(ch)
    return {ch: [o for o in by[fuzzy_syllable(char_pinyin(ch))]
                 if char_pinyin(o) != char_pinyin(ch)] for ch in pool}


_SHAPE = {ch: [o for o in g if o != ch] for g in SHAPE_GROUPS for ch in g}


class _Gen:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.ids: set[str] = set()
        self.phones: set[str] = set()
        self.cdfs: dict[int, np.ndarray] = {}
        self.homo = _homophones()
        self.sound = _similar_sound()
        weights = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.9
        self.sw = weights / weights.sum()
        gw = 1.0 / np.arange(1, len(GIVEN) + 1) ** 0.6
        self.gw = self.rng.permutation(gw / gw.sum())
        self.schools = {c: [f"{t}镇中心小学" for t in self.rng.choice(TOWNS, 6, replace=False)]
                        + [f"{v}村小学" for v in self.rng.choice(VILLAGES, 14, replace=False)]
                        for c, _ in COUNTIES}

    def pick(self, seq: str | tuple[str, ...], p: np.ndarray | None = None) -> str:
        if p is None:
            return str(seq[int(self.rng.random() * len(seq))])
        cdf = self.cdfs.get(id(p))
        if cdf is None:
            cdf = self.cdfs[id(p)] = np.cumsum(p)
        return str(seq[min(int(np.searchsorted(cdf, self.rng.random())), len(seq) - 1)])

    def surname(self) -> str:
        return self.pick(SURNAMES, self.sw)

    def given(self, first: str = "") -> str:
        n = 1 if self.rng.random() < 0.15 else 2
        g = first or self.pick(GIVEN, self.gw)
        return g if n == 1 and not first else g + self.pick(GIVEN, self.gw)

    def phone(self) -> str:
        while True:
            p = "1" + "3589"[int(self.rng.random() * 4)] + f"{int(self.rng.random() * 1e9):09d}"
            if p not in self.phones:
                self.phones.add(p)
                return p

    def id_for(self, region: str, born: dt.date, sex: str) -> str:
        from ..demo.synth import region_at

        region = region_at(region, born.year)  # the code as it was in the birth year
        for _ in range(50):
            s = make_id(region, born, int(self.rng.integers(0, 500)), sex)
            if s not in self.ids:
                self.ids.add(s)
                return s
        return ""


def _sound_key(name: str) -> str:
    return " ".join(fuzzy_syllable(char_pinyin(c)) for c in name)


def _like_sibling(name: str, names: set[str]) -> bool:
    """Could a copy's typo turn ``name`` into a sibling's, or back? Same (fuzzy) sound,
    the two given characters swapped, or one look-alike character apart: parents do not
    name two children so, and such twins could not be told from a copy."""
    key = _sound_key(name)
    for other in names:
        if key == _sound_key(other):
            return True
        if len(name) != len(other) or name[0] != other[0]:
            continue
        if len(name) == 3 and name[1:] == other[:0:-1]:
            return True
        diff = [k for k in range(1, len(name)) if name[k] != other[k]]
        if len(diff) == 1 and look_alike_char(name[diff[0]], other[diff[0]]):
            return True
    return False


def _format_date(d: dt.date, style: int) -> str:
    return (d.isoformat(), f"{d.year}年{d.month}月{d.day}日", f"{d.year}/{d.month}/{d.day}",
            f"{d:%Y.%m.%d}")[style]


def _format_phone(p: str, style: int) -> str:
    if not p:
        return p
    return (p, f"{p[:3]} {p[3:7]} {p[7:]}", f"{p[:3]}-{p[3:7]}-{p[7:]}")[style]


@lru_cache(maxsize=1)
def _s2t() -> Any:
    import opencc
    return opencc.OpenCC("s2t")


def _traditional(s: str) -> str:
    return str(_s2t().convert(s))


def generate(n: int = 3000, *, dup_rate: float = 0.08, seed: int = 7,
             namesakes: float = 0.0) -> Generated:
    """About ``n`` records (originals and duplicates), shuffled, with the truth.

    ``namesakes``: the share of families whose first child is named exactly as a child of
    another family at the same school, born the same year on another day (0: none, and
    the records are those of earlier releases).
    """
    g = _Gen(seed)
    rng = g.rng
    recs: list[dict[str, str]] = []
    person: list[int] = []
    family: list[int] = []
    kinds: list[str] = []
    n_orig = int(n / (1 + dup_rate * 1.1))
    fam_no = 0
    prev_guardian: tuple[str, str] | None = None
    seen: dict[str, list[tuple[str, dt.date]]] = {}          # school -> (name, born)
    while len(recs) < n_orig:
        fam_no += 1
        county, region = COUNTIES[int(rng.integers(0, 3))]
        school = g.pick(tuple(g.schools[county]))
        sur = g.surname()
        father, mother = sur + g.given(), g.surname() + g.given()
        fphone, mphone = g.phone(), g.phone()
        label = fam_no
        if prev_guardian is not None and rng.random() < 0.1:       # cousins
            gname, gphone, label = prev_guardian[0], prev_guardian[1], fam_no - 1
            if rng.random() < 0.5:
                sur = gname[0]
                father = sur + g.given()
            rel = "祖父" if gname[0] == sur else "祖母"
        elif rng.random() < 0.7:
            gname, gphone, rel = (sur + g.given(), g.phone(), "祖父") if rng.random() < 0.5 \
                else (g.surname() + g.given(), g.phone(), "祖母")
        else:
            gname, gphone, rel = mother, mphone, "母亲"
        prev_guardian = (gname, gphone)
        k = int(rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1]))
        twins = rng.random() < 0.04
        k = max(k, 2) if twins else k
        gen_char = g.pick(GIVEN, g.gw) if rng.random() < 0.4 else ""
        born0 = dt.date(2010, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 10)))
        target: tuple[str, dt.date] | None = None
        pool = seen.get(school, [])
        if namesakes and label == fam_no and pool and rng.random() < namesakes:
            target = pool[int(rng.integers(0, len(pool)))]
            sur = target[0][0]
            father = sur + g.given()
            taken = {b for nm, b in pool if nm == target[0]}   # another day than each
            born0 = target[1]
            while born0 in taken:
                born0 = dt.date(target[1].year, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365)))
            if rng.random() < 0.5:                 # registered with the guardian only
                father = mother = fphone = mphone = ""
        names: set[str] = set()
        born = born0
        for c in range(k):
            if c and not (c == 1 and twins):        # twins share the previous child's date
                born += dt.timedelta(days=int(365 * rng.uniform(1, 3)))
            first = gen_char if c else ""
            if c == 1 and twins and rng.random() < 0.5:
                first = first or recs[-1]["姓名"][len(sur)]
            name = sur + (g.pick(COMMON)[1:] if rng.random() < 0.03 else g.given(first))
            if c == 0 and target is not None:
                name = target[0]
            while _like_sibling(name, names):
                name = sur + g.given()
            names.add(name)
            sex = "男" if rng.random() < 0.52 else "女"
            no_id = rng.random() < (0.3 if twins else 0.15)
            grade = max(1, min(6, 2025 - born.year - 6))
            recs.append({"姓名": name, "性别": sex, "出生日期": born.isoformat(),
                         "身份证号": "" if no_id else g.id_for(region, born, sex), "县": county,
                         "学校": school, "年级": str(grade), "父亲姓名": father,
                         "父亲电话": fphone, "母亲姓名": mother, "母亲电话": mphone,
                         "监护人姓名": gname, "与儿童关系": rel, "监护人电话": gphone})
            seen.setdefault(school, []).append((name, born))
            person.append(len(person))
            family.append(label)
            kinds.append("original")
    n_orig = len(recs)
    for i in np.flatnonzero(rng.random(n_orig) < dup_rate).tolist():
        for _ in range(2 if rng.random() < 0.1 else 1):
            recs.append(_corrupt(g, recs[i]))
            person.append(person[i])
            family.append(family[i])
            kinds.append("duplicate")
    order = rng.permutation(len(recs))
    rows = [HEADER]
    for no, i in enumerate(order.tolist(), start=1):
        r = recs[i]
        rows.append([f"C{no:06d}"] + [r.get(h, "") for h in HEADER[1:]])
    return Generated(rows, np.asarray(person)[order], np.asarray(family)[order],
                     [kinds[i] for i in order.tolist()])


def _corrupt(g: _Gen, orig: dict[str, str]) -> dict[str, str]:
    rng = g.rng
    r = dict(orig)
    name = r["姓名"]
    u = rng.random()
    pos = len(name) - 1 if len(name) < 3 else int(rng.integers(1, len(name)))
    ch = name[pos]

    def sub(table: dict[str, list[str]]) -> str:
        alts = table.get(ch, [])
        return name[:pos] + alts[int(rng.integers(0, len(alts)))] + name[pos + 1:] if alts else name

    if u < 0.2:
        name = sub(g.homo)
    elif u < 0.3:
        name = sub(_SHAPE)
    elif u < 0.4:
        name = _traditional(name)
    elif u < 0.47:
        name = sub(g.sound)
    elif u < 0.5 and len(name) == 3:
        name = name[0] + name[2] + name[1]
    elif u < 0.6:
        name = name[0] + " " + name[1:]
    r["姓名"] = name
    if rng.random() < 0.55 or not r["身份证号"]:
        r["身份证号"] = ""
    elif rng.random() < 0.2:
        s = r["身份证号"]
        r["身份证号"] = f"{s[:6]} {s[6:14]} {s[14:]}"
    born = dt.date.fromisoformat(orig["出生日期"])
    v = rng.random()
    if v < 0.05:
        born += dt.timedelta(days=1)
    elif v < 0.08 and born.month <= 12 and born.day <= 12 and born.day != born.month:
        born = dt.date(born.year, born.day, born.month)
    r["出生日期"] = _format_date(born, int(rng.integers(0, 4)))
    style = int(rng.integers(0, 3))
    if rng.random() < 0.2:
        r["监护人电话"] = g.phone()
    r["监护人电话"] = _format_phone(r["监护人电话"], style)
    if rng.random() < 0.3:
        r["父亲电话"] = r["母亲电话"] = ""
    else:
        r["父亲电话"] = _format_phone(r["父亲电话"], style)
        r["母亲电话"] = _format_phone(r["母亲电话"], style)
    s = r["学校"]
    w = rng.random()
    if w < 0.08:
        county = r["县"]
        r["学校"] = g.pick(tuple(g.schools[county]))
    elif w < 0.3 and "镇中心小学" in s:
        r["学校"] = s.replace("镇中心小学", "中心小学" if rng.random() < 0.5 else "镇小学")
    elif w < 0.3 and "村小学" in s:
        r["学校"] = s.replace("村小学", "小学")
    if rng.random() < 0.1:
        r["监护人姓名"] = ""
    if rng.random() < 0.2:
        r["年级"] = str(min(6, int(r["年级"]) + 1))
    return r
