"""Bad inputs that used to end in a Python traceback: each is now one Chinese line, through
the real CLI, with the exit code a staff member's script can read and nothing lost.

The situations (issue 13): a NUL in a school name (in the hub's 学校 tab, in a partition),
``credentials = 5`` and other non-strings in the config, a lock path that is a folder, a
full disk while writing a workbook or ``state.db``, ``templates export -o`` into a folder
that is not there, no permission, a folder where a file or folder is expected.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from sheets_sync.books.base import WriteBatch
from sheets_sync.books.excel import ExcelBook, read_workbook
from sheets_sync.books.xlsx import package, tab_name_problem, valid_tab_name
from sheets_sync.cli import cli
from sheets_sync.errors import DiskFull, FileUnusable, system_error
from sheets_sync.sync import state as state_module

from .samples import synced_demo

CHILD = "留守儿童家庭情况登记表"
BOOKS = ("总表.xlsx", "满城.xlsx", "顺平.xlsx", "清苑.xlsx")
FREE_SPACE = "请在这个磁盘上腾出空间(删除不需要的文件、清空回收站)后重新运行。"


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo program's books with a config (``init``) and a first base, made once."""
    return synced_demo(tmp_path_factory.mktemp("pristine"))


@pytest.fixture
def project(pristine: Path, tmp_path: Path) -> Iterator[Path]:
    """A fresh copy of the project, as the current folder."""
    root = tmp_path / "项目"
    shutil.copytree(pristine, root)
    cwd = Path.cwd()
    os.chdir(root)
    try:
        yield root
    finally:
        os.chdir(cwd)


