"""Program data and project configuration.

Program data (counties, dates, the invoice threshold …) is configuration, never code:
it comes from the ``[program]`` table of ``sheets-sync.toml``. Only what the program plan
itself says has a default (its name, the three counties 满城, 顺平, 清苑, the head
brigade 总队, and that every expense needs an invoice: "所用资金应开具发票证明", so
``invoice_threshold`` is 0). The program's dates and the volunteers' minimum age have no
default: a rule that needs one is not applied, and validation says so once
(:mod:`sheets_sync.forms.program_data`); the period may also be read from the book (the
``学校`` tab's 进驻 dates).

.. code-block:: toml

    [program]
    name = "让你不再孤单——一对一帮助计划"
    counties = ["满城", "顺平", "清苑"]
    start_date = "2026-07-01"
    end_date = "2026-08-31"
    invoice_threshold = "100"     # under this amount a receipt (收据) suffices
    volunteer_min_age = 18
    team_size = 8                 # volunteers per team (支队); sizes outside 8 ± 2 are warned
    cross_county = false          # true: a team may visit a school outside its brigade's county
    visit_start = "2026-07-07"    # the first visit week starts here (default: start_date)
    visit_end = "2026-08-11"      # the last visit ends by here (default: end_date)
    pair_capacity_max = 5         # at most this many children per volunteer when pairing
    walk_home_min_grade = 5       # from this grade a child may walk home alone (自行回家)

    [program.cadence]             # how often each contact is due (待办); "0d" turns one off
    "谈心" = "30d"                   # the monthly talk (每月谈心一次)
    "亲情视频" = "7d"                 # the weekly video call with the parents
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .errors import ConfigError

CONFIG_NAME = "sheets-sync.toml"
COUNTY_SUFFIXES = ("县", "区", "市", "大队", "县大队", "队")
CADENCE_KINDS = ("谈心", "亲情视频", "亲情电话", "家访")
"""What ``[program.cadence]`` may name: the 谈心记录 talk, a video or a call with a parent
(联系记录 方式 视频/电话, 对象 父母), a home visit (方式 家访)."""
DEFAULT_CADENCE: tuple[tuple[str, int], ...] = (("谈心", 30), ("亲情视频", 7))
"""The plan: 每月与留守儿童谈心一次; 亲情视频 每周一次."""


@dataclass(frozen=True)
class Program:
    """The program's own data, used by templates through ``$program.<key>``.

    ``start_date``, ``end_date`` and ``volunteer_min_age`` are ``None`` when not configured
    (a rule that needs them is then not applied). ``period_from`` names where the period
    came from when it was not configured but read from the book (``“学校”表的进驻日期``);
    it is empty for a configured period.
    """

    name: str = "让你不再孤单——一对一帮助计划"
    counties: tuple[str, ...] = ("满城", "顺平", "清苑")
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    invoice_threshold: Decimal = Decimal("0")
    volunteer_min_age: int | None = None
    head_brigade: str = "总队"
    extra: dict[str, Any] = field(default_factory=dict)
    period_from: str = ""
    team_size: int = 8
    """Volunteers per team (支队, 八名志愿者可以单独引导); a team of another size ± 2 is warned."""
    cross_county: bool = False
    """Whether a team may visit a school outside its brigade's county."""
    visit_start: dt.date | None = None
    """The first day of the first visit week (default: ``start_date``)."""
    visit_end: dt.date | None = None
    """The last day a visit may end on (default: ``end_date``)."""
    pair_capacity_max: int = 5
    """At most this many children per volunteer when pairing inside a visiting team."""
    walk_home_min_grade: int = 5
    """From this grade a child may leave the evening film or an outing alone (自行回家)."""
    cadence: tuple[tuple[str, int], ...] = DEFAULT_CADENCE
    """``[program.cadence]``: each contact (:data:`CADENCE_KINDS`) and every how many days it
    is due; the 待办 tab lists children past it."""

    def cadence_days(self, kind: str) -> int | None:
        """Every how many days ``kind`` (谈心, 亲情视频 …) is due; None: not tracked."""
        return dict(self.cadence).get(kind)

    @property
    def visit_first(self) -> dt.date | None:
        """The first visit day: ``visit_start``, else ``start_date``."""
        return self.visit_start or self.start_date

    @property
    def visit_last(self) -> dt.date | None:
        """The last day a visit may end on: ``visit_end``, else ``end_date``."""
        return self.visit_end or self.end_date

    def county_choices(self) -> list[tuple[str, list[str]]]:
        """Each county with its synonyms (满城 ← 满城县, 满城区, 满城市, 满城大队)."""
        return [(c, [c + s for s in COUNTY_SUFFIXES]) for c in self.counties]

    def brigade_choices(self) -> list[tuple[str, list[str]]]:
        """The brigades: one per county, plus the head brigade (总队)."""
        return [*self.county_choices(), (self.head_brigade, ["总部", "总队部"])]

    def lookup(self, key: str) -> Any:
        """Value of ``$program.<key>`` for templates (``None``: not configured).

        ``KeyError`` for a key that is neither known nor in ``extra``.
        """
        if key == "counties":
            return self.county_choices()
        if key == "brigades":
            return self.brigade_choices()
        if key in {"start_date", "end_date", "invoice_threshold", "volunteer_min_age", "name",
                   "team_size", "cross_county", "pair_capacity_max", "walk_home_min_grade"}:
            return getattr(self, key)
        if key == "visit_start":
            return self.visit_first
        if key == "visit_end":
            return self.visit_last
        return self.extra[key]

    def known(self, key: str) -> bool:
        """Whether ``$program.<key>`` has a value (configured, or read from the book)."""
        try:
            return self.lookup(key) is not None
        except KeyError:
            return False


