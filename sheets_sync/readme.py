"""Keeps the generated parts of README.md true to the code.

Two blocks of the README are generated: the CLI reference (from ``--help``) and the form
fields (from the templates). ``python -m sheets_sync.readme`` rewrites them in place;
``tests/test_docs.py`` fails when they are stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from .config import Program
from .forms.template import default_templates

MARKERS = ("cli", "forms")


def _helps(cmd: click.Command, name: str, parent: click.Context | None) -> list[tuple[str, str]]:
    """(full command name, --help text) for ``cmd`` and every subcommand, as the CLI shows them."""
    settings = {**cmd.context_settings, "terminal_width": 100, "max_content_width": 100}
    ctx = cmd.context_class(cmd, info_name=name.rsplit(" ", 1)[-1], parent=parent, **settings)
    out = [(name, cmd.get_help(ctx))]
    if isinstance(cmd, click.Group):
        for sub in sorted(cmd.commands):
            out.extend(_helps(cmd.commands[sub], f"{name} {sub}", ctx))
    return out


def cli_reference() -> str:
    """Every command's ``--help``, as Markdown."""
    from .cli import cli

    return "\n".join(f"### `{name}`\n\n```\n{text}\n```\n"
                     for name, text in _helps(cli, "sheets-sync", None))


def forms_reference() -> str:
    from .forms.schema import template_markdown

    return template_markdown(default_templates(), Program())


def render(text: str) -> str:
    """``text`` with each generated block replaced by its current content."""
    blocks = {"cli": cli_reference(), "forms": forms_reference()}
    for key in MARKERS:
        pattern = re.compile(rf"<!-- {key}:start -->\n.*?<!-- {key}:end -->", re.S)
        found = pattern.search(text)
        if found is None:
            raise ValueError(f"README has no <!-- {key}:start --> … <!-- {key}:end --> block")
        block = f"<!-- {key}:start -->\n{blocks[key].rstrip()}\n<!-- {key}:end -->"
        text = text[:found.start()] + block + text[found.end():]
    return text


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("README.md")
    path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"updated {path}")


if __name__ == "__main__":
    main()
