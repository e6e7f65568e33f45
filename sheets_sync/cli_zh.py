"""click, in Chinese: the help layout and click's own messages, for the ``sheets-sync`` group.

click writes its own words (``Usage:``, ``Options:``, ``Missing argument``, ``No such
option``, ``Aborted!``, ``Error:`` …) in English through :mod:`gettext`. Rather than patch
click's modules or depend on the user's locale, the CLI is built from the classes here, at
the one place it is built (``@click.group(cls=ZhGroup)`` in :mod:`sheets_sync.cli`):

- :class:`ZhGroup` / :class:`ZhCommand` give every command ``[选项]`` / ``命令 [参数]...`` in
  its usage line, Chinese metavars for options (``文本``, ``整数``, ``文件``, ``文件夹``), a
  Chinese ``--help`` line and a short help cut at ``。``; their :class:`ZhContext` formats
  help with :class:`ZhHelpFormatter` (``用法:``, ``选项:``, ``命令:``, ``[默认:10m]``),
  which wraps by display width (a Chinese character is two columns) and keeps examples as
  written;
- :meth:`ZhGroup.main` runs click without its standalone handling and shows every
  :class:`click.ClickException` itself: the usage line, ``请运行 sheets-sync validate --help
  查看帮助。`` and ``错误:`` + the message in Chinese (:func:`message_zh`, from the
  exception's own fields where it has them, else from :data:`MESSAGES`, click's English
  patterns). ``Abort`` is ``已取消。`` (``已中断。`` after Ctrl-C). Exit codes stay click's:
  2 for usage errors, 1 otherwise.

A message click adds in a later version and :data:`MESSAGES` does not know is shown as
click wrote it; ``tests/test_chinese_cli.py`` runs every command with ``--help``, a bad
option and a missing argument, and fails on any English sentence. Only :mod:`click`,
:mod:`re` and :mod:`unicodedata` are imported, so ``--help`` stays light.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

import click
from click.exceptions import NoArgsIsHelpError, NoSuchCommand

HEADINGS = {"Options": "选项", "Commands": "命令", "Positional arguments": "参数"}
HELP_OPTION_HELP = "显示本帮助并退出。"
VERSION_OPTION_HELP = "显示版本号并退出。"
ABORTED = "已取消。"
INTERRUPTED = "已中断。"

_PATH_KIND = {"File": "文件", "Directory": "文件夹", "Path": "路径"}
_NUMBER_KIND = {"integer": "整数", "float": "数字", "integer range": "整数", "float range": "数字"}

# click's English (after formatting) -> Chinese; tried in order, first full match wins
MESSAGES: list[tuple[re.Pattern[str], str]] = [(re.compile(p, re.S), zh) for p, zh in [
    (r"Got unexpected extra arguments? \((?P<args>.*)\)",
     "多了参数 {args}:这个命令不需要它(路径里有空格时请给整个路径加引号)。"),
    (r"Option '(?P<name>[^']+)' requires an argument\.",
     "选项 {name} 后面要写一个值。"),
    (r"Option '(?P<name>[^']+)' requires (?P<n>\d+) arguments\.",
     "选项 {name} 后面要写 {n} 个值。"),
    (r"Option '(?P<name>[^']+)' does not take a value\.",
     "选项 {name} 是开关,不带值:请去掉 = 和后面的内容。"),
    (r"Argument '(?P<name>[^']+)' takes (?P<n>\d+) values\.", "参数 {name} 要写 {n} 个值。"),
    (r"Takes (?P<n>\d+) values but (?P<m>\d+) (?:was|were) given\.",
     "要写 {n} 个值,实际写了 {m} 个。"),
    (r"Missing command\.", "缺少命令:请在 sheets-sync 后面写一个命令,例如 sheets-sync run。"),
    (r"'(?P<value>.*)' is not a valid (?P<kind>integer|float|integer range|float range)\.",
     "“{value}”不是{kind}。"),
    (r"'(?P<value>.*)' is not a valid boolean\.", "“{value}”不是是/否值:请写 true 或 false。"),
    (r"'(?P<value>.*)' is not a valid UUID\.", "“{value}”不是有效的 UUID。"),
    (r"(?P<value>.+) is not in the range (?P<range>.+)\.", "{value} 不在允许的范围 {range} 内。"),
    (r"'(?P<value>.*)' is not one of (?P<choices>.+)\.",
     "“{value}”不是可选的值:请写 {choices} 之一。"),
    (r"'(?P<value>.*)' is not (?P<choices>'[^']*')\.", "“{value}”不是可选的值:请写 {choices}。"),
    (r"(?P<kind>File|Directory|Path) '(?P<path>.+)' does not exist\.",
     "{kind} {path} 不存在:请检查路径和拼写。"),
    (r"(?P<kind>File|Directory|Path) '(?P<path>.+)' is a file\.",
     "{path} 是一个文件,这里要写文件夹。"),
    (r"(?P<kind>File|Directory|Path) '(?P<path>.+)' is a directory\.",
     "{path} 是一个文件夹,这里要写文件。"),
    (r"(?P<kind>File|Directory|Path) '(?P<path>.+)' is not readable\.",
     "{kind} {path} 无法读取:没有权限。"),
    (r"(?P<kind>File|Directory|Path) '(?P<path>.+)' is not writable\.",
     "{kind} {path} 无法写入:没有权限,或文件是只读的。"),
    (r"(?P<kind>File|Directory|Path) '(?P<path>.+)' is not executable\.",
     "{kind} {path} 不能运行:没有执行权限。"),
    (r"Could not open file '(?P<path>.+)': (?P<reason>.+)", "无法打开文件 {path}:{reason}"),
    (r"Value must be an iterable\.", "这里要写一组值。"),
    (r"unknown error", "未知错误"),
    (r"No such file or directory", "文件或文件夹不存在"),
    (r"Permission denied", "没有权限"),
]]


def translate(text: str) -> str:
    """click's English ``text`` in Chinese (unchanged when it is ours or unknown)."""
    text = text.strip()
    for pattern, zh in MESSAGES:
        found = pattern.fullmatch(text)
        if found:
            parts = {k: translate(v) if k == "reason" else v
                     for k, v in found.groupdict().items()}
            if "kind" in parts:
                parts["kind"] = _PATH_KIND.get(parts["kind"]) or _NUMBER_KIND[parts["kind"]]
            return zh.format(**parts)
    return text


