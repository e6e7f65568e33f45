"""Survey exports with the header rows the tools really write (where a public sample was found),
told apart by their own columns, every tool column kept out of 导入映射.

Sources of the header rows (values here are synthetic):

* 腾讯问卷: ``样例.csv`` of github.com/zzyspace/auto-invoice-issuance, an export its client
  downloads from wj.qq.com (``app/survey_client.py``; ``app/csv_processing.py`` reads
  编号 / 开始答题时间 / 结束答题时间 / 答题时长);
* 金数据: no export file found; the trailing columns of a table mirroring a 金数据 form in a
  public repository (微信昵称 … openid, 提交人, 提交时间, 修改时间, 填写设备, 操作系统, 浏览器, ip);
* 问卷星: a 问卷星 parser's test (``序号,提交答卷时间,所用时间,来源,来源详情,来自IP,2、…``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter

from sheets_sync.forms.template import default_templates
from sheets_sync.intake import import_export
from sheets_sync.intake.columns import map_columns
from sheets_sync.intake.reader import column_values, read_export, submissions
from sheets_sync.intake.shapes import detect_shape
from sheets_sync.sync.project import book_project

TENCENT_HEAD = ("编号,开始答题时间,结束答题时间,答题时长,1.姓名,2.性别,3.学号,4.手机号,5.特长,"
                "语言,清洗数据结果,智能清洗数据无效概率,地理位置国家和地区,地理位置省,地理位置市,"
                "自定义字段,IP,UA,Referrer")
TENCENT_ROWS = [
    "307,2026/5/25 14:03,2026/5/25 14:03,36,王小明,男,20260101,13800000001,数学┋音乐,简体中文,"
    "未清洗,,中国,河北省,保定市,,127.0.0.1,Mozilla/5.0 Demo,",
    "306,2026/5/24 12:58,2026/5/24 13:02,225,李小红,女,20260102,13800000002,英语,简体中文,"
    "未清洗,,中国,河北省,保定市,,127.0.0.2,Mozilla/5.0 Demo,",
]
JINSHUJU_HEAD = ("序号,姓名,性别,学号,手机号,特长,微信昵称,微信性别,微信国家,微信省市,微信市,openid,"
                 "提交人,提交时间,修改时间,填写设备,操作系统,浏览器,ip")
JINSHUJU_ROWS = ["1,王小明,男,20260101,13800000001,数学、音乐,小明,男,中国,河北,保定,oAbC1,匿名,"
                 "2026-05-01 10:00:00,2026-05-01 10:00:00,手机,iOS,微信,10.0.0.1"]
WJX_HEAD = "序号,提交答卷时间,所用时间,来源,来源详情,来自IP,1、您的姓名：,2、您的学号"
WJX_ROWS = ["1,2026-06-16 08:00:00,10秒,手机提交,微信,127.0.0.1(本地),王小明,20260101"]


def _csv(folder: Path, name: str, head: str, rows: list[str]) -> Path:
    path = folder / name
    path.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8-sig")
    return path


@pytest.mark.parametrize("head, rows, shape, fields", [
    pytest.param(TENCENT_HEAD, TENCENT_ROWS, "tencent",
                 ["name", "sex", "student_no", "phone", "skills"], id="tencent"),
    pytest.param(JINSHUJU_HEAD, JINSHUJU_ROWS, "jinshuju",
                 ["name", "sex", "student_no", "phone", "skills"], id="jinshuju"),
    pytest.param(WJX_HEAD, WJX_ROWS, "wjx", ["name", "student_no"], id="wjx"),
])
def test_a_real_header_row_is_told_and_no_tool_column_waits_for_mapping(
        tmp_path: Path, head: str, rows: list[str], shape: str, fields: list[str]) -> None:
    _, grid = read_export(_csv(tmp_path, "export.csv", head, rows))
    found = detect_shape(grid.rows[0])
    assert found.key == shape
    cmap = map_columns(default_templates()["volunteer"], grid.rows[0], found, column_values(grid))
    assert [c.header for c in cmap.unmapped] == []
    assert cmap.fields == fields


def test_tencent_answers_are_named_by_their_number_and_end_time(tmp_path: Path) -> None:
    _, grid = read_export(_csv(tmp_path, "export.csv", TENCENT_HEAD, TENCENT_ROWS))
    shape = detect_shape(grid.rows[0])
    cmap = map_columns(default_templates()["volunteer"], grid.rows[0], shape, column_values(grid))
    subs = submissions(cmap, grid)
    assert [(s.sid, s.submitted, s.values["skills"]) for s in subs] == [
        ("307", "2026/5/25 14:03", "数学、音乐"), ("306", "2026/5/24 13:02", "英语")]


def test_a_real_tencent_export_imports_then_imports_nothing_new(tmp_path: Path) -> None:
    hub = tmp_path / "总表.xlsx"
    wb = xlsxwriter.Workbook(str(hub))
    wb.add_worksheet("说明").write_string(0, 0, "总表")
    wb.close()
    export = _csv(tmp_path, "腾讯问卷导出.csv", TENCENT_HEAD, TENCENT_ROWS)
    first = import_export(book_project(str(hub)), export, "volunteer")
    assert first.intake is not None and not first.intake.waiting, first.intake
    assert first.intake.counts["new"] == 2 and first.intake.source == "腾讯问卷"
    again = import_export(book_project(str(hub)), export, "volunteer")
    assert again.intake is not None and again.intake.summary() == (
        "导入“腾讯问卷-志愿者报名表”(腾讯问卷 → 志愿者报名表):没有新的或修改过的答卷:"
        "新增 0,更新 0,未变 2。")
