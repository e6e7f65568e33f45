"""The ``sheets-sync`` command: parses argv, calls the library, prints. Nothing else.

Exit codes: 0 ok, 1 problems found or the run failed, 2 usage.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from . import __version__
from .cli_zh import ZhGroup
from .config import Program, load_program
from .errors import SheetsSyncError, system_error

if TYPE_CHECKING:  # the templates (and YAML) are loaded when a command asks for them
    from .books.base import WriteBatch
    from .forms.template import FormTemplate

F = TypeVar("F", bound=Callable[..., Any])


class Context:
    def __init__(self, debug: bool, config: Path | None, templates_dir: Path | None) -> None:
        self.debug = debug
        self.config = config
        self.templates_dir = templates_dir

    def program(self) -> Program:
        return load_program(self.config)

    def templates(self) -> dict[str, FormTemplate]:
        from .forms.template import default_templates, load_templates

        if self.templates_dir:
            return load_templates(self.templates_dir)
        return default_templates()


def handle_errors(fn: F) -> F:
    """Turn SheetsSyncError into ``错误:…`` and exit 1 (a traceback only with --debug).

    An operating-system error nobody caught (a full disk, no permission, a folder where a
    file should be) is shown the same way, in Chinese (:func:`~sheets_sync.errors.system_error`).
    """

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as raised:
            e = raised if isinstance(raised, SheetsSyncError) else system_error(raised)
            obj = click.get_current_context().find_object(Context)
            if e is None or (obj is not None and obj.debug):
                raise
            click.echo(f"错误:{e}", err=True)
            sys.exit(e.exit_code)

    return wrapper  # type: ignore[return-value]


def json_option(fn: F) -> F:
    return click.option("--json", "as_json", is_flag=True,
                        help="输出 JSON(给定时任务和其他程序读),不输出表格。")(fn)


def book_argument(fn: F) -> F:
    """BOOK: a workbook path, a CSV file, a Google spreadsheet link or ``gsheet:KEY``."""
    fn = click.option(
        "--credentials", type=click.Path(dir_okay=False, path_type=Path),
        envvar="GOOGLE_APPLICATION_CREDENTIALS", show_envvar=True,
        help="Google 服务账号密钥或 OAuth 令牌文件(只有 Google 表格需要)。",
    )(fn)
    return click.argument("book", type=str, required=False)(fn)


def dry_run_option(fn: F) -> F:
    return click.option("--dry-run", is_flag=True,
                        help="只显示将要写入的内容,什么都不写。")(fn)


@click.group(cls=ZhGroup,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="sheets-sync", message="%(prog)s %(version)s",
                      help="显示版本号并退出。")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path),
              help="项目配置文件(默认:当前文件夹的 sheets-sync.toml)。")
@click.option("--templates", "templates_dir",
              type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="表单模板所在的文件夹(默认:自带的 form_templates)。")
@click.option("--debug", is_flag=True, help="出错时显示完整的错误追踪(traceback),供开发者排查。")
@click.pass_context
def cli(ctx: click.Context, config: Path | None, templates_dir: Path | None, debug: bool) -> None:
    """让志愿者项目的 Google 总表和各地的 Excel 工作簿保持一致、正确。

    在有 sheets-sync.toml 的项目文件夹中,sheets-sync run 一次做完同步、校验、查重和生成报表;
    其他命令各做其中一步。每个命令加 --help 可看用法。

    示例:

        sheets-sync demo ./demo && sheets-sync validate ./demo/总表.xlsx
    """
    ctx.obj = Context(debug, config, templates_dir)


# --------------------------------------------------------------------------- validate

@cli.command()
@book_argument
@json_option
@click.option("--fix", is_flag=True,
              help="同时改正可以安全规范化的单元格(全角数字、电话里的分隔符、x→X、"
                   "日期写成 2026-07-01 格式),并列出每一处修改。")
@dry_run_option
@click.pass_obj
@handle_errors
def validate(obj: Context, book: str | None, credentials: Path | None, as_json: bool, fix: bool,
             dry_run: bool) -> None:
    """按表单模板检查 BOOK 的每个表单工作表。

    BOOK 可以是 .xlsx/.xlsm 工作簿、.csv 文件或 Google 表格(表格链接,或 gsheet:KEY);
    在项目文件夹中可以不写(即总表),并像 run 一样使用项目的模板、项目信息和同步记录。
    工作表按名称或表头识别。问题写入工作簿的“校验问题”工作表和“校验结果”列
    (--dry-run 时不写,.csv 文件也不写);写入可以用 sheets-sync restore 撤销。
    没有错误时退出码为 0,有错误时为 1。

    示例:

        sheets-sync validate 总表.xlsx --fix

        sheets-sync validate gsheet:1AbC… --credentials key.json --json
    """
    from .output import print_fixes, print_report, report_json
    from .sync.pipeline import StepOptions, run_pipeline

    project = _slice_project(obj, book, credentials)
    result = run_pipeline(project, steps=("validate",), dry_run=dry_run,
                          options=StepOptions(fix=fix))
    result.raise_failed()
    report = result.validation
    assert report is not None
    batch = result.batches.get("validate")
    if as_json:
        click.echo(json.dumps(report_json(report), ensure_ascii=False, indent=1))
    else:
        print_report(report)
        if fix:
            print_fixes(report, dry_run=dry_run)
        for m in result.messages:
            click.echo(m)
        if dry_run and batch is not None:
            click.echo(_dry_run_note(batch))
        elif result.sync.run_id and batch:
            click.echo(f"(第 {result.sync.run_id} 次运行;可用 sheets-sync restore "
                       f"{result.sync.run_id} 撤销)")
    sys.exit(0 if report.valid and result.ok else 1)


def _slice_project(obj: Context, book: str | None, credentials: Path | None) -> Any:
    """The project a slice runs on (see :func:`sheets_sync.sync.slices.project_for`)."""
    from dataclasses import replace

    from .config import CONFIG_NAME
    from .sync.slices import project_for

    if book is None and obj.config is None and not (Path.cwd() / CONFIG_NAME).exists():
        raise click.UsageError("缺少参数 BOOK:请写出工作簿(文件路径或 Google 表格链接),"
                               "或在有 sheets-sync.toml 的项目文件夹中运行(默认用总表)。")
    project = project_for(book, config=obj.config,
                          templates=obj.templates() if obj.templates_dir else None)
    if credentials is not None:
        project = replace(project, credentials=str(credentials))
    return project


# --------------------------------------------------------------------------- project: sync, run

def _project(obj: Context) -> Any:
    from .sync.project import load_project

    return load_project(obj.config)


def _print_sync(result: Any, *, dry_run: bool, templates: Any = None) -> None:
    if dry_run:
        click.echo(result.plan_text)
    from .sync.pipeline import status_zh

    c = result.counts
    click.echo(f"第 {result.run_id} 次同步:{status_zh(result.status)};"
               f"新增 {c.get('appended', 0)} 行,"
               f"修改 {c.get('updated', 0)} 个单元格,移动 {c.get('moved', 0)},"
               f"删除 {c.get('deleted', 0)},冲突 {c.get('conflicts', 0)},"
               f"新编号 {c.get('new_ids', 0)}。")
    for b in result.books:
        extra = f"、{b.tabs} 个工作表" if b.tabs else ""
        extra += f"({b.message})" if b.message else ""
        click.echo(f"  {b.name}[{'总表' if b.role == 'hub' else '分表'}]:{status_zh(b.status)}"
                   f",{b.cells} 个单元格{extra}")
    if result.conflicts:
        from .output import masked_json

        shown = masked_json({"conflicts": result.conflicts},
                            templates.values() if templates else [])["conflicts"]
        for c in shown[:20]:
            who = f"{c['id']}({c['name']})" if c.get("name") else c["id"]
            if c.get("held"):
                click.echo(f"  冲突(安全相关,待核实):{c['form']} {who} “{c['field']}”:"
                           f"{c['kept_book']} 写的是“{c['kept']}”,{c['lost_book']} 写的是"
                           f"“{c['lost']}”,两边都没有改动;花名册上两个值都显示。"
                           "请核实后在“同步冲突”表的“处理”列选择。")
                continue
            click.echo(f"  冲突:{c['form']} {who} “{c['field']}”:保留 {c['kept_book']} 的"
                       f"“{c['kept']}”,未采用 {c['lost_book']} 的“{c['lost']}”"
                       "(两个值都记在“同步冲突”表中;如未采用的值才对,"
                       "请在该表的“处理”列选“采用另一值”)")
        if len(shown) > 20:
            click.echo(f"  ……另有 {len(shown) - 20} 处冲突,见“同步冲突”表")
    said = {b.message for b in result.books if b.message}
    for m in result.messages:
        if m not in said:  # a skipped book's reason is on its own line already
            click.echo(f"  {m}")


@cli.command()
@click.argument("directory", required=False, default=".",
                type=click.Path(file_okay=False, path_type=Path))
@handle_errors
def init(directory: Path) -> None:
    """写一个带中文注释的 sheets-sync.toml 和空白的总表、分表,开始一个项目。

    写在 DIRECTORY 中(默认:当前文件夹)。配置里写的本地工作簿(总表.xlsx 和各县分表)
    还不存在的,按表单模板生成空白工作簿:每个同步的表单一个工作表,带表头、下拉选项和
    填写提示。已有的 sheets-sync.toml 和工作簿都不会覆盖;Google 总表需在 Google 中新建。
    按注释改好配置后,运行 sheets-sync sync。

    示例:

        sheets-sync init 项目 && cd 项目 && sheets-sync sync --dry-run
    """
    from .sync.init import init_folder

    result = init_folder(directory)
    if result.config_written:
        click.echo(f"已生成 {result.config}:请按注释填写总表和各分表的位置。")
    else:
        click.echo(f"{result.config} 已经存在,没有改动它。")
    if result.books:
        click.echo("已生成空白工作簿(每个表单一个工作表,带表头和下拉选项):"
                   + "、".join(p.name for p in result.books))
    from .output import program_command, quote_path

    command, hint = program_command()
    cd = "" if directory == Path(".") else f"cd {quote_path(str(directory))} && "
    click.echo(f"接着可以:{cd}{command} sync --dry-run(查看将要同步的内容)")
    if hint:
        click.echo(hint)


def safety_options(fn: F) -> F:
    """``--allow-delete BOOK`` and ``--rebase-from hub|spoke``: the guards' ways through."""
    fn = click.option("--rebase-from", "rebase_from", type=click.Choice(["hub", "spoke"]),
                      help="分表没有同步记录(state.db 缺失或新加入)而与总表不一致时:hub 以总表"
                           "为准,spoke 以分表为准。")(fn)
    return click.option("--allow-delete", "allow_delete", multiple=True, metavar="BOOK",
                        help="本次允许这个工作簿删除超过上限的记录(或清空、缺少整个表单工作表);"
                             "可写多次。")(fn)


