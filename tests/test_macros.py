"""The buttons' Python: each RunPython command, run as VBA runs it, against a stand-in Excel.

``RunPython "import sheets_sync_macros; sheets_sync_macros.X()"`` makes xlwings start
``python -c "<that text>"`` with the workbook's folder on the path and the caller reachable
through ``xlwings.Book.caller()``. Here the command is read out of the built workbook's VBA
(olevba), run the same way in a subprocess, with tests/xlwings_standin first on the path
playing Excel: the workbook comes from a JSON file and goes back there with the message
boxes shown. The expected message is computed by the library on a MemoryBook of the same
tabs, so the macro and the library cannot drift apart.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sheets_sync.blank import BUTTONS, build_blank_workbooks
from sheets_sync.books.base import WriteBatch
from sheets_sync.books.excel import ExcelBook, write_workbook
from sheets_sync.books.memory import MemoryBook
from sheets_sync.config import Program
from sheets_sync.demo.build import HUB_NAME, demo_books
from sheets_sync.forms.template import default_templates

ROOT = Path(__file__).resolve().parents[1]
STANDIN = Path(__file__).parent / "xlwings_standin"
MACROS = ROOT / "macros" / "sheets_sync_macros.py"
sys.path.insert(0, str(ROOT / "macros"))
import sheets_sync_macros  # noqa: E402

with warnings.catch_warnings():  # oletools 0.60.2 calls pyparsing's deprecated names
    warnings.simplefilter("ignore")
    from oletools.olevba import VBA_Parser


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("built")
    build_blank_workbooks(out, default_templates(), Program(), ["child", "school"], rows=10)
    return out


@pytest.fixture(scope="module")
def commands(built: Path) -> dict[str, str]:
    """Sub name -> the RunPython text, as olevba reads it from the built workbook."""
    out: dict[str, str] = {}
    for _, _, _, code in VBA_Parser(str(built / "全部表格.xlsm")).extract_macros():
        for line in code.splitlines():
            if line.strip().startswith("Public Sub "):
                sub = line.split()[2].rstrip("()")
            if line.strip().startswith('RunPython "import sheets_sync_macros'):
                out[sub] = line.strip().removeprefix("RunPython ").strip('"')
    return out


def demo_tabs(limit: int = 80) -> dict[str, list[list[str]]]:
    """The demo hub's tabs, each cut to ``limit`` rows, one child entered twice."""
    tabs = {tab: rows[:limit] for tab, rows in demo_books().books[HUB_NAME].items()}
    children = tabs["留守儿童家庭情况登记表"]
    children.append(["", *children[-1][1:]])  # the same child again, without an id
    return tabs


def write_caller(folder: Path, tabs: dict[str, list[list[Any]]], name: str = "全部表格.xlsm",
                 sheet_extra: dict[str, dict[str, Any]] | None = None) -> Path:
    """The JSON the stand-in's ``Book.caller()`` loads: workbook ``name`` in ``folder``.

    ``sheet_extra`` adds keys to a tab's entry (``protected``, ``locked_columns``).
    """
    sheet_extra = sheet_extra or {}
    book = folder / "caller.json"
    book.write_text(json.dumps({
        "name": name, "fullname": str(folder / name),
        "sheets": [{"name": t, "rows": rows, **sheet_extra.get(t, {})}
                   for t, rows in tabs.items()]},
        ensure_ascii=False), encoding="utf-8")
    return book