def _unquote(hint: str) -> str:
    """click's ``'--only' / '-o'`` hint -> ``--only / -o``."""
    return re.sub(r"'([^']*)'", r"\1", hint)


def _param_hint(e: click.BadParameter) -> str:
    hint: str | Sequence[str] | None = e.param_hint
    if hint is None and e.param is not None:
        hint = e.param.get_error_hint(e.ctx)
    if hint is None:
        return ""
    return _unquote(hint if isinstance(hint, str) else " / ".join(hint))


def _possibilities(found: Sequence[str] | None) -> str:
    if not found:
        return ""
    return "你是不是想写 " + "、".join(sorted(found)) + "?"


def message_zh(e: click.ClickException) -> str:
    """What ``e`` says, in Chinese (without the ``错误:`` prefix)."""
    if isinstance(e, click.MissingParameter):
        kind = {"option": "选项"}.get(e.param_type or (e.param.param_type_name if e.param
                                                       else ""), "参数")
        hint = _param_hint(e)
        text = f"缺少{kind} {hint}。" if hint else f"缺少{kind}。"
        extra = ""
        if isinstance(e.param, click.Parameter) and isinstance(e.param.type, click.Choice):
            extra = "可选:" + "、".join(str(c) for c in e.param.type.choices) + "。"
        if e.message:
            extra = translate(e.message) + extra
        return text + extra
    if isinstance(e, click.BadParameter):
        hint = _param_hint(e)
        return f"{hint} 的值不对:{translate(e.message)}" if hint else translate(e.message)
    if isinstance(e, click.NoSuchOption):
        if e.message == f"No such option {e.option_name!r}.":
            text = f"没有选项 {e.option_name}。"
        else:
            text = translate(e.message)
        return text + _possibilities(e.possibilities)
    if isinstance(e, NoSuchCommand):
        if e.message == f"No such command {e.command_name!r}.":
            text = f"没有命令 {e.command_name}。"
        else:
            text = translate(e.message)
        return text + _possibilities(e.possibilities)
    if isinstance(e, click.FileError):
        return translate(e.format_message())
    return translate(e.message)


def show_error(e: click.ClickException) -> None:
    """Print ``e`` as click would, in Chinese: usage and help hint for usage errors, then
    ``错误:…``, on standard error."""
    if isinstance(e, NoArgsIsHelpError):  # the help itself, already Chinese
        e.show()
        return
    ctx = e.ctx if isinstance(e, click.UsageError) else None
    if ctx is not None:
        names = ctx.command.get_help_option_names(ctx)
        hint = f"请运行 {ctx.command_path} {max(names, key=len)} 查看帮助。\n" if names else ""
        click.echo(f"{ctx.get_usage()}\n{hint}", err=True, color=ctx.color)
    click.echo(f"错误:{message_zh(e)}", err=True)


# --------------------------------------------------------------------------- layout

def _char_width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def text_width(text: str) -> int:
    """Columns ``text`` takes on a terminal (a Chinese character takes two)."""
    return sum(_char_width(c) for c in text)


