"""Planted problems, planted duplicates and odd-but-valid cells in the demo data.

Every change is made to a record (``dict`` label -> text) and noted by the record's 编号
and column label; :mod:`.build` turns the notes into book, tab and sheet cell once the
layout is known. Each planted problem is meant to raise exactly the rule code noted and
nothing else on its row; an odd-but-valid cell must raise nothing at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..config import Program
from ..forms.ids import region_exists
from .synth import Names, Record, end_of, id_check_char, make_cn_id, start_of

Forms = dict[str, list[Record]]


@dataclass(frozen=True)
class Mark:
    """A planted problem in one record's cell."""

    form: str
    record: str      # the record's 编号
    column: str      # column label
    code: str        # rule code the validator should report
    severity: str    # "error" | "warning"
    note: str        # Chinese: what is wrong
    stage: str = "sync"   # "schedule": reported once schedule has written the teams


@dataclass(frozen=True)
class OddMark:
    """A cell written in a harmless but unusual way (must not be flagged)."""

    form: str
    record: str
    column: str
    note: str


@dataclass(frozen=True)
class DupMark:
    """Two records of one person (``same``) or of two people who look alike (not ``same``)."""

    form: str
    a: str
    b: str
    kind: str
    same: bool
    note: str


class Picker:
    """Picks distinct records at random, never the same one twice."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.used: set[int] = set()

    def __call__(self, records: list[Record], ok: Callable[[Record], bool] = lambda r: True
                 ) -> Record:
        options = [r for r in records if id(r) not in self.used and ok(r)]
        if not options:
            options = [r for r in records if id(r) not in self.used]
        r = options[int(self.rng.integers(len(options)))]
        self.used.add(id(r))
        return r


CN_DIGITS = "零一二三四五六七八九"


def has(column: str, value: str) -> Callable[[Record], bool]:
    """A predicate: the record's ``column`` is ``value``."""
    return lambda r: r[column] == value


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _years_before(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def _reid(rec: Record, born: dt.date, taken: set[str]) -> None:
    """Give ``rec`` a valid ID for ``born`` (same region and sex), unique in ``taken``."""
    old = rec["身份证号"]
    male = int(old[16]) % 2 == 1
    seq = int(old[14:17])
    while True:
        new = make_cn_id(old[:6], born, seq, male)
        if new not in taken:
            taken.add(new)
            rec["身份证号"] = new
            return
        seq = (seq + 2) % 1000


# --------------------------------------------------------------------------- odd but valid

def plant_odd(forms: Forms, pick: Picker, program: Program) -> list[OddMark]:
    """Rewrite some cells the way staff really type them; all still valid."""
    out: list[OddMark] = []
    kids = forms["child"]

    def note(form: str, rec: Record, col: str, text: str) -> None:
        out.append(OddMark(form, rec["编号"], col, text))

    for fmt, what in (("{y}/{m}/{d}", "日期写成 年/月/日"),
                      ("{y}年{m}月{d}日", "日期写成 X年X月X日")):
        for _ in range(3):
            r = pick(kids)
            b = _d(r["出生日期"])
            r["出生日期"] = fmt.format(y=b.year, m=b.month, d=b.day)
            note("child", r, "出生日期", what)
    for _ in range(3):
        r = pick(kids, lambda r: r["与儿童关系"] not in ("父亲", "母亲"))
        p = r["监护人电话"]
        r["监护人电话"] = f"{p[:3]} {p[3:7]} {p[7:]}"
        note("child", r, "监护人电话", "手机号中间有空格")
    r = pick(kids, lambda r: r["与儿童关系"] not in ("父亲", "母亲"))
    p = r["监护人电话"]
    r["监护人电话"] = f"{p[:3]}-{p[3:7]}-{p[7:]}"
    note("child", r, "监护人电话", "手机号用短横线分段")
    for word in ("男孩", "女孩"):
        r = pick(kids, has("性别", word[0]))
        r["性别"] = word
        note("child", r, "性别", f"性别写成“{word}”")
    for style in ("cn", "cn", "cn", "cn", "num"):
        r = pick(kids)
        g = int(r["年级"])
        r["年级"] = f"{CN_DIGITS[g]}年级" if style == "cn" else f"{g}年级"
        note("child", r, "年级", f"年级写成“{r['年级']}”")
    for suffix in ("县", "县", "县", "区"):
        r = pick(kids)
        r["县"] = r["县"] + suffix
        note("child", r, "县", f"县名带“{suffix}”字")
    for formal, casual in (("祖母", "奶奶"), ("外祖母", "姥姥"), ("祖父", "爷爷")):
        r = pick(kids, has("与儿童关系", formal))
        if r["与儿童关系"] == formal:
            r["与儿童关系"] = casual
            note("child", r, "与儿童关系", f"写成口语“{casual}”")
    for _ in range(2):
        r = pick(kids, lambda r: r["留守类型"] == "双亲外出")
        if r["留守类型"] == "双亲外出":
            r["留守类型"] = "父母外出"
            note("child", r, "留守类型", "写成“父母外出”(双亲外出的同义词)")
    r = pick(kids)
    d = _d(r["登记日期"])
    r["登记日期"] = f"{d.year}/{d.month}/{d.day}"
    note("child", r, "登记日期", "日期写成 年/月/日")
    r = pick(kids)
    r["兴趣爱好"] = '=HYPERLINK("http://x","y")'
    note("child", r, "兴趣爱好", "像公式的文字:必须原样保留为文字,不能变成公式")

    for r in forms["volunteer"][:2]:
        p = r["手机号"]
        r["手机号"] = f"{p[:3]} {p[3:7]} {p[7:]}"
        note("volunteer", r, "手机号", "手机号中间有空格")
    r = next(v for v in forms["volunteer"] if v["性别"] == "男")
    r["性别"] = "男生"
    note("volunteer", r, "性别", "性别写成“男生”")
    s = forms["school"][1]
    s["县"] = s["县"] + "县"
    note("school", s, "县", "县名带“县”字")

    exps = forms["expense"]
    for _ in range(4):
        r = pick(exps, lambda r: float(r["金额"]) >= 1000 and r["发票号"] != "")
        yuan, cents = r["金额"].split(".")
        r["金额"] = f"{int(yuan):,}.{cents}元"
        note("expense", r, "金额", "金额带千分位逗号和“元”")
    for style in ("¥{v}", "¥{v}", "{v}元", "{v}元", "¥ {v}"):
        r = pick(exps, lambda r: r["金额"].endswith(".00") and r["发票号"] != "")
        r["金额"] = style.format(v=r["金额"][:-3])
        note("expense", r, "金额", f"金额写成“{r['金额']}”")
    r = pick(exps)
    d = _d(r["日期"])
    r["日期"] = f"{d.year}年{d.month}月{d.day}日"
    note("expense", r, "日期", "日期写成 X年X月X日")
    r = pick(exps, lambda r: r["备注"] == "")
    r["备注"] = "=SUM(A1:A9)"
    note("expense", r, "备注", "像公式的文字:必须原样保留为文字")
    return out


# --------------------------------------------------------------------------- problems

def plant_problems(forms: Forms, pick: Picker, program: Program) -> list[Mark]:
    """Plant one known problem per rule code (see the module docstring)."""
    out: list[Mark] = []
    kids = forms["child"]
    counties = program.counties
    taken = {c["身份证号"] for c in kids if c["身份证号"]}
    n = [0]

    def kid(ok: Callable[[Record], bool] = lambda r: True) -> Record:
        county = counties[n[0] % len(counties)]
        n[0] += 1
        return pick(kids, lambda r: r["_county"] == county and ok(r))

    def mark(form: str, rec: Record, col: str, code: str, note: str,
             severity: str = "error") -> None:
        out.append(Mark(form, rec["编号"], col, code, severity, note))

    r = kid(lambda r: r["身份证号"][16] != "0")  # no "…00" tail: that reads as a lost number
    good = r["身份证号"]
    r["身份证号"] = good[:17] + next(c for c in "123456789X" if c != good[17])
    mark("child", r, "身份证号", "id.checksum", "身份证号最后一位校验码错误")
    r = kid(lambda r: r["身份证号"][-1] != "X")
    r["身份证号"] = _as_excel_number(r["身份证号"])
    mark("child", r, "身份证号", "id.stored_as_number",
         "身份证号被 Excel 存成了数字,显示为科学计数法,后几位已丢失")
    r = kid(lambda r: 1 <= int(r["出生日期"][5:7]) <= 8
            and 1 <= int(r["出生日期"][8:10]) <= 8 and r["出生日期"][5:7] != r["出生日期"][8:10])
    y, m, d = r["出生日期"].split("-")
    r["出生日期"] = f"{y}-{d}-{m}"
    mark("child", r, "出生日期", "id.birth_mismatch", "出生日期的月和日写反了,与身份证号不一致")
    r = kid()
    r["性别"] = "女" if r["性别"] == "男" else "男"
    mark("child", r, "性别", "id.sex_mismatch", "性别与身份证号第 17 位不一致")
    r = kid(lambda r: r["年级"] == "6")
    r["出生日期"] = f"{r['出生日期'][:4]}-02-30"
    r["身份证号"] = ""
    mark("child", r, "出生日期", "date.impossible", "不存在的日期(2 月 30 日)")
    r = kid()
    r["监护人电话"] = "138-1234-567"
    mark("child", r, "监护人电话", "phone.invalid", "手机号少一位")
    r = kid()
    r["县"] = "保定县"
    mark("child", r, "县", "choice.unknown", "不是项目县")
    r = kid()
    r["年级"] = "7"
    mark("child", r, "年级", "grade.invalid", "小学没有 7 年级")
    r = kid(lambda r: r["年级"] == "3")
    born = _years_before(start_of(program), 14) - dt.timedelta(days=40)
    r["出生日期"] = born.isoformat()
    _reid(r, born, taken)
    mark("child", r, "年级", "grade.age", "三年级儿童已 14 岁,年龄与年级不符", "warning")
    r = kid(lambda r: r["留守类型"] == "双亲外出")
    r["母亲务工地"] = ""
    mark("child", r, "母亲务工地", "required_if", "双亲外出却没填母亲务工地")
    r = kid()
    r["父母外出时长(月)"] = "2"
    mark("child", r, "父母外出时长(月)", "range.min", "父母外出不足 3 个月", "warning")
    r = kid()
    r["监护人电话"] = ""
    mark("child", r, "监护人电话", "required", "没填监护人电话(必填)")
    r = kid()
    r["学校"] = "东风村小学"
    mark("child", r, "学校", "ref.missing", "学校不在“学校”表中")

    vols = forms["volunteer"]
    r = pick(vols, lambda r: r["录取状态"] == "录取")
    born = _years_before(start_of(program), 17) - dt.timedelta(days=100)
    r["身份证号"] = make_cn_id(r["身份证号"][:6], born, int(r["身份证号"][14:17]),
                            r["性别"].startswith("男"))
    r["年级"] = "大一"
    mark("volunteer", r, "身份证号", "age.min", "志愿者活动开始时未满 18 岁")
    # an old 15-digit ID means 19YY: on a child it would also contradict 出生日期
    r = pick(vols, lambda r: region_exists(r["身份证号"][:6], 1900 + int(r["身份证号"][8:10])))
    r["身份证号"] = r["身份证号"][:6] + r["身份证号"][8:17]
    mark("volunteer", r, "身份证号", "id.old15", "15 位旧身份证号", "warning")
    a = pick(vols)
    b = pick(vols, lambda r: r["编号"] > a["编号"])
    b["学号"] = a["学号"]
    mark("volunteer", a, "学号", "unique.duplicate", f"学号与 {b['编号']} 重复")
    mark("volunteer", b, "学号", "unique.duplicate", f"学号与 {a['编号']} 重复")

    # insured only from the fourth day of his team's first visit week: reported once
    # schedule has put him on a team (所属支队) and the team's visits are in 进驻安排
    r = next(v for v in vols if v["录取状态"] == "录取" and id(v) not in pick.used)
    pick.used.add(id(r))
    late = max(program.visit_first or start_of(program), start_of(program)) + dt.timedelta(days=3)
    r["保险开始"] = late.isoformat()
    out.append(Mark("volunteer", r["编号"], "保险开始", "cover.gap", "error",
                    f"保险 {late.month} 月 {late.day} 日才生效,所在支队在此之前已经进驻",
                    stage="schedule"))

    exps = forms["expense"]

    def exp(ok: Callable[[Record], bool] = lambda r: True) -> Record:
        county = counties[n[0] % len(counties)]
        n[0] += 1
        return pick(exps, lambda r: r["所属大队"] == county and ok(r))

    r = exp()
    r["金额"], r["发票号"], r["备注"] = "1580.00", "", ""
    mark("expense", r, "发票号", "required_if", "金额达到发票额度却没有发票号")
    r = exp(lambda r: r["发票号"] != "")
    r["支出理由"] = ""
    mark("expense", r, "支出理由", "required", "没写支出理由")
    r = exp()
    r["日期"] = (start_of(program) - dt.timedelta(days=12)).isoformat()
    mark("expense", r, "日期", "date.min", "日期早于项目开始")
    r = exp()
    r["日期"] = (end_of(program) + dt.timedelta(days=3)).isoformat()
    mark("expense", r, "日期", "date.max", "日期晚于项目结束")
    a = exp(lambda r: r["发票号"] != "")
    b = pick(exps, lambda r: r["发票号"] != "" and r["_county"] == a["_county"]
             and r["编号"] > a["编号"])
    b["发票号"] = a["发票号"]
    mark("expense", a, "发票号", "unique.duplicate", f"发票号与 {b['编号']} 重复")
    mark("expense", b, "发票号", "unique.duplicate", f"发票号与 {a['编号']} 重复")
    r = exp(lambda r: r["发票号"] != "")
    r["金额"] = "abc"
    mark("expense", r, "金额", "money.invalid", "金额不是数字")

    r = pick(forms["application"], lambda r: r["儿童编号"] != "")
    r["监护人同意"] = "否"
    mark("application", r, "监护人同意", "equals", "监护人不同意")

    pairs = forms["pair"]
    first = pick(pairs, lambda r: r["状态"] == "进行中")
    county = next(c["_county"] for c in kids if c["编号"] == first["儿童编号"])
    other = next((v for v in forms["volunteer"] if v["所属大队"] == county
                  and v["编号"] != first["志愿者编号"]), forms["volunteer"][0])
    second = {"编号": f"P{len(pairs) + 1:04d}", "志愿者编号": other["编号"],
              "儿童编号": first["儿童编号"], "开始日期": first["开始日期"], "状态": "进行中",
              "备注": "", "_county": ""}
    pairs.append(second)
    pick.used.add(id(second))
    mark("pair", first, "儿童编号", "unique_where", f"该儿童还有一个进行中的结对 {second['编号']}")
    mark("pair", second, "儿童编号", "unique_where", f"该儿童已有进行中的结对 {first['编号']}")
    return out


def _as_excel_number(id18: str) -> str:
    """What Excel shows for an 18-digit ID typed into a General cell: ``1.30607E+17``."""
    mantissa, _, exponent = format(float(int(id18)), ".6g").partition("e")
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    return f"{mantissa}E{exponent}"


# --------------------------------------------------------------------------- duplicates

TYPO = {"明": "朋", "军": "车", "平": "乎", "玉": "王", "杰": "木", "刚": "冈", "涛": "寿",
        "辉": "挥", "鹏": "朋", "华": "化", "红": "江", "娟": "捐", "静": "净",
        "艳": "色", "英": "央", "芳": "方", "霞": "夏", "敏": "每", "洋": "羊", "勇": "男",
        "强": "虽", "磊": "石", "超": "召", "波": "皮", "斌": "武", "宇": "于"}


def _rename(rec: Record, name: str) -> None:
    """Rename a child; a new surname goes to the father (and a 祖父 guardian) too."""
    old_surname, new_surname = rec["姓名"][0], name[0]
    rec["姓名"] = name
    if old_surname != new_surname:
        rec["父亲姓名"] = new_surname + rec["父亲姓名"][1:]
        if rec["与儿童关系"] in ("祖父", "父亲"):
            rec["监护人姓名"] = new_surname + rec["监护人姓名"][1:]


def plant_duplicates(forms: Forms, pick: Picker, rng: np.random.Generator
                     ) -> tuple[list[DupMark], list[Mark], list[OddMark]]:
    """Append duplicate children (same person) and look-alikes (twins, siblings: not)."""
    kids = forms["child"]
    taken = {c["身份证号"] for c in kids if c["身份证号"]}
    names = Names(rng)
    next_no = [max(int(c["编号"][1:]) for c in kids)]
    dups: list[DupMark] = []
    marks: list[Mark] = []
    odd: list[OddMark] = []

    def copy(orig: Record, after: bool = False) -> Record:
        next_no[0] += 1
        new = dict(orig)
        new["编号"] = f"C{next_no[0]:04d}"
        new["身份证号"] = ""
        where = kids.index(orig) + 1 if after else max(
            i for i, c in enumerate(kids) if c["学校"] == orig["学校"]) + 1
        kids.insert(where, new)
        pick.used.add(id(new))
        return new

    applied = {(a["儿童姓名"], a["学校"]) for a in forms["application"]}

    def clean(r: Record) -> bool:
        return (r["身份证号"] != "" and r["年级"].isdigit() and len(r["姓名"]) == 3
                and (r["姓名"], r["学校"]) not in applied)

    orig = pick(kids, lambda r: clean(r) and any(ch in TYPO for ch in r["姓名"][1:]))
    dup = copy(orig)
    pos = next((i for i in (2, 1) if orig["姓名"][i] in TYPO), 2)
    wrong = TYPO.get(orig["姓名"][pos], "")
    if not wrong:
        dup["姓名"] = orig["姓名"][0] + orig["姓名"][2] + orig["姓名"][1]
    else:
        dup["姓名"] = orig["姓名"][:pos] + wrong + orig["姓名"][pos + 1:]
    dup["登记日期"] = orig["登记日期"]
    dups.append(DupMark("child", orig["编号"], dup["编号"], "错别字", True,
                        f"同一儿童重复登记,姓名有错字({orig['姓名']}/{dup['姓名']}),未填身份证号"))

    for (right, other), kind in ((("李明", "李鸣"), "同音字"), (("张伟", "張偉"), "繁体字")):
        orig = pick(kids, lambda r: clean(r) and r["性别"] == "男")
        _rename(orig, right)
        dup = copy(orig)
        dup["姓名"] = other
        dups.append(DupMark("child", orig["编号"], dup["编号"], kind, True,
                            f"同一儿童重复登记:{right}/{other},未填身份证号"))

    orig = pick(kids, clean)
    dup = copy(orig)
    dup["身份证号"] = orig["身份证号"]
    b = _d(orig["出生日期"])
    dup["出生日期"] = f"{b.year}年{b.month}月{b.day}日"
    p = orig["监护人电话"]
    dup["监护人电话"] = f"{p[:3]} {p[3:7]} {p[7:]}"
    dups.append(DupMark("child", orig["编号"], dup["编号"], "格式不同", True,
                        "同一儿童重复登记:出生日期和电话写法不同,身份证号相同"))
    marks.append(Mark("child", orig["编号"], "身份证号", "unique.duplicate", "error",
                      f"身份证号与 {dup['编号']} 重复(同一儿童登记了两次)"))
    marks.append(Mark("child", dup["编号"], "身份证号", "unique.duplicate", "error",
                      f"身份证号与 {orig['编号']} 重复(同一儿童登记了两次)"))
    odd.append(OddMark("child", dup["编号"], "出生日期", "日期写成 X年X月X日"))
    odd.append(OddMark("child", dup["编号"], "监护人电话", "手机号中间有空格"))

    orig = pick(kids, clean)
    dup = copy(orig)
    dup["班级"] = ""
    dups.append(DupMark("child", orig["编号"], dup["编号"], "无身份证号", True,
                        "同一儿童重复登记,第二次没填身份证号和班级"))

    orig = pick(kids, clean)
    twin = copy(orig, after=True)
    male = bool(rng.random() < 0.5)
    twin["姓名"] = orig["姓名"][0] + names.given(male)
    while twin["姓名"] == orig["姓名"]:
        twin["姓名"] = orig["姓名"][0] + names.given(male)
    twin["性别"] = "男" if male else "女"
    twin["身份证号"] = orig["身份证号"]
    _reid_sex(twin, male, taken)
    dups.append(DupMark("child", orig["编号"], twin["编号"], "双胞胎", False,
                        "双胞胎:同一家庭、同一生日,不是重复,不能合并"))

    orig = pick(kids, lambda r: clean(r) and r["年级"] in ("3", "4"))
    sib = copy(orig, after=True)
    sib["姓名"] = orig["姓名"][0] + names.given(True)
    sib["性别"] = "男"
    sib["年级"] = str(int(orig["年级"]) + 2)
    born = _years_before(_d(orig["出生日期"]), 2)
    sib["出生日期"] = born.isoformat()
    sib["身份证号"] = orig["身份证号"][:16] + "1"
    _reid(sib, born, taken)
    sib["兴趣爱好"] = "打篮球"
    dups.append(DupMark("child", orig["编号"], sib["编号"], "兄弟姐妹", False,
                        "兄弟姐妹:同一家庭、同一监护人电话,不是重复,不能合并"))
    return dups, marks, odd


def _reid_sex(rec: Record, male: bool, taken: set[str]) -> None:
    old = rec["身份证号"]
    seq = int(old[14:17])
    while True:
        seq = (seq + 1) % 1000
        body = f"{old[:14]}{seq:03d}"
        if (seq % 2 == 1) == male and body + id_check_char(body) not in taken:
            rec["身份证号"] = body + id_check_char(body)
            taken.add(rec["身份证号"])
            return
