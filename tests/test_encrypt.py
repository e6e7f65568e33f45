"""Encrypted workbooks (issue 15, part 4): a spoke with ``encrypt = true`` is written with an
Excel open-password, read and written back with the password from the environment; a
wrong or missing password is one Chinese line and the file is untouched."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from msoffcrypto.format.ooxml import OOXMLFile  # type: ignore[import-untyped]

from sheets_sync.books.base import WriteBatch
from sheets_sync.books.crypt import find_password, is_encrypted
from sheets_sync.books.excel import ExcelBook, read_workbook
from sheets_sync.cli import cli
from sheets_sync.errors import ConfigError
from sheets_sync.sync.project import load_project

from .samples import synced_demo
from .test_cli_project import edit

PASSWORD = "Zq7-春风-9x"
TAB = "留守儿童家庭情况登记表"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = synced_demo(tmp_path_factory.mktemp("encdemo"))
    config = root / "sheets-sync.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('partition = {county = "满城"}',
                                   'partition = {county = "满城"}\nencrypt = true'),
                      encoding="utf-8")
    return root


@pytest.fixture
def project(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "proj"
    shutil.copytree(template, root)
    monkeypatch.chdir(root)
    monkeypatch.setenv("SHEETS_SYNC_PASSWORD", PASSWORD)
    monkeypatch.delitem(sys.modules, "keyring", raising=False)
    yield root


def _edit_plain(path: Path, record_id: str, column: str, value: str) -> None:
    edit(path, TAB, record_id, column, value)


def _decrypt(path: Path, password: str = PASSWORD) -> bytes:
    office = OOXMLFile(io.BytesIO(path.read_bytes()))
    office.load_key(password=password, verify_password=True)
    out = io.BytesIO()
    office.decrypt(out)
    return out.getvalue()


def _edit_encrypted(path: Path, record_id: str, column: str, value: str, tmp: Path) -> None:
    """What staff do in Excel: open with the password, type, save (still encrypted)."""
    plain = tmp / "plain.xlsx"
    plain.write_bytes(_decrypt(path))
    _edit_plain(plain, record_id, column, value)
    out = io.BytesIO()
    with open(plain, "rb") as fh:
        OOXMLFile(fh).encrypt(PASSWORD, out)
    path.write_bytes(out.getvalue())


def _cell(path: Path, record_id: str, column: str) -> str:
    grid = read_workbook(path)[TAB]
    header = next(r for r in grid.rows[:3] if "编号" in r)
    i, j = header.index("编号"), header.index(column)
    return next(r[j] for r in grid.rows if len(r) > i and r[i] == record_id)


def _encrypt_spoke(project: Path) -> Path:
    """Make 满城.xlsx encrypted by a sync that writes it (a hub edit of one of its children)."""
    _edit_plain(project / "总表.xlsx", "C0001", "兴趣爱好", "踢足球")
    code, out = invoke("sync")
    assert code == 0 and PASSWORD not in out
    spoke = project / "满城.xlsx"
    assert is_encrypted(spoke)
    return spoke


def test_two_syncs_carry_edits_both_ways_and_the_spoke_stays_encrypted(project: Path) -> None:
    spoke = project / "满城.xlsx"
    assert not is_encrypted(spoke)
    _edit_plain(project / "总表.xlsx", "C0001", "兴趣爱好", "踢足球")
    code, out1 = invoke("sync")
    assert code == 0, out1
    assert is_encrypted(spoke)
    with pytest.raises(Exception):  # noqa: B017 — any reader without the password fails
        openpyxl.load_workbook(spoke)
    assert _cell(spoke, "C0001", "兴趣爱好") == "踢足球"  # read back with the password

    _edit_encrypted(spoke, "C0001", "兴趣爱好", "下象棋", project)
    code, out2 = invoke("sync")
    assert code == 0, out2
    assert _cell(project / "总表.xlsx", "C0001", "兴趣爱好") == "下象棋"
    assert is_encrypted(spoke)
    # the password is in no output, no log tab and not in the state store
    hub_text = "\n".join("\t".join(r) for g in read_workbook(project / "总表.xlsx").values()
                         for r in g.rows)
    assert PASSWORD not in out1 + out2 + hub_text
    for f in (project / ".sheets-sync").rglob("*"):
        if f.is_file():
            assert PASSWORD.encode() not in f.read_bytes()
    assert not list(project.glob(".sheets-sync-*"))  # no plain temp file left behind


def test_a_plain_spoke_is_encrypted_by_the_next_sync_even_with_nothing_else_to_write(
        project: Path) -> None:
    spoke = project / "满城.xlsx"
    before = read_workbook(spoke)
    assert not is_encrypted(spoke)
    backups = project / ".sheets-sync" / "backups"
    earlier = set(backups.glob("满城.*.xlsx"))  # the first sync's, before encrypt was set
    code, out = invoke("sync")  # nobody edited anything since the first base
    assert code == 0, out
    assert is_encrypted(spoke)
    assert {t: g.rows for t, g in read_workbook(spoke).items()} == {
        t: g.rows for t, g in before.items()}  # the same content, now behind the password
    code, out = invoke("sync")  # and once encrypted, a quiet run writes nothing
    assert code == 0 and "满城.xlsx[分表]:无变化" in out
    # the backup taken before that first encrypted write is encrypted too: no plain copy
    copies = sorted(set(backups.glob("满城.*.xlsx")) - earlier)
    assert copies and all(is_encrypted(c) for c in copies)
    assert {t: g.rows for t, g in read_workbook(copies[-1]).items()} == {
        t: g.rows for t, g in before.items()}


def test_wrong_password_is_one_line_and_the_file_is_untouched(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spoke = _encrypt_spoke(project)
    before = spoke.read_bytes()
    monkeypatch.setenv("SHEETS_SYNC_PASSWORD", "wrong-密码")
    code, out = invoke("validate", "满城.xlsx")
    assert code == 1
    assert out.strip() == ("错误:工作簿 满城.xlsx 的打开密码不对(密码来自环境变量 "
                           "SHEETS_SYNC_PASSWORD):请改成正确的密码后重新运行。文件没有改动。")
    _edit_plain(project / "总表.xlsx", "C0001", "兴趣爱好", "画画")
    code, out = invoke("sync")
    assert code == 1 and "满城.xlsx 的打开密码不对" in out and "wrong-密码" not in out
    assert spoke.read_bytes() == before


def test_missing_password_says_how_to_give_it(project: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    spoke = _encrypt_spoke(project)
    before = spoke.read_bytes()
    monkeypatch.delenv("SHEETS_SYNC_PASSWORD")
    code, out = invoke("validate", "满城.xlsx")
    assert code == 1
    assert out.strip() == (
        "错误:工作簿 满城.xlsx 设置了打开密码,但没有提供密码:请把密码放进环境变量 "
        "SHEETS_SYNC_PASSWORD,或安装 keyring 后用 “keyring set sheets-sync default” 保存,"
        "然后重新运行。文件没有改动。")
    code, out = invoke("sync")
    assert code == 1 and "已跳过 满城.xlsx:工作簿 满城.xlsx 设置了打开密码,但没有提供密码" in out
    assert spoke.read_bytes() == before


def test_encrypt_true_without_a_password_does_not_write_the_spoke_plain(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spoke = project / "满城.xlsx"
    before = spoke.read_bytes()
    monkeypatch.delenv("SHEETS_SYNC_PASSWORD")
    _edit_plain(project / "总表.xlsx", "C0001", "兴趣爱好", "踢足球")
    code, out = invoke("sync")
    assert code == 1
    assert ("写入 满城.xlsx 失败:工作簿 满城.xlsx 设置了加密(encrypt = true),但没有提供密码:"
            "请把密码放进环境变量 SHEETS_SYNC_PASSWORD") in out
    assert spoke.read_bytes() == before


def test_a_book_staff_encrypted_themselves_is_read_and_stays_encrypted(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = tmp_path / "自己加密.xlsx"
    out = io.BytesIO()
    with open(project / "顺平.xlsx", "rb") as fh:
        OOXMLFile(fh).encrypt(PASSWORD, out)
    own.write_bytes(out.getvalue())
    book = ExcelBook(own)
    assert TAB in book.read() and book.writable
    batch = WriteBatch()
    batch.set_cell(TAB, 500, 30, "写进加密的工作簿")
    book.apply(batch)
    assert is_encrypted(own)  # kept encrypted, with the password that opened it
    grid = ExcelBook(own).read()[TAB]
    assert grid.rows[499][29] == "写进加密的工作簿"
    monkeypatch.delenv("SHEETS_SYNC_PASSWORD")
    code, text = invoke("validate", str(own))
    assert code == 1 and "设置了打开密码,但没有提供密码:请把密码放进环境变量" in text


def test_a_per_book_password_name_and_the_keyring(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = project / "sheets-sync.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "encrypt = true", 'encrypt = "MANCHENG"'), encoding="utf-8")
    monkeypatch.delenv("SHEETS_SYNC_PASSWORD")
    keyring = types.ModuleType("keyring")
    saved = {("sheets-sync", "MANCHENG"): "钥匙串里的密码"}
    keyring.get_password = lambda service, user: saved.get((service, user))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", keyring)
    assert find_password("MANCHENG") == ("钥匙串里的密码", "系统钥匙串 sheets-sync/MANCHENG")
    assert find_password() is None
    monkeypatch.setenv("SHEETS_SYNC_PASSWORD_MANCHENG", PASSWORD)
    _encrypt_spoke(project)
    assert _decrypt(project / "满城.xlsx", PASSWORD)


@pytest.mark.parametrize("value", [
    pytest.param('"my secret pw"', id="a-password-written-in-the-config"),
    pytest.param("1", id="a-number"),
])
def test_encrypt_value_that_is_no_password_name_is_refused_without_echoing_it(
        project: Path, value: str) -> None:
    config = project / "sheets-sync.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "encrypt = true", f"encrypt = {value}"), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_project(project)
    assert "my secret pw" not in str(err.value)
    assert "[[spokes]] 第 1 项 encrypt 应为 true,或密码名称" in str(err.value)
    assert "密码本身不能写在配置文件里" in str(err.value)


def test_encrypted_per_school_books(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = invoke("report", "--only", "rosters", "--per-school-books", "各校", "--encrypt")
    books = sorted((project / "各校").glob("*.xlsx"))
    assert books and all(is_encrypted(b) for b in books), out
    assert all(b.stat().st_mode & 0o077 == 0 for b in books)
    assert PASSWORD not in out
    assert len(read_workbook(books[0])) == 1  # read back with the password
    before = {b: b.read_bytes() for b in books}
    invoke("report", "--only", "rosters", "--per-school-books", "各校", "--encrypt")
    assert {b: b.read_bytes() for b in books} == before  # unchanged rosters left alone
    monkeypatch.delenv("SHEETS_SYNC_PASSWORD")
    code, out = invoke("report", "--only", "rosters", "--per-school-books", "新", "--encrypt")
    assert code == 1 and not (project / "新").exists()
    assert out.strip() == (
        "错误:各校花名册要加密(--encrypt),但没有提供密码:请把密码放进环境变量 "
        "SHEETS_SYNC_PASSWORD,或安装 keyring 后用 “keyring set sheets-sync default” 保存,"
        "然后重新运行。没有写入任何花名册。")


_MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" \
script:language="StarBasic">
Sub ToCsv(inUrl As String, outUrl As String)
  On Error GoTo Failed
  Dim args(1) As New com.sun.star.beans.PropertyValue
  args(0).Name = &quot;Hidden&quot;
  args(0).Value = True
  args(1).Name = &quot;Password&quot;
  args(1).Value = Environ(&quot;LO_OPEN_PASSWORD&quot;)
  doc = StarDesktop.loadComponentFromURL(inUrl, &quot;_blank&quot;, 0, args())
  If IsNull(doc) Then GoTo Failed
  Dim out(1) As New com.sun.star.beans.PropertyValue
  out(0).Name = &quot;FilterName&quot;
  out(0).Value = &quot;Text - txt - csv (StarCalc)&quot;
  out(1).Name = &quot;FilterOptions&quot;
  out(1).Value = &quot;44,34,76,1&quot;
  doc.storeToURL(outUrl, out())
  doc.close(True)
  Exit Sub
Failed:
End Sub
</script:module>
"""


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_encrypted_spoke_with_the_password_only(
        project: Path, tmp_path: Path) -> None:
    """Headless LibreOffice takes no password on its command line, so a Basic macro in a
    private profile loads the file with the ``Password`` media descriptor (read from the
    environment) and stores the first sheet as CSV; ``--convert-to`` without it fails."""
    spoke = _encrypt_spoke(project)
    profile = tmp_path / "lo"
    env = {**os.environ, "HOME": str(tmp_path)}
    run = [shutil.which("soffice") or "soffice", f"-env:UserInstallation={profile.as_uri()}",
           "--headless"]
    subprocess.run([*run, "--terminate_after_init"], env=env, timeout=180, check=False,
                   capture_output=True)
    (profile / "user/basic/Standard/Module1.xba").write_text(_MACRO, encoding="utf-8")

    def to_csv(password: str, name: str) -> Path:
        out = tmp_path / name
        macro = f'macro:///Standard.Module1.ToCsv("{spoke.as_uri()}","{out.as_uri()}")'
        subprocess.run([*run, macro], env={**env, "LO_OPEN_PASSWORD": password}, timeout=180,
                       check=False, capture_output=True)
        return out

    good = to_csv(PASSWORD, "good.csv")
    assert good.is_file() and '"S0001","龙泉镇中心小学"' in good.read_text(encoding="utf-8")
    assert not to_csv("wrong", "bad.csv").exists()
    plain = subprocess.run([*run, "--convert-to", "csv", "--outdir", str(tmp_path / "cv"),
                            str(spoke)], env=env, timeout=180, check=False,
                           capture_output=True, text=True)
    assert not list((tmp_path / "cv").glob("*.csv")), plain.stdout
