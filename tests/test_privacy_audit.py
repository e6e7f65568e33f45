"""``sheets-sync privacy`` (issue 15, part 5): every book of a project, which sensitive fields
it holds unmasked (counts only), whether it is encrypted, when it was last written; the
隐私检查 tab in the hub; exit 1 on a full 身份证号 or 心理状况 outside the hub, or on a book
that cannot be read.

The books are built here by hand (full values in the hub, masked ones in the spokes), so
the audit is tested on its own, whatever a sync writes into a spoke."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheets_sync.books.crypt import encrypt_file
from sheets_sync.books.excel import read_workbook, write_workbook
from sheets_sync.cli import cli
from sheets_sync.forms.ids import make_id
from sheets_sync.forms.template import default_templates
from sheets_sync.privacy import field_mask_type, mask
from sheets_sync.privacy_audit import HEADERS, scan_grids
from sheets_sync.table import Grid

from .samples import CHILD, SCHOOL

TAB = "留守儿童家庭情况登记表"
HEAD = [*CHILD, "家庭住址", "心理状况"]
PASSWORD = "Qm4-秋分-7z"
FIX_SYNC = "分表中只应有遮挡后的值。请运行 sheets-sync sync,把它改为遮挡显示(分表里新填的值会先完整地同步到总表)。"


def child(rid: str, name: str, county: str, seq: int) -> dict[str, str]:
    return {**CHILD, "编号": rid, "姓名": name, "县": county,
            "身份证号": make_id("130607", dt.date(2015, 3, 8) + dt.timedelta(seq // 500),
                                seq % 500, "女"),
            "监护人电话": f"137{seq:08d}", "父亲电话": f"138{seq:08d}",
            "母亲电话": f"139{seq:08d}", "家庭住址": f"{county}县城关镇东街村{seq}组{seq}号",
            "心理状况": "想念外出的妈妈,有时不愿说话"}


KIDS = [child("C0001", "王小红", "满城", 11), child("C0002", "李小梅", "满城", 12),
        child("C0003", "赵小雨", "顺平", 13)]


def masked(record: dict[str, str], *, keep: tuple[str, ...] = ()) -> dict[str, str]:
    """``record`` as a masked spoke shows it (the headers in ``keep`` left in full)."""
    form = default_templates()["child"]
    out = dict(record)
    for fld in form.fields:
        kind = field_mask_type(form, fld)
        if kind is not None and kind != "record_id" and fld.label in out \
                and fld.label not in keep:
            out[fld.label] = mask(out[fld.label], kind)
    return out


def rows(*records: dict[str, str]) -> list[list[str]]:
    return [HEAD, *[[r.get(h, "") for h in HEAD] for r in records]]


def write_project(root: Path, *, mancheng: str = "", shunping: str = "",
                  forms: str = '["child"]') -> Path:
    (root / "sheets-sync.toml").write_text(
        f'[project]\nforms = {forms}\n[hub]\nbook = "总表.xlsx"\n'
        f'[[spokes]]\nbook = "满城.xlsx"\npartition = {{county = "满城"}}\n{mancheng}\n'
        f'[[spokes]]\nbook = "顺平.xlsx"\npartition = {{county = "顺平"}}\n{shunping}\n',
        encoding="utf-8")
    write_workbook(root / "总表.xlsx", {"学校": [list(SCHOOL), list(SCHOOL.values())],
                                       TAB: rows(*KIDS)})
    write_workbook(root / "满城.xlsx", {TAB: rows(masked(KIDS[0]), masked(KIDS[1]))})
    write_workbook(root / "顺平.xlsx", {TAB: rows(masked(KIDS[2]))})
    return root


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SHEETS_SYNC_PASSWORD", raising=False)
    monkeypatch.setitem(sys.modules, "keyring", None)  # no system keyring: env only
    return write_project(tmp_path)


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def written(path: Path) -> str:
    return dt.datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")


def put(path: Path, record_id: str, header: str, value: str) -> None:
    """What a volunteer does in the field: type ``value`` into the record's cell."""
    tabs = {t: g.rows for t, g in read_workbook(path).items()}
    grid = tabs[TAB]
    row = next(r for r in grid[1:] if r[0] == record_id)
    row[grid[0].index(header)] = value
    write_workbook(path, tabs)


