"""Nothing a person reads in the terminal gives a child's data away (PIPL).

The demo is run as a user runs it, then ``run`` (as the demo's last line prints it, and
through the CLI), ``history``, ``history C0001``, ``validate 总表.xlsx --fix --dry-run`` and the
``--json`` outputs. Every printed line is scanned for a full 18-digit ID, a full mobile number
of a child's family and the 心理状况 texts of the demo's children.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheets_sync.books.excel import read_workbook
from sheets_sync.cli import cli

CHILD = "留守儿童家庭情况登记表"
FULL_ID = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
COMMANDS = [
    ("run",), ("run", "--json"), ("sync", "--json"), ("history", "--limit", "100000"),
    ("history", "C0001"),
    ("history", "--json", "--limit", "100000"), ("validate", "总表.xlsx", "--fix", "--dry-run"), ("validate", "--json"),
]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """The demo folder and what each command printed (the demo itself under ``"demo"``)."""
    root = tmp_path_factory.mktemp("masking")
    folder = root / "demo"
    cwd = Path.cwd()
    os.chdir(root)
    try:
        code, out = invoke("demo", "demo")
        assert code == 0, out
        printed = {"demo": out}
        # the demo's last line, run as printed (in a shell, from where the demo was made)
        last = out.splitlines()[-2 if out.splitlines()[-1].startswith("(或者") else -1]
        assert last.startswith("接着可以:cd demo && ")
        done = subprocess.run(last.removeprefix("接着可以:"), shell=True, cwd=root,
                              capture_output=True, text=True, timeout=300, check=False)
        assert "第" in done.stdout and "次同步" in done.stdout, done.stderr
        printed["as printed: run"] = done.stdout + done.stderr
        os.chdir(folder)
        for args in COMMANDS:
            printed[" ".join(args)] = invoke(*args)[1]
        yield folder, printed
    finally:
        os.chdir(cwd)


def _hub_values(folder: Path) -> tuple[set[str], set[str], dict[str, set[str]]]:
    """(family mobiles, volunteer mobiles, header -> values) of the hub as the demo left it."""
    hub = read_workbook(folder / "总表.xlsx")
    values: dict[str, set[str]] = {}
    for tab in (CHILD, "志愿者报名表"):
        head, *rows = hub[tab].rows
        for j, h in enumerate(head):
            values.setdefault(f"{tab}.{h}", set()).update(r[j] for r in rows if j < len(r) and r[j])
    family = set()
    for h in ("父亲电话", "母亲电话", "监护人电话"):
        family |= {re.sub(r"\D", "", v) for v in values[f"{CHILD}.{h}"]}
    family |= {"13900001111", "13900002222"}  # the demo's conflict: both values
    volunteers = {re.sub(r"\D", "", v) for v in values["志愿者报名表.手机号"]}
    return family, volunteers, values


def test_no_full_id_number_is_printed(demo: tuple[Path, dict[str, str]]) -> None:
    _, printed = demo
    for command, out in printed.items():
        for line in out.splitlines():
            assert not FULL_ID.search(line), f"{command}: {line}"


def test_no_family_mobile_is_printed(demo: tuple[Path, dict[str, str]]) -> None:
    folder, printed = demo
    family, volunteers, _ = _hub_values(folder)
    assert len(family) > 1000
    for command, out in printed.items():
        for line in out.splitlines():
            for number in MOBILE.findall(line):
                # a volunteer's own mobile is not sensitive in the templates; a family's is
                assert number not in family and number in volunteers, f"{command}: {line}"


def test_no_psychology_text_is_printed(demo: tuple[Path, dict[str, str]]) -> None:
    folder, printed = demo
    _, _, values = _hub_values(folder)
    psych = values[f"{CHILD}.心理状况"]
    elsewhere = set().union(*(v for k, v in values.items() if k != f"{CHILD}.心理状况"))
    only_psych = psych - elsewhere  # 良好 is also a 健康状况 value
    assert {"想念父母", "有些孤独", "胆小"} <= only_psych
    for command, out in printed.items():
        for line in out.splitlines():
            assert not any(text in line for text in only_psych), f"{command}: {line}"
            if "心理状况" in line:
                assert not any(f"“{text}”" in line or f'"{text}"' in line for text in psych), (
                    f"{command}: {line}")


def test_history_shows_the_masked_forms(demo: tuple[Path, dict[str, str]]) -> None:
    _, printed = demo
    lines = printed["history --limit 100000"].splitlines()
    conflict = next(x for x in lines if "[冲突]" in x and "监护人电话" in x)
    assert conflict.endswith("满城.xlsx/留守儿童家庭情况登记表 C0003 监护人电话:“139****2222” → "
                             "“139****1111”(来源 总表.xlsx)")
    assert "T" not in conflict.split(" 第")[0]  # local time without the ISO T
    new_child = [x for x in lines if " C3073 " in x]
    assert any(x.endswith("C3073 心理状况:“” → “良*”(来源 清苑.xlsx)") for x in new_child)
    assert any("C3073 父亲电话:“” → “137****5678”" in x for x in new_child)
    rows = json.loads(printed["history --json --limit 100000"])
    phone = next(r for r in rows if r["record_id"] == "C0003" and r["step"] == "conflict")
    assert (phone["field"], phone["old"], phone["new"]) == ("监护人电话", "139****2222",
                                                            "139****1111")


def test_reveal_shows_one_field_for_the_coordinator(demo: tuple[Path, dict[str, str]]) -> None:
    folder, _ = demo
    cwd = Path.cwd()
    os.chdir(folder)
    try:
        code, out = invoke("history", "C3073", "--reveal", "监护人电话")
        assert code == 0
        assert "C3073 监护人电话:“” → “13700001234”" in out      # revealed
        assert "C3073 母亲电话:“” → “137****9012”" in out        # still masked
        code, out = invoke("history", "C3073", "--reveal", "学校")
    finally:
        os.chdir(cwd)
    assert code == 2
    assert ("“学校”不是需要遮挡的字段。可以写:内容、家庭住址、心理状况、手机号、母亲电话、父亲电话、"
            "监护人电话、紧急联系人电话、经过、身份证号(谈心记录的内容写作 talk.字段,如 talk.content)。"
            ) in out


def test_fix_list_and_old_ids_are_masked(demo: tuple[Path, dict[str, str]]) -> None:
    _, printed = demo
    out = printed["validate 总表.xlsx --fix --dry-run"]
    assert "将修正 留守儿童家庭情况登记表!W296 监护人电话:“159****9327” → “159****9327”" in out
    assert ("将修正 志愿者报名表!H2 手机号:“139****9668” → “139****9668”" in out)  # a volunteer's too
    old15 = next(line for line in out.splitlines() if "id.old15" in line)
    assert re.search(r"志愿者报名表!I\d+ 身份证号 “\d{6}\*{5}\d{4}” 这是 15 位的旧身份证号,"
                     r"请改填 18 位号码:在第 6 位数字后插入“19”,末尾加上校验位“[0-9X]”"
                     r".即 \d{6}\*{8}\d{3}[0-9X].。", old15), old15


def test_the_problems_tab_holds_no_full_id(demo: tuple[Path, dict[str, str]]) -> None:
    """校验问题 is a tab outside the form tabs: masked there too (the id.old15 message)."""
    folder, _ = demo
    for book in ("总表.xlsx", "满城.xlsx", "顺平.xlsx", "清苑.xlsx"):
        for row in read_workbook(folder / book)["校验问题"].rows:
            for cell in row:
                assert not FULL_ID.search(cell), f"{book}: {row}"