def _safety(allow_delete: tuple[str, ...], rebase_from: str | None) -> Any:
    from .sync.pipeline import StepOptions

    return StepOptions(allow_delete=frozenset(allow_delete), rebase_from=rebase_from)


@cli.command()
@json_option
@dry_run_option
@safety_options
@click.pass_obj
@handle_errors
def sync(obj: Context, as_json: bool, dry_run: bool, allow_delete: tuple[str, ...],
         rebase_from: str | None) -> None:
    """双向合并总表和各分表(当前文件夹 sheets-sync.toml 里的项目)。

    只有一边改过的内容同步到另一边;同一条记录两边改了不同的单元格,两处修改都保留;
    同一个单元格两边改成不同的值,记入“同步冲突”工作表;删除的行移入“回收站”;
    新加的行得到编号。每个工作簿都同步成功时退出码为 0,有工作簿被跳过或运行失败时为 1。

    示例:

        sheets-sync sync --dry-run
    """
    from .output import masked_json, progress
    from .sync.pipeline import run_pipeline

    with progress() as step:
        step("同步总表和各分表……")
        project = _project(obj)
        result = run_pipeline(project, steps=("sync",), dry_run=dry_run,
                              options=_safety(allow_delete, rebase_from)).sync
    if as_json:  # conflicts carry both values: masked as everywhere outside the hub
        click.echo(json.dumps(masked_json(result.as_json(), project.templates.values()),
                              ensure_ascii=False, indent=1))
    else:
        _print_sync(result, dry_run=dry_run, templates=project.templates)
    sys.exit(0 if result.ok else 1)


