"""Comparable features of form records, computed once per run, column-wise.

From a validated tab (:class:`~sheets_sync.forms.validate.TabResult`) :func:`tab_features`
builds one :class:`Features` table: per record the name as code points (NFKC, traditional
→ simplified), the toneless pinyin of each character (surname readings: 曾 zeng, 单 shan,
解 xie …) and a "fuzzy" pinyin (zh=z, ch=c, sh=s, n=l, -ng=-n), the 18-character ID with
the birth date and sex it encodes, the birth date, the family's phones, a school key
(``城关镇中心小学`` and ``城关中心小学`` → ``城关``) and the guardian's and parents' names.

Names are compared on small integer matrices (:data:`NAME_WIDTH` characters); distinct
strings are converted once each (pinyin, opencc), so 200,000 records cost seconds.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from ..forms.validate import TabResult

NAME_WIDTH = 4
"""Characters of a name compared position by position (longer names: the rest ignored)."""

PHONE_FIELDS = ("guardian_phone", "father_phone", "mother_phone", "phone")
"""Phones that identify a family (child form) or a person (volunteer form)."""

SURNAME_READINGS: dict[str, str] = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "区": "ou", "查": "zha", "朴": "piao",
    "盖": "ge", "乐": "yue", "缪": "miao", "翟": "zhai", "召": "shao", "折": "she", "员": "yun",
    "种": "chong", "秘": "bi", "繁": "po", "覃": "qin", "尉": "yu", "宓": "mi", "能": "nai",
    "句": "gou", "长": "chang", "重": "chong", "石": "shi", "沈": "shen", "柏": "bai",
    "薄": "bo", "都": "du", "曲": "qu", "燕": "yan", "华": "hua", "任": "ren", "纪": "ji",
    "藏": "zang", "隗": "wei", "贲": "ben", "阚": "kan", "费": "fei", "黑": "he", "过": "guo",
}
"""Readings of polyphonic characters when they are a surname (first character)."""

COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯",
    "长孙", "宇文", "司徒", "端木", "轩辕", "独孤", "南宫", "西门", "百里", "呼延", "万俟",
    "澹台", "公冶", "太史", "申屠", "钟离", "闻人", "赫连", "拓跋"})

_SCHOOL_NOISE = re.compile(
    r"(完全小学|中心小学|中心学校|九年一贯制学校|九年制学校|小学校|小学|学校|完小|教学点|中心|"
    r"[县区市镇乡村])")
_SPACES = re.compile(r"[\s·•.\-_()()]+")


@lru_cache(maxsize=1)
def _t2s() -> object:
    import opencc
    return opencc.OpenCC("t2s")


def simplify(text: str) -> str:
    """NFKC, no spaces, traditional characters as simplified (``張 偉`` → ``张伟``)."""
    s = "".join(unicodedata.normalize("NFKC", text).split())
    if not s or s.isascii():
        return s
    return str(_t2s().convert(s))  # type: ignore[attr-defined]


_FUZZY = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("ing", "in"), ("eng", "en"), ("ang", "an"))


def fuzzy_syllable(py: str) -> str:
    """A syllable with the dialect confusions folded: zh/z, ch/c, sh/s, -ng/-n, n/l."""
    for a, b in _FUZZY:
        py = py.replace(a, b)
    return "l" + py[1:] if py.startswith("n") else py


@lru_cache(maxsize=65536)
def char_pinyin(ch: str) -> str:
    """Toneless pinyin of one character (the character itself if it has none)."""
    from ..pinyin import lazy_pinyin
    out = lazy_pinyin(ch)
    return out[0] if out else ch


def name_pinyin(name: str) -> list[str]:
    """Toneless pinyin per character, surname readings first (``曾小明`` → zeng xiao ming)."""
    sys_ = [char_pinyin(c) for c in name]
    if name and name[0] in SURNAME_READINGS:
        sys_[0] = SURNAME_READINGS[name[0]]
    return sys_


def surname_length(name: str) -> int:
    return 2 if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else 1


def school_key(name: str, counties: Sequence[str] = ()) -> str:
    """A school name reduced for comparison: county prefix, 镇/乡/村/中心/小学 … dropped."""
    s = _SPACES.sub("", simplify(name))
    for c in counties:
        if c and s.startswith(c):
            s = s[len(c):]
            break
    key = _SCHOOL_NOISE.sub("", s)
    return key or s


class Vocab:
    """Strings ↔ small integers (0 is "missing"), shared by all tabs of one run."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {"": 0}
        self.words: list[str] = [""]

    def code(self, word: str) -> int:
        i = self.index.get(word)
        if i is None:
            i = self.index[word] = len(self.words)
            self.words.append(word)
        return i

    def codes(self, words: Sequence[str]) -> np.ndarray:
        return np.fromiter((self.code(w) for w in words), dtype=np.int64, count=len(words))


