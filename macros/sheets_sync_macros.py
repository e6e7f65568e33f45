"""What the 控制面板 buttons run: ``RunPython "import sheets_sync_macros; sheets_sync_macros.X()"``.

Thin on purpose: take the workbook that called (``xlwings.Book.caller()``), wrap it in
``LiveBook`` (reads and writes the open workbook, never the file Excel holds), call the
library, and say what happened in a Chinese message box, with whatever layout this
Excel could not show (``LiveBook.notes``). Any error becomes a message box too, never a
traceback. Staff save the workbook themselves afterwards.

The built workbooks carry a copy of this file beside them; the workbook's folder is on
xlwings' PYTHONPATH (``ADD_WORKBOOK_TO_PYTHONPATH`` in the ``xlwings.conf`` sheet).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import xlwings

TITLE = "sheets-sync"
CONF_TAB = "xlwings.conf"
PROJECT_KEY = "SHEETS_SYNC_PROJECT"


def open_caller_book() -> Any:
    """The workbook whose button was clicked, as a LiveBook."""
    from sheets_sync.books.live import LiveBook

    return LiveBook(xlwings.Book.caller())


def _alert(book: Any, text: str, title: str) -> None:
    xl = getattr(book, "xl", book)
    try:
        xl.app.alert(text, title=f"{TITLE} · {title}")
    except Exception:  # no Excel to show it in: the console is all there is
        print(f"{title}: {text}", file=sys.stderr)


def _run(title: str, action: Callable[[Any], str]) -> None:
    """Run ``action`` on the caller's book; show its message, or the error, in a box."""
    try:
        book = open_caller_book()
    except Exception as err:  # not started from Excel, or xlwings cannot reach it
        print(f"{title}: 请在 Excel 中点击按钮运行,无法连接到工作簿({err})。", file=sys.stderr)
        return
    try:
        text = action(book)
        notes = getattr(book, "notes", [])  # layout this Excel could not show
        if notes:
            text += "\n" + "\n".join(notes)
    except Exception as err:
        from sheets_sync.errors import SheetsSyncError

        if isinstance(err, SheetsSyncError):
            text = f"“{title}”没有完成:{err}"
        else:
            text = (f"“{title}”没有完成:出现了意外错误({type(err).__name__}: {err})。"
                    "工作簿没有被改动或已撤回;请把这条信息截图发给项目负责人。")
    _alert(book, text, title)


# ------------------------------------------------------------------ project lookup

def _conf(book: Any) -> dict[str, str]:
    one = getattr(book, "read_tab", None)  # the conf tab only, not the whole workbook
    grid = one(CONF_TAB) if callable(one) else book.read().get(CONF_TAB)
    rows = grid.rows if grid is not None else []
    return {r[0].strip().upper(): (r[1].strip() if len(r) > 1 else "") for r in rows if r and r[0]}


def project_file(book: Any) -> Path:
    """The sheets-sync.toml for this workbook: from xlwings.conf, else beside the workbook."""
    from sheets_sync.config import CONFIG_NAME
    from sheets_sync.errors import ConfigError

    configured = _conf(book).get(PROJECT_KEY, "")
    if configured:
        return Path(configured)
    folder = Path(book.fullname).parent
    if "://" in book.fullname or not (folder / CONFIG_NAME).is_file():
        raise ConfigError(f"找不到项目配置 {CONFIG_NAME}:请把它放在本工作簿所在的文件夹,"
                          f"或在“{CONF_TAB}”表的 {PROJECT_KEY} 一行写上它的完整路径。")
    return folder / CONFIG_NAME


def _project(book: Any) -> Any:
    """The project this workbook belongs to — the same loader as every command.

    A broken config is the same one-line error as in the terminal (never demo defaults in
    silence); a workbook with no project beside it gets the defaults, its state in a
    ``.sheets-sync`` folder beside it.
    """
    from sheets_sync.config import CONFIG_NAME
    from sheets_sync.sync.project import book_project, load_project

    configured = _conf(book).get(PROJECT_KEY, "")
    folder = Path(book.fullname).parent if "://" not in book.fullname else None
    if configured or (folder is not None and (folder / CONFIG_NAME).is_file()):
        base = load_project(project_file(book))
    else:
        base = None
    location = book.fullname if folder is None else str(Path(book.fullname).resolve())
    return book_project(location, base=base)


def _slice(book: Any, step: str, **options: Any) -> Any:
    """The pipeline with one step on this open workbook (what ``sheets-sync <step>`` runs)."""
    from sheets_sync.sync.pipeline import StepOptions, run_pipeline

    project = _project(book)
    return run_pipeline(project, steps=(step,), books={project.hub.name: book},
                        options=StepOptions(**options))