@cli.command()
@json_option
@dry_run_option
@safety_options
@click.pass_obj
@handle_errors
def run(obj: Context, as_json: bool, dry_run: bool, allow_delete: tuple[str, ...],
        rebase_from: str | None) -> None:
    """对项目做完整的一轮:同步、校验、查重、生成报表,一次写入。

    定时任务运行的就是这个命令。各步的修改在最后一起写入,可以用 sheets-sync restore
    整体撤销。输入和上次没有问题的运行完全相同时,不再重复各步,直接显示那次的结果。
    全部同步成功且总表没有校验错误时退出码为 0,否则为 1。

    示例:

        sheets-sync run --json
    """
    from .output import masked_json, progress, summary_line
    from .sync.pipeline import run_pipeline

    with progress() as step:
        project = _project(obj)
        result = run_pipeline(project, dry_run=dry_run, progress=step,
                              options=_safety(allow_delete, rebase_from))
    if as_json:  # conflicts carry both values: masked as everywhere outside the hub
        click.echo(json.dumps(masked_json(result.as_json(), project.templates.values()),
                              ensure_ascii=False, indent=1))
    else:
        _print_sync(result.sync, dry_run=dry_run, templates=project.templates)
        data = result.cached if result.quiet_since else result.as_json()
        since = f"(第 {result.quiet_since} 次运行的结果)" if result.quiet_since else ""
        if data.get("validate"):
            click.echo("校验:" + summary_line(data["validate"]) + since)
        for summary in (data.get("validate_spokes") or {}).values():
            click.echo("校验:" + summary_line(summary) + since)
        books = [data.get("validate") or {}, *(data.get("validate_spokes") or {}).values()]
        for notice in dict.fromkeys(n for s in books for n in s.get("notices", [])):
            click.echo(notice)  # said once, however many books it concerns
        if data.get("dedupe") is not None:
            merged = data["dedupe"].get("merged") or {}
            joined = "、".join(f"{gone} 并入 {kept}" for gone, kept in list(merged.items())[:10])
            more = f"等 {len(merged)} 对" if len(merged) > 10 else ""
            done = f"按“是同一人”合并了 {joined}{more}(被合并的记录在“回收站”);" if merged else ""
            click.echo(f"查重:{done}疑似重复 {data['dedupe']['pairs']} 对待处理{since}")
        if (data.get("signin") is not None and not result.quiet_since
                and (line := signin_line(data["signin"], dry_run))):
            click.echo(line)
        if data.get("report") is not None:
            written = data["report"]["written"] if not result.quiet_since else []
            click.echo("报表:" + ("更新了 " + "、".join(written) if written else "没有变化"))
            if data["report"].get("open_incidents") is not None:
                click.echo(f"安全日志:处理中的事件 {data['report']['open_incidents']} 起{since}")
            data["messages"] = [*data.get("messages", []),
                                *(f"报表问题:{p}" for p in data["report"]["problems"])]
        for m in data.get("messages", []):
            click.echo(m)
    sys.exit(0 if result.ok else 1)


@cli.command()
@click.argument("run_id", metavar="RUN", type=int)
@json_option
@click.pass_obj
@handle_errors
def restore(obj: Context, run_id: int, as_json: bool) -> None:
    """把每个工作簿恢复到第 RUN 次运行之前的样子。

    运行编号见 sheets-sync history。任何一次运行都可以撤销:同步、--fix 修正、
    查重合并(被合并的记录连同所有值一起回来)、生成的工作表。先检查所有工作簿,
    有一个在 Excel 中打开着就什么都不恢复。恢复本身也是一次运行,同样可以撤销。
    全部恢复时退出码为 0,有工作簿没能恢复时为 1。

    示例:

        sheets-sync restore 12
    """
    from .sync.restore import restore as do_restore

    result = do_restore(_project(obj), run_id)
    if as_json:
        click.echo(json.dumps({"run": result.run_id, "restored_run": result.restored_run,
                               "books": result.books, "left": result.left,
                               "messages": result.messages}, ensure_ascii=False, indent=1))
        sys.exit(0 if result.ok else 1)
    click.echo(f"已把工作簿恢复到第 {result.restored_run} 次运行之前"
               f"(本次为第 {result.run_id} 次运行):")
    for name, n in result.books.items():
        click.echo(f"  {name}:{n} 个工作表")
    for m in result.messages:
        click.echo(f"  {m}")
    sys.exit(0 if result.ok else 1)


@cli.command()
@click.argument("record_ids", metavar="编号...", nargs=-1, required=True)
@json_option
@click.pass_obj
@handle_errors
def undelete(obj: Context, record_ids: tuple[str, ...], as_json: bool) -> None:
    """把同步删除的记录从“回收站”放回总表(每个单元格都按删除前的备份)。

    下次同步时,记录会回到所属的分表。按“是同一人”合并掉的记录请用 restore 撤销那次运行。
    和其他命令一样可以用 restore 撤销。

    示例:

        sheets-sync undelete C0042 C0043
    """
    from .sync.pipeline import StepOptions, run_pipeline

    project = _project(obj)
    result = run_pipeline(project, steps=("undelete",),
                          options=StepOptions(undelete=record_ids))
    result.raise_failed()
    if as_json:
        click.echo(json.dumps({"run": result.sync.run_id, "messages": result.messages},
                              ensure_ascii=False, indent=1))
        return
    for m in result.messages:
        click.echo(m)


@cli.command()
@click.argument("record_id", metavar="[ID]", required=False)
@click.option("--limit", default=200, show_default=True, help="最多显示这么多条修改。")
@click.option("--reveal", "reveal", multiple=True, metavar="字段",
              help="完整显示这个敏感字段(如 --reveal 监护人电话;可写多次)。默认身份证号、电话、"
                   "住址、心理状况等都遮挡显示。")