HUB_FIELDS = "身份证号 3、父亲电话 3、母亲电话 3、监护人电话 3、家庭住址 3、心理状况 3"


def test_all_masked_exits_0_prints_the_table_and_writes_the_tab(project: Path) -> None:
    code, out = invoke("privacy")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == " | ".join(HEADERS[:-1])
    assert lines[1] == f"总表.xlsx | 总表 | 完整保存 | 否 | {written(project / '总表.xlsx')} | " \
                       f"{HUB_FIELDS} | 正常"
    assert lines[2] == f"满城.xlsx | 分表 | 遮挡(mask) | 否 | {written(project / '满城.xlsx')} | 无 | 正常"
    assert lines[3] == f"顺平.xlsx | 分表 | 遮挡(mask) | 否 | {written(project / '顺平.xlsx')} | 无 | 正常"
    assert "隐私检查:共 3 个工作簿,分表和各校花名册中没有完整的身份证号或心理状况。" in lines
    assert lines[-1].startswith("已写入总表的“隐私检查”工作表(第 ")
    tab = read_workbook(project / "总表.xlsx")["隐私检查"].rows
    assert tab == [HEADERS,
                   ["总表.xlsx", "总表", "完整保存", "否", "(本工作簿)", HUB_FIELDS, "正常"],
                   ["满城.xlsx", "分表", "遮挡(mask)", "否", written(project / "满城.xlsx"), "无",
                    "正常"],
                   ["顺平.xlsx", "分表", "遮挡(mask)", "否", written(project / "顺平.xlsx"), "无",
                    "正常"]]
    # the next audit of the same books finds the tab as it would write it: nothing written
    before = (project / "总表.xlsx").read_bytes()
    code, out = invoke("privacy")
    assert code == 0 and out.splitlines()[-1] == "总表的“隐私检查”工作表没有变化。"
    assert (project / "总表.xlsx").read_bytes() == before
    code, out = invoke("history", "--limit", "5")
    assert "[隐私检查] 总表.xlsx/隐私检查" in out


def test_a_full_id_in_a_spoke_exits_1_naming_the_book_and_the_field(project: Path) -> None:
    full_id = KIDS[1]["身份证号"]
    put(project / "满城.xlsx", "C0002", "身份证号", full_id)
    code, out = invoke("privacy")
    assert code == 1
    assert (f"[需处理] 满城.xlsx 有 1 个完整的身份证号(留守儿童家庭情况登记表):{FIX_SYNC}"
            in out.splitlines())
    assert "隐私检查:共 3 个工作簿,1 个需要处理:满城.xlsx。" in out
    assert full_id not in out and full_id[6:14] not in out  # counts only, never the value
    tab = read_workbook(project / "总表.xlsx")["隐私检查"].rows
    row = next(r for r in tab if r[0] == "满城.xlsx")
    assert row[5:7] == ["身份证号 1", "需处理"]
    assert row[7].startswith("满城.xlsx 有 1 个完整的身份证号(留守儿童家庭情况登记表):")
    assert full_id not in json.dumps(tab, ensure_ascii=False)


def test_a_full_psychology_text_in_a_spoke_exits_1(project: Path) -> None:
    put(project / "顺平.xlsx", "C0003", "心理状况", "常常一个人哭")
    code, out = invoke("privacy", "--dry-run")
    assert code == 1
    assert (f"[需处理] 顺平.xlsx 有 1 个完整的心理状况(留守儿童家庭情况登记表):{FIX_SYNC}"
            in out.splitlines())
    assert "常常" not in out


