"""The first steps a new user takes: ``demo`` into a folder, ``init`` then ``sync --dry-run``,
and the next-step lines they print working as printed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheets_sync.books.excel import read_workbook
from sheets_sync.cli import cli
from sheets_sync.demo.run import DEMO_MARK, check_folder
from sheets_sync.errors import SheetsSyncError
from sheets_sync.forms.template import default_templates
from sheets_sync.output import program_command

CHILD = "留守儿童家庭情况登记表"


@pytest.fixture
def in_tmp(tmp_path: Path) -> Iterator[Path]:
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(cwd)


def invoke(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output.splitlines()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# --------------------------------------------------------------------------- demo DIR

def test_demo_refuses_a_folder_that_is_not_empty(in_tmp: Path) -> None:
    (in_tmp / "旧文件夹").mkdir()
    (in_tmp / "旧文件夹" / "笔记.txt").write_text("别动", encoding="utf-8")
    code, out = invoke("demo", "旧文件夹")
    assert code == 1
    assert out[-1].endswith("旧文件夹 不是空文件夹,演示没有写入;请换一个新文件夹"
                            "(如 sheets-sync demo 演示),或加 --force 把演示写在已有文件旁边。")
    assert snapshot(in_tmp / "旧文件夹") == {"笔记.txt": "别动".encode()}


def test_demo_never_overwrites_a_real_project_even_with_force(in_tmp: Path) -> None:
    assert invoke("init", "项目")[0] == 0
    before = snapshot(in_tmp / "项目")
    for args in (("demo", "项目"), ("demo", "项目", "--force")):
        code, out = invoke(*args)
        assert code == 1
        assert out[-1].endswith(
            "项目 里已有 sheets-sync.toml、总表.xlsx、满城.xlsx、顺平.xlsx、清苑.xlsx,演示不会覆盖"
            "它们,加 --force 也不会;请换一个空文件夹,如 sheets-sync demo 演示。")
    assert snapshot(in_tmp / "项目") == before


def test_demo_here_in_a_project_is_refused(in_tmp: Path) -> None:
    """The issue's case: ``sheets-sync demo .`` inside a project folder."""
    (in_tmp / "sheets-sync.toml").write_text("# 我的项目\n", encoding="utf-8")
    code, out = invoke("demo", ".", "--force")
    assert code == 1 and out[-1].endswith(
        ". 里已有 sheets-sync.toml,演示不会覆盖它们,加 --force 也不会;请换一个空文件夹,"
        "如 sheets-sync demo 演示。")
    assert (in_tmp / "sheets-sync.toml").read_text(encoding="utf-8") == "# 我的项目\n"


@pytest.mark.parametrize("files, force, message", [
    pytest.param([], False, None, id="empty-folder"),
    pytest.param([".DS_Store"], False, None, id="desktop-litter-is-empty"),
    pytest.param(["笔记.txt"], True, None, id="force-writes-beside-other-files"),
    pytest.param([".sheets-sync/" + DEMO_MARK, "总表.xlsx"], True, None,
                 id="force-rebuilds-an-earlier-demo"),
    pytest.param([".sheets-sync/" + DEMO_MARK, "总表.xlsx"], False,
                 "D 里已有一个演示项目,没有改动它;加 --force 可以重新生成"
                 "(会覆盖演示写的文件,运行记录从头开始)。", id="earlier-demo-needs-force"),
    pytest.param(["README.md"], True,
                 "D 里已有 README.md,演示不会覆盖它们,加 --force 也不会;请换一个空文件夹,"
                 "如 sheets-sync demo 演示。", id="someone-elses-readme"),
    pytest.param([".sheets-sync/state.db"], True,
                 "D 里已有 .sheets-sync,演示不会覆盖它们,加 --force 也不会;请换一个空文件夹,"
                 "如 sheets-sync demo 演示。", id="a-projects-state-folder"),
])
def test_which_folders_the_demo_writes(tmp_path: Path, files: list[str], force: bool,
                                       message: str | None) -> None:
    folder = tmp_path / "D"
    folder.mkdir()
    for name in files:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("x", encoding="utf-8")
    if message is None:
        check_folder(folder, force=force)
    else:
        with pytest.raises(SheetsSyncError) as err:
            check_folder(folder, force=force)
        assert str(err.value) == message.replace("D ", f"{folder} ", 1)


def test_demo_help_says_what_force_does() -> None:
    code, out = invoke("demo", "--help")
    text = "".join("".join(out).split())  # help is wrapped at spaces
    assert code == 0 and "--force" in text and "加--force也会被拒绝" in text


# --------------------------------------------------------------------------- next steps