PROGRAM_KEYS = frozenset({"counties", "brigades", "start_date", "end_date",
                          "invoice_threshold", "volunteer_min_age", "name", "team_size",
                          "cross_county", "visit_start", "visit_end", "pair_capacity_max",
                          "walk_home_min_grade"})

PROGRAM_SETTING = {
    "start_date": 'start_date = "2026-07-01"',
    "end_date": 'end_date = "2026-08-31"',
    "invoice_threshold": 'invoice_threshold = "100"',
    "volunteer_min_age": "volunteer_min_age = 18",
    "team_size": "team_size = 8",
    "cross_county": "cross_county = false",
    "visit_start": 'visit_start = "2026-07-07"',
    "visit_end": 'visit_end = "2026-08-11"',
    "pair_capacity_max": "pair_capacity_max = 5",
    "walk_home_min_grade": "walk_home_min_grade = 5",
}
"""How each ``[program]`` value is written in sheets-sync.toml (for messages naming the fix)."""


def _date(file: str, key: str, value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(
            f"{file}: [program] {key} = {value!r} 不是日期,请写成 YYYY-MM-DD,例如 2026-07-01。"
        ) from None


def program_from_dict(data: dict[str, Any], file: str = CONFIG_NAME) -> Program:
    """Build :class:`Program` from a ``[program]`` table, naming the key on any mistake."""
    defaults = Program()
    known = {"name", "counties", "start_date", "end_date", "invoice_threshold",
             "volunteer_min_age", "head_brigade", "team_size", "cross_county", "visit_start",
             "visit_end", "pair_capacity_max", "walk_home_min_grade", "cadence"}
    extra = {k: v for k, v in data.items() if k not in known}
    counties = data.get("counties", list(defaults.counties))
    if not isinstance(counties, list) or not counties or not all(
        isinstance(c, str) and c.strip() for c in counties
    ):
        raise ConfigError(
            f'{file}: [program] counties 应为县名列表,例如 counties = ["满城", "顺平", "清苑"]。'
        )
    start = _date(file, "start_date", data["start_date"]) if "start_date" in data else None
    end = _date(file, "end_date", data["end_date"]) if "end_date" in data else None
    if start is not None and end is not None and end < start:
        raise ConfigError(f"{file}: [program] end_date {end} 早于 start_date {start},请检查日期。")
    try:
        threshold = Decimal(str(data.get("invoice_threshold", defaults.invoice_threshold)))
        if not threshold.is_finite() or threshold < 0:
            raise InvalidOperation
    except InvalidOperation:
        raise ConfigError(
            f"{file}: [program] invoice_threshold 应为金额,例如 invoice_threshold = \"100\"。"
        ) from None
    age = data.get("volunteer_min_age")
    if age is not None and (not isinstance(age, int) or isinstance(age, bool)):
        raise ConfigError(f"{file}: [program] volunteer_min_age 应为整数,例如 18。")
    visit_start = _date(file, "visit_start", data["visit_start"]) if "visit_start" in data \
        else None
    visit_end = _date(file, "visit_end", data["visit_end"]) if "visit_end" in data else None
    first, last = visit_start or start, visit_end or end
    if first is not None and last is not None and last < first:
        raise ConfigError(f"{file}: [program] visit_end {last} 早于 visit_start {first},"
                          "请检查日期(不写时分别按 start_date、end_date)。")
    for key, day in (("visit_start", visit_start), ("visit_end", visit_end)):
        if day is not None and ((start is not None and day < start)
                                or (end is not None and day > end)):
            raise ConfigError(f"{file}: [program] {key} {day} 不在项目期间 "
                              f"{start or '…'} 至 {end or '…'} 内,请检查日期。")
    walk = data.get("walk_home_min_grade", defaults.walk_home_min_grade)
    if isinstance(walk, bool) or not isinstance(walk, int) or not 1 <= walk <= 6:
        raise ConfigError(f"{file}: [program] walk_home_min_grade 应为 1–6 的整数(不加引号),"
                          "例如 walk_home_min_grade = 5:几年级及以上的儿童可以自行回家。")
    cross = data.get("cross_county", defaults.cross_county)
    if not isinstance(cross, bool):
        raise ConfigError(f"{file}: [program] cross_county 应为 true 或 false(不加引号),"
                          "例如 cross_county = false。")
    return Program(
        name=str(data.get("name", defaults.name)),
        counties=tuple(c.strip() for c in counties),
        start_date=start,
        end_date=end,
        invoice_threshold=threshold,
        volunteer_min_age=age,
        head_brigade=str(data.get("head_brigade", defaults.head_brigade)),
        extra=extra,
        team_size=_positive(file, data, "team_size", defaults.team_size),
        cross_county=cross,
        visit_start=visit_start,
        visit_end=visit_end,
        pair_capacity_max=_positive(file, data, "pair_capacity_max", defaults.pair_capacity_max),
        walk_home_min_grade=walk,
        cadence=_cadence(file, data.get("cadence", {})),
    )


_DAYS = re.compile(r"\s*(\d+)\s*(d|天|日|w|周|星期)?\s*", re.I)


def _cadence(file: str, raw: Any) -> tuple[tuple[str, int], ...]:
    """``[program.cadence]`` over the defaults: ``"谈心" = "30d"``, ``"亲情视频" = "1w"``; 0 turns
    one off. A ConfigError names the key and the fix."""
    example = '例如 [program.cadence] 里写 "谈心" = "30d"、"亲情视频" = "7d"(中文键名要加英文引号)'
    if not isinstance(raw, dict):
        raise ConfigError(f"{file}: [program] cadence 应为一个表,{example}。")
    out = dict(DEFAULT_CADENCE)
    for key, value in raw.items():
        if key not in CADENCE_KINDS:
            raise ConfigError(f"{file}: [program.cadence] 中的“{key}”不认识:可以写 "
                              f"{'、'.join(CADENCE_KINDS)},{example}。")
        m = _DAYS.fullmatch(str(value)) if not isinstance(value, bool) else None
        if m is None:
            raise ConfigError(f"{file}: [program.cadence] {key} = {value!r} 不是天数:"
                              f"请写成 \"30d\"(30 天)或 \"1w\"(1 周),"
                              f"写 \"0d\" 表示不跟踪,{example}。")
        days = int(m[1]) * (7 if (m[2] or "").lower() in {"w", "周", "星期"} else 1)
        out[key] = days
    return tuple((k, out[k]) for k in CADENCE_KINDS if out.get(k))


def _positive(file: str, data: dict[str, Any], key: str, default: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{file}: [program] {key} 应为正整数(不加引号),"
                          f"例如 {key} = {default}。")
    return value


_TOML_AT = re.compile(
    r"(?P<msg>.*) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)", re.S)
_KEY_FIX = "键名只能用英文字母、数字、_ 和 -(中文键名请加英文双引号,例如 \"名称\" = \"…\")"
_PATH_FIX = ("双引号里的反斜杠 \\ 有特殊含义:Windows 路径请改用单引号"
             "(book = 'D:\\数据\\总表.xlsx'),或改用正斜杠(book = \"D:/数据/总表.xlsx\")")
# full-width “”‘’=,:;【】[]{}#。、 typed where TOML wants ASCII
_FULL_WIDTH = set("\u201c\u201d\u2018\u2019\uff1d\uff0c\uff1a\uff1b\u3010\u3011"
                  "\uff3b\uff3d\uff5b\uff5d\uff03\u3002\u3001")
# tomllib's message (without its position) -> what it means here and how to fix it
TOML_MESSAGES: list[tuple[re.Pattern[str], str]] = [(re.compile(p), zh) for p, zh in [
    (r"Invalid initial character for a key part", _KEY_FIX),
    (r"Invalid statement",
     "这一行既不是 键 = 值,也不是 [表名]:请检查拼写,或在行首加 # 把它变成注释"),
    (r"Expected '=' after a key in a key/value pair",
     "键名后面缺少 =:应写成 键 = 值,例如 book = \"总表.xlsx\"(键名中间不能有空格)"),
    (r"Invalid value", "值的写法不对:文字和路径要加英文双引号(例如 book = \"总表.xlsx\"),"
                       "数字直接写,是/否写 true 或 false,日期写成 2026-07-01"),
    (r"Illegal character '\\n'", "引号没有闭合:这一行的文字少了结尾的英文双引号 \""),
    (r"Unterminated string", "引号没有闭合:文字少了结尾的英文引号"),
    (r"(?:Illegal|Found invalid) character '(?P<char>.*)'",
     "有看不见的控制字符 {char}:请删掉它(常见于从网页或聊天软件复制来的内容)"),
    (r"Cannot overwrite a value", "同一个键写了两次(或与前面的表名重复):请删掉其中一个"),
    (r"Cannot declare \((?P<name>.*)\) twice",
     "表 [{name}] 写了两次:请把两处的内容合并到一个表里"),
    (r"Cannot (?:mutate immutable|redefine) namespace \((?P<name>.*)\)",
     "{name} 已经在前面写完(例如用 {{…}} 一次写完),不能再补充:请把内容都写到一处"),
    (r"Expected ']' at the end of a table declaration", "表名的方括号没有闭合:应写成 [hub] 这样"),
    (r"Expected ']]' at the end of an array declaration",
     "表名的方括号没有闭合:应写成 [[spokes]] 这样"),
    (r"Expected newline or end of document after a statement",
     "一行只能写一个 键 = 值,这里多出了内容:多个值请写成 [\"a\", \"b\"],"
     "日期请写成 2026-07-01(月和日都写两位)"),
    (r"Unclosed array", "方括号 [ ] 没有闭合:列表应写成 [\"child\", \"school\"]"),
    (r"Unclosed inline table",
     "花括号 {{ }} 没有闭合:应写成 {{county = \"满城\"}},而且要写在同一行"),
    (r"Duplicate inline table key (?P<name>.*)", "花括号里的 {name} 写了两次:请删掉一个"),
    (r"Unescaped '\\' in a string", _PATH_FIX),
    (r"Invalid hex value", _PATH_FIX),
    (r"Escaped character is not a Unicode scalar value", _PATH_FIX),
    (r"Invalid date or datetime", "日期不对:请写成 2026-07-01 这样的格式"),
    (r"Expected (?P<what>'.*')", "缺少结尾的 {what}"),
]]


def toml_error(path: Path | str, err: tomllib.TOMLDecodeError | UnicodeDecodeError) -> ConfigError:
    """A one-line Chinese :class:`ConfigError` for a config file tomllib could not read.

    Names the line and column, what is wrong and how to fix it, and quotes the line:
    ``sheets-sync.toml 第 3 行第 1 列:键名只能用英文字母……。这一行是:名称 = "x"``. Full-width
    punctuation where the error is (“ = ,) and files that are not UTF-8 get their own fix.
    Used by :func:`load_program` and :func:`sheets_sync.sync.project.load_project`.
    """
    if isinstance(err, UnicodeDecodeError):
        return ConfigError(f"{path}:文件不是 UTF-8 编码(可能是 GBK)。请用记事本打开它,"
                           "“另存为”时编码选 UTF-8,再运行一次。")
    found = _TOML_AT.fullmatch(str(err))
    msg = found["msg"] if found else str(err)
    line_no, col = (int(found["line"]), int(found["col"])) if found and found["line"] else (0, 0)
    line = ""
    if line_no:
        try:
            lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
            line = lines[line_no - 1] if line_no <= len(lines) else ""
        except (OSError, UnicodeDecodeError):
            pass
    where = f"第 {line_no} 行第 {col} 列" if line_no else "文件末尾"
    char = line[col - 1] if 0 < col <= len(line) else ""
    if char in _FULL_WIDTH:
        what = (f"这里用了中文标点 {char} :TOML 里的等号、引号、逗号、方括号、花括号都要用"
                "英文半角符号(= \" , [ ] { })")
    elif char and not char.isascii() and msg in ("Invalid statement",
                                                 "Invalid initial character for a key part"):
        what = _KEY_FIX
    else:
        what = f"格式错误({msg}):请对照 sheets-sync init 生成的配置文件检查这一行"
        for pattern, zh in TOML_MESSAGES:
            hit = pattern.fullmatch(msg)
            if hit:
                parts = {k: ".".join(re.findall(r"'([^']*)'", v)) or v if k == "name" else v
                         for k, v in hit.groupdict().items()}
                what = zh.format(**parts)
                break
    shown = line.strip()
    tail = f"。这一行是:{shown[:60]}{'…' if len(shown) > 60 else ''}" if shown else "。"
    return ConfigError(f"{path} {where}:{what}{tail}")


def load_program(path: Path | None = None) -> Program:
    """Program data from ``path`` (or ``./sheets-sync.toml`` when present), else defaults."""
    if path is None:
        candidate = Path.cwd() / CONFIG_NAME
        if not candidate.exists():
            return Program()
        path = candidate
    try:  # utf-8-sig: Windows Notepad may save "UTF-8 with BOM"
        data = tomllib.loads(Path(path).read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(f"找不到配置文件 {path}。可以用 sheets-sync init 生成一个。") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise toml_error(path, e) from None
    program = data.get("program", {})
    if not isinstance(program, dict):
        raise ConfigError(f"{path}: [program] 应为一个表(table)。")
    return program_from_dict(program, str(path))