def test_a_full_phone_is_said_but_fails_nothing(project: Path) -> None:
    put(project / "满城.xlsx", "C0001", "监护人电话", "13700000011")
    code, out = invoke("privacy", "--dry-run")
    assert code == 0, out
    assert ("[注意] 满城.xlsx 有 1 个完整的监护人电话(留守儿童家庭情况登记表):按设置应为遮挡后的值;"
            "运行 sheets-sync sync 后会改为遮挡显示。") in out.splitlines()
    assert "满城.xlsx | 分表 | 遮挡(mask) | 否 | " in out and "| 监护人电话 1 | 注意" in out
    assert "13700000011" not in out


def test_a_spoke_with_sensitive_full_still_fails_on_ids_and_says_how_to_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path, mancheng='sensitive = "full"')
    write_workbook(tmp_path / "满城.xlsx", {TAB: rows(*KIDS[:2])})  # what "full" gives
    code, out = invoke("privacy", "--dry-run")
    assert code == 1
    lines = out.splitlines()
    assert ("[需处理] 满城.xlsx 有 2 个完整的身份证号(留守儿童家庭情况登记表):这个分表在 sheets-sync.toml "
            "中写了 sensitive = \"full\"(完整显示)。分表会随队带到村里:请把它改成 sensitive = "
            "\"mask\"(遮挡显示)或 \"omit\"(不放敏感字段),再运行 sheets-sync sync。") in lines
    assert ("[注意] 满城.xlsx 有 2 个完整的监护人电话(留守儿童家庭情况登记表):这个分表写了 "
            "sensitive = \"full\"(完整显示)。") in lines
    assert any(line.startswith("满城.xlsx | 分表 | 完整显示(full) | 否 | ") for line in lines)


def test_a_revealed_phone_passes_and_a_revealed_id_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path, mancheng='reveal = ["监护人电话"]')
    write_workbook(tmp_path / "满城.xlsx",
                   {TAB: rows(*(masked(k, keep=("监护人电话",)) for k in KIDS[:2]))})
    code, out = invoke("privacy", "--dry-run")
    assert code == 0, out
    assert ("[注意] 满城.xlsx 有 2 个完整的监护人电话(留守儿童家庭情况登记表):sheets-sync.toml 中"
            "这个分表的 reveal 放行了它。") in out.splitlines()
    assert "遮挡(mask);放行 child.guardian_phone" in out

    write_project(tmp_path, mancheng='reveal = ["身份证号"]')
    write_workbook(tmp_path / "满城.xlsx",
                   {TAB: rows(*(masked(k, keep=("身份证号",)) for k in KIDS[:2]))})
    code, out = invoke("privacy", "--dry-run")
    assert code == 1
    assert ("[需处理] 满城.xlsx 有 2 个完整的身份证号(留守儿童家庭情况登记表):sheets-sync.toml 中这个"
            "分表的 reveal 放行了它(child.id_number):请从 reveal 中去掉它,再运行 sheets-sync "
            "sync。") in out.splitlines()


def test_a_child_of_another_county_with_a_full_guardian_phone_fails(project: Path) -> None:
    other = masked(KIDS[2], keep=("监护人电话",))
    write_workbook(project / "满城.xlsx", {TAB: rows(masked(KIDS[0]), other)})
    code, out = invoke("privacy", "--dry-run")
    assert code == 1
    assert ("[需处理] 满城.xlsx 有 1 名不属于满城的儿童的完整监护人电话:分表只应有本县儿童的信息。"
            "请在总表中核对这些儿童的“县”,再运行 sheets-sync sync。") in out.splitlines()


