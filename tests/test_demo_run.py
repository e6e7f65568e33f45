"""`sheets-sync demo DIR` as a user runs it: a project folder, edits on both sides synced,
every book validated, and `sheets-sync run` working inside the folder afterwards."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner

from sheets_sync.books.excel import read_workbook
from sheets_sync.cli import cli
from sheets_sync.demo.run import DemoPlan, plan_lines


def test_demo_is_a_working_project(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", str(demo), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    counts = data["sync"]["counts"]
    assert (counts["updated"], counts["appended"], counts["deleted"], counts["conflicts"],
            counts["new_ids"]) == (7, 1, 1, 1, 1)  # 4: the new child's typed values shown masked
    assert data["planted"]["found"] == data["planted"]["total"] == 56  # 51 + the care week's 5
    assert (demo / "sheets-sync.toml").exists()

    hub = read_workbook(demo / "总表.xlsx")
    conflict = next(e for e in data["edits"] if "冲突" in e["note"])
    conflicts = "\n".join("|".join(r) for r in hub["同步冲突"].rows)
    assert conflict["record"] in conflicts and "139****2222" in conflicts  # kept, shown masked
    deleted = next(e for e in data["edits"] if e["column"] == "(整行)" and e["record"] != "(新行)")
    assert deleted["record"] in "\n".join("|".join(r) for r in hub["回收站"].rows)
    assert "同步演示" in (demo / "README.md").read_text(encoding="utf-8")

    cwd = Path.cwd()
    os.chdir(demo)
    try:
        again = CliRunner().invoke(cli, ["run", "--json"], catch_exceptions=False)
    finally:
        os.chdir(cwd)
    out = json.loads(again.output)
    assert out["sync"]["status"] == "ok" and out["sync"]["counts"]["updated"] == 0
    assert out["validate"]["errors"] == 31 and again.exit_code == 1  # the planted problems
    assert "预算汇总" in out["report"]["tabs"] and "年级统计" in out["report"]["tabs"]
    assert out["dedupe"]["pairs"] >= 5  # the demo's planted duplicates (5 in the child form)

    # the plan: every agreed school scheduled, every child of a scheduled school paired
    plan = data["plan"]
    assert (plan["teams"], plan["agreed_schools"]) == (15, plan["visits"])
    assert plan["scheduled_schools"] == plan["agreed_schools"] >= 60
    assert plan["children_paired"] == plan["children_at_visited"] >= 2400
    assert plan["summary"][0].startswith("按进驻支队结对:")
    shown = "\n".join(plan_lines(DemoPlan(**plan)))  # what the summary prints
    assert f"排班:写入支队 15 个、进驻安排 {plan['visits']} 条" in shown
    assert f"已签协议的学校 {plan['agreed_schools']} 所,排上 {plan['scheduled_schools']} 所" in shown
    # a second schedule proposes nothing new, a second pair the same proposals
    os.chdir(demo)
    try:
        schedule = json.loads(CliRunner().invoke(cli, ["schedule", "--json", "--dry-run"],
                                                 catch_exceptions=False).output)
        pair = json.loads(CliRunner().invoke(cli, ["pair", "--json", "--dry-run"],
                                             catch_exceptions=False).output)
    finally:
        os.chdir(cwd)
    assert schedule["proposed"] == 0 and schedule["accepted"] == 0
    assert len(pair["proposals"]) == plan["proposals"] and not pair["accepted"]
    assert pair["mode"] == "team"