@json_option
@click.pass_obj
@handle_errors
def history(obj: Context, record_id: str | None, limit: int, reveal: tuple[str, ...],
            as_json: bool) -> None:
    """显示修改记录:每次运行改了哪些单元格,是哪一步改的。

    写 ID(编号)时只看这条记录。每行是时间、第几次运行、步骤(同步、冲突、删除、
    合并、修正、报表、恢复等)、工作簿和工作表、编号、字段、旧值 → 新值和来源。
    身份证号、电话等敏感字段遮挡显示,除非用 --reveal。

    示例:

        sheets-sync history C0042
    """
    from dataclasses import asdict

    from .privacy import reveal_keys
    from .sync.restore import history as audit

    project = _project(obj)
    try:
        shown = reveal_keys(project.templates.values(), reveal)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--reveal") from None
    rows = audit(project, record_id, limit, masked=True, reveal=shown)
    if as_json:
        click.echo(json.dumps([asdict(r) for r in rows], ensure_ascii=False, indent=1))
        return
    if not rows:
        click.echo("没有记录。")
    from .sync.restore import STEP_WORDS

    for r in rows:
        click.echo(f"{r.at.replace('T', ' ')} 第{r.run_id}次 [{STEP_WORDS.get(r.step, r.step)}] "
                   f"{r.book}/{r.tab} {r.record_id} {r.field}:“{r.old}” → “{r.new}”"
                   f"(来源 {r.source})")