@dataclass
class Features:
    """One row per record (all arrays have length ``n``); 0 / "" means missing."""

    tab: np.ndarray            # tab name (object)
    form: np.ndarray           # form key (object)
    row: np.ndarray            # sheet row (int64)
    rid: np.ndarray            # 编号 as written (object)
    name: np.ndarray           # simplified name (object)
    name_raw: np.ndarray       # name as written (object)
    chars: np.ndarray          # (n, NAME_WIDTH) code points, 0 padded
    py: np.ndarray             # (n, NAME_WIDTH) pinyin syllable codes
    fz: np.ndarray             # (n, NAME_WIDTH) fuzzy syllable codes
    nlen: np.ndarray           # name length
    name_code: np.ndarray      # code of the whole simplified name
    py_code: np.ndarray        # code of the whole pinyin
    surname_py: np.ndarray     # code of the surname's pinyin
    id18: np.ndarray           # valid 18-char ID or "" (object)
    id_raw: np.ndarray         # ID text as normalised, valid or not (object)
    birth: np.ndarray          # days since 1970 (int64), -1 missing
    sex: np.ndarray            # 1 男, 2 女, 0 unknown
    phones: np.ndarray         # (n, len(PHONE_FIELDS)) phone codes
    school: np.ndarray         # school key code
    school_raw: np.ndarray     # school as written (object)
    guardian: np.ndarray       # guardian name code (simplified)
    father: np.ndarray
    mother: np.ndarray
    student_no: np.ndarray     # code
    email: np.ndarray          # code
    vocab: Vocab = field(repr=False, default_factory=Vocab)

    @property
    def n(self) -> int:
        return len(self.row)


def _col(tr: TabResult, key: str, n: int) -> np.ndarray:
    r = tr.normalized.get(key)
    if r is None:
        return np.full(n, "", dtype=object)
    return r.text.fillna("").astype(str).to_numpy(dtype=object)


def _valid(tr: TabResult, key: str, n: int) -> np.ndarray:
    r = tr.normalized.get(key)
    if r is None:
        return np.full(n, "", dtype=object)
    v = r.value.astype(object).where(r.value.notna(), "")
    return v.astype(str).to_numpy(dtype=object)


_EPOCH = np.datetime64("1970-01-01", "D")


def _days(iso: np.ndarray) -> np.ndarray:
    s = pd.Series(iso, dtype=object)
    ok = s.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).to_numpy(dtype=bool)
    out = np.full(len(iso), -1, dtype=np.int64)
    if ok.any():
        d = pd.to_datetime(s[ok], format="%Y-%m-%d", errors="coerce")
        days = ((d.to_numpy(dtype="datetime64[D]") - _EPOCH).astype(np.int64))
        days[d.isna().to_numpy()] = -1
        out[ok] = days
    return out


def _name_matrices(names: np.ndarray, vocab: Vocab) -> tuple[np.ndarray, ...]:
    """Per distinct name: code points, syllable codes, fuzzy codes, length, pinyin code."""
    uniq, inv = np.unique(names.astype(str), return_inverse=True)
    m = len(uniq)
    chars = np.zeros((m, NAME_WIDTH), dtype=np.int64)
    py = np.zeros((m, NAME_WIDTH), dtype=np.int64)
    fz = np.zeros((m, NAME_WIDTH), dtype=np.int64)
    nlen = np.zeros(m, dtype=np.int64)
    py_code = np.zeros(m, dtype=np.int64)
    sur = np.zeros(m, dtype=np.int64)
    for i, nm in enumerate(uniq.tolist()):
        if not nm:
            continue
        sy = name_pinyin(nm)
        w = min(len(nm), NAME_WIDTH)
        nlen[i] = len(nm)
        chars[i, :w] = [ord(c) for c in nm[:w]]
        py[i, :w] = [vocab.code("py:" + s) for s in sy[:w]]
        fz[i, :w] = [vocab.code("fz:" + fuzzy_syllable(s)) for s in sy[:w]]
        py_code[i] = vocab.code("pn:" + " ".join(sy))
        sur[i] = vocab.code("py:" + "".join(sy[:surname_length(nm)]))
    return chars[inv], py[inv], fz[inv], nlen[inv], py_code[inv], sur[inv]