def invoke(*args: str) -> tuple[int, str]:
    """The CLI as a user runs it; an exception that escaped would fail the test here."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def error_line(out: str) -> str:
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines, "nothing printed"
    return lines[-1]


def snapshot(root: Path) -> dict[str, bytes]:
    return {name: (root / name).read_bytes() for name in BOOKS}


def stray_temp_files(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob(".sheets-sync-*"))


def set_config(root: Path, old: str, new: str) -> None:
    path = root / "sheets-sync.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _header(rows: list[list[str]]) -> int:
    """The index of the header row (a title row may stand above it)."""
    return next(n for n, r in enumerate(rows[:3]) if "编号" in r)


def edit_spoke(root: Path, record_id: str, column: str, value: str) -> None:
    wb = openpyxl.load_workbook(root / "满城.xlsx")
    ws = wb[CHILD]
    head = next(n for n in (1, 2, 3) if "编号" in [c.value for c in ws[n]])
    headers = [c.value for c in ws[head]]
    id_col, col = headers.index("编号") + 1, headers.index(column) + 1
    row = next(r for r in range(head + 1, ws.max_row + 1)
               if ws.cell(r, id_col).value == record_id)
    ws.cell(row, col).value = value
    wb.save(root / "满城.xlsx")


def hub_value(root: Path, record_id: str, column: str) -> str:
    rows = read_workbook(root / "总表.xlsx")[CHILD].rows
    h = _header(rows)
    i, j = rows[h].index("编号"), rows[h].index(column)
    return next(r[j] for r in rows[h + 1:] if len(r) > i and r[i] == record_id)


def first_manchen_child(root: Path) -> str:
    rows = read_workbook(root / "满城.xlsx")[CHILD].rows
    h = _header(rows)
    return rows[h + 1][rows[h].index("编号")]


# --------------------------------------------------------------------------- NUL in a name

def test_a_nul_in_a_school_name_becomes_an_underscore_in_its_roster_tab_and_book(
        project: Path) -> None:
    hub = ExcelBook(project / "总表.xlsx")
    tabs = hub.read()
    school = tabs["学校"].rows[1][tabs["学校"].rows[0].index("学校名称")]
    broken = school[:2] + "\x00" + school[2:]
    batch = WriteBatch()
    for tab, grid in tabs.items():
        for i, row in enumerate(grid.rows):
            for j, value in enumerate(row):
                if value == school:
                    batch.set_cell(tab, i + 1, j + 1, broken)
    hub.apply(batch)

    code, out = invoke("report", "--only", "rosters", "--per-school-books", "各校花名册")
    shown = f"花名册-{school[:2]}_{school[2:]}"
    assert "\x00" not in out
    assert shown in out.splitlines()[0] and out.startswith("已写入:")
    assert code == 1  # the demo's planted roster problem (a child's school not in 学校)
    assert shown in read_workbook(project / "总表.xlsx")
    assert (project / "各校花名册" / f"{shown}.xlsx").is_file()


def test_tab_names_never_hold_a_control_character() -> None:
    assert valid_tab_name("花名册-龙泉\x00镇中心小学") == "花名册-龙泉_镇中心小学"
    assert valid_tab_name("a\tb\nc\x7f") == "a_b_c_"
    assert tab_name_problem("龙泉\x00小学") == "名称不能包含不可见的控制字符(如 NUL、换行、制表符)"


def test_a_nul_in_a_partition_is_a_one_line_config_error(project: Path) -> None:
    set_config(project, 'partition = {county = "满城"}', 'partition = {school = "龙泉\\u0000小学"}')
    before = snapshot(project)
    code, out = invoke("sync")
    assert code == 1
    assert error_line(out) == (
        f"错误:{project / 'sheets-sync.toml'}: [[spokes]] 第 1 项 partition 的 school "
        "里有不可见的控制字符 U+0000(常见于从别处复制的文字):请删掉这个值重新输入。")
    assert "\x00" not in out
    assert snapshot(project) == before


def test_a_nul_in_a_book_path_is_a_one_line_config_error(project: Path) -> None:
    set_config(project, 'book = "总表.xlsx"', 'book = "总\\u0000表.xlsx"')
    code, out = invoke("validate")
    assert code == 1
    assert error_line(out) == (
        f"错误:{project / 'sheets-sync.toml'}: [hub] book 里有不可见的控制字符 U+0000"
        "(常见于从别处复制的文字):请删掉这个值重新输入。")


# --------------------------------------------------------------------------- config types

@pytest.mark.parametrize(("section", "line", "message"), [
    pytest.param("[google]", "credentials = 5",
                 '[google] credentials = 5 应为用引号括起来的路径,例如 credentials = '
                 '"service-account.json"(服务账号密钥文件)。', id="credentials-number"),
    pytest.param("[google]", 'credentials = ["key.json"]',
                 "[google] credentials = ['key.json'] 应为用引号括起来的路径,例如 credentials = "
                 '"service-account.json"(服务账号密钥文件)。', id="credentials-list"),
    pytest.param("[project]", "state_dir = 5",
                 '[project] state_dir = 5 应为用引号括起来的路径,例如 state_dir = ".sheets-sync"。',
                 id="state-dir-number"),
    pytest.param("[project]", "templates = true",
                 '[project] templates = True 应为用引号括起来的路径,例如 templates = "表单模板"。',
                 id="templates-boolean"),
])
def test_a_setting_that_is_not_a_path_says_what_to_write(project: Path, section: str, line: str,
                                                         message: str) -> None:
    config = project / "sheets-sync.toml"
    text = config.read_text(encoding="utf-8")
    if section == "[google]":
        text += f"\n[google]\n{line}\n"
    else:
        text = text.replace("[project]\n", f"[project]\n{line}\n", 1)
    config.write_text(text, encoding="utf-8")
    for command in ("sync", "validate"):
        code, out = invoke(command)
        assert code == 1
        assert out == f"错误:{config}: {message}\n"


# --------------------------------------------------------------------------- locks

def test_a_folder_where_the_project_lock_belongs_is_one_line_and_nothing_runs(
        project: Path) -> None:
    lock = project / ".sheets-sync" / "run.lock"
    lock.unlink(missing_ok=True)
    lock.mkdir()
    edit_spoke(project, first_manchen_child(project), "兴趣爱好", "下棋")
    before = snapshot(project)
    code, out = invoke("sync")
    assert code == 1
    assert out == (f"错误:无法使用项目锁 {lock}:这是一个文件夹,这里要的是文件。这个文件夹不是 "
                   "sheets-sync 建的锁(锁是一个普通文件),请把它删除或改名后重新运行;"
                   "本次没有运行,什么都没有写入。\n")
    assert snapshot(project) == before and lock.is_dir()


def test_a_folder_named_like_the_lock_info_file_is_left_alone(project: Path) -> None:
    info = project / ".sheets-sync" / "lock"
    info.mkdir()
    record = first_manchen_child(project)
    edit_spoke(project, record, "兴趣爱好", "下棋")
    code, out = invoke("sync")
    assert code == 0, out
    assert "没有正常结束" not in out  # a folder is no trace of a dead run
    assert hub_value(project, record, "兴趣爱好") == "下棋"
    assert info.is_dir()


def test_folders_named_like_excel_and_libreoffice_lock_files_are_not_locks(
        project: Path) -> None:
    (project / "~$总表.xlsx").mkdir()
    (project / ".~lock.满城.xlsx#").mkdir()
    record = first_manchen_child(project)
    edit_spoke(project, record, "兴趣爱好", "下棋")
    code, out = invoke("sync")
    assert code == 0, out
    assert hub_value(project, record, "兴趣爱好") == "下棋"


# --------------------------------------------------------------------------- full disk

def test_a_full_disk_while_saving_a_workbook_leaves_every_book_as_it_was(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = first_manchen_child(project)
    edit_spoke(project, record, "兴趣爱好", "下棋")
    before = snapshot(project)
    save = package.Edit.save

    def disk_fills_up(self: package.Edit, target: Path) -> None:
        save(self, target)  # the whole temp file was written; then the disk says no
        with open(target, "r+b") as fh:
            fh.truncate(1000)
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(package.Edit, "save", disk_fills_up)
    code, out = invoke("sync")
    assert code == 1
    assert ("写入 总表.xlsx 失败:磁盘空间不足:无法写入 总表.xlsx。原文件没有改动,"
            f"也没有留下写了一半的文件。{FREE_SPACE}") in out
    assert "No space" not in out
    assert snapshot(project) == before
    assert stray_temp_files(project) == []

    monkeypatch.setattr(package.Edit, "save", save)  # space freed: the next run catches up
    code, out = invoke("sync")
    assert code == 0, out
    assert hub_value(project, record, "兴趣爱好") == "下棋"


def test_a_full_disk_while_making_the_backup_removes_the_cut_copy(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit_spoke(project, first_manchen_child(project), "兴趣爱好", "下棋")
    before = snapshot(project)
    backups = project / ".sheets-sync" / "backups"
    held = sorted(backups.iterdir()) if backups.exists() else []

    def copy_cut_short(src: Any, dst: Any, length: int = 0) -> None:
        dst.write(src.read()[:100])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfileobj", copy_cut_short)
    code, out = invoke("sync")
    assert code == 1
    assert (f"写入 总表.xlsx 失败:磁盘空间不足:无法写入 {backups}。没有备份就不写入,"
            f"所以工作簿 总表.xlsx 没有改动。{FREE_SPACE}") in out
    assert snapshot(project) == before
    assert sorted(backups.iterdir()) == held


def test_a_full_disk_while_writing_state_db_is_one_line_and_the_next_run_catches_up(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's own "database or disk is full" (SQLITE_FULL), made by capping the file at
    the pages it has: the run stops with one line, and nothing is lost."""
    record = first_manchen_child(project)
    edit_spoke(project, record, "兴趣爱好", "下棋")
    db = project / ".sheets-sync" / "state.db"
    opened = state_module.State.open.__func__  # type: ignore[attr-defined]

    def open_on_a_full_disk(cls: type[state_module.State], folder: Path,
                            **kw: bool) -> state_module.State:
        st = opened(cls, folder, **kw)
        pages = st.conn.execute("PRAGMA page_count").fetchone()[0]
        st.conn.execute(f"PRAGMA max_page_count = {pages}")
        return st

    monkeypatch.setattr(state_module.State, "open", classmethod(open_on_a_full_disk))
    code, out = invoke("sync")
    assert code == 1
    assert error_line(out) == (f"错误:磁盘空间不足:无法写入 {db}。这次写入已整笔撤销,"
                               f"状态数据库里没有写了一半的内容。{FREE_SPACE}")
    assert "disk is full" not in out and "已损坏" not in out

    monkeypatch.undo()
    code, out = invoke("sync")
    assert code == 0, out
    assert hub_value(project, record, "兴趣爱好") == "下棋"
    code, out = invoke("sync")
    assert code == 0 and "修改 0 个单元格" in out  # converged: nothing left to do