def parse_interval(text: str) -> float:
    """``90s``, ``10m``, ``1h`` (or plain seconds) -> seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    t = text.strip().lower()
    try:
        value = float(t[:-1]) * units[t[-1]] if t and t[-1] in units else float(t)
    except ValueError:
        raise click.BadParameter(f"“{text}”不是时间间隔,请写成 30s、10m 或 1h。") from None
    if value < 10:
        raise click.BadParameter("间隔至少 10 秒(Google 每分钟只允许有限的请求)。")
    return value


@cli.command()
@click.option("--every", "every", default="10m", show_default=True,
              help="两次运行之间的间隔:30s(秒)、10m(分钟)、1h(小时)。")
@click.option("--times", type=int, default=None, help="运行这么多次后停止(默认:一直运行)。")
@click.pass_obj
@handle_errors
def watch(obj: Context, every: str, times: int | None) -> None:
    """每隔一段时间运行一轮 run,在前台一直运行到按 Ctrl-C。

    启动时先运行一轮。某一轮失败时显示原因,到下一轮再试;项目锁保证两轮不会同时运行。

    示例:

        sheets-sync watch --every 10m
    """
    from .sync.pipeline import run_pipeline
    from .sync.pipeline import watch as watch_loop

    watch_loop(lambda: run_pipeline(_project(obj)), parse_interval(every), times=times,
               echo=click.echo)


# --------------------------------------------------------------------------- dedupe

@cli.command()
@book_argument
@click.option("--tab", help="只查这个工作表(默认:所有儿童和志愿者工作表)。")
@json_option
@dry_run_option
@click.pass_obj
@handle_errors
def dedupe(obj: Context, book: str | None, credentials: Path | None, tab: str | None, as_json: bool,
           dry_run: bool) -> None:
    """找出登记了两次的儿童和志愿者,交给工作人员决定。

    疑似重复的每一对写入“疑似重复”工作表。能发现错别字、同音字(李明/李鸣)、繁体字(張偉)、不同写法的日期和电话、缺少身份证号;
    不会把双胞胎、兄弟姐妹或表亲当成同一人。每一对都有得分和中文理由。工作人员在“处理结果”
    中选 是同一人 / 不是同一人 / 待定:下次运行会合并 是同一人(保留较早的编号,另一条记录
    移入“回收站”),不再询问 不是同一人 的那一对。这些决定也保存在项目的 state.db 中。
    在项目文件夹中 BOOK 可以不写(即总表)。没有待决定的一对时退出码为 0,有时为 1。

    示例:

        sheets-sync dedupe 总表.xlsx --dry-run
    """
    from .sync.pipeline import StepOptions, run_pipeline

    run = run_pipeline(_slice_project(obj, book, credentials), steps=("dedupe",),
                       dry_run=dry_run, options=StepOptions(dedupe_tab=tab))
    run.raise_failed()
    result = run.duplicates
    assert result is not None
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=1))
    else:
        for p in result.pairs:
            click.echo(f"{p.group or '-'} {p.score:.3f} {p.a.tab}!{p.a.row} {p.a.key} ↔ "
                       f"{p.b.tab}!{p.b.row} {p.b.key}:{';'.join(p.reasons)}")
        click.echo(f"疑似重复 {len(result.pairs)} 对(共检查 {result.n_records} 条记录)。"
                   + ("(--dry-run:未写入)" if dry_run else "已写入“疑似重复”表。"))
        for m in run.messages:
            click.echo(m)
    sys.exit(1 if result.pairs or not run.ok else 0)


# --------------------------------------------------------------------------- report

def parse_reveal(values: tuple[str, ...]) -> dict[str, set[str]]:
    """``rosters=child.guardian_phone`` (repeatable) -> {"rosters": {"child.guardian_phone"}}."""
    out: dict[str, set[str]] = {}
    for v in values:
        name, sep, fields = v.partition("=")
        if not sep or not fields:
            raise click.BadParameter(
                f"“{v}”应写成 报表=表单.字段,例如 rosters=child.guardian_phone。")
        out.setdefault(name.strip(), set()).update(f.strip() for f in fields.split(","))
    return out


@cli.command()
@book_argument
@click.option("--only", help="只生成这些报表,用逗号分隔:rosters(花名册)、grades(年级统计)、"
                             "archive(建档完整率)、budget(预算汇总)、settlement(经费结算表)、"
                             "attendance(出勤统计)、contacts(联系情况)、todo(待办)、"
                             "incidents(安全日志)、signin(签到表)、survey(问卷统计)"
                             "(默认:全部)。")
@click.option("--per-school-books", "per_school", type=click.Path(file_okay=False, path_type=Path),
              help="另外在这个文件夹为每所学校写一个工作簿(只含该校的花名册、签到表和待办)。")
@click.option("--encrypt", is_flag=True,
              help="各校工作簿设置打开密码(密码取自环境变量 SHEETS_SYNC_PASSWORD 或 keyring)。")
@click.option("--reveal", multiple=True, metavar="报表=表单.字段",
              help="在某个报表中完整显示一个敏感字段,例如 rosters=child.guardian_phone"
                   "(可写多次)。")
@json_option
@dry_run_option
@click.pass_obj
@handle_errors
def report(obj: Context, book: str | None, credentials: Path | None, only: str | None,
           per_school: Path | None, encrypt: bool, reveal: tuple[str, ...], as_json: bool,
           dry_run: bool) -> None:
    """在 BOOK 中生成花名册、统计表、预算汇总和经费结算表。

    每所学校一个 花名册-<学校>,以及 年级统计、建档完整率、预算汇总(带 =SUM 核对单元格和
    图表)和 经费结算表(可用 A4 打印)。敏感字段遮挡显示,除非用 --reveal 放行。只重写内容
    有变化的工作表;工作人员在这些工作表里改过的内容会被覆盖,并先列出来。在项目文件夹中
    BOOK 可以不写(即总表)。报表有问题时(例如金额无法识别)退出码为 1。

    示例:

        sheets-sync report 总表.xlsx --only rosters --per-school-books 各校花名册/

        sheets-sync report --only rosters --per-school-books 各校花名册/ --encrypt
    """
    from .books.base import WriteBatch
    from .reports.render import parse_only
    from .sync.pipeline import StepOptions, run_pipeline

    try:
        parse_only(only)
    except SheetsSyncError as e:
        raise click.BadParameter(str(e), param_hint="--only") from None
    if encrypt:
        if per_school is None:
            raise click.BadParameter("只用于各校工作簿,请同时写 --per-school-books 文件夹。",
                                     param_hint="--encrypt")
        from .reports.render import school_books_password

        school_books_password()  # no password: one line before anything is written
    run = run_pipeline(_slice_project(obj, book, credentials), steps=("report",),
                       dry_run=dry_run,
                       options=StepOptions(only=only, reveal=parse_reveal(reveal),
                                           per_school_dir=per_school,
                                           encrypt_school_books=encrypt))
    run.raise_failed()
    result = run.reports
    assert result is not None
    result.problems.extend(run.messages)
    batch = run.batches.get("report", WriteBatch())
    read_back = run.signin.as_json() if run.signin is not None else None
    if as_json:
        click.echo(json.dumps({**result.summary(), "dry_run": dry_run,
                               **({"signin": read_back} if read_back is not None else {})},
                              ensure_ascii=False, indent=1))
    else:
        if read_back is not None and (line := signin_line(read_back, dry_run)):
            click.echo(line)
        verb = "将写入" if dry_run else "已写入"
        click.echo(f"{verb}:{'、'.join(result.written) or '无(没有变化)'}")
        if result.unchanged:
            click.echo(f"没有变化:{'、'.join(result.unchanged)}")
        if result.deleted:
            click.echo(f"删除(学校已不在学校表中):{'、'.join(result.deleted)}")
        for o in result.overwritten[:20]:
            click.echo(f"  将覆盖 {o.tab}!{o.cell} “{o.old}” → “{o.new}”")
        if len(result.overwritten) > 20:
            click.echo(f"  ……另有 {len(result.overwritten) - 20} 个单元格将被覆盖")
        for path in result.school_books:
            click.echo(f"各校工作簿:{path}")
        for problem in result.problems:
            click.echo(f"[问题] {problem}")
        if dry_run:
            click.echo(f"(--dry-run:未写入;将写入 {len(batch.tabs)} 个工作表)")
    sys.exit(1 if result.problems else 0)


def signin_line(read_back: dict[str, Any], dry_run: bool) -> str | None:
    """What the 签到表 read back into 出勤, in one line (None when nothing was typed)."""
    new, updated, conflicts = len(read_back["new"]), len(read_back["updated"]), \
        read_back["conflicts"]
    if not (new or updated or conflicts):
        return None
    parts = [f"新增 {new} 条", f"更新 {updated} 条"]
    if conflicts:
        parts.append(f"冲突 {conflicts} 个(两边都改了,保留“出勤”的值,见“同步冲突”)")
    ids = [*read_back["new"], *read_back["updated"]]
    shown = "、".join(ids[:10]) + (f" 等 {len(ids)} 条" if len(ids) > 10 else "")
    verb = "将记入" if dry_run else "记入"
    return f"签到表:{verb}“出勤” {'、'.join(parts)}" + (f"({shown})" if ids else "") + "。"


# --------------------------------------------------------------------------- pair

@cli.command()
@book_argument
@json_option
@dry_run_option
@click.pass_obj
@handle_errors
def pair(obj: Context, book: str | None, credentials: Path | None, as_json: bool,
         dry_run: bool) -> None:
    """为每个还没有结对的儿童推荐一名志愿者(写入“结对建议”工作表)。

    有“支队”和“进驻安排”表时,每所有支队进驻的学校的儿童由进驻该校的支队的队员结对,每人
    每校最多 ⌈儿童数 ÷ 队员数⌉ 名(不超过 pair_capacity_max,默认 5);没有这两张表时按学校
    (或县)结对,每人最多 pair_capacity 名(默认 3)。整体求最优分配:只用已录取并参加过培训
    的志愿者,薄弱科目对应志愿者的特长,各人负担均衡,五年级起同性别结对;结不上对的儿童
    按学校写明原因和人数。工作人员在
    “确认”中写 接受 或 拒绝:下次运行把接受的一行写入“结对”(只写一次),拒绝的一对不再推荐。
    在项目文件夹中 BOOK 可以不写(即总表)。

    示例:

        sheets-sync pair 总表.xlsx --dry-run
    """
    from .books.base import WriteBatch
    from .sync.pipeline import run_pipeline

    run = run_pipeline(_slice_project(obj, book, credentials), steps=("pair",),
                       dry_run=dry_run)
    run.raise_failed()
    result = run.pairing
    assert result is not None
    batch = run.batches.get("pair", WriteBatch())
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=1))
        return
    click.echo(f"结对建议 {len(result.proposals)} 条;写入结对 {len(result.accepted)} 条;"
               f"无法结对的儿童 {len(result.unpaired_children)} 名;"
               f"暂无儿童的志愿者 {len(result.idle_volunteers)} 名。")
    for line in result.summary:
        click.echo(f"  {line}")
    for note in [*result.notes, *run.messages]:
        click.echo(f"  {note}")
    if dry_run:
        click.echo(_dry_run_note(batch))


def _dry_run_note(batch: WriteBatch) -> str:
    """What a --dry-run would have written (cells and tabs of the book's batch)."""
    return f"(--dry-run:未写入;将写入 {batch.n_cells()} 个单元格、{len(batch.tabs)} 个工作表)"


# --------------------------------------------------------------------------- schedule

@cli.command()
@book_argument
@json_option
@dry_run_option
@click.pass_obj
@handle_errors
def schedule(obj: Context, book: str | None, credentials: Path | None, as_json: bool,
             dry_run: bool) -> None:
    """推荐支队和每周进驻安排(写入“排班建议”工作表)。

    支队:每个大队已录取、培训完成 是、还没有所属支队的志愿者,按 team_size(默认 8)人一队,
    性别、学院、特长搭配均衡,成绩最高者推荐为队长;已有支队的志愿者不动。进驻:每所 协议已签
    为“是”、还没有进驻安排的学校安排一次,每个支队每周一所学校(从 visit_start 起每周六天,
    周日准备下一所),只在本大队的县(除非 cross_county = true),同一乡镇的学校尽量连续几周。
    工作人员在“确认”中写 接受 或 拒绝:下次运行把接受的支队写入“支队”(并填上队员的所属支队)、
    接受的进驻写入“进驻安排”(只写一次);拒绝的不再推荐。排不下的学校和组不成队的志愿者列在表末,
    附每个县的核算。在项目文件夹中 BOOK 可以不写(即总表)。

    示例:

        sheets-sync schedule 总表.xlsx --dry-run
    """
    from .books.base import WriteBatch
    from .sync.pipeline import run_pipeline

    run = run_pipeline(_slice_project(obj, book, credentials), steps=("schedule",),
                       dry_run=dry_run)
    run.raise_failed()
    result = run.schedule
    assert result is not None
    batch = run.batches.get("schedule", WriteBatch())
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=1))
        return
    click.echo(f"排班建议:支队 {len(result.teams)} 个、进驻 {len(result.visits)} 次;"
               f"写入支队 {len(result.accepted_teams)} 个、"
               f"进驻安排 {len(result.accepted_visits)} 条;"
               f"保留已确认的行 {len(result.kept)} 行;未能排班 {len(result.unscheduled)} 项。")
    for line in result.arithmetic:
        click.echo(f"  {line}")
    for u in result.unscheduled[:20]:
        click.echo(f"  [未能排班] {u.kind} {u.name}:{u.reason}")
    if len(result.unscheduled) > 20:
        click.echo(f"  ……另有 {len(result.unscheduled) - 20} 项,见“排班建议”表末")
    for note in [*result.notes, *run.messages]:
        click.echo(f"  {note}")
    if dry_run:
        click.echo(_dry_run_note(batch))