def _simplified(values: np.ndarray) -> np.ndarray:
    uniq, inv = np.unique(values.astype(str), return_inverse=True)
    return np.array([simplify(u) for u in uniq.tolist()], dtype=object)[inv]


def tab_features(tr: TabResult, vocab: Vocab, counties: Sequence[str] = ()) -> Features:
    """The comparable features of every record of one validated form tab."""
    n = tr.data.n
    form = tr.layout.form.key
    name_raw = _col(tr, "name", n)
    name = _simplified(name_raw)
    chars, py, fz, nlen, py_code, sur = _name_matrices(name, vocab)
    id18 = _valid(tr, "id_number", n)
    id18 = np.where(pd.Series(id18, dtype=object).str.len().to_numpy() == 18, id18, "")
    birth = _days(_col(tr, "birth_date", n))
    from_id = np.array([f"{s[6:10]}-{s[10:12]}-{s[12:14]}" if s else "" for s in id18.tolist()],
                       dtype=object)
    id_birth = _days(from_id)
    birth = np.where(id_birth >= 0, id_birth, birth)
    sex_txt = _col(tr, "sex", n)
    sex = np.where(sex_txt == "男", 1, np.where(sex_txt == "女", 2, 0)).astype(np.int64)
    id_sex = np.array([(1 if int(s[16]) % 2 else 2) if s else 0 for s in id18.tolist()],
                      dtype=np.int64)
    sex = np.where(id_sex > 0, id_sex, sex)
    phones = np.stack([vocab.codes(["ph:" + p if p else "" for p in _col(tr, k, n).tolist()])
                       for k in PHONE_FIELDS], axis=1)
    school_raw = _col(tr, "school", n)
    uniq, inv = np.unique(school_raw.astype(str), return_inverse=True)
    school = vocab.codes(["sc:" + school_key(u, counties) if u else "" for u in uniq.tolist()])[inv]
    if form != "child":  # a volunteer's 所属学校 is where they are sent, not who they are
        school = np.zeros(n, dtype=np.int64)

    def names(key: str) -> np.ndarray:
        return vocab.codes(["nm:" + s if s else "" for s in _simplified(_col(tr, key, n)).tolist()])

    return Features(
        tab=np.full(n, tr.layout.tab, dtype=object), form=np.full(n, form, dtype=object),
        row=np.asarray(tr.data.rows, dtype=np.int64), rid=_col(tr, "id", n),
        name=name, name_raw=name_raw, chars=chars, py=py, fz=fz, nlen=nlen,
        name_code=vocab.codes(["nm:" + s if s else "" for s in name.tolist()]),
        py_code=py_code, surname_py=sur, id18=id18, id_raw=_col(tr, "id_number", n),
        birth=birth, sex=sex, phones=phones, school=school, school_raw=school_raw,
        guardian=names("guardian_name"), father=names("father_name"),
        mother=names("mother_name"),
        student_no=vocab.codes(["sn:" + s if s else "" for s in
                                _col(tr, "student_no", n).tolist()]),
        email=vocab.codes(["em:" + s.lower() if s else "" for s in _col(tr, "email", n).tolist()]),
        vocab=vocab)


def concat(parts: list[Features]) -> Features:
    """The features of several tabs as one table (they must share one :class:`Vocab`)."""
    if len(parts) == 1:
        return parts[0]
    kw = {f: np.concatenate([getattr(p, f) for p in parts])
          for f in Features.__dataclass_fields__ if f != "vocab"}
    return Features(**kw, vocab=parts[0].vocab)
