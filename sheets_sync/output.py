"""How results look on a terminal (rich, when it is one) and as JSON. Used only by the CLI."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # the forms (and pandas) are imported by the functions that need them
    from .demo.run import DemoRun
    from .forms.problems import Fix
    from .forms.validate import Findings as Report

TERMINAL_LIMIT = 60


@contextmanager
def progress() -> Iterator[Callable[[str], None]]:
    """A step reporter: a rich spinner with the current step on a terminal, silent otherwise."""
    if not sys.stdout.isatty():
        yield lambda _: None
        return
    from rich.console import Console

    with Console().status("开始……") as status:
        yield status.update


def _forms(report: Report) -> dict[str, Any]:
    return {name: t.layout.form for name, t in report.tabs.items()}


def report_json(report: Report) -> dict[str, Any]:
    """``{"problems": [...], "summary": {...}}`` with sensitive values masked."""
    from .forms.findings import shown

    data = report.as_dict()
    forms = _forms(report)
    for item, p in zip(data["problems"], report.problems, strict=True):
        item["value"], item["message"] = shown(p, forms)
    return data


def masked_json(data: Any, templates: Iterable[Any], reveal: Collection[str] = ()) -> Any:
    """``data`` (a run's ``as_json()``) with the values of its conflicts masked.

    A conflict names its form (the tab label) and field (the header), and carries the values
    both sides wrote (``kept``, ``lost``, ``base``, and any other value key): these are
    masked as in ``history`` (:func:`sheets_sync.privacy.shown_cell`).
    """
    from .privacy import shown_cell

    forms = list(templates)

    def walk(x: Any) -> Any:
        if isinstance(x, list):
            return [walk(v) for v in x]
        if not isinstance(x, dict):
            return x
        if "field" in x and ("kept" in x or "lost" in x) and isinstance(x.get("form"), str):
            tab, header = x["form"], str(x["field"])
            return {k: (shown_cell(v, forms, tab, header, reveal)
                        if k in _VALUE_KEYS and isinstance(v, str) else walk(v))
                    for k, v in x.items()}
        return {k: walk(v) for k, v in x.items()}

    return walk(data)


_VALUE_KEYS = frozenset({"kept", "lost", "base", "hub", "spoke", "value", "old", "new"})


def summary_line(report: Report | dict[str, Any]) -> str:
    """``总表.xlsx:9 个表单工作表,2326 条记录;错误 26 个,提醒 3 个。`` (of a summary too)."""
    s = report if isinstance(report, dict) else report.summary()
    return (f"{s['book']}:{len(s['tabs'])} 个表单工作表,{s['records']} 条记录;"
            f"错误 {s['errors']} 个,提醒 {s['warnings']} 个。")


def print_report(report: Report, limit: int | None = None) -> None:
    from .forms.findings import SEVERITY_ZH, shown

    forms = _forms(report)
    tty = sys.stdout.isatty()
    limit = limit if limit is not None else (TERMINAL_LIMIT if tty else None)
    problems = report.problems if limit is None else report.problems[:limit]
    if tty and problems:
        from rich.console import Console
        from rich.table import Table

        table = Table(show_lines=False)
        for head in ("单元格", "级别", "规则代码", "说明"):
            table.add_column(head)
        for p in problems:
            _, message = shown(p, forms)
            table.add_row(f"{p.tab}!{p.cell}", SEVERITY_ZH[p.severity], p.code, message)
        Console().print(table)
    else:
        for p in problems:
            _, message = shown(p, forms)
            click.echo(f"[{SEVERITY_ZH[p.severity]}] {message} ({p.code})")
    rest = len(report.problems) - len(problems)
    if rest:
        click.echo(f"……另有 {rest} 个问题,完整列表见工作簿中的“校验问题”工作表,或加 --json。")
    for ref in report.skipped_refs:
        click.echo(f"(未检查 {ref}:工作簿中没有对应的表)")
    for notice in report.notices:
        click.echo(notice)
    click.echo(summary_line(report))


def fix_values(report: Report, fix: Fix) -> tuple[str, str]:
    """(old, new) of a ``--fix`` change as a terminal may show them: masked if sensitive."""
    from .privacy import shown_value

    form = _forms(report).get(fix.tab)
    try:
        fld = form.field(fix.field) if form is not None else None
    except KeyError:
        fld = None
    if form is None or fld is None:
        return fix.old, fix.new
    return shown_value(fix.old, form, fld), shown_value(fix.new, form, fld)


def print_fixes(report: Report, *, dry_run: bool) -> None:
    verb = "将修正" if dry_run else "已修正"
    for f in report.fixes:
        old, new = fix_values(report, f)
        click.echo(f"{verb} {f.tab}!{f.cell} {f.column}:“{old}” → “{new}”")
    if not report.fixes:
        click.echo("没有可以安全自动修正的单元格。")


def print_demo(run: DemoRun) -> None:
    click.echo(f"演示项目已写入 {run.directory}(说明见 {run.directory / 'README.md'})")
    for name, n in run.counts.items():
        click.echo(f"  {name}:{n} 行")
    click.echo("两边的修改:")
    for e in run.edits:
        click.echo(f"  {e.book} {e.record} {e.column}:{e.note}")
    if run.sync is not None:
        c = run.sync.counts
        click.echo(f"同步:修改 {c.get('updated', 0)} 个单元格,新增 {c.get('appended', 0)} 行,"
                   f"删除 {c.get('deleted', 0)} 行(→ 回收站),冲突 {c.get('conflicts', 0)} 个"
                   f"(→ 同步冲突),新编号 {c.get('new_ids', 0)} 个。")
    click.echo("校验结果:")
    for report in run.reports:
        click.echo("  " + summary_line(report))
    click.echo(f"埋设的问题 {run.planted_total} 个,找到 {run.planted_found} 个;"
               f"问题已写入各工作簿的“校验问题”工作表和“校验结果”列。")
    if run.plan is not None:
        from .demo.run import plan_lines

        for line in plan_lines(run.plan):
            click.echo(line)
    command, hint = program_command()
    click.echo(f"接着可以:cd {quote_path(str(run.directory))} && {command} run")
    if hint:
        click.echo(hint)


def quote_path(text: str) -> str:
    """``text`` as a shell here takes it in a command line (quoted when it must be)."""
    if os.name == "nt":
        return f'"{text}"' if any(c in text for c in ' &()^%!;,') else text
    if text and not any(c in _SHELL_SPECIAL or c.isspace() for c in text):
        return text  # Chinese folder names stay as typed
    return shlex.quote(text)


_SHELL_SPECIAL = frozenset("'\"$`\\!*?&;|<>()[]{}#~=%")


def program_command(argv0: str | None = None, executable: str | None = None,
                    which: Callable[[str], str | None] = shutil.which) -> tuple[str, str | None]:
    """How to type this program so that it runs as printed: (command, hint or None).

    ``sheets-sync`` when that name on the PATH is this program; else the program's real path
    (``sys.argv[0]`` resolved, or the ``sheets-sync`` beside ``sys.executable``), with a hint
    on activating its environment when it lives in one; else ``python -m sheets_sync``.
    """
    argv0 = sys.argv[0] if argv0 is None else argv0
    executable = sys.executable if executable is None else executable
    names = ("sheets-sync", "sheets-sync.exe", "sheets-sync-script.py")
    script: Path | None = None
    started = Path(argv0) if argv0 else None
    if started is not None and started.name in names and started.is_file():
        script = started.resolve()
    else:
        bin_dir = Path(executable).parent
        script = next((bin_dir / n for n in names[:2] if (bin_dir / n).is_file()), None)
    if script is None:
        return f"{quote_path(executable)} -m sheets_sync", None
    found = which("sheets-sync")
    if found and Path(found).resolve() == script.resolve():
        return "sheets-sync", None
    activate = script.parent / ("activate.bat" if os.name == "nt" else "activate")
    hint = None
    if activate.is_file():
        how = quote_path(str(activate))
        how = how if os.name == "nt" else f"source {how}"
        hint = f"(或者先运行 {how} 激活环境,之后直接输入 sheets-sync 即可。)"
    return quote_path(str(script)), hint
