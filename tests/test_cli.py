"""The CLI as a user runs it: exit codes, JSON, messages, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from sheets_sync.books.excel import write_workbook
from sheets_sync.cli import cli

from .samples import CHILD, book_tabs


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_validate_exit_codes_and_json(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    write_workbook(good, book_tabs(CHILD))
    write_workbook(bad, book_tabs({**CHILD, "年级": "7"}))
    code, out = run("validate", str(good))
    assert code == 0 and "错误 0 个" in out
    code, out = run("validate", str(bad), "--json")
    assert code == 1
    data = json.loads(out)
    assert data["summary"]["errors"] == 1
    assert data["problems"][0]["code"] == "grade.invalid"
    assert data["problems"][0]["cell"] == "H2"


def test_validate_missing_file_is_one_line_error(tmp_path: Path) -> None:
    code, out = run("validate", str(tmp_path / "nope.xlsx"))
    assert code == 1
    assert out.strip().startswith("错误:找不到工作簿文件")
    assert "Traceback" not in out


def test_locked_workbook_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "b.xlsx"
    write_workbook(path, book_tabs({**CHILD, "年级": "7"}))
    before = path.read_bytes()
    (tmp_path / ".~lock.b.xlsx#").write_text("x")
    code, out = run("validate", str(path))
    assert code == 1 and ".~lock.b.xlsx#" in out
    assert path.read_bytes() == before


def test_usage_error_exits_2() -> None:
    code, _ = run("validate")
    assert code == 2
    code, _ = run("templates", "show", "nosuchform")
    assert code == 2


def test_csv_is_validated_and_not_written(tmp_path: Path) -> None:
    path = tmp_path / "留守儿童家庭情况登记表.csv"
    rows = book_tabs({**CHILD, "县": "保定县"})["留守儿童家庭情况登记表"]
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    before = path.read_bytes()
    code, out = run("validate", str(path))
    assert code == 1 and "choice.unknown" in out
    assert path.read_bytes() == before


def test_templates_commands() -> None:
    code, out = run("templates", "list")
    assert code == 0 and "child" in out and "留守儿童家庭情况登记表" in out
    code, out = run("templates", "show", "child")
    assert code == 0 and "监护人电话" in out
    code, out = run("templates", "export", "child", "--table-schema")
    schema = json.loads(out)
    assert code == 0 and any(f["name"] == "身份证号" for f in schema["fields"])


def test_validate_a_google_spreadsheet_over_the_local_server(tmp_path: Path, monkeypatch) -> None:
    """BOOK may be gsheet:KEY; credentials come from --credentials (here: the fake's client)."""
    from sheets_sync.books import google
    from sheets_sync.testing import FakeSheets

    tabs = book_tabs({**CHILD, "年级": "7"})
    with FakeSheets() as fake:
        key = fake.create_spreadsheet("总表", tabs)
        real = google.GoogleBook

        def routed(key_or_url: str, **kwargs: object) -> google.GoogleBook:
            kwargs.pop("credentials", None)
            return real(key_or_url, client=fake.client())

        monkeypatch.setattr(google, "GoogleBook", routed)
        code, out = run("validate", f"gsheet:{key}", "--json")
        assert code == 1
        assert json.loads(out)["problems"][0]["code"] == "grade.invalid"
        assert fake.values(key, "校验问题")[1][6] == "grade.invalid"


def test_report_writes_tabs_then_nothing_on_a_rerun(tmp_path: Path) -> None:
    from sheets_sync.books.excel import read_workbook

    path = tmp_path / "b.xlsx"
    write_workbook(path, book_tabs(CHILD, {**CHILD, "编号": "C0002", "姓名": "王小兰",
                                           "身份证号": ""}))
    code, out = run("report", str(path), "--only", "rosters,grades", "--json")
    data = json.loads(out)
    assert code == 0, out
    assert set(data["written"]) == {"花名册-城关镇中心小学", "年级统计"}
    tabs = read_workbook(path)
    roster = "\n".join("|".join(r) for r in tabs["花名册-城关镇中心小学"].rows)
    assert "王小红" in roster and "王小兰" in roster
    assert CHILD["监护人电话"] not in roster  # masked by default
    before = path.read_bytes()
    code, out = run("report", str(path), "--only", "rosters,grades", "--json")
    assert json.loads(out)["written"] == [] and path.read_bytes() == before


def test_report_reveal_lets_one_field_through(tmp_path: Path) -> None:
    path = tmp_path / "b.xlsx"
    write_workbook(path, book_tabs(CHILD))
    code, out = run("report", str(path), "--only", "rosters",
                    "--reveal", "rosters=child.guardian_phone", "--dry-run")
    assert code == 0, out
    code, out = run("report", str(path), "--reveal", "rosters")
    assert code == 2 and "rosters=child.guardian_phone" in out


def test_report_unknown_name_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "b.xlsx"
    write_workbook(path, book_tabs(CHILD))
    code, out = run("report", str(path), "--only", "bugdet")
    assert code == 2 and "不是报表名称" in out


def test_templates_build_writes_macro_workbooks(tmp_path: Path) -> None:
    import openpyxl

    code, out = run("templates", "build", str(tmp_path / "blank"), "--forms", "child",
                    "--interpreter", r"C:\Python312\pythonw.exe", "--json")
    assert code == 0, out
    written = [Path(p).name for p in json.loads(out)["written"]]
    assert written == ["留守儿童家庭情况登记表.xlsm", "sheets_sync_macros.py"]
    wb = openpyxl.load_workbook(tmp_path / "blank" / written[0], keep_vba=True)
    assert "控制面板" in wb.sheetnames and wb.vba_archive is not None
    conf = {r[0].value: r[1].value for r in wb["xlwings.conf"].iter_rows() if r[0].value}
    assert conf["Interpreter_Win"] == r"C:\Python312\pythonw.exe"
    code, out = run("templates", "build", str(tmp_path / "x"), "--forms", "nope")
    assert code == 1 and "没有名为“nope”的表单" in out


def test_dedupe_finds_a_homophone_and_keeps_the_decision(tmp_path: Path) -> None:
    from sheets_sync.books.base import WriteBatch
    from sheets_sync.books.excel import ExcelBook, read_workbook

    path = tmp_path / "b.xlsx"
    again = {**CHILD, "编号": "C0002", "姓名": "王小虹", "身份证号": ""}  # 红/虹: same sound
    write_workbook(path, book_tabs(CHILD, again))
    code, out = run("dedupe", str(path), "--json")
    data = json.loads(out)
    assert code == 1 and len(data["pairs"]) == 1
    assert {data["pairs"][0]["a"]["id"], data["pairs"][0]["b"]["id"]} == {"C0001", "C0002"}
    assert any("同音" in r for r in data["pairs"][0]["reasons"])
    assert (tmp_path / ".sheets-sync" / "state.db").exists()
    review = read_workbook(path)["疑似重复"]
    col = review.rows[0].index("处理结果") + 1
    batch = WriteBatch()
    batch.set_cell("疑似重复", 2, col, "不是同一人")
    ExcelBook(path).apply(batch)
    code, out = run("dedupe", str(path), "--json")
    assert code == 0 and json.loads(out)["pairs"] == []