# --------------------------------------------------------------------------- privacy

@cli.command()
@click.option("--school-books", "school_books", multiple=True,
              type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="另外检查这个文件夹中的各校花名册(可写多次;report --per-school-books "
                   "写过的文件夹会自动检查)。")
@json_option
@dry_run_option
@click.pass_obj
@handle_errors
def privacy(obj: Context, school_books: tuple[Path, ...], as_json: bool, dry_run: bool) -> None:
    """检查项目的每个工作簿中有哪些敏感信息没有遮挡,写入总表的“隐私检查”工作表。

    检查总表、sheets-sync.toml 中的每个分表,以及 report --per-school-books 写出的各校
    花名册:每个工作簿中完整(未遮挡)的身份证号、电话、住址、心理状况等各有多少个单元格,
    是否设置了打开密码,最后写入的时间,以及分表的 sensitive 设置。只列数量,不显示任何
    敏感信息本身。总表以外的工作簿中有完整的身份证号或心理状况(或其他县儿童的完整监护人
    电话)时,或有工作簿无法读取(文件不存在、有密码但没有提供)时,退出码为 1;否则为 0。

    示例:

        sheets-sync privacy

        sheets-sync privacy --school-books 各校花名册/ --dry-run --json
    """
    from .sync.pipeline import StepOptions, run_pipeline

    run = run_pipeline(_project(obj), steps=("privacy",), dry_run=dry_run,
                       options=StepOptions(school_books=school_books))
    report = run.privacy
    if report is None:
        run.raise_failed()
    assert report is not None
    batch = run.batches.get("privacy")
    code = 0 if report.ok and not run.failed_steps else 1  # the audit, and its tab written
    if as_json:
        click.echo(json.dumps({**report.as_json(), "run": run.sync.run_id, "dry_run": dry_run,
                               "written": bool(batch) and not dry_run,
                               "messages": run.messages}, ensure_ascii=False, indent=1))
        sys.exit(code)
    rows = report.rows()
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(show_lines=True)
        for head in rows[0][:-1]:
            table.add_column(head)
        for row in rows[1:]:
            table.add_row(*row[:-1])
        Console().print(table)
    else:
        for row in rows:
            click.echo(" | ".join(row[:-1]))
    for b in report.books:
        if b.error:
            click.echo(f"[无法检查] {b.name}:{b.error}")
        else:
            for line in b.problems:
                click.echo(f"[需处理] {line}")
        for line in b.notes:
            click.echo(f"[注意] {line}")
    for line in [*report.notes, *run.messages]:
        click.echo(line)
    click.echo(report.summary())
    if dry_run:
        click.echo("(--dry-run:未写入“隐私检查”工作表)")
    elif batch:
        click.echo(f"已写入总表的“隐私检查”工作表(第 {run.sync.run_id} 次运行)。")
    elif not run.failed_steps:
        click.echo("总表的“隐私检查”工作表没有变化。")
    sys.exit(code)


