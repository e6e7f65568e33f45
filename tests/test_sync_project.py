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
                 "sheets-sync.toml: [[spokes]] 第 1 项 partition 的字段“省”不在任何同步的表单中",
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


@pytest.mark.parametrize(("spokes", "outputs", "message"), [
    pytest.param([{"book": "满城.xlsx", "partition": {"county": "保定"}}], {},
                 "sheets-sync.toml: [[spokes]] 第 1 项 partition 的县“保定”不是本项目的县(满城、顺平、"
                 "清苑):请改成其中之一,或在 [program] counties 中加上它。", id="not-a-county"),
    pytest.param([{"book": "满城.xlsx"}], {},
                 "sheets-sync.toml: [[spokes]] 第 1 项 partition 缺失或为空:分表只放一部分记录,"
                 '请写明是哪一部分,例如 partition = {county = "满城"}。', id="no-partition"),
    pytest.param([{"book": "满城.xlsx", "partition": {"county": "满城"}},
                  {"book": "满城2.xlsx", "partition": {"county": "满城县"}}], {},
                 "sheets-sync.toml: [[spokes]] 第 2 项 partition 与“满城.xlsx”相同:两个分表会拿到"
                 "同样的记录,请给每个分表写不同的 partition。", id="same-partition"),
    pytest.param([], {"conflicts_tab": "留守儿童家庭情况登记表"},
                 "sheets-sync.toml: [outputs] conflicts_tab = '留守儿童家庭情况登记表' 是表单"
                 "“留守儿童家庭情况登记表”的工作表名:工具表不能和表单同名(否则表单会被当作工具表改写),"
                 "请换一个名字。", id="tool-tab-is-a-form"),
])
def test_config_is_checked_against_the_program(tmp_path: Path, spokes: list[dict[str, Any]],
                                               outputs: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as e:
        project_from_dict({"hub": {"book": "总表.xlsx"}, "spokes": spokes, "outputs": outputs},
                          tmp_path)
    assert str(e.value) == message


@pytest.mark.parametrize("where", ["../满城.xlsx", "/srv/别处/满城.xlsx", "分表/../../满城.xlsx"])
def test_a_spoke_outside_the_project_folder_is_one_line(tmp_path: Path, where: str) -> None:
    root = tmp_path / "项目"
    root.mkdir()
    with pytest.raises(ConfigError) as err:
        project_from_dict({"project": {"forms": ["child"]}, "hub": {"book": "总表.xlsx"},
                           "spokes": [{"book": where, "partition": {"county": "满城"}}]}, root)
    assert str(err.value) == (
        f"sheets-sync.toml: [[spokes]] 第 1 项 book = '{where}' 在项目文件夹 {root} 之外:"
        "请把工作簿放进项目文件夹(可以放在子文件夹里),再写成相对于它的路径,例如 "
        'book = "满城.xlsx" 或 book = "分表/满城.xlsx"。')


def test_a_spoke_in_a_subfolder_of_the_project_is_fine(tmp_path: Path) -> None:
    project = project_from_dict({"project": {"forms": ["child"]}, "hub": {"book": "总表.xlsx"},
                                 "spokes": [{"book": "分表/满城.xlsx",
                                             "partition": {"county": "满城"}}]}, tmp_path)
    assert project.spokes[0].book.location == str(tmp_path / "分表" / "满城.xlsx")
