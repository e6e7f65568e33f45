"""Program data and project configuration.

Program data (counties, dates, the invoice threshold …) is configuration, never code:
it comes from the ``[program]`` table of ``sheets-sync.toml``, with demo defaults taken
from the program plan (three counties 满城, 顺平, 清苑; a summer programme).

.. code-block:: toml

    [program]
    name = "让你不再孤单——一对一帮助计划"
    counties = ["满城", "顺平", "清苑"]
    start_date = "2026-07-01"
    end_date = "2026-08-31"
    invoice_threshold = "100"     # under this amount a receipt (收据) suffices
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .errors import ConfigError

CONFIG_NAME = "sheets-sync.toml"
COUNTY_SUFFIXES = ("县", "区", "市", "大队", "县大队", "队")


@dataclass(frozen=True)
class Program:
    """The program's own data, used by templates through ``$program.<key>``."""

    name: str = "让你不再孤单——一对一帮助计划"
    counties: tuple[str, ...] = ("满城", "顺平", "清苑")
    start_date: dt.date = dt.date(2026, 7, 1)
    end_date: dt.date = dt.date(2026, 8, 31)
    invoice_threshold: Decimal = Decimal("100")
    volunteer_min_age: int = 18
    head_brigade: str = "总队"
    extra: dict[str, Any] = field(default_factory=dict)

    def county_choices(self) -> list[tuple[str, list[str]]]:
        """Each county with its synonyms (满城 ← 满城县, 满城区, 满城市, 满城大队)."""
        return [(c, [c + s for s in COUNTY_SUFFIXES]) for c in self.counties]

    def brigade_choices(self) -> list[tuple[str, list[str]]]:
        """The brigades: one per county, plus the head brigade (总队)."""
        return [*self.county_choices(), (self.head_brigade, ["总部", "总队部"])]

    def lookup(self, key: str) -> Any:
        """Value of ``$program.<key>`` for templates; ``KeyError`` if unknown."""
        if key == "counties":
            return self.county_choices()
        if key == "brigades":
            return self.brigade_choices()
        if key in {"start_date", "end_date", "invoice_threshold", "volunteer_min_age", "name"}:
            return getattr(self, key)
        return self.extra[key]


PROGRAM_KEYS = frozenset({"counties", "brigades", "start_date", "end_date",
                          "invoice_threshold", "volunteer_min_age", "name"})


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
             "volunteer_min_age", "head_brigade"}
    extra = {k: v for k, v in data.items() if k not in known}
    counties = data.get("counties", list(defaults.counties))
    if not isinstance(counties, list) or not counties or not all(
        isinstance(c, str) and c.strip() for c in counties
    ):
        raise ConfigError(
            f'{file}: [program] counties 应为县名列表,例如 counties = ["满城", "顺平", "清苑"]。'
        )
    start = _date(file, "start_date", data.get("start_date", defaults.start_date))
    end = _date(file, "end_date", data.get("end_date", defaults.end_date))
    if end < start:
        raise ConfigError(f"{file}: [program] end_date {end} 早于 start_date {start},请检查日期。")
    try:
        threshold = Decimal(str(data.get("invoice_threshold", defaults.invoice_threshold)))
    except InvalidOperation:
        raise ConfigError(
            f"{file}: [program] invoice_threshold 应为金额,例如 invoice_threshold = \"100\"。"
        ) from None
    age = data.get("volunteer_min_age", defaults.volunteer_min_age)
    if not isinstance(age, int):
        raise ConfigError(f"{file}: [program] volunteer_min_age 应为整数,例如 18。")
    return Program(
        name=str(data.get("name", defaults.name)),
        counties=tuple(c.strip() for c in counties),
        start_date=start,
        end_date=end,
        invoice_threshold=threshold,
        volunteer_min_age=age,
        head_brigade=str(data.get("head_brigade", defaults.head_brigade)),
        extra=extra,
    )


def load_program(path: Path | None = None) -> Program:
    """Program data from ``path`` (or ``./sheets-sync.toml`` when present), else defaults."""
    if path is None:
        candidate = Path.cwd() / CONFIG_NAME
        if not candidate.exists():
            return Program()
        path = candidate
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"找不到配置文件 {path}。可以用 sheets-sync init 生成一个。") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: 配置文件格式错误:{e}") from None
    program = data.get("program", {})
    if not isinstance(program, dict):
        raise ConfigError(f"{path}: [program] 应为一个表(table)。")
    return program_from_dict(program, str(path))