# --------------------------------------------------------------------------- templates

@cli.group()
def templates() -> None:
    """查看、导出表单模板,或生成空白表格。

    示例:

        sheets-sync templates export child --table-schema > child.schema.json
    """


@templates.command("list")
@json_option
@click.pass_obj
@handle_errors
def templates_list(obj: Context, as_json: bool) -> None:
    """列出表单模板:代码、工作表名、编号前缀、字段数。

    示例:

        sheets-sync templates list
    """
    from .forms.schema import template_summary

    forms = obj.templates()
    if as_json:
        click.echo(json.dumps([
            {"form": t.key, "label": t.label, "id_prefix": t.id_prefix, "fields": len(t.fields)}
            for t in forms.values()], ensure_ascii=False, indent=1))
        return
    for row in template_summary(forms):
        click.echo("\t".join(str(c) for c in row))


def _form(obj: Context, form: str) -> FormTemplate:
    forms = obj.templates()
    if form in forms:
        return forms[form]
    for t in forms.values():
        if form in t.tab_names:
            return t
    raise click.UsageError(f"没有表单“{form}”。可用:{', '.join(forms)}")


@templates.command("show")
@click.argument("form")
@click.pass_obj
@handle_errors
def templates_show(obj: Context, form: str) -> None:
    """显示一个表单的字段和规则(FORM:表单代码如 child,或工作表名)。

    示例:

        sheets-sync templates show child
    """
    from .forms.schema import template_detail

    click.echo(template_detail(_form(obj, form)))


@templates.command("export")
@click.argument("form")
@click.option("--table-schema", "table_schema", is_flag=True,
              help="导出为 Frictionless Table Schema(JSON 格式)。")
@click.option("--xlsform", "xlsform", type=click.Path(dir_okay=False, path_type=Path),
              help="导出为 XLSForm(.xlsx),可上传到 KoboToolbox 或 ODK Central,"
                   "在手机上离线填写;收回的数据用 sheets-sync import 导入。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="写入这个文件,而不是输出到屏幕。")
@click.pass_obj
@handle_errors
def templates_export(obj: Context, form: str, table_schema: bool, xlsform: Path | None,
                     output: Path | None) -> None:
    """导出表单 FORM 的模板:Frictionless Table Schema,或 XLSForm(手机离线填写用)。

    XLSForm 有 survey、choices、settings 三个工作表:中文题目和填写提示,必填项,
    身份证号、手机号等的格式检查,选项字段的中文选项;可用 pyxform 转成 XForm。

    示例:

        sheets-sync templates export child --table-schema -o child.schema.json

        sheets-sync templates export survey --xlsform 调查问卷.xlsx
    """
    if xlsform is not None:
        from .intake.xlsform import write_xlsform

        write_xlsform(_form(obj, form), xlsform, obj.program())
        click.echo(f"已写入 {xlsform}(XLSForm:可上传到 KoboToolbox 或 ODK Central)")
        return
    if not table_schema:
        raise click.UsageError("请选择导出格式:--table-schema 或 --xlsform 文件.xlsx。")
    from .forms.schema import table_schema as to_schema

    text = json.dumps(to_schema(_form(obj, form), obj.program()), ensure_ascii=False, indent=2)
    if output:
        from .errors import DiskFull, FileUnusable, is_disk_full, os_reason

        made = not output.parent.exists()
        try:  # a folder that is not there yet is made, as templates build does
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text + "\n", encoding="utf-8")
        except OSError as e:
            if is_disk_full(e):
                raise DiskFull(output) from e
            file = next((p for p in (output.parent, *output.parent.parents)
                         if p.exists() and not p.is_dir()), None)
            why = f"{file} 是一个文件,不是文件夹" if file else os_reason(e)
            raise FileUnusable(f"无法写入 {output}:{why}。请换一个位置。") from e
        click.echo(f"已写入 {output}" + (f"(新建了文件夹 {output.parent})" if made else ""))
    else:
        click.echo(text)


@templates.command("build")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--forms", "forms", multiple=True, metavar="FORM",
              help="只生成这些表单(表单代码如 child,或工作表名);可写多次。")
@click.option("--rows", default=500, show_default=True,
              help="预先设置好下拉列表和格式的行数。")
@click.option("--interpreter", help="Windows 上 Excel 按钮使用的 Python 程序"
                                    "(写入 xlwings.conf 工作表)。")
@json_option
@click.pass_obj
@handle_errors
def templates_build(obj: Context, out_dir: Path, forms: tuple[str, ...], rows: int,
                    interpreter: str | None, as_json: bool) -> None:
    """生成空白的 .xlsm 表格:带下拉列表、填写提示和“控制面板”按钮。

    每个表单一个工作簿(另有包含全部表单的 全部表格.xlsm):中文表头,字段说明作为输入提示,
    选项字段和 县 → 学校 的下拉列表,身份证号和电话列设为文本格式,日期检查,冻结表头,
    锁定编号列,以及一个“控制面板”工作表,其中的按钮(校验、同步、查重、生成花名册、
    预算汇总、结对建议)通过 xlwings 运行 sheets-sync。旁边同时写入 sheets_sync_macros.py。

    示例:

        sheets-sync templates build 空白表格 --forms child --forms school
    """
    from .blank import build_blank_workbooks

    conf = {"Interpreter_Win": interpreter} if interpreter else None
    paths = build_blank_workbooks(out_dir, obj.templates(), obj.program(), list(forms) or None,
                                  rows=rows, conf=conf)
    if as_json:
        click.echo(json.dumps({"written": [str(p) for p in paths]}, ensure_ascii=False,
                              indent=1))
        return
    for path in paths:
        click.echo(f"已写入 {path}")


# --------------------------------------------------------------------------- demo

