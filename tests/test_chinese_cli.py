"""Everything the CLI says about itself is Chinese: every ``--help``, click's usage errors,
``Abort``, our ``错误:`` prefix, and TOML mistakes in the config (with line, column and fix).

"English sentence" = three or more English words in a row once option names, paths and
file names, rule codes, metavars and the examples (lines that start with ``sheets-sync``)
are taken out. The detector is itself checked on click's own English output.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sheets_sync import __version__
from sheets_sync.cli import cli
from sheets_sync.cli_zh import ZhGroup, message_zh, translate, wrap
from sheets_sync.config import load_program, toml_error
from sheets_sync.errors import ConfigError

PROPER_NAMES = ("Frictionless Table Schema",)
_STRIP = re.compile(
    r"https?://\S+"                      # links
    r"|(?<![\w-])-{1,2}[\w-]+(?:=\S*)?"  # options: -h, --dry-run, --only=x
    r"|\S*[\w\]>)]\.\w\S*"               # files and codes: 总表.xlsx, state.db, id.checksum
    r"|\S*[/\\]\S*"                      # paths: ./demo, 各校花名册/
    r"|\b[A-Z][A-Z0-9_]{2,}\b"           # metavars and constants: BOOK, RUN, JSON
)
_SENTENCE = re.compile(r"[A-Za-z]+(?:[\s,:;'\"()]+[A-Za-z]+){2,}")


def english_sentences(text: str) -> list[str]:
    """The lines of ``text`` that hold an English sentence (see the module docstring)."""
    found = []
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("sheets-sync ") or s.startswith("$ "):
            continue  # an example, as it is typed
        for name in PROPER_NAMES:
            s = s.replace(name, "")
        s = _COMMAND_PATH.sub(" ", s)
        if _SENTENCE.search(_STRIP.sub(" ", s)):
            found.append(line)
    return found


def walk(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...],
                                                                          click.Command]]:
    yield path, group
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from walk(cmd, (*path, name))
        else:
            yield (*path, name), cmd


_NAMES = sorted({n for path, _ in walk(cli) for n in path}, key=len, reverse=True)
_COMMAND_PATH = re.compile(r"sheets-sync(?: (?:" + "|".join(map(re.escape, _NAMES)) + r")\b)*")
COMMANDS = [pytest.param(path, cmd, id=" ".join(path) or "sheets-sync") for path, cmd in walk(cli)]
REQUIRES_ARGUMENT = [
    pytest.param(path, cmd, id=" ".join(path)) for path, cmd in walk(cli)
    if any(isinstance(p, click.Argument) and p.required for p in cmd.params)]


@pytest.fixture(autouse=True)
def empty_folder(tmp_path: Path) -> Iterator[Path]:
    """Every command runs in an empty folder (no sheets-sync.toml to pick up)."""
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(cwd)


def invoke(*args: str, group: click.Group = cli) -> tuple[int, str]:
    result = CliRunner().invoke(group, list(args), prog_name="sheets-sync")
    assert not isinstance(result.exception, AssertionError)
    return result.exit_code, result.output


# --------------------------------------------------------------------------- the detector

def test_the_detector_finds_clicks_own_english() -> None:
    @click.group()
    def plain() -> None:
        """Keep things in order."""

    @plain.command()
    @click.argument("run", type=int)
    def restore(run: int) -> None:
        """Put every book back."""

    runner = CliRunner()
    for args in (["--help"], ["restore"], ["restore", "x"], ["nope"], ["restore", "--nope"]):
        out = runner.invoke(plain, args, prog_name="sheets-sync").output
        assert english_sentences(out), (args, out)


@pytest.mark.parametrize("line", [
    "  sheets-sync templates export child --table-schema > child.schema.json",
    "  --credentials 文件   Google 服务账号密钥(只有 Google 表格需要)。[环境变量:GOOGLE_APPLICATION_CREDENTIALS]",
    "错误:没有选项 --no-such-option。你是不是想写 --dry-run?",
    "导出为 Frictionless Table Schema(JSON 格式)。",
    "用法:sheets-sync [选项] 命令 [参数]...",
])
def test_the_detector_lets_names_codes_and_examples_through(line: str) -> None:
    assert english_sentences(line) == []


# --------------------------------------------------------------------------- every command

@pytest.mark.parametrize(("path", "cmd"), COMMANDS)
def test_help_is_chinese(path: tuple[str, ...], cmd: click.Command) -> None:
    code, out = invoke(*path, "--help")
    assert code == 0, out
    assert out.startswith(f"用法:{' '.join(('sheets-sync', *path))} [选项]")
    assert "示例:" in out
    assert "选项:" in out and "-h, --help" in out and "显示本帮助并退出。" in out
    assert english_sentences(out) == []


@pytest.mark.parametrize(("path", "cmd"), COMMANDS)
def test_a_bad_option_is_a_chinese_usage_error(path: tuple[str, ...], cmd: click.Command) -> None:
    code, out = invoke(*path, "--no-such-option")
    assert code == 2, out
    name = " ".join(("sheets-sync", *path))
    assert out.startswith(f"用法:{name} [选项]")
    assert f"请运行 {name} --help 查看帮助。\n\n错误:没有选项 --no-such-option。" in out
    assert english_sentences(out) == []


@pytest.mark.parametrize(("path", "cmd"), REQUIRES_ARGUMENT)
def test_a_missing_argument_is_a_chinese_usage_error(path: tuple[str, ...],
                                                     cmd: click.Command) -> None:
    code, out = invoke(*path)
    assert code == 2, out
    first = next(p for p in cmd.params if isinstance(p, click.Argument) and p.required)
    assert f"错误:缺少参数 {first.human_readable_name}。" in out
    assert english_sentences(out) == []


def test_there_are_commands_with_required_arguments() -> None:
    names = {str(p.id) for p in REQUIRES_ARGUMENT}
    assert {"restore", "templates show", "templates export", "templates build"} <= names


# --------------------------------------------------------------------------- exact messages

@pytest.mark.parametrize(("args", "message"), [
    pytest.param(["restore", "x"], "错误:RUN 的值不对:“x”不是整数。", id="not-an-integer"),
    pytest.param(["sync", "extra"],
                 "错误:多了参数 extra:这个命令不需要它(路径里有空格时请给整个路径加引号)。",
                 id="extra-argument"),
    pytest.param(["nosuch"], "错误:没有命令 nosuch。", id="no-such-command"),
    pytest.param(["synk"], "错误:没有命令 synk。你是不是想写 sync?", id="did-you-mean"),
    pytest.param(["validate", "--dryrun"], "错误:没有选项 --dryrun。你是不是想写 --dry-run?",
                 id="did-you-mean-option"),
    pytest.param(["import", "x.csv"], "错误:缺少选项 --form。", id="missing-option"),
    pytest.param(["templates", "export", "child"],
                 "错误:请选择导出格式:--table-schema 或 --xlsform 文件.xlsx。",
                 id="missing-format"),
    pytest.param(["watch", "--every"], "错误:选项 --every 后面要写一个值。",
                 id="option-needs-a-value"),
    pytest.param(["run", "--dry-run=3"], "错误:选项 --dry-run 是开关,不带值:请去掉 = 和后面的内容。",
                 id="flag-with-a-value"),
    pytest.param(["--templates", "没有这个文件夹", "templates", "list"],
                 "错误:--templates 的值不对:文件夹 没有这个文件夹 不存在:请检查路径和拼写。",
                 id="missing-folder"),
])
def test_usage_errors_exact(args: list[str], message: str) -> None:
    code, out = invoke(*args)
    assert code == 2
    assert out.rstrip().splitlines()[-1] == message


def test_no_command_shows_the_chinese_help() -> None:
    code, out = invoke()
    assert code == 2
    assert out.startswith("用法:sheets-sync [选项] 命令 [参数]...")
    assert "命令:" in out and english_sentences(out) == []


def test_version() -> None:
    assert invoke("--version") == (0, f"sheets-sync {__version__}\n")


def test_our_errors_say_cuowu_and_exit_1() -> None:
    code, out = invoke("validate", "没有这个文件.xlsx")
    assert code == 1
    assert out.startswith("错误:找不到工作簿文件")


def test_option_extras_are_chinese() -> None:
    _, out = invoke("watch", "--help")
    assert "[默认:10m]" in out
    _, out = invoke("validate", "--help")
    assert "[环境变量:GOOGLE_APPLICATION_CREDENTIALS]" in out


def test_abort_and_interrupt_are_chinese() -> None:
    @click.group(cls=ZhGroup)
    def g() -> None:
        """测试。"""

    @g.command()
    def stop() -> None:
        """停下。"""
        raise click.Abort()

    @g.command()
    def ctrl_c() -> None:
        """按 Ctrl-C。"""
        raise KeyboardInterrupt

    @g.command()
    def confirm() -> None:
        """询问。"""
        click.confirm("继续吗?", abort=True)

    assert invoke("stop", group=g) == (1, "已取消。\n")
    code, out = invoke("ctrl-c", group=g)
    assert code == 1 and out.strip() == "已中断。"
    asked = CliRunner().invoke(g, ["confirm"], input="n\n")
    assert asked.exit_code == 1 and asked.output.endswith("已取消。\n")


def test_not_standalone_still_raises_for_callers() -> None:
    with pytest.raises(click.UsageError) as err:
        cli.main(["restore"], prog_name="sheets-sync", standalone_mode=False)
    assert message_zh(err.value) == "缺少参数 RUN。"


@pytest.mark.parametrize(("english", "chinese"), [
    ("'abc' is not a valid integer.", "“abc”不是整数。"),
    ("'1.5x' is not a valid float.", "“1.5x”不是数字。"),
    ("'x' is not one of 'hub', 'spoke'.", "“x”不是可选的值:请写 'hub', 'spoke' 之一。"),
    ("File 'a.toml' does not exist.", "文件 a.toml 不存在:请检查路径和拼写。"),
    ("Directory 'out' is a file.", "out 是一个文件,这里要写文件夹。"),
    ("Could not open file 'a.json': Permission denied", "无法打开文件 a.json:没有权限"),
    ("Missing command.", "缺少命令:请在 sheets-sync 后面写一个命令,例如 sheets-sync run。"),
    ("我们自己的中文消息。", "我们自己的中文消息。"),
])
def test_translate(english: str, chinese: str) -> None:
    assert translate(english) == chinese


def test_wrap_counts_a_chinese_character_as_two_columns_and_keeps_words_whole() -> None:
    lines = wrap("同步总表和各分表 sheets-sync.toml 里的项目,一次写入。", 20)
    assert lines == ["同步总表和各分表", "sheets-sync.toml 里", "的项目,一次写入。"]
    assert wrap("一二三四五六七八九十。", 20) == ["一二三四五六七八九十。"]  # never 。 first


# --------------------------------------------------------------------------- TOML errors

@pytest.mark.parametrize(("text", "message"), [
    pytest.param('[project]\nname = "x"\n名称 = "x"\n',
                 '第 3 行第 1 列:键名只能用英文字母、数字、_ 和 -(中文键名请加英文双引号,'
                 '例如 "名称" = "…")。这一行是:名称 = "x"', id="chinese-key"),
    pytest.param('partition = {县 = "满城"}\n',
                 '第 1 行第 14 列:键名只能用英文字母、数字、_ 和 -(中文键名请加英文双引号,'
                 '例如 "名称" = "…")。这一行是:partition = {县 = "满城"}', id="chinese-key-inline"),
    pytest.param('[hub]\nbook = "总表.xlsx\n',
                 '第 2 行第 16 列:引号没有闭合:这一行的文字少了结尾的英文双引号 "。'
                 '这一行是:book = "总表.xlsx', id="unclosed-string"),
    pytest.param('[hub]\nbook = "总表.xlsx',
                 "文件末尾:引号没有闭合:文字少了结尾的英文引号。", id="unclosed-at-end"),
    pytest.param('[hub]\nbook "总表.xlsx"\n',
                 '第 2 行第 6 列:键名后面缺少 =:应写成 键 = 值,例如 book = "总表.xlsx"'
                 '(键名中间不能有空格)。这一行是:book "总表.xlsx"', id="missing-equals"),
    pytest.param('[hub]\nbook \uff1d "总表.xlsx"\n',
                 '第 2 行第 6 列:这里用了中文标点 \uff1d :TOML 里的等号、引号、逗号、方括号、'
                 '花括号都要用英文半角符号(= " , [ ] { })。这一行是:book \uff1d "总表.xlsx"',
                 id="full-width-equals"),
    pytest.param('[hub]\nbook = \u201c总表.xlsx\u201d\n',
                 '第 2 行第 8 列:这里用了中文标点 \u201c :TOML 里的等号、引号、逗号、方括号、'
                 '花括号都要用英文半角符号(= " , [ ] { })。这一行是:book = \u201c总表.xlsx\u201d',
                 id="chinese-quotes"),
    pytest.param('[hub]\nbook = 总表.xlsx\n',
                 '第 2 行第 8 列:值的写法不对:文字和路径要加英文双引号(例如 book = "总表.xlsx"),'
                 '数字直接写,是/否写 true 或 false,日期写成 2026-07-01。这一行是:book = 总表.xlsx',
                 id="unquoted-path"),
    pytest.param('[hub]\nbook = "a.xlsx"\nbook = "b.xlsx"\n',
                 '第 3 行第 16 列:同一个键写了两次(或与前面的表名重复):请删掉其中一个。'
                 '这一行是:book = "b.xlsx"', id="duplicate-key"),
    pytest.param('[hub]\nbook = "a.xlsx"\n[hub]\n',
                 "第 3 行第 5 列:表 [hub] 写了两次:请把两处的内容合并到一个表里。这一行是:[hub]",
                 id="duplicate-table"),
    pytest.param('[hub\nbook = "a.xlsx"\n',
                 "第 1 行第 5 列:表名的方括号没有闭合:应写成 [hub] 这样。这一行是:[hub",
                 id="unclosed-table-header"),
    pytest.param('[[spokes]\nbook = "a.xlsx"\n',
                 "第 1 行第 9 列:表名的方括号没有闭合:应写成 [[spokes]] 这样。这一行是:[[spokes]",
                 id="unclosed-array-header"),
    pytest.param('[hub]\nbook = "D:\\数据\\总表.xlsx"\n',
                 "第 2 行第 13 列:双引号里的反斜杠 \\ 有特殊含义:Windows 路径请改用单引号"
                 "(book = 'D:\\数据\\总表.xlsx'),或改用正斜杠(book = \"D:/数据/总表.xlsx\")。"
                 '这一行是:book = "D:\\数据\\总表.xlsx"', id="windows-path"),
    pytest.param('[program]\nstart_date = 2026-7-1\n',
                 '第 2 行第 18 列:一行只能写一个 键 = 值,这里多出了内容:多个值请写成 ["a", "b"],'
                 "日期请写成 2026-07-01(月和日都写两位)。这一行是:start_date = 2026-7-1",
                 id="short-date"),
    pytest.param('[project]\nforms = ["child", "school"\n',
                 '文件末尾:方括号 [ ] 没有闭合:列表应写成 ["child", "school"]。', id="unclosed-array"),
    pytest.param('[[spokes]]\npartition = {county = "满城"\n',
                 '第 2 行第 27 列:花括号 { } 没有闭合:应写成 {county = "满城"},而且要写在同一行。'
                 '这一行是:partition = {county = "满城"', id="unclosed-inline-table"),
])
def test_toml_errors_are_chinese_with_line_and_fix(tmp_path: Path, text: str,
                                                   message: str) -> None:
    path = tmp_path / "sheets-sync.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_program(path)
    assert str(err.value) == f"{path} {message}"


def test_toml_error_in_the_project_goes_through_the_same_function(tmp_path: Path) -> None:
    (tmp_path / "sheets-sync.toml").write_text('[hub]\nbook = 总表.xlsx\n', encoding="utf-8")
    code, out = invoke("sync")
    assert code == 1
    assert out.startswith(f"错误:{tmp_path / 'sheets-sync.toml'} 第 2 行第 8 列:值的写法不对:")
    assert "Invalid value" not in out


def test_a_gbk_config_says_to_save_it_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "sheets-sync.toml"
    path.write_bytes('[hub]\nbook = "总表.xlsx"\n'.encode("gbk"))
    with pytest.raises(ConfigError) as err:
        load_program(path)
    assert str(err.value) == (f"{path}:文件不是 UTF-8 编码(可能是 GBK)。请用记事本打开它,"
                              "“另存为”时编码选 UTF-8,再运行一次。")


def test_an_unknown_toml_message_still_names_the_place_in_chinese(tmp_path: Path) -> None:
    import tomllib

    err = tomllib.TOMLDecodeError("Something new (at line 4, column 2)")
    assert str(toml_error(tmp_path / "x.toml", err)) == (
        f"{tmp_path / 'x.toml'} 第 4 行第 2 列:格式错误(Something new):"
        "请对照 sheets-sync init 生成的配置文件检查这一行。")
