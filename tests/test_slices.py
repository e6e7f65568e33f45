"""The slices are the pipeline: inside a project folder ``validate``, ``dedupe``, ``report``
and ``pair`` give what the same step of ``run`` gives — with the project's own templates
folder and its own state folder — and keep their state where ``run`` keeps it."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheets_sync.books.excel import write_workbook
from sheets_sync.cli import cli
from tests.test_pipeline import HEADER, NEW, OLD, OTHER, TAB

SHIPPED = Path(__file__).resolve().parent.parent / "form_templates"
CONFIG = """\
[project]
forms = ["child"]
templates = "tpl"
state_dir = "状态"

[hub]
book = "总表.xlsx"

[[spokes]]
book = "满城.xlsx"
partition = {county = "满城"}
"""


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "项目"
    root.mkdir()
    shutil.copytree(SHIPPED, root / "tpl")
    child = root / "tpl" / "child.yaml"  # this project only takes grades 1-3
    text = child.read_text("utf-8")
    assert "    min: 1\n    max: 6\n    help: 1–6" in text
    child.write_text(text.replace("    min: 1\n    max: 6\n    help: 1–6",
                                  "    min: 1\n    max: 3\n    help: 1–3"), "utf-8")
    (root / "sheets-sync.toml").write_text(CONFIG, encoding="utf-8")
    write_workbook(root / "总表.xlsx", {TAB: [HEADER, *[[k.get(h, "") for h in HEADER]
                                                      for k in (OLD, NEW, OTHER)]]})
    write_workbook(root / "满城.xlsx", {"封面": [["满城县大队"]]})
    cwd = Path.cwd()
    os.chdir(root)
    try:
        yield root
    finally:
        os.chdir(cwd)


def test_validate_in_a_project_is_the_runs_validation(project: Path) -> None:
    code, out = invoke("run", "--dry-run", "--json")
    run = json.loads(out)["validate"]
    assert run["by_code"].get("grade.invalid") == 3  # the project's template, not the shipped one
    for args in (("validate", "--dry-run", "--json"),
                 ("validate", "总表.xlsx", "--dry-run", "--json")):
        code, out = invoke(*args)
        assert code == 1
        alone = json.loads(out)["summary"]
        assert (alone["errors"], alone["warnings"], alone["by_code"]) == (
            run["errors"], run["warnings"], run["by_code"])


def test_slices_keep_their_state_where_run_does(project: Path) -> None:
    code, out = invoke("dedupe")
    assert code == 1 and "疑似重复 1 对" in out
    assert (project / "状态" / "state.db").is_file()
    assert not (project / ".sheets-sync").exists()
    code, out = invoke("history")
    assert "[查重]" in out  # the dedupe slice's write is in the project's one audit trail
    code, out = invoke("run", "--json")
    assert json.loads(out)["dedupe"] == {"pairs": 1, "merged": {}}
    assert not (project / ".sheets-sync").exists()


def test_report_in_a_project_is_the_runs_report(project: Path) -> None:
    _, out = invoke("run", "--dry-run", "--json")
    run = json.loads(out)["report"]
    _, out = invoke("report", "--dry-run", "--json")
    alone = json.loads(out)
    assert alone["written"] == run["written"] and "年级统计" in alone["written"]


def test_pair_in_a_project_uses_its_state_and_templates(project: Path) -> None:
    _, out = invoke("pair", "--dry-run")
    assert "志愿者报名表" in out  # no volunteers: said, in Chinese, naming the missing tab
    assert not (project / ".sheets-sync").exists()


def test_a_broken_config_is_the_same_error_for_every_slice(project: Path) -> None:
    (project / "sheets-sync.toml").write_text(CONFIG.replace('state_dir = "状态"',
                                                             'state_dri = "状态"'), "utf-8")
    outs = {invoke(*a) for a in (("run",), ("validate",), ("dedupe", "总表.xlsx"), ("report",))}
    assert len({o for _, o in outs}) == 1 and {c for c, _ in outs} == {1}
    assert "state_dri" in next(iter(outs))[1]