def _bin(tmp_path: Path, *names: str) -> Path:
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    for n in names:
        (bin_dir / n).write_text("#!/bin/sh\n", encoding="utf-8")
    return bin_dir


@pytest.mark.skipif(os.name == "nt", reason="POSIX paths and `source`")
def test_next_step_names_the_program_as_it_was_started(tmp_path: Path) -> None:
    bin_dir = _bin(tmp_path, "sheets-sync", "python", "activate")
    script = str(bin_dir / "sheets-sync")
    hint = f"(或者先运行 source {bin_dir / 'activate'} 激活环境,之后直接输入 sheets-sync 即可。)"
    # started by its full path, not on the PATH: the full path, and how to activate
    assert program_command(script, str(bin_dir / "python"), lambda _: None) == (script, hint)
    # on the PATH: the short name works as printed
    assert program_command(script, str(bin_dir / "python"), lambda _: script) == (
        "sheets-sync", None)
    # `python -m sheets_sync`: the sheets-sync beside that python
    assert program_command("/x/sheets_sync/__main__.py", str(bin_dir / "python"),
                           lambda _: None) == (script, hint)


@pytest.mark.skipif(os.name == "nt", reason="POSIX paths")
def test_next_step_without_a_script_is_python_dash_m(tmp_path: Path) -> None:
    bin_dir = _bin(tmp_path / "空 格", "python")
    python = str(bin_dir / "python")
    assert program_command("/x/__main__.py", python, lambda _: None) == (
        f"'{python}' -m sheets_sync", None)


# --------------------------------------------------------------------------- init DIR

def test_init_writes_config_and_blank_books_then_sync_dry_run_works(in_tmp: Path) -> None:
    code, out = invoke("init", "项目")
    command, hint = program_command()
    assert code == 0
    assert out[:3] == [
        "已生成 项目/sheets-sync.toml:请按注释填写总表和各分表的位置。",
        "已生成空白工作簿(每个表单一个工作表,带表头和下拉选项):总表.xlsx、满城.xlsx、顺平.xlsx、"
        "清苑.xlsx",
        f"接着可以:cd 项目 && {command} sync --dry-run(查看将要同步的内容)",
    ]
    assert out[3:] == ([hint] if hint else [])

    templates = default_templates()
    hub = openpyxl.load_workbook(in_tmp / "项目" / "总表.xlsx")
    assert hub.sheetnames[:2] == [CHILD, "学校"]
    for form, tab in (("child", CHILD), ("school", "学校")):
        assert [c.value for c in hub[tab][1]] == [f.label for f in templates[form].fields]
    assert hub[CHILD].data_validations.dataValidation  # dropdowns and checks
    assert hub[CHILD].freeze_panes == "A2"

    os.chdir(in_tmp / "项目")
    code, out = invoke("sync", "--dry-run")
    assert code == 0, out
    assert out[:2] == ["没有需要写入的修改。",
                       "第 0 次同步:试运行(未写入);新增 0 行,修改 0 个单元格,移动 0,删除 0,"
                       "冲突 0,新编号 0。"]


def test_a_child_typed_into_an_init_spoke_reaches_the_hub(in_tmp: Path) -> None:
    assert invoke("init", ".")[0] == 0
    wb = openpyxl.load_workbook(in_tmp / "满城.xlsx")
    ws = wb[CHILD]
    heads = [c.value for c in ws[1]]
    for header, value in {"姓名": "王小明", "性别": "男", "县": "满城", "年级": "3"}.items():
        ws.cell(2, heads.index(header) + 1).value = value
    wb.save(in_tmp / "满城.xlsx")
    code, out = invoke("sync")
    assert code == 0, out
    grid = read_workbook(in_tmp / "总表.xlsx")[CHILD]
    assert grid.rows[1][heads.index("姓名")] == "王小明"
    assert grid.rows[1][heads.index("编号")].startswith("C")


def test_init_keeps_a_config_and_adds_the_missing_hub(in_tmp: Path) -> None:
    assert invoke("init", ".")[0] == 0
    config = (in_tmp / "sheets-sync.toml").read_bytes()
    (in_tmp / "总表.xlsx").unlink()
    code, out = invoke("init", ".")
    assert code == 0
    assert out[:2] == ["sheets-sync.toml 已经存在,没有改动它。",
                       "已生成空白工作簿(每个表单一个工作表,带表头和下拉选项):总表.xlsx"]
    assert (in_tmp / "sheets-sync.toml").read_bytes() == config
    code, out = invoke("init", ".")
    assert code == 1 and out[-1].endswith(
        "sheets-sync.toml 已经存在,没有覆盖它;它写的总表和分表也都已经在了。"
        "请直接编辑配置,或先把它改名。")