@cli.command()
@click.argument("directory", required=False, default="sheets-sync-demo",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", default=2026, show_default=True, help="生成虚构数据用的随机种子。")
@click.option("--force", is_flag=True,
              help="文件夹不是空的也写入:重新生成以前的演示,或把演示写在已有文件旁边。"
                   "真实项目的文件(sheets-sync.toml、总表.xlsx 等)加了也不会覆盖。")
@json_option
@click.pass_obj
@handle_errors
def demo(obj: Context, directory: Path, seed: int, force: bool, as_json: bool) -> None:
    """在 DIRECTORY 中生成一个虚构的项目,并在上面演示各个步骤。

    写入总表(总表.xlsx)和每个县一个的分表,其中故意放了一些错误和重复(列在
    DIRECTORY/README.md 中),然后同步、校验每个工作簿(问题写入各自的“校验问题”工作表),
    并显示汇总。不需要 Google 账号;所有数据都是虚构的。

    DIRECTORY 须是新的或空的文件夹。加 --force 可以重新生成以前的演示文件夹,或写进
    有其他文件的文件夹;但演示从不覆盖不是它写的文件:有 sheets-sync.toml、总表.xlsx、
    各县工作簿、README.md 或 .sheets-sync 的文件夹(真实项目)加 --force 也会被拒绝。

    示例:

        sheets-sync demo ./demo
    """
    from .demo.run import run_demo
    from .output import print_demo

    result = run_demo(directory, seed=seed, templates=obj.templates(), program=obj.program(),
                      force=force)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=1))
    else:
        print_demo(result)


# --------------------------------------------------------------------------- import

@cli.command("import")
@click.argument("export", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--form", "form", required=True,
              help="答卷属于哪个表单:表单代码如 volunteer,或工作表名如 志愿者报名表。")
@click.option("--into", "into", metavar="BOOK",
              help="导入到这个工作簿(默认:项目的总表)。")
@click.option("--name", "name",
              help="这次导入的名字(默认“工具名-表单名”,如 问卷星-志愿者报名表);"
                   "同一工具的两份不同问卷导入同一表单时,请各起一个名字。")
@json_option
@dry_run_option
@click.pass_obj
@handle_errors
def import_(obj: Context, export: Path, form: str, into: str | None, name: str | None,
            as_json: bool, dry_run: bool) -> None:
    """把问卷工具导出的答卷(EXPORT:.xlsx 或 .csv)导入表单工作表。

    认得 问卷星、腾讯问卷、金数据、Google 表单、KoboToolbox 和 ODK Central 的导出文件:
    去掉题号和“您的”“(必填)”等字样后按字段名和别名对应各列;多选题的 ┋ 和
    每个选项一列(0/1)都能识别。认不出的列写进“导入映射”工作表,请在“对应字段”中选择
    后再运行一次(选好的对应关系保存到 sheets-sync.toml,以后不再询问)。再次导入同一份
    或更新的导出文件时,只加入新的答卷;问卷中改过的答案会更新它导入的那一行,但工作人员在
    表中改过的单元格不会被覆盖(写入“同步冲突”)。新记录自动编号,答卷的提交编号和时间记在
    导入来源/提交编号/提交时间 三列。导入后校验;写入可以用 sheets-sync restore 撤销。
    导入的记录有错误、或有列待确认时退出码为 1;导出文件的列一个也对应不上时为 2。

    示例:

        sheets-sync import 志愿者报名_问卷星.xlsx --form volunteer

        sheets-sync import 儿童调查.csv --form survey --into 总表.xlsx --dry-run
    """
    from .config import CONFIG_NAME
    from .intake import import_export

    if into is None and obj.config is None and not (Path.cwd() / CONFIG_NAME).exists():
        raise click.UsageError("请用 --into 写明导入到哪个工作簿,或在有 sheets-sync.toml 的"
                               "项目文件夹中运行(默认导入总表)。")
    project = _slice_project(obj, into, None)
    templates = project.templates
    if form not in templates and not any(form in t.tab_names for t in templates.values()):
        raise click.UsageError(f"没有表单“{form}”。可用:" + "、".join(
            f"{t.key}({t.label})" for t in templates.values()))
    run = import_export(project, export, form, name=name, dry_run=dry_run)
    run.raise_failed()
    res = run.intake
    assert res is not None
    errors = [p for p in (run.validation.errors if run.validation else [])
              if p.tab == res.tab and p.row in res.sheet_rows]
    if as_json:
        click.echo(json.dumps({**res.as_json(), "run": run.sync.run_id, "dry_run": dry_run,
                               "errors": len(errors), "messages": run.messages},
                              ensure_ascii=False, indent=1))
        sys.exit(1 if res.waiting or errors or not run.sync.ok else 0)
    click.echo(res.summary())
    if res.new_ids:
        click.echo("  新编号:" + "、".join(res.new_ids[:10])
                   + (f" 等 {len(res.new_ids)} 个" if len(res.new_ids) > 10 else ""))
    if res.counts["conflicts"]:
        click.echo(f"  {res.counts['conflicts']} 处问卷中的修改与表中的修改不同,保留了表中的值,"
                   "两个值都记在“同步冲突”中。")
    for line in [*res.messages, *run.messages]:
        click.echo(f"  {line}")
    if errors:
        click.echo(f"校验:导入的记录中有 {len(errors)} 个错误,已写入“校验问题”工作表:")
        for p in errors[:10]:
            click.echo(f"  {p.message}")
    elif run.validation is not None and not res.waiting:
        click.echo("校验:导入的记录没有错误。")
    if dry_run:
        click.echo("(--dry-run:没有写入)")
    elif run.sync.run_id and run.batches.get("import"):
        click.echo(f"(第 {run.sync.run_id} 次运行;可用 sheets-sync restore "
                   f"{run.sync.run_id} 撤销)")
    if res.to_save and not dry_run and project.config_file is not None:
        click.echo(f"已把“导入映射”中确认的 {len(res.to_save)} 列保存到 sheets-sync.toml 的 "
                   f"[imports.\"{res.name}\"]。")
    sys.exit(1 if res.waiting or errors or not run.sync.ok else 0)


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(prog_name="sheets-sync", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("已中断。", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
