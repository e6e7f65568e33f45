"""Why two records look alike, in Chinese, from the comparison levels of a scored pair.

``身份证号相同``, ``姓名同音(李明/李鸣)``, ``姓名繁简相同(張偉/张伟)``, ``出生日期相同``,
``监护人电话相同``, ``学校相同(城关镇中心小学/城关中心小学)`` … Only agreements (and the
near agreements that explain a typo) are reasons; what differs is in the records shown
side by side. Phone numbers and ID numbers are never written out.
"""

from __future__ import annotations

from .features import PHONE_FIELDS, Features

PHONE_LABELS = {"guardian_phone": "监护人电话", "father_phone": "父亲电话",
                "mother_phone": "母亲电话", "phone": "手机号"}

_NAME = {2: "姓名同音", 3: "姓名形近字", 4: "姓名读音相近", 5: "姓名前后颠倒",
         6: "名字相同、姓不同"}


def _pair(a: str, b: str) -> str:
    return f"({a})" if a == b else f"({a}/{b})"


def _name_reason(f: Features, i: int, j: int, level: int) -> str:
    ra, rb = str(f.name_raw[i]).strip(), str(f.name_raw[j]).strip()
    if level == 1:
        return "姓名相同" + _pair(ra, rb) if ra == rb else "姓名繁简相同" + _pair(ra, rb)
    return _NAME[level] + _pair(ra, rb)


def _phone_reasons(f: Features, i: int, j: int) -> list[str]:
    """``监护人电话相同`` per field that agrees; else one ``电话相同(监护人电话/父亲电话)``."""
    pa, pb = f.phones[i].tolist(), f.phones[j].tolist()
    same = [f"{PHONE_LABELS[k]}相同" for k, a, b in zip(PHONE_FIELDS, pa, pb, strict=True)
            if a and a == b]
    if same:
        return same
    for ka, a in zip(PHONE_FIELDS, pa, strict=True):
        for kb, b in zip(PHONE_FIELDS, pb, strict=True):
            if a and a == b:
                return [f"电话相同({PHONE_LABELS[ka]}/{PHONE_LABELS[kb]})"]
    return []


def reasons(f: Features, i: int, j: int, levels: dict[str, int]) -> list[str]:
    """The reasons for one pair (record indexes ``i``, ``j``), strongest first."""
    out: list[str] = []
    if levels.get("id") == 1:
        out.append("身份证号相同")
    if levels.get("student_no") == 1:
        out.append("学号相同")
    name = levels.get("name", 0)
    if name > 0:
        out.append(_name_reason(f, i, j, name))
    birth = levels.get("birth", 0)
    if birth == 1:
        out.append("出生日期相同")
    elif birth == 2:
        out.append("出生日期相近")
    if levels.get("phone") == 1:
        out.extend(_phone_reasons(f, i, j))
    if levels.get("email") == 1:
        out.append("邮箱相同")
    if levels.get("school") == 1:
        sa, sb = str(f.school_raw[i]).strip(), str(f.school_raw[j]).strip()
        out.append("学校相同" + _pair(sa, sb))
    for key, label in (("guardian", "监护人姓名相同"), ("father", "父亲姓名相同"),
                       ("mother", "母亲姓名相同")):
        if levels.get(key) == 1:
            out.append(label)
    return [r for r in out if r]
