"""sheets-sync.toml -> Project: mistakes are one line naming the key and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sheets_sync.errors import ConfigError
from sheets_sync.sync import project_from_dict

HUB = {"book": "总表.xlsx"}


def test_a_spoke_partition_by_label_or_key_resolves_to_the_field(tmp_path: Path) -> None:
    p = project_from_dict({"hub": HUB, "spokes": [{"book": "a.xlsx", "partition": {"县": "满城"}},
                                                  {"book": "b.xlsx", "partition": {"county": "顺平"}}]},
                          tmp_path)
    assert [s.partition for s in p.spokes] == [{"county": "满城"}, {"county": "顺平"}]
    assert p.forms == ("child", "school")
    assert p.hub.location == str(tmp_path / "总表.xlsx")


@pytest.mark.parametrize(("data", "message"), [
    pytest.param({}, 'sheets-sync.toml: [hub] book 缺失:请写明总表,例如 [hub] book = "总表.xlsx"。',
                 id="no hub"),
    pytest.param({"hub": HUB, "project": {"forms": ["kids"]}},
                 "sheets-sync.toml: [project] forms 中的“kids”不是已知表单;可用:",
                 id="unknown form"),
    pytest.param({"hub": HUB, "project": {"forms": ["budget"]}},
                 "sheets-sync.toml: [project] forms 中的“budget”没有编号列(record_id),不能同步,请去掉它。",
                 id="form without ids"),
    pytest.param({"hub": HUB, "project": {"conflict_policy": "newest"}},
                 "sheets-sync.toml: [project] conflict_policy = 'newest' 不可用;",
                 id="unknown policy"),
    pytest.param({"hub": {"book": "总表.csv"}},
                 "sheets-sync.toml: [hub] book = '总表.csv':同步只能写入 .xlsx/.xlsm 工作簿或 Google 表格",
                 id="csv hub"),
    pytest.param({"hub": HUB, "spokes": [{"book": "a.xlsx", "partition": {"省": "河北"}}]},
                 "sheets-sync.toml: [[spokes]] 第 1 项 partition 的字段不在任何同步的表单中",
                 id="partition field unknown"),
    pytest.param({"hub": HUB, "spokes": [{"book": "总表.xlsx"}]},
                 "sheets-sync.toml: [[spokes]] book “总表.xlsx”出现了两次(或与总表相同)",
                 id="spoke is the hub"),
    pytest.param({"hub": HUB, "spokes": [{"book": "a.xlsx", "partion": {}}]},
                 "sheets-sync.toml: [[spokes]] 第 1 项 的 partion 不是可用的键",
                 id="misspelt key"),
])
def test_config_mistakes_name_the_key(tmp_path: Path, data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        project_from_dict(data, tmp_path)
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)