def click(command: str, book: Path, folder: Path) -> dict[str, Any]:
    """Run ``command`` as xlwings would, the caller being the stand-in workbook ``book``."""
    env = {**os.environ, "XLWINGS_STANDIN_BOOK": str(book),
           "PYTHONPATH": os.pathsep.join([str(STANDIN), str(folder)])}
    proc = subprocess.run([sys.executable, "-B", "-c", command], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    data: dict[str, Any] = json.loads(book.read_text(encoding="utf-8"))
    return data


def run_command(command: str, tabs: dict[str, list[list[str]]], folder: Path,
                name: str = "全部表格.xlsm") -> dict[str, Any]:
    """Run ``command`` as xlwings would, the caller being a stand-in workbook of ``tabs``."""
    return click(command, write_caller(folder, tabs, name), folder)


def test_every_button_command_names_a_function_of_the_macros_module(
        commands: dict[str, str]) -> None:
    functions = {n.name for n in ast.parse(MACROS.read_text(encoding="utf-8")).body
                 if isinstance(n, ast.FunctionDef)}
    assert sorted(commands) == sorted(b.macro for b in BUTTONS)
    for command in commands.values():
        fn = command.split(".")[-1].removesuffix("()")
        assert fn in functions, command


def test_the_built_folder_carries_the_macros_module(built: Path) -> None:
    assert (built / "sheets_sync_macros.py").read_bytes() == MACROS.read_bytes()


def _validate(tabs: dict[str, list[list[str]]], tmp: Path) -> str:
    from sheets_sync.sync.slices import validate_book

    report, _ = validate_book(MemoryBook(tabs))
    return (f"校验完成:发现 {len(report.errors)} 个错误、{len(report.warnings)} 个提醒,"
            "已列在“校验问题”表中,每条都写明了位置和改法。")


def _dedupe(tabs: dict[str, list[list[str]]], tmp: Path) -> str:
    from sheets_sync.sync.slices import dedupe_book

    res, _ = dedupe_book(MemoryBook(tabs), state_dir=tmp / "expected-state")
    assert res.pairs, "the sample should hold a duplicate"
    return (f"查重完成:有 {len(res.pairs)} 对疑似重复待确认,已列在“疑似重复”表中;"
            "请在“处理结果”一列填写后再点一次“查重”。")


def _reports(only: tuple[str, ...], what: str) -> Callable[..., str]:
    def expected(tabs: dict[str, list[list[str]]], tmp: Path) -> str:
        from sheets_sync.sync.slices import report_book

        result, _ = report_book(MemoryBook(tabs), only=only)
        return (f"{what}完成:已写入 " + "、".join(f"“{t}”" for t in result.written) + "。\n"
                + "\n".join(result.problems[:5])).strip()
    return expected


def _pair(tabs: dict[str, list[list[str]]], tmp: Path) -> str:
    from sheets_sync.sync.slices import pair_book

    result, _ = pair_book(MemoryBook(tabs))
    return (f"结对建议完成:推荐 {len(result.proposals)} 对,已写入“结对建议”表;"
            f"{len(result.unpaired_children)} 名儿童暂无合适志愿者,原因见表中说明。"
            + (f"已接受的 {len(result.accepted)} 对已加入结对表。" if result.accepted else ""))


@pytest.mark.parametrize(("macro", "title", "expected", "new_tabs"), [
    pytest.param("ValidateClicked", "校验", _validate, {"校验问题"}, id="validate"),
    pytest.param("DedupeClicked", "查重", _dedupe, {"疑似重复"}, id="dedupe"),
    pytest.param("RostersClicked", "生成花名册", _reports(("rosters",), "生成花名册"), None,
                 id="rosters"),
    pytest.param("BudgetClicked", "预算汇总", _reports(("budget", "settlement"), "预算汇总"),
                 None, id="budget"),
    pytest.param("PairClicked", "结对建议", _pair, {"结对建议"}, id="pair"),
])
def test_button_command_runs_its_function_on_the_caller_and_says_what_it_did(
        macro: str, title: str, expected: Callable[..., str], new_tabs: set[str] | None,
        commands: dict[str, str], built: Path, tmp_path: Path) -> None:
    tabs = demo_tabs()
    folder = tmp_path / "book"
    folder.mkdir()
    (folder / "sheets_sync_macros.py").write_bytes((built / "sheets_sync_macros.py").read_bytes())
    after = run_command(commands[macro], tabs, folder)
    message = expected(tabs, tmp_path)
    assert after["alerts"] == [{"prompt": message, "title": f"sheets-sync · {title}",
                                "mode": None}]
    names = [s["name"] for s in after["sheets"]]
    assert names[:len(tabs)] == list(tabs)
    added = set(names) - set(tabs)
    if new_tabs is not None:
        assert added == new_tabs
    else:
        assert added, "the report button wrote no tab"
        assert all(f"“{t}”" in message for t in added)


def test_a_workbook_without_forms_gets_a_message_not_a_traceback(
        commands: dict[str, str], built: Path, tmp_path: Path) -> None:
    (tmp_path / "sheets_sync_macros.py").write_bytes((built / "sheets_sync_macros.py").read_bytes())
    after = run_command(commands["ValidateClicked"], {"Sheet1": [["随便写的"]]}, tmp_path)
    assert after["alerts"][0]["prompt"] == \
        "没有找到可以校验的表格:请确认表头与模板一致(如“姓名”“学校”)。"


def test_sync_without_a_project_says_where_to_put_the_config(
        commands: dict[str, str], built: Path, tmp_path: Path) -> None:
    (tmp_path / "sheets_sync_macros.py").write_bytes((built / "sheets_sync_macros.py").read_bytes())
    after = run_command(commands["SyncClicked"], demo_tabs(5), tmp_path)
    assert after["alerts"][0]["prompt"] == (
        "“同步”没有完成:找不到项目配置 sheets-sync.toml:请把它放在本工作簿所在的文件夹,"
        "或在“xlwings.conf”表的 SHEETS_SYNC_PROJECT 一行写上它的完整路径。")


def test_a_broken_config_is_the_same_error_as_in_the_terminal(
        commands: dict[str, str], built: Path, tmp_path: Path) -> None:
    """No silent demo defaults: the button says what ``sheets-sync run`` would say."""
    from click.testing import CliRunner

    from sheets_sync.cli import cli

    (tmp_path / "sheets_sync_macros.py").write_bytes((built / "sheets_sync_macros.py").read_bytes())
    (tmp_path / "sheets-sync.toml").write_text('[hub]\nbook = "总表.xlsx"\n[program]\n'
                                               'start_date = "七月一日"\n', encoding="utf-8")
    after = run_command(commands["ValidateClicked"], demo_tabs(5), tmp_path)
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        terminal = CliRunner().invoke(cli, ["run"]).output.strip()
    finally:
        os.chdir(cwd)
    problem = "[program] start_date = '七月一日' 不是日期"
    assert problem in after["alerts"][0]["prompt"] and problem in terminal
    assert after["alerts"][0]["prompt"].startswith("“校验”没有完成:")


def test_dedupe_button_gives_its_decision_column_a_warning_dropdown_and_a_frozen_header(
        commands: dict[str, str], built: Path, tmp_path: Path) -> None:
    from sheets_sync.dedupe.review import DIFFERENT, PENDING, SAME

    (tmp_path / "sheets_sync_macros.py").write_bytes((built / "sheets_sync_macros.py").read_bytes())
    after = run_command(commands["DedupeClicked"], demo_tabs(), tmp_path)
    sheet = next(s for s in after["sheets"] if s["name"] == "疑似重复")
    assert [v[:2] + v[3:] for v in sheet["validations"]] == [
        [2, 3, 3, [SAME, DIFFERENT, PENDING], 2]]   # column C, Excel's "warning" style
    assert sheet["frozen"] == [1, 0]


def test_on_excel_for_mac_the_message_also_says_what_layout_was_not_shown(
        commands: dict[str, str], built: Path, tmp_path: Path) -> None:
    tabs = demo_tabs()
    (tmp_path / "sheets_sync_macros.py").write_bytes((built / "sheets_sync_macros.py").read_bytes())
    book = write_caller(tmp_path, tabs)
    book.write_text(book.read_text(encoding="utf-8").replace('"name"', '"platform": "mac", "name"', 1),
                    encoding="utf-8")
    after = click(commands["DedupeClicked"], book, tmp_path)
    assert after["platform"] == "mac"
    assert after["alerts"][0]["prompt"] == _dedupe(tabs, tmp_path) + (
        "\n工作表“疑似重复”第 C 列的下拉列表只接受列表中的值(本机 Excel 无法设为“只提醒”);"
        "已填的内容都保留着。"
        "\n工作表“疑似重复”的表头没有冻结(本机 Excel 不支持由工具冻结)。"
        "需要时可在“视图 → 冻结窗格”中设置。")


CHILD = "留守儿童家庭情况登记表"
HUB_HEAD = ["编号", "姓名", "性别", "县", "学校", "年级"]
SPOKE_HEAD = ["姓名", "编号", "县", "学校", "年级", "带队备注"]  # its own order, an extra column


def sync_project_folder(root: Path) -> None:
    """A project: hub 总表.xlsx, spokes 满城.xlsm (the workbook open in Excel) and 顺平.xlsx."""
    (root / "sheets-sync.toml").write_text(
        '[project]\nforms = ["child"]\n\n[hub]\nbook = "总表.xlsx"\n\n'
        '[[spokes]]\nbook = "满城.xlsm"\npartition = {county = "满城"}\n\n'
        '[[spokes]]\nbook = "顺平.xlsx"\npartition = {county = "顺平"}\n', encoding="utf-8")
    write_workbook(root / "总表.xlsx", {CHILD: [
        HUB_HEAD, ["C0001", "王小红", "女", "满城", "一小", "3"],
        ["C0002", "李明", "男", "顺平", "二小", "4"], ["C0003", "赵雪", "女", "满城", "一小", "5"]]})
    write_workbook(root / "顺平.xlsx", {"封面": [["顺平县大队"]]})
    # Excel holds the spoke: its file and Excel's lock file beside it must stay untouched
    (root / "满城.xlsm").write_bytes(b"held by Excel")
    (root / "~$满城.xlsm").write_bytes(b"lock")


def _sheet(after: dict[str, Any], tab: str) -> dict[str, Any]:
    return next(s for s in after["sheets"] if s["name"] == tab)


def test_sync_button_brings_the_hub_into_the_open_workbook_and_its_edits_to_the_hub(
        commands: dict[str, str], built: Path, tmp_path: Path) -> None:
    sync_project_folder(tmp_path)
    (tmp_path / "sheets_sync_macros.py").write_bytes((built / "sheets_sync_macros.py").read_bytes())
    caller = write_caller(
        tmp_path, {"控制面板": [["同步"]],
                   CHILD: [SPOKE_HEAD, ["王小红", "C0001", "满城", "一小", 3, "已家访"]]},
        name="满城.xlsm", sheet_extra={CHILD: {"protected": True, "locked_columns": [2]}})

    first = click(commands["SyncClicked"], caller, tmp_path)
    assert first["alerts"] == [{
        "prompt": "同步完成:新增 2 行,更新 0 处,新编号 0 个,冲突 0 处。\n请保存本工作簿。",
        "title": "sheets-sync · 同步", "mode": None}]
    assert _sheet(first, CHILD)["rows"] == [
        SPOKE_HEAD, ["王小红", "C0001", "满城", "一小", 3.0, "已家访"],
        ["赵雪", "C0003", "满城", "一小", "5", None]]

    # staff type in the open workbook (Excel keeps 6 as a number) and someone edits the hub
    rows = _sheet(first, CHILD)["rows"]
    rows[2][4] = 6.0
    rows.append(["孙丽", None, "满城", "一小", 3.0, "新报名"])
    first["alerts"] = []
    caller.write_text(json.dumps(first, ensure_ascii=False), encoding="utf-8")
    hub = ExcelBook(tmp_path / "总表.xlsx")
    batch = WriteBatch()
    batch.set_cell(CHILD, 2, 5, "三小")
    hub.apply(batch)

    second = click(commands["SyncClicked"], caller, tmp_path)
    # 更新 2 处: 年级 of C0003 in the hub, 学校 of C0001 here; 孙丽 appended to the hub
    # with a new 编号, which is written back into the (protected) 编号 column here
    assert second["alerts"] == [{
        "prompt": "同步完成:新增 1 行,更新 2 处,新编号 1 个,冲突 0 处。\n请保存本工作簿。",
        "title": "sheets-sync · 同步", "mode": None}]
    sheet = _sheet(second, CHILD)
    assert sheet["rows"] == [
        SPOKE_HEAD, ["王小红", "C0001", "满城", "三小", 3.0, "已家访"],
        ["赵雪", "C0003", "满城", "一小", 6.0, None],
        ["孙丽", "C0004", "满城", "一小", 3.0, "新报名"]]
    assert sheet["protected"] is True
    assert ExcelBook(tmp_path / "总表.xlsx").read()[CHILD].rows == [
        HUB_HEAD, ["C0001", "王小红", "女", "满城", "三小", "3"],
        ["C0002", "李明", "男", "顺平", "二小", "4"], ["C0003", "赵雪", "女", "满城", "一小", "6"],
        ["C0004", "孙丽", "", "满城", "一小", "3"]]
    assert [r[0] for r in ExcelBook(tmp_path / "顺平.xlsx").read()[CHILD].rows] == ["编号", "C0002"]
    assert (tmp_path / "满城.xlsm").read_bytes() == b"held by Excel"


class _Alerts:
    def __init__(self) -> None:
        self.shown: list[str] = []
        self.app = self

    def alert(self, text: str, title: str = "") -> None:
        self.shown.append(text)


def test_an_unexpected_error_becomes_a_chinese_message_box(
        monkeypatch: pytest.MonkeyPatch) -> None:
    box = _Alerts()
    monkeypatch.setattr(sheets_sync_macros, "open_caller_book", lambda: box)

    def boom(book: Any) -> str:
        raise ZeroDivisionError("division by zero")

    sheets_sync_macros._run("校验", boom)
    assert box.shown == ["“校验”没有完成:出现了意外错误(ZeroDivisionError: division by zero)。"
                         "工作簿没有被改动或已撤回;请把这条信息截图发给项目负责人。"]


def test_outside_excel_the_button_function_says_so_on_stderr(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def no_excel() -> Any:
        raise RuntimeError("Book.caller() must be called from Excel")

    monkeypatch.setattr(sheets_sync_macros, "open_caller_book", no_excel)
    sheets_sync_macros.validate_clicked()
    assert capsys.readouterr().err == ("校验: 请在 Excel 中点击按钮运行,无法连接到工作簿"
                                       "(Book.caller() must be called from Excel)。\n")