def test_the_state_store_rolls_back_a_full_disk_cleanly(tmp_path: Path) -> None:
    st = state_module.State.open(tmp_path)
    pages = st.conn.execute("PRAGMA page_count").fetchone()[0]
    st.conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(DiskFull) as err, st.transaction() as c:
        c.executemany("INSERT INTO flags VALUES (?, ?)",
                      ((f"k{i}", "x" * 2000) for i in range(200)))
    assert str(err.value).startswith(f"磁盘空间不足:无法写入 {tmp_path / 'state.db'}。")
    assert not st.conn.in_transaction
    assert st.conn.execute("SELECT COUNT(*) FROM flags").fetchone()[0] == 0
    st.close()


def test_a_full_disk_anywhere_else_is_named_in_chinese() -> None:
    full = OSError(errno.ENOSPC, "No space left on device", "x.json")
    assert str(system_error(full)) == f"磁盘空间不足:无法写入 x.json。{FREE_SPACE}"
    inner = sqlite3.OperationalError("database or disk is full")
    inner.sqlite_errorcode = 13  # type: ignore[attr-defined]  # SQLITE_FULL
    outer = OSError(errno.EIO, "I/O error")  # raised while handling it: the disk is the cause
    outer.__context__ = inner
    assert isinstance(system_error(outer), DiskFull)
    denied = system_error(PermissionError(errno.EACCES, "Permission denied", "/p/总表.xlsx"))
    assert isinstance(denied, FileUnusable)
    assert str(denied) == ("无法使用 /p/总表.xlsx:没有权限(当前用户不能读写它,或它被设为只读)。"
                           "请检查这个路径后重新运行。")
    assert system_error(ValueError("a bug")) is None  # a bug keeps its traceback