def test_talk_records_in_a_spoke_that_asked_for_them_are_said_not_failed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path, forms='["child", "talk"]', mancheng='forms = ["child", "talk"]')
    talk = [["编号", "儿童编号", "谈心人", "日期", "主要内容"],
            ["T0001", "C0001", "张老师", "2026-07-08", "聊到了妈妈"]]
    tabs = {t: g.rows for t, g in read_workbook(tmp_path / "满城.xlsx").items()}
    write_workbook(tmp_path / "满城.xlsx", {**tabs, "谈心记录": talk})
    code, out = invoke("privacy", "--dry-run")
    assert code == 0, out
    assert ("[注意] 满城.xlsx 有 1 个完整的谈心记录·主要内容(谈心记录):按设置应为遮挡后的值;"
            "运行 sheets-sync sync 后会改为遮挡显示。") in out.splitlines()
    assert "聊到了妈妈" not in out and "张老师" not in out


def test_an_encrypted_spoke_is_read_with_its_password_and_said_encrypted(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    put(project / "满城.xlsx", "C0001", "身份证号", KIDS[0]["身份证号"])
    encrypt_file(project / "满城.xlsx", PASSWORD)
    monkeypatch.setenv("SHEETS_SYNC_PASSWORD", PASSWORD)
    code, out = invoke("privacy", "--dry-run")
    assert code == 1  # encrypted, and read: the full ID inside is found all the same
    assert f"满城.xlsx | 分表 | 遮挡(mask) | 是 | {written(project / '满城.xlsx')} | 身份证号 1 | 需处理" \
        in out.splitlines()
    assert "[需处理] 满城.xlsx 有 1 个完整的身份证号(留守儿童家庭情况登记表)" in out
    assert PASSWORD not in out


def test_an_encrypted_spoke_without_its_password_cannot_be_checked(project: Path) -> None:
    encrypt_file(project / "满城.xlsx", PASSWORD)
    before = (project / "满城.xlsx").read_bytes()
    code, out = invoke("privacy")
    assert code == 1
    lines = out.splitlines()
    assert "满城.xlsx | 分表 | 遮挡(mask) | 是 | " \
           f"{written(project / '满城.xlsx')} | (未能读取) | 无法检查" in lines
    assert ("[无法检查] 满城.xlsx:工作簿 满城.xlsx 设置了打开密码,但没有提供密码:请把密码放进环境变量 "
            "SHEETS_SYNC_PASSWORD,或安装 keyring 后用 “keyring set sheets-sync default” 保存,"
            "然后重新运行。文件没有改动。") in lines
    assert "隐私检查:共 3 个工作簿,1 个需要处理:满城.xlsx。" in lines
    assert (project / "满城.xlsx").read_bytes() == before


def test_a_spoke_asked_to_be_encrypted_but_still_plain_is_said(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SHEETS_SYNC_PASSWORD", PASSWORD)
    write_project(tmp_path, mancheng="encrypt = true")
    code, out = invoke("privacy", "--dry-run")
    assert code == 0, out
    assert "满城.xlsx | 分表 | 遮挡(mask) | 否(配置要求加密) | " in out
    assert ("[注意] 满城.xlsx 在 sheets-sync.toml 中要求加密(encrypt),但文件还没有加密:下次运行 "
            "sheets-sync sync 时会加上打开密码。") in out.splitlines()


def test_a_missing_spoke_is_no_silent_success(project: Path) -> None:
    (project / "顺平.xlsx").unlink()
    code, out = invoke("privacy", "--dry-run")
    assert code == 1
    lines = out.splitlines()
    assert "顺平.xlsx | 分表 | 遮挡(mask) | 未知 | 未知 | (未能读取) | 无法检查" in lines
    assert (f"[无法检查] 顺平.xlsx:找不到工作簿文件:{project / '顺平.xlsx'}。请检查路径是否正确。"
            in lines)
    assert "隐私检查:共 3 个工作簿,1 个需要处理:顺平.xlsx。" in lines


def test_dry_run_prints_only_and_json_gives_the_counts(project: Path) -> None:
    put(project / "满城.xlsx", "C0002", "身份证号", KIDS[1]["身份证号"])
    before = (project / "总表.xlsx").read_bytes()
    code, out = invoke("privacy", "--dry-run")
    assert code == 1 and out.splitlines()[-1] == "(--dry-run:未写入“隐私检查”工作表)"
    code, out = invoke("privacy", "--dry-run", "--json")
    assert (project / "总表.xlsx").read_bytes() == before
    data = json.loads(out)
    assert code == 1 and data["ok"] is False and data["written"] is False
    assert [(b["name"], b["role"], b["status"]) for b in data["books"]] == [
        ("总表.xlsx", "hub", "正常"), ("满城.xlsx", "spoke", "需处理"), ("顺平.xlsx", "spoke", "正常")]
    mc = data["books"][1]
    assert mc["policy"] == "mask" and mc["encrypted"] is False
    assert mc["unmasked"] == [{"label": "身份证号", "keys": ["child.id_number"], "fatal": True,
                               "full": 1, "masked": 1, "tabs": {TAB: 1}}]
    assert mc["masked"]["监护人电话"] == 2
    assert KIDS[1]["身份证号"] not in out


def test_per_school_books_written_by_report_are_found_and_checked(project: Path) -> None:
    code, out = invoke("report", "--only", "rosters", "--per-school-books", "各校花名册")
    assert code == 0, out
    book = "各校花名册/花名册-城关镇中心小学.xlsx"
    assert (project / book).exists()
    code, out = invoke("privacy", "--dry-run")
    assert code == 0, out
    assert (f"{book} | 学校工作簿 | 遮挡(花名册) | 否 | {written(project / book)} | 无 | 正常"
            in out.splitlines())
    assert "隐私检查:共 4 个工作簿," in out
    # a teacher's copy that someone made with IDs in it (by hand, or a --reveal)
    tabs = {t: g.rows for t, g in read_workbook(project / book).items()}
    roster = next(iter(tabs.values()))
    head = next(i for i, r in enumerate(roster) if "姓名" in r)
    width = len(roster[head])
    roster[head].append("身份证号")
    for r in roster[head + 1:]:
        r[:] = [*r, *[""] * (width - len(r)), KIDS[0]["身份证号"]]
    write_workbook(project / book, tabs)
    code, out = invoke("privacy", "--dry-run")
    assert code == 1
    n = len(roster) - head - 1
    assert (f"[需处理] {book} 有 {n} 个完整的身份证号({next(iter(tabs))}):各校花名册只应有遮挡"
            "后的值。请删除这个文件,再不带 --reveal 运行 sheets-sync report --only rosters "
            "--per-school-books 各校花名册。") in out.splitlines()


def test_a_folder_named_on_the_command_line_is_checked_too(project: Path) -> None:
    folder = project / "给老师"
    folder.mkdir()
    write_workbook(folder / "花名册-城关镇中心小学.xlsx",
                   {"花名册-城关镇中心小学": [["姓名", "监护人电话"], ["王小红", "13700000011"]]})
    code, out = invoke("privacy", "--dry-run", "--school-books", str(folder))
    assert code == 0, out
    assert ("[注意] 给老师/花名册-城关镇中心小学.xlsx 有 1 个完整的监护人电话(花名册-城关镇中心小学):"
            "各校花名册默认遮挡这一列;如不是有意用 --reveal 放行的,请删除这个文件后重新运行 "
            "sheets-sync report --only rosters --per-school-books 给老师。") in out.splitlines()


def test_a_staff_tab_of_that_name_is_never_overwritten(project: Path) -> None:
    tabs = {t: g.rows for t, g in read_workbook(project / "总表.xlsx").items()}
    write_workbook(project / "总表.xlsx", {**tabs, "隐私检查": [["我们自己的检查记录"]]})
    code, out = invoke("privacy")
    assert code == 1
    assert ("隐私检查未完成:总表.xlsx 中已有名为“隐私检查”的工作表,但它不是 sheets-sync privacy 生成"
            "的,为免覆盖,本次没有写入检查结果:请把这个工作表改名(或删除)后重新运行。"
            ) in out.splitlines()
    assert "隐私检查:共 3 个工作簿,分表和各校花名册中没有完整的身份证号或心理状况。" in out  # still said
    assert read_workbook(project / "总表.xlsx")["隐私检查"].rows == [["我们自己的检查记录"]]


def test_restore_takes_the_tab_back_out(project: Path) -> None:
    code, out = invoke("privacy", "--json")
    run_id = json.loads(out)["run"]
    assert "隐私检查" in read_workbook(project / "总表.xlsx")
    code, out = invoke("restore", str(run_id))
    assert code == 0, out
    assert "隐私检查" not in read_workbook(project / "总表.xlsx")


# --------------------------------------------------------------------------- the scan itself

def scan(tabs: dict[str, list[list[str]]], county: str = "") -> dict[str, tuple[int, int]]:
    fields, _ = scan_grids({t: Grid.from_rows(r) for t, r in tabs.items()},
                           default_templates(), county=county)
    return {f.label: (f.full, f.masked) for f in fields}


@pytest.mark.parametrize(("value", "full"), [
    pytest.param("满城县城关镇东街村3组12号", 1, id="house-number-is-full"),
    pytest.param("满城县城关镇东街村***", 0, id="cut-at-the-village"),
    pytest.param("满城县城关镇东街村", 0, id="ends-at-the-village-is-its-own-mask"),
])
def test_an_address_is_full_only_past_its_village(value: str, full: int) -> None:
    assert scan({TAB: [["编号", "姓名", "家庭住址"], ["C0001", "王小红", value]]}) == {
        "家庭住址": (full, 1 - full)}


def test_title_rows_header_copies_and_totals_are_no_values() -> None:
    tabs = {TAB: [["满城县留守儿童登记表"], ["编号", "姓名", "身份证号", "监护人电话"],
                  ["C0001", "王小红", KIDS[0]["身份证号"], "137****0011"],
                  ["编号", "姓名", "身份证号", "监护人电话"],  # the header pasted again
                  ["合计", "", "", ""]]}
    assert scan(tabs) == {"身份证号": (1, 0), "监护人电话": (0, 1)}


def test_values_in_the_problems_and_conflicts_tabs_are_counted_by_the_field_they_name() -> None:
    tabs = {"校验问题": [["工作表", "行", "单元格", "列", "内容", "级别"],
                      [TAB, "5", "E5", "身份证号", KIDS[0]["身份证号"], "错误"],
                      [TAB, "6", "F6", "监护人电话", "137****0011", "错误"],
                      [TAB, "7", "G7", "姓名", "王小红", "提醒"]],
            "同步冲突": [["时间", "运行", "表单", "编号", "姓名", "字段", "保留的值", "保留的值来自",
                      "未采用的值", "未采用的值来自", "原值"],
                     ["", "3", TAB, "C0001", "王小红", "心理状况", "开朗", "总表.xlsx", "内向",
                      "满城.xlsx", "开*"]]}
    assert scan(tabs) == {"身份证号": (1, 0), "监护人电话": (0, 1), "心理状况": (2, 1)}


def test_a_pasted_list_no_form_claims_is_scanned_by_its_headers() -> None:
    tabs = {"Sheet1": [["临时名单"], ["姓名", "身份证号", "备注"], ["王小红", KIDS[0]["身份证号"], ""]]}
    assert scan(tabs) == {"身份证号": (1, 0)}


def test_5000_children_are_scanned_from_the_grid_columns() -> None:
    kids = [masked(child(f"C{i:04d}", "王小红", "满城", i)) for i in range(1, 5001)]
    kids[17]["身份证号"] = KIDS[0]["身份证号"]
    counts = scan({TAB: rows(*kids)}, county="满城")
    assert counts["身份证号"] == (1, 4999) and counts["心理状况"] == (0, 5000)


def test_sensitive_values_in_the_hubs_tool_tabs_are_said(project: Path) -> None:
    tabs = {t: g.rows for t, g in read_workbook(project / "总表.xlsx").items()}
    conflicts = [["时间", "运行", "表单", "编号", "姓名", "字段", "保留的值", "保留的值来自",
                  "未采用的值", "未采用的值来自", "原值"],
                 ["", "3", TAB, "C0001", "王小红", "身份证号", KIDS[0]["身份证号"], "总表.xlsx",
                  "130607********0000", "满城.xlsx", ""]]
    write_workbook(project / "总表.xlsx", {**tabs, "同步冲突": conflicts})
    code, out = invoke("privacy", "--dry-run")
    assert code == 0, out  # the hub may hold full values; it is said where they are
    assert ("[注意] 总表.xlsx 的“同步冲突”中有 1 个完整的身份证号:共享的总表每位协调人都能看到,"
            "工具表中的敏感信息宜遮挡显示。") in out.splitlines()
    assert "总表.xlsx | 总表 | 完整保存 | 否 | " in out and "| 身份证号 4、" in out


def test_a_google_hub_is_said_not_encrypted_by_a_file_and_last_written_from_the_state(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from sheets_sync.books.google import GoogleBook
    from sheets_sync.testing import FakeSheets

    monkeypatch.chdir(tmp_path)
    write_project(tmp_path)
    with FakeSheets() as fake:
        key = fake.create_spreadsheet("总表", {TAB: rows(*KIDS)})
        config = (tmp_path / "sheets-sync.toml").read_text(encoding="utf-8")
        (tmp_path / "sheets-sync.toml").write_text(
            config.replace('book = "总表.xlsx"', f'book = "gsheet:{key}"')
            + f'[google]\nendpoint = "{fake.url}"\n', encoding="utf-8")
        code, out = invoke("privacy")
        assert code == 0, out
        hub = f"gsheet:{key} | 总表 | 完整保存 | 不适用(Google 表格) | "
        assert f"{hub}未知 | {HUB_FIELDS} | 正常" in out.splitlines()  # no run wrote it yet
        tab = GoogleBook(key, endpoint=fake.url).read()["隐私检查"].rows
        assert tab[1][:5] == [f"gsheet:{key}", "总表", "完整保存", "不适用(Google 表格)",
                              "(本工作簿)"]
        code, out = invoke("privacy", "--dry-run")
        line = next(line for line in out.splitlines() if line.startswith(hub))
        assert re.fullmatch(re.escape(hub) + r"\d{4}-\d\d-\d\d \d\d:\d\d \| .* \| 正常", line)


def test_after_a_run_on_the_demo_no_field_book_holds_a_full_id_or_psychology(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15's 'done when': the demo, run, rosters for the teachers, then the audit."""
    from .samples import synced_demo

    root = synced_demo(tmp_path)
    monkeypatch.chdir(root)
    invoke("run")  # exit 1 for the demo's planted problems; the books are written
    assert invoke("report", "--only", "rosters", "--per-school-books", "各校花名册")[0] in {0, 1}
    code, out = invoke("privacy", "--json")
    data = json.loads(out)
    assert code == 0, [b["problems"] for b in data["books"] if b["problems"]]
    roles = [b["role"] for b in data["books"]]
    assert roles[:4] == ["hub", "spoke", "spoke", "spoke"] and roles.count("school") >= 10
    assert all(not f["fatal"] for b in data["books"][1:] for f in b["unmasked"])
    hub = data["books"][0]
    assert {f["label"] for f in hub["unmasked"]} >= {"身份证号", "心理状况", "监护人电话"}


def test_a_project_copied_elsewhere_still_finds_its_per_school_books(
        project: Path, tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    assert invoke("report", "--only", "rosters", "--per-school-books", "各校花名册")[0] == 0
    copy = tmp_path_factory.mktemp("usb") / "项目"
    shutil.copytree(project, copy)
    shutil.rmtree(project / "各校花名册")
    monkeypatch.chdir(copy)
    code, out = invoke("privacy", "--dry-run")
    assert code == 0, out
    assert any(line.startswith("各校花名册/花名册-城关镇中心小学.xlsx | 学校工作簿 | ")
               for line in out.splitlines())