# ------------------------------------------------------------------ actions

def _validate(book: Any) -> str:
    from sheets_sync.errors import NoFormTab
    from sheets_sync.forms.findings import PROBLEMS_TAB

    run = _slice(book, "validate")
    report = run.validation
    if isinstance(run.errors.get("validate"), NoFormTab):
        return "没有找到可以校验的表格:请确认表头与模板一致(如“姓名”“学校”)。"
    if report is None:
        return "校验没有完成:" + ";".join(run.messages)
    if not report.tabs:
        return "没有找到可以校验的表格:请确认表头与模板一致(如“姓名”“学校”)。"
    if not report.problems:
        return f"校验完成:{len(report.tabs)} 张表都没有发现问题。"
    return (f"校验完成:发现 {len(report.errors)} 个错误、{len(report.warnings)} 个提醒,"
            f"已列在“{PROBLEMS_TAB}”表中,每条都写明了位置和改法。")


def _sync(book: Any) -> str:
    from sheets_sync.sync.project import load_project
    from sheets_sync.sync.run import sync_project

    project = load_project(project_file(book))
    me = Path(book.fullname).resolve() if "://" not in book.fullname else None
    location = next((b.location for b in project.books
                     if me is not None and not b.is_google and Path(b.location).resolve() == me),
                    None)
    if location is None:
        from sheets_sync.errors import ConfigError

        raise ConfigError(f"本工作簿 {book.name} 不在项目配置的工作簿列表中,无法同步。"
                          "请在 sheets-sync.toml 中加入它,或在终端运行 sheets-sync run。")
    result = sync_project(project, books={location: book})
    counts = result.counts
    from sheets_sync.sync.pipeline import status_zh

    status = status_zh(result.status)
    lines = [f"同步{status}:新增 {counts.get('appended', 0)} 行,"
             f"更新 {counts.get('updated', 0)} 处,新编号 {counts.get('new_ids', 0)} 个,"
             f"冲突 {counts.get('conflicts', 0)} 处。"]
    lines += result.messages[:5]
    lines.append("请保存本工作簿。")
    return "\n".join(lines)


def _dedupe(book: Any) -> str:
    from sheets_sync.dedupe.review import DECISION_HEADER, REVIEW_TAB

    run = _slice(book, "dedupe")
    res = run.duplicates
    if res is None:
        return "查重没有完成:" + ";".join(run.messages)
    if not res.pairs:
        return "查重完成:没有发现疑似重复的记录。"
    return (f"查重完成:有 {len(res.pairs)} 对疑似重复待确认,已列在“{REVIEW_TAB}”表中;"
            f"请在“{DECISION_HEADER}”一列填写后再点一次“查重”。")


def _reports(only: tuple[str, ...], what: str) -> Callable[[Any], str]:
    def action(book: Any) -> str:
        run = _slice(book, "report", only=only)
        result = run.reports
        if result is None:
            return f"{what}没有完成:" + ";".join(run.messages)
        lines = []
        if result.written:
            lines.append(f"{what}完成:已写入 " + "、".join(f"“{t}”" for t in result.written) + "。")
        elif result.tabs:
            lines.append(f"{what}完成:内容没有变化。")
        else:
            lines.append(f"{what}没有生成:缺少所需的表。")
        lines += [*result.problems, *run.messages][:5]
        return "\n".join(lines)

    return action


def _pair(book: Any) -> str:
    from sheets_sync.pairing.sheet import TAB

    run = _slice(book, "pair")
    result = run.pairing
    if result is None:
        return "结对建议没有完成:" + ";".join(run.messages)
    return (f"结对建议完成:推荐 {len(result.proposals)} 对,已写入“{TAB}”表;"
            f"{len(result.unpaired_children)} 名儿童暂无合适志愿者,原因见表中说明。"
            + (f"已接受的 {len(result.accepted)} 对已加入结对表。" if result.accepted else ""))


def validate_clicked() -> None:
    """校验: validate every form tab, write the problems tab."""
    _run("校验", _validate)


def sync_clicked() -> None:
    """同步: sync this workbook with its project (hub and spokes)."""
    _run("同步", _sync)


def dedupe_clicked() -> None:
    """查重: list suspected duplicates for staff to decide."""
    _run("查重", _dedupe)


def rosters_clicked() -> None:
    """生成花名册: the per-school safety rosters."""
    _run("生成花名册", _reports(("rosters",), "生成花名册"))


def budget_clicked() -> None:
    """预算汇总: budget summary and settlement."""
    _run("预算汇总", _reports(("budget", "settlement"), "预算汇总"))


def pair_clicked() -> None:
    """结对建议: propose volunteer–child pairs."""
    _run("结对建议", _pair)