# --------------------------------------------------------------------------- permissions

def test_no_permission_to_replace_a_workbook_is_chinese(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit_spoke(project, first_manchen_child(project), "兴趣爱好", "下棋")
    before = snapshot(project)

    def denied(src: object, dst: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(dst))

    monkeypatch.setattr(os, "replace", denied)
    code, out = invoke("sync")
    assert code == 1
    assert ("写入 总表.xlsx 失败:无法写入工作簿 总表.xlsx:没有权限(当前用户不能读写它,或它被设为只读)。"
            "原文件没有改动。请确认文件没有被其他程序占用、所在文件夹可以写入,然后重新运行。"
            ) in out
    assert snapshot(project) == before and stray_temp_files(project) == []


def test_a_file_where_the_state_folder_belongs_is_one_line(project: Path) -> None:
    state_dir = project / ".sheets-sync"
    shutil.rmtree(state_dir)
    state_dir.write_text("不是文件夹", encoding="utf-8")
    before = snapshot(project)
    code, out = invoke("sync")
    assert code == 1
    assert out == (f"错误:无法打开状态数据库 {state_dir / 'state.db'}:{state_dir} 是一个文件,"
                   "不是文件夹。请把这个文件移走,或在 sheets-sync.toml 的 [project] state_dir "
                   "中写另一个文件夹。\n")
    assert snapshot(project) == before


def test_a_workbook_path_that_is_a_folder_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "总表.xlsx"
    folder.mkdir()
    code, out = invoke("validate", str(folder))
    assert code == 1
    assert out == (f"错误:无法读取工作簿 {folder}:这是一个文件夹,不是工作簿文件。"
                   "请确认它是 .xlsx/.xlsm 文件且没有损坏(可在 Excel 中打开后“另存为”一次)。\n")


# --------------------------------------------------------------------------- templates export

def test_templates_export_into_a_missing_folder_makes_it(tmp_path: Path) -> None:
    out_file = tmp_path / "导出" / "表结构" / "child.schema.json"
    code, out = invoke("templates", "export", "child", "--table-schema", "-o", str(out_file))
    assert code == 0
    assert out == f"已写入 {out_file}(新建了文件夹 {out_file.parent})\n"
    assert '"身份证号"' in out_file.read_text(encoding="utf-8")
    code, out = invoke("templates", "export", "child", "--table-schema", "-o", str(out_file))
    assert code == 0 and out == f"已写入 {out_file}\n"


def test_templates_export_under_a_file_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "笔记.txt"
    blocker.write_text("别动", encoding="utf-8")
    code, out = invoke("templates", "export", "child", "--table-schema", "-o",
                       str(blocker / "child.json"))
    assert code == 1
    assert out == (f"错误:无法写入 {blocker / 'child.json'}:{blocker} 是一个文件,不是文件夹。"
                   "请换一个位置。\n")
    assert blocker.read_text(encoding="utf-8") == "别动"


def test_templates_export_on_a_full_disk_is_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(self: Path, *args: object, **kwargs: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_text", full)
    target = tmp_path / "child.json"
    code, out = invoke("templates", "export", "child", "--table-schema", "-o", str(target))
    assert code == 1
    assert out == f"错误:磁盘空间不足:无法写入 {target}。{FREE_SPACE}\n"


# --------------------------------------------------------------------------- the config file

def test_a_config_saved_with_a_bom_is_read(project: Path) -> None:
    """Windows Notepad's "UTF-8 with BOM": the mark is no key character."""
    config = project / "sheets-sync.toml"
    config.write_bytes(b"\xef\xbb\xbf" + config.read_bytes())
    code, out = invoke("sync")
    assert code == 0, out
    code, out = invoke("templates", "list")  # the program data is read by another path
    assert code == 0 and "child" in out


def test_a_folder_named_like_the_config_is_one_line(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sheets-sync.toml").mkdir()
    monkeypatch.chdir(tmp_path)
    code, out = invoke("sync")
    assert code == 1
    assert out == (f"错误:无法使用 {tmp_path / 'sheets-sync.toml'}:这是一个文件夹,这里要的是文件。"
                   "请检查这个路径后重新运行。\n")


def test_no_permission_on_the_project_folder_is_chinese(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root nothing is refused, so the system's answer is played: no permission to make
    the state folder, or to open the lock file in it."""
    state_dir = project / ".sheets-sync"
    shutil.rmtree(state_dir)
    mkdir = Path.mkdir

    def denied(self: Path, *args: object, **kwargs: object) -> None:
        if self == state_dir:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", denied)
    before = snapshot(project)
    code, out = invoke("sync")
    assert code == 1
    assert out == (f"错误:无法打开状态数据库 {state_dir / 'state.db'}(没有权限(当前用户不能读写它,"
                   f"或它被设为只读)):请检查文件夹 {state_dir} 是否可以写入。\n")
    assert snapshot(project) == before


def test_no_permission_on_the_lock_file_is_chinese(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from filelock import FileLock

    from sheets_sync.sync.lock import ProjectLock, ProjectLockUnusable

    def denied(self: FileLock, *args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", self.lock_file)

    monkeypatch.setattr(FileLock, "acquire", denied)
    with pytest.raises(ProjectLockUnusable) as err:
        ProjectLock(tmp_path).acquire()
    assert str(err.value) == (
        f"无法使用项目锁 {tmp_path / 'run.lock'}:没有权限(当前用户不能读写它,或它被设为只读)。"
        f"请确认当前用户可以读写这个文件和 {tmp_path} 文件夹后重新运行;本次没有运行,什么都没有写入。")


def test_a_report_whose_hub_write_fails_says_so_and_never_says_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sheets_sync.books.excel import write_workbook
    from sheets_sync.demo.build import HUB_NAME, demo_books
    from sheets_sync.errors import BookError

    write_workbook(tmp_path / "总表.xlsx", demo_books().books[HUB_NAME])

    def refuse(self: ExcelBook, batch: object) -> None:
        raise BookError("无法写入工作簿 总表.xlsx:磁盘空间不足。原文件没有改动。")

    monkeypatch.setattr(ExcelBook, "apply", refuse)
    out = CliRunner().invoke(cli, ["report", str(tmp_path / "总表.xlsx")])
    assert out.exit_code == 1
    assert "已写入" not in out.output
    assert out.output == (f"错误:写入 {tmp_path / '总表.xlsx'} 失败:无法写入工作簿 总表.xlsx:"
                          "磁盘空间不足。原文件没有改动。\n")


def test_validate_on_a_book_with_no_form_tab_exits_2_and_writes_nothing(
        tmp_path: Path) -> None:
    from sheets_sync.books.excel import write_workbook

    book = tmp_path / "名单.xlsx"
    write_workbook(book, {"封面": [["满城县大队"]], "名单": [["甲", "乙"], ["1", "2"]]})
    before = book.read_bytes()
    out = CliRunner().invoke(cli, ["validate", str(book)])
    assert out.exit_code == 2
    assert out.output == (
        f"错误:{book} 中没有认出任何表单工作表,没有可校验的内容(也没有写入):看到的工作表是 "
        "封面、名单;能认出的表单是 儿童参加活动申请书、出勤、预算、留守儿童家庭情况登记表、联系记录、"
        "捐赠、支出明细、事件、结对、进驻安排、学校、调查问卷、谈心记录、支队、志愿者报名表。"
        "请确认选对了工作簿,并检查表头是否与表单字段一致"
        "(sheets-sync templates show 表单 可查看各字段的写法)。\n")
    assert book.read_bytes() == before
