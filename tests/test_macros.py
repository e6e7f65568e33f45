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


def run_command(command: str, tabs: dict[str, list[list[str]]], folder: Path,
                name: str = "全部表格.xlsm") -> dict[str, Any]:
    """Run ``command`` as xlwings would, the caller being a stand-in workbook of ``tabs``."""
    book = folder / "caller.json"
    book.write_text(json.dumps({
        "name": name, "fullname": str(folder / name),
        "sheets": [{"name": t, "rows": rows} for t, rows in tabs.items()]},
        ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "XLWINGS_STANDIN_BOOK": str(book),
           "PYTHONPATH": os.pathsep.join([str(STANDIN), str(folder)])}
    proc = subprocess.run([sys.executable, "-B", "-c", command], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    data: dict[str, Any] = json.loads(book.read_text(encoding="utf-8"))
    return data


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
    from sheets_sync.forms.findings import validate_book

    report, _ = validate_book(MemoryBook(tabs))
    return (f"校验完成:发现 {len(report.errors)} 个错误、{len(report.warnings)} 个提醒,"
            "已列在“校验问题”表中,每条都写明了位置和改法。")


def _dedupe(tabs: dict[str, list[list[str]]], tmp: Path) -> str:
    from sheets_sync.dedupe.book import dedupe_book

    res, _ = dedupe_book(MemoryBook(tabs), state_dir=tmp / "expected-state")
    assert res.pairs, "the sample should hold a duplicate"
    return (f"查重完成:有 {len(res.pairs)} 对疑似重复待确认,已列在“疑似重复”表中;"
            "请在“处理结果”一列填写后再点一次“查重”。")


def _reports(only: tuple[str, ...], what: str) -> Callable[..., str]:
    def expected(tabs: dict[str, list[list[str]]], tmp: Path) -> str:
        from sheets_sync.reports import report_book

        result, _ = report_book(MemoryBook(tabs), only=only)
        return (f"{what}完成:已写入 " + "、".join(f"“{t}”" for t in result.written) + "。\n"
                + "\n".join(result.problems[:5])).strip()
    return expected


def _pair(tabs: dict[str, list[list[str]]], tmp: Path) -> str:
    from sheets_sync.pairing.run import pair_book

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
