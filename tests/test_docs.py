"""Docs cannot drift: the facade, the README's generated blocks, every command documented."""

from __future__ import annotations

from pathlib import Path

import click

import sheets_sync
from sheets_sync.cli import cli
from sheets_sync.readme import render

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_all_is_sorted_and_importable() -> None:
    assert sheets_sync.__all__ == sorted(sheets_sync.__all__)
    for name in sheets_sync.__all__:
        assert hasattr(sheets_sync, name), name


def test_readme_generated_blocks_are_current() -> None:
    assert render(README) == README, "run: python -m sheets_sync.readme"


def test_every_command_is_in_the_readme_with_an_example() -> None:
    def walk(group: click.Group, prefix: str) -> list[tuple[str, click.Command]]:
        out = []
        for name, cmd in group.commands.items():
            out.append((f"{prefix} {name}", cmd))
            if isinstance(cmd, click.Group):
                out += walk(cmd, f"{prefix} {name}")
        return out

    for name, cmd in walk(cli, "sheets-sync"):
        assert f"`{name}`" in README, name
        assert "示例:" in (cmd.help or ""), f"{name} --help has no 示例:"


def test_readme_opens_with_the_two_setup_commands() -> None:
    head = README.split("## What it does")[0]
    assert "sheets-sync demo" in head and "python -m pytest" in head
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest" in ci