_TOKENS = re.compile(r"[\x21-\x7e]+|\s+|.")
_NO_LINE_START = set(",。、;:?!)》”’…")


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns: ASCII words kept whole, a line may
    break between any two Chinese characters, never before closing punctuation."""
    lines: list[str] = []
    line, used = "", 0
    for token in _TOKENS.findall(text):
        if token.isspace():
            token = " "
        w = text_width(token)
        if used + w > width and line.strip() and token[0] not in _NO_LINE_START:
            lines.append(line.rstrip())
            line, used = "", 0
            if token == " ":
                continue
        line += token
        used += w
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _join_lines(lines: Iterable[str]) -> str:
    """Lines of one paragraph as one string: a space where the line break stood between two
    ASCII words or between ASCII and a Chinese character (``在 BOOK 中``), none between two
    Chinese characters or next to full-width punctuation."""
    out = ""
    for line in (s.strip() for s in lines):
        if out and line and _space_between(out[-1], line[0]):
            out += " "
        out += line
    return out


def _space_between(left: str, right: str) -> bool:
    wide = [_char_width(c) == 2 for c in (left, right)]
    if not any(wide):
        return True
    if all(wide):
        return False
    w = left if wide[0] else right
    return not unicodedata.category(w).startswith("P")


class ZhHelpFormatter(click.HelpFormatter):
    """click's help layout with Chinese words, measured in display columns."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法:" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{HEADINGS.get(heading, heading)}:\n")

    def write_text(self, text: str) -> None:
        """Paragraphs rewrapped to the width; indented ones (examples) and ``\\b`` ones kept
        line by line as written."""
        indent = " " * self.current_indent
        out: list[str] = []
        for para in re.split(r"\n\s*\n", text.strip("\n")):
            lines = para.splitlines()
            if lines and lines[0].strip() == "\b":
                out.append("\n".join(indent + line for line in lines[1:]))
            elif lines and lines[0][:1].isspace():
                out.append("\n".join(indent + line.rstrip() for line in lines))
            else:
                out.append("\n".join(indent + line for line in
                                     wrap(_join_lines(lines), self.width - self.current_indent)))
        self.write("\n\n".join(out) + "\n")

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30,
                 col_spacing: int = 2) -> None:
        rows = [(first, option_extras_zh(second)) for first, second in rows]
        first_col = min(max((text_width(r[0]) for r in rows), default=0), col_max) + col_spacing
        pad = " " * (first_col + self.current_indent)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if text_width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - text_width(first)))
            else:
                self.write("\n" + pad)
            lines = wrap(_join_lines(second.splitlines()),
                         max(self.width - first_col - self.current_indent, 10))
            self.write(("\n" + pad).join(lines) + "\n")


_EXTRA = re.compile(r"\s*\[((?:env var|default|required)[^\]]*)\]$")


def option_extras_zh(help_text: str) -> str:
    """``… [env var: X; default: 10m; required]`` -> ``…[环境变量:X;默认:10m;必填]``."""
    found = _EXTRA.search(help_text)
    if not found:
        return help_text
    items = []
    for item in found.group(1).split("; "):
        key, _, value = item.partition(": ")
        items.append({"env var": f"环境变量:{value}", "default": f"默认:{value}",
                      "required": "必填"}.get(key, item))
    return help_text[:found.start()] + "[" + ";".join(items) + "]"


# --------------------------------------------------------------------------- classes

def _metavar(param: click.Parameter) -> str | None:
    t = param.type
    if isinstance(t, click.Path):
        return "文件" if not t.dir_okay else "文件夹" if not t.file_okay else "路径"
    if isinstance(t, click.types.IntParamType):
        return "整数"
    if isinstance(t, click.types.FloatParamType):
        return "数字"
    if isinstance(t, click.types.StringParamType):
        return "文本"
    return None


class ZhContext(click.Context):
    formatter_class = ZhHelpFormatter


class ZhCommand(click.Command):
    """A command whose help and usage are in Chinese (see the module docstring)."""

    context_class = ZhContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)
        for p in self.params:
            if isinstance(p, click.Option) and p.metavar is None and not p.is_flag:
                p.metavar = _metavar(p)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION_HELP
        return option

    def get_short_help_str(self, limit: int = 45) -> str:
        """The first sentence of the help (up to ``。``), cut to ``limit`` columns."""
        if self.short_help or not self.help:
            return super().get_short_help_str(limit)
        para = _join_lines(self.help.strip().split("\n\n")[0].splitlines())
        first = para.split("。")[0]
        lines = wrap(first, limit - 1)
        return lines[0] + ("…" if len(lines) > 1 else "") if lines else ""


class ZhGroup(ZhCommand, click.Group):
    """The ``sheets-sync`` group: Chinese help, and click's errors shown in Chinese."""

    command_class = ZhCommand
    group_class = type  # subgroups are ZhGroups too

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        """click's ``main``; in standalone mode the errors are shown by :func:`show_error`
        (exit 2 for usage errors, 1 otherwise) and ``Abort`` as ``已取消。``."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False,
                                windows_expand_args=windows_expand_args, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False,
                              windows_expand_args=windows_expand_args, **extra)
        except click.ClickException as e:
            show_error(e)
            sys.exit(e.exit_code)
        except click.Abort as e:
            interrupted = isinstance(e.__cause__, (KeyboardInterrupt, EOFError))
            click.echo(INTERRUPTED if interrupted else ABORTED, err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)
