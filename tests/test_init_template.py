"""The commented lines of the `init` template are valid settings once uncommented."""

from __future__ import annotations

import re
import tomllib

from sheets_sync.config import program_from_dict
from sheets_sync.sync.init import PROGRAM_LINES, TEMPLATE


def _uncommented() -> str:
    """TEMPLATE with every commented ``key = value`` / ``[table]`` line of [program] opened."""
    head, _, tail = TEMPLATE.partition("# 总表:")
    opened = re.sub(r'^# ((?:"[^"]+"|[a-z_]+) = .+|\[program\.cadence\])$', r"\1", head,
                    flags=re.M)
    return opened + "# 总表:" + tail


def test_every_program_line_is_in_the_template() -> None:
    for line in PROGRAM_LINES.values():
        assert line in TEMPLATE


def test_uncommented_program_settings_parse() -> None:
    data = tomllib.loads(_uncommented())
    program = program_from_dict(data["program"], "sheets-sync.toml")
    assert program.walk_home_min_grade == 5
    assert dict(program.cadence) == {"谈心": 30, "亲情视频": 7}
    assert program.team_size == 8
    assert program.pair_capacity_max == 5
    assert str(program.start_date) == "2026-07-01"
    assert data["hub"]["book"] == "总表.xlsx"


def test_template_lists_every_form_key() -> None:
    from sheets_sync.forms.template import default_templates

    comment = TEMPLATE.split("forms = [")[0]
    syncable = [k for k, t in default_templates().items() if t.id_field is not None]
    assert "child" in syncable and "budget" not in syncable   # 预算 has no 编号
    missing = [k for k in syncable if f"{k} " not in comment]
    assert missing == []
