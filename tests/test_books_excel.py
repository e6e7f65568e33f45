"""ExcelBook: real files in tmp_path, read back with calamine, openpyxl and LibreOffice."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from sheets_sync.books.base import CHOICE_SPARE_ROWS, Book, TabContent, WriteBatch
from sheets_sync.books.cells import cell_text, rows_text
from sheets_sync.books.excel import ExcelBook, read_workbook, write_tabs, write_workbook
from sheets_sync.books.xlsx.package import Edit
from sheets_sync.errors import BookError, BookNotFound, BookUnreadable, TabNotFound, WorkbookLocked
from sheets_sync.table import Grid

HYPERLINK = '=HYPERLINK("http://x","y")'
TRICKY = [HYPERLINK, "+1", "-2", "@x", "0042", "007", "130602199001011234", "#DIV/0!", " 前后空格 "]


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ----------------------------------------------------------------------------- cell_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(None, "", id="empty-cell"),
        pytest.param(" 0042 ", " 0042 ", id="text-unchanged-not-stripped"),
        pytest.param(True, "TRUE", id="bool-true"),
        pytest.param(False, "FALSE", id="bool-false"),
        pytest.param(42, "42", id="int"),
        pytest.param(42.0, "42", id="integer-float-without-point-zero"),
        pytest.param(13812345678.0, "13812345678", id="phone-stored-as-number"),
        pytest.param(-7.0, "-7", id="negative-integer-float"),
        pytest.param(-0.0, "0", id="negative-zero"),
        pytest.param(130602199001011234.0, "1.30602E+17", id="id-number-lost-to-float"),
        pytest.param(1e15, "1E+15", id="exactly-1e15-is-scientific"),
        pytest.param(999999999999999.0, "999999999999999", id="just-below-1e15-is-plain"),
        pytest.param(0.1 + 0.2, "0.3", id="float-noise-removed"),
        pytest.param(1200.5, "1200.5", id="money-with-one-decimal"),
        pytest.param(1e-7, "1E-07", id="tiny-float-scientific"),
        pytest.param(dt.date(2013, 5, 6), "2013-05-06", id="date-iso"),
        pytest.param(dt.datetime(2013, 5, 6), "2013-05-06", id="datetime-at-midnight-is-a-date"),
        pytest.param(dt.datetime(2013, 5, 6, 8, 30), "2013-05-06 08:30", id="datetime-minutes"),
        pytest.param(dt.datetime(2013, 5, 6, 8, 30, 15), "2013-05-06 08:30:15", id="datetime-secs"),
        pytest.param(
            dt.datetime(2013, 5, 6, 8, 29, 59, 999_000), "2013-05-06 08:30", id="datetime-rounded"
        ),
        pytest.param(dt.time(8, 30), "08:30", id="time"),
        pytest.param(dt.time(8, 30, 15), "08:30:15", id="time-with-seconds"),
        pytest.param(dt.timedelta(hours=30, minutes=5), "30:05:00", id="duration-over-a-day"),
        pytest.param(dt.timedelta(seconds=-61), "-0:01:01", id="negative-duration"),
        pytest.param("#DIV/0!", "#DIV/0!", id="error-value-from-openpyxl"),
    ],
)
def test_cell_text_shows_values_as_excel_general_does(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_rows_text_keeps_bools_apart_from_equal_numbers() -> None:
    # True == 1 == 1.0 in Python: a shared cache would show a number as TRUE
    rows: list[list[object]] = [[1.0, True, 1, "x", None, dt.date(2013, 5, 6)], [True, 1.0, 0.0]]
    assert rows_text(rows) == [["1", "TRUE", "1", "x", "", "2013-05-06"], ["TRUE", "1", "0"]]


# ----------------------------------------------------------------------------- read


def typed_workbook(path: Path) -> None:
    """A workbook as staff make it: a merged title, then a header, then typed cells."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "儿童登记表"
    ws["A1"] = "留守儿童家庭情况登记表"
    ws.merge_cells("A1:F1")
    ws.append(["编号", "身份证号", "电话", "出生日期", "金额", "身份证号(数字)"])
    ws.append(
        [
            "0042",
            "130602199001011234",
            13812345678,
            dt.date(2013, 5, 6),
            0.1 + 0.2,
            130602199001011234,
        ]
    )
    ws.append(
        ["007", "13060219900101123X", "13812345678", dt.datetime(2013, 5, 6, 8, 30), 1200.5, None]
    )
    wb.save(path)


def test_read_gives_the_text_the_user_sees(tmp_path: Path) -> None:
    path = tmp_path / "登记.xlsx"
    typed_workbook(path)
    assert ExcelBook(path).read() == {
        "儿童登记表": Grid(
            [
                ["留守儿童家庭情况登记表"],
                ["编号", "身份证号", "电话", "出生日期", "金额", "身份证号(数字)"],
                ["0042", "130602199001011234", "13812345678", "2013-05-06", "0.3", "1.30602E+17"],
                ["007", "13060219900101123X", "13812345678", "2013-05-06 08:30", "1200.5"],
            ]
        )
    }


def test_empty_leading_rows_and_columns_keep_sheet_positions(tmp_path: Path) -> None:
    path = tmp_path / "offset.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["C3"] = "表头"
    ws["D5"] = 7
    wb.save(path)
    grid = ExcelBook(path).read()["Sheet"]
    assert grid.cell(3, 3) == "表头"
    assert grid.cell(5, 4) == "7"
    assert grid.rows == [[], [], ["", "", "表头"], [], ["", "", "", "7"]]


def test_tabs_come_in_workbook_order_including_empty_and_hidden_tabs(tmp_path: Path) -> None:
    path = tmp_path / "order.xlsx"
    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    first.title = "乙"
    wb.create_sheet("甲")["A1"] = "x"
    wb.create_sheet("丙").sheet_state = "hidden"
    wb.save(path)
    tabs = read_workbook(path)
    assert list(tabs) == ["乙", "甲", "丙"]
    assert tabs["乙"] == Grid([])


def test_missing_workbook_is_book_not_found(tmp_path: Path) -> None:
    path = tmp_path / "没有.xlsx"
    with pytest.raises(BookNotFound) as err:
        ExcelBook(path).read()
    assert str(err.value) == f"找不到工作簿文件:{path}。请检查路径是否正确。"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(
            b"not a workbook",
            "文件不是有效的 Excel 工作簿(压缩包结构损坏或不是 Excel 文件)",
            id="text-file-named-xlsx",
        ),
        pytest.param(
            b"", "文件不是有效的 Excel 工作簿(压缩包结构损坏或不是 Excel 文件)", id="empty-file"
        ),
    ],
)
def test_corrupt_workbook_is_unreadable_with_chinese_reason(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "坏.xlsx"
    path.write_bytes(content)
    with pytest.raises(BookUnreadable) as err:
        ExcelBook(path).read()
    assert str(err.value) == (
        f"无法读取工作簿 {path}:{reason}。请确认它是 .xlsx/.xlsm 文件且没有损坏"
        "(可在 Excel 中打开后“另存为”一次)。"
    )
    with pytest.raises(BookUnreadable):
        ExcelBook(path).apply(one_cell("Sheet", 1, 1, "x"))


def test_zip_that_is_not_a_workbook_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "zip.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(BookUnreadable, match="文件内容无法解析"):
        ExcelBook(path).read()


# ----------------------------------------------------------------------------- write


def one_cell(tab: str, row: int, col: int, text: str) -> WriteBatch:
    batch = WriteBatch()
    batch.set_cell(tab, row, col, text)
    return batch


def with_tab(batch: WriteBatch) -> WriteBatch:
    """``batch`` plus a tool tab, so that a tab is grafted as well as cells patched."""
    batch.replace_tab("报告", TabContent(rows=[["x"]]))
    return batch


def test_excel_book_is_a_book(tmp_workbook: Path) -> None:
    book = ExcelBook(tmp_workbook)
    assert isinstance(book, Book)
    assert book.name == "book.xlsx"


def test_written_text_stays_string_cells_for_openpyxl_and_calamine(tmp_workbook: Path) -> None:
    book = ExcelBook(tmp_workbook)
    batch = WriteBatch()
    for i, text in enumerate(TRICKY, start=3):
        batch.set_cell("名单", i, 2, text)
    book.apply(batch)

    ws = openpyxl.load_workbook(tmp_workbook)["名单"]
    assert [(ws.cell(i, 2).value, ws.cell(i, 2).data_type) for i in range(3, 3 + len(TRICKY))] == [
        (text, "s") for text in TRICKY
    ]
    grid = book.read()["名单"]
    assert [grid.cell(i, 2) for i in range(3, 3 + len(TRICKY))] == TRICKY


def test_write_extends_the_tab_and_empty_text_clears_a_cell(tmp_workbook: Path) -> None:
    book = ExcelBook(tmp_workbook)
    batch = WriteBatch()
    batch.set_cell("名单", 2, 2, "")
    batch.set_cell("名单", 5, 4, "新")
    book.apply(batch)
    assert book.read()["名单"].rows == [
        ["编号", "姓名", "电话"],
        ["0042", "", "13812345678"],
        [],
        [],
        ["", "", "", "新"],
    ]


def test_writing_an_unknown_tab_is_tab_not_found_and_writes_nothing(tmp_workbook: Path) -> None:
    before = tmp_workbook.read_bytes()
    with pytest.raises(TabNotFound) as err:
        ExcelBook(tmp_workbook).apply(one_cell("志愿者", 1, 1, "x"))
    assert str(err.value) == "工作簿 book.xlsx 中没有名为“志愿者”的工作表。请检查工作表名称。"
    assert tmp_workbook.read_bytes() == before
    assert files_in(tmp_workbook.parent) == ["book.xlsx"]


def test_writing_inside_a_merged_range_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "登记.xlsx"
    typed_workbook(path)
    with pytest.raises(BookError) as err:
        ExcelBook(path).apply(one_cell("儿童登记表", 1, 2, "x"))
    assert str(err.value) == (
        "工作表“儿童登记表”的单元格 B1 位于合并单元格内(不是合并区域左上角),无法写入。"
        "请取消合并,或把内容放到合并区域的左上角单元格。"
    )


def test_text_longer_than_excel_allows_is_refused(tmp_workbook: Path) -> None:
    with pytest.raises(BookError) as err:
        ExcelBook(tmp_workbook).apply(one_cell("名单", 2, 2, "长" * 32768))
    assert str(err.value) == (
        "工作表“名单”的单元格 B2 的内容有 32768 个字符,超过了 Excel 单个单元格的上限 32767 个字符。"
        "请缩短内容后重新运行。"
    )


def test_a_batch_that_only_sets_cells_is_patched_without_openpyxl(
    tmp_workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_openpyxl(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl loaded the workbook")

    monkeypatch.setattr(openpyxl, "load_workbook", no_openpyxl)
    book = ExcelBook(tmp_workbook)
    book.apply(one_cell("名单", 2, 2, "李四"))
    assert book.read()["名单"].cell(2, 2) == "李四"


def test_empty_batch_does_not_touch_the_file(tmp_workbook: Path) -> None:
    before = (tmp_workbook.read_bytes(), tmp_workbook.stat().st_mtime_ns)
    book = ExcelBook(tmp_workbook)
    book.apply(WriteBatch(cells={"名单": {}}))
    assert (tmp_workbook.read_bytes(), tmp_workbook.stat().st_mtime_ns) == before
    assert book.last_backup is None
    assert files_in(tmp_workbook.parent) == ["book.xlsx"]


# ----------------------------------------------------------------------------- tool tabs


def test_tool_tab_is_written_styled_and_frozen(tmp_workbook: Path) -> None:
    batch = WriteBatch()
    batch.replace_tab(
        "校验问题",
        TabContent(
            rows=[["位置", "说明"], ["名单!B2", "=不是公式"], ["合计", ""]],
            formulas={(3, 2): "=COUNTA(B2:B2)"},
            note="由 sheets-sync 生成,请勿手工修改。",
        ),
    )
    ExcelBook(tmp_workbook).apply(batch)
    wb = openpyxl.load_workbook(tmp_workbook)
    assert wb.sheetnames == ["名单", "校验问题"]
    ws = wb["校验问题"]
    assert (ws["B2"].value, ws["B2"].data_type) == ("=不是公式", "s")
    assert (ws["B3"].value, ws["B3"].data_type) == ("=COUNTA(B2:B2)", "f")
    assert ws["A1"].font.b and ws["B1"].font.b and not ws["A2"].font.b
    assert ws["A1"].fill.fgColor.rgb == "FFDDEBF7"
    assert ws.freeze_panes == "A2"
    assert ws["A1"].comment is not None
    assert ws["A1"].comment.text == "由 sheets-sync 生成,请勿手工修改。"
    # stored as Excel stores them: characters + 5 pixels of padding (0.7109375)
    assert ws.column_dimensions["A"].width == 9.7109375  # "名单!B2": 7 characters + 2
    assert ws.column_dimensions["B"].width == 11.7109375  # "=不是公式": 1 + 4 wide characters + 2


def test_tool_tab_replaced_in_place_keeps_its_position(tmp_path: Path) -> None:
    path = tmp_path / "b.xlsx"
    write_workbook(path, {"甲": [["a"]], "报告": [["旧"], ["旧行"], ["旧行2"]], "乙": [["b"]]})
    batch = WriteBatch()
    batch.replace_tab("报告", TabContent(rows=[["新"]], header_rows=0, widths={1: 30}))
    batch.replace_tab("新报告", TabContent(rows=[["x"]]))
    batch.delete_tab("乙")
    ExcelBook(path).apply(batch)
    tabs = read_workbook(path)
    assert list(tabs) == ["甲", "报告", "新报告"]
    assert tabs["报告"] == Grid([["新"]])
    ws = openpyxl.load_workbook(path)["报告"]
    assert ws.freeze_panes is None
    assert ws.column_dimensions["A"].width == 30.7109375


def dropdown_tab(n: int, values: list[str] | None = None) -> TabContent:
    """``n`` proposal rows with a 确认 dropdown in column C, then a section."""
    rows = [["儿童编号", "志愿者编号", "确认"], *[[f"C{i:04d}", f"V{i:04d}", ""]
                                                  for i in range(1, n + 1)],
            [], ["未能结对的儿童(0 名)"], ["儿童编号", "原因"]]
    return TabContent(rows, section_rows={n + 3, n + 4},
                      choices={3: values or ["接受", "拒绝"]})


def test_dropdown_is_a_list_validation_with_arrow_and_a_chinese_warning(
        tmp_workbook: Path) -> None:
    batch = WriteBatch()
    batch.replace_tab("结对建议", dropdown_tab(3))
    ExcelBook(tmp_workbook).apply(batch)
    ws = openpyxl.load_workbook(tmp_workbook)["结对建议"]
    [dv] = ws.data_validations.dataValidation
    assert (dv.type, dv.formula1, str(dv.sqref)) == ("list", '"接受,拒绝"', "C2:C5")
    assert not dv.showDropDown  # openpyxl's True would hide the arrow
    assert dv.allow_blank and dv.showErrorMessage and dv.showInputMessage
    assert dv.errorStyle == "warning"  # other text is warned about, and kept if staff insist
    assert (dv.errorTitle, dv.error) == (
        "不在下拉列表中", "这一列应填写:接受、拒绝。请点单元格右侧的箭头从列表中选择。")
    assert (dv.promptTitle, dv.prompt) == ("请从列表中选择", "可选:接受、拒绝")
    assert ws["A6"].font.b  # the section row is styled like the header


def test_dropdown_cells_of_a_protected_tab_stay_editable(tmp_workbook: Path) -> None:
    batch = WriteBatch()
    batch.replace_tab("决定", TabContent([["编号", "决定"], ["1", ""]], choices={2: ["是", "否"]},
                                        protected=True))
    ExcelBook(tmp_workbook).apply(batch)
    ws = openpyxl.load_workbook(tmp_workbook)["决定"]
    last = 2 + CHOICE_SPARE_ROWS
    assert ws.protection.sheet
    assert [ws.cell(r, 2).protection.locked for r in (1, 2, last, last + 1)] == [
        True, False, False, True]
    assert ws["A2"].protection.locked
    assert read_workbook(tmp_workbook)["决定"] == Grid([["编号", "决定"], ["1"]])


def test_rewriting_a_dropdown_tab_keeps_one_validation(tmp_workbook: Path) -> None:
    book = ExcelBook(tmp_workbook)
    for n in (3, 1):
        batch = WriteBatch()
        batch.replace_tab("结对建议", dropdown_tab(n))
        book.apply(batch)
    ws = openpyxl.load_workbook(tmp_workbook)["结对建议"]
    assert [str(dv.sqref) for dv in ws.data_validations.dataValidation] == ["C2:C3"]


def test_dropdown_without_sections_leaves_room_for_added_rows(tmp_path: Path) -> None:
    path = tmp_path / "决定.xlsx"
    write_tabs(path, {"决定": TabContent([["编号", "决定"], ["1", ""]], choices={2: ["是", "否"]})})
    [dv] = openpyxl.load_workbook(path)["决定"].data_validations.dataValidation
    assert str(dv.sqref) == f"B2:B{2 + CHOICE_SPARE_ROWS}"
    assert read_workbook(path)["决定"] == Grid([["编号", "决定"], ["1"]])


@pytest.mark.parametrize(("values", "message"), [
    pytest.param(["接受,但要再看", "拒绝"],
                 "工作表“结对建议”第 C 列的下拉选项“接受,但要再看”含有英文逗号或双引号,Excel 的"
                 "下拉列表不能包含这些字符。请改用顿号“、”或去掉引号。", id="comma-in-a-value"),
    pytest.param(['"接受"'],
                 "工作表“结对建议”第 C 列的下拉选项“\"接受\"”含有英文逗号或双引号,Excel 的"
                 "下拉列表不能包含这些字符。请改用顿号“、”或去掉引号。", id="quotes-in-a-value"),
    pytest.param([f"学校{i:03d}" for i in range(50)],
                 "工作表“结对建议”第 C 列的下拉选项连同分隔的逗号共有 299 个字符,超过了 Excel "
                 "下拉列表的上限 255 个字符。请减少或缩短选项。", id="list-over-255-characters"),
])
def test_a_dropdown_excel_cannot_hold_is_refused_and_nothing_written(
        tmp_workbook: Path, values: list[str], message: str) -> None:
    before = tmp_workbook.read_bytes()
    batch = WriteBatch()
    batch.replace_tab("结对建议", dropdown_tab(2, values))
    with pytest.raises(BookError) as err:
        ExcelBook(tmp_workbook).apply(batch)
    assert str(err.value) == message
    assert tmp_workbook.read_bytes() == before


def test_a_dropdown_of_exactly_255_characters_is_written(tmp_workbook: Path) -> None:
    values = ["学" * 127, "校" * 127]  # 127 + comma + 127
    batch = WriteBatch()
    batch.replace_tab("结对建议", dropdown_tab(1, values))
    ExcelBook(tmp_workbook).apply(batch)
    [dv] = openpyxl.load_workbook(tmp_workbook)["结对建议"].data_validations.dataValidation
    assert dv.formula1 == f'"{",".join(values)}"'


def test_deleting_every_visible_tab_is_refused(tmp_workbook: Path) -> None:
    batch = WriteBatch()
    batch.delete_tab("名单")
    with pytest.raises(BookError, match="将没有可见的工作表"):
        ExcelBook(tmp_workbook).apply(batch)


# ----------------------------------------------------------------------------- preservation


def rich_workbook(path: Path) -> None:
    """Formulas, number formats, a dropdown, a defined name and a merged range."""
    wb = openpyxl.Workbook()
    data = wb.active
    assert data is not None
    data.title = "登记表"
    data.append(["姓名", "性别", "金额"])
    data.append(["王小红", "女", 1200.5])
    data["C2"].number_format = "#,##0.00"
    dv = DataValidation(type="list", formula1='"男,女"', allow_blank=True)
    dv.add("B2:B100")
    data.add_data_validation(dv)
    data.merge_cells("E1:F2")
    calc = wb.create_sheet("汇总")
    for i, n in enumerate((1, 2, 3), start=1):
        calc.cell(i, 1, n)
    calc["A4"] = "=SUM(A1:A3)"
    calc["B1"] = dt.date(2013, 5, 6)
    calc["B1"].number_format = "yyyy年m月d日"
    wb.defined_names["金额列"] = DefinedName("金额列", attr_text="登记表!$C$2:$C$100")
    wb.save(path)


def test_apply_preserves_everything_it_was_not_asked_to_change(tmp_path: Path) -> None:
    path = tmp_path / "rich.xlsx"
    rich_workbook(path)
    batch = WriteBatch()
    batch.set_cell("登记表", 3, 1, "李四")
    batch.replace_tab("报告", TabContent(rows=[["x"]]))
    ExcelBook(path).apply(batch)

    wb = openpyxl.load_workbook(path)
    data, calc = wb["登记表"], wb["汇总"]
    assert data["A3"].value == "李四"
    assert calc["A4"].value == "=SUM(A1:A3)"
    assert calc["A4"].data_type == "f"
    assert data["C2"].number_format == "#,##0.00"
    assert calc["B1"].number_format == "yyyy年m月d日"
    validations = data.data_validations.dataValidation
    assert [(v.type, v.formula1, str(v.sqref)) for v in validations] == [
        ("list", '"男,女"', "B2:B100")
    ]
    assert wb.defined_names["金额列"].attr_text == "登记表!$C$2:$C$100"
    assert [str(r) for r in data.merged_cells.ranges] == ["E1:F2"]
    assert wb.calculation.fullCalcOnLoad  # cached formula results are gone: recalc on open
    assert wb.sheetnames == ["登记表", "汇总", "报告"]


def make_xlsm(path: Path, vba: bytes) -> None:
    """An .xlsm whose package holds ``xl/vbaProject.bin`` wired up as Excel does."""
    plain = path.with_suffix(".plain.xlsx")
    write_workbook(plain, {"表": [["a"], ["b"]]})
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                ).replace(
                    b"</Types>",
                    b'<Override PartName="/xl/vbaProject.bin" '
                    b'ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/'
                    b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
                )
            dst.writestr(item, data)
        dst.writestr("xl/vbaProject.bin", vba)
    plain.unlink()


def test_apply_keeps_the_vba_project_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "宏.xlsm"
    vba = bytes(range(256)) * 40
    make_xlsm(path, vba)
    book = ExcelBook(path)
    book.apply(one_cell("表", 3, 1, "c"))
    assert openpyxl.load_workbook(path).calculation.fullCalcOnLoad
    with zipfile.ZipFile(path) as z:
        assert z.read("xl/vbaProject.bin") == vba
        assert b"application/vnd.ms-office.vbaProject" in z.read("[Content_Types].xml")
        assert b"relationships/vbaProject" in z.read("xl/_rels/workbook.xml.rels")
    assert book.read()["表"] == Grid([["a"], ["b"], ["c"]])


def test_read_only_formats_refuse_writes(tmp_path: Path) -> None:
    path = tmp_path / "旧.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0 pretend")
    with pytest.raises(BookError) as err:
        ExcelBook(path).apply(one_cell("Sheet1", 1, 1, "x"))
    assert str(err.value) == (
        "工作簿 旧.xls 是 .xls 格式,本工具只能读取、不能写入它。"
        "请在 Excel 中把它“另存为” .xlsx 文件,并在配置中改用新文件。"
    )


# ----------------------------------------------------------------------------- atomic save, backups


def test_failed_save_leaves_the_original_and_no_temp_file(
    tmp_workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tmp_workbook.read_bytes()

    def broken_save(self: Edit, filename: Path) -> None:
        Path(filename).write_bytes(b"half a workbook")
        raise RuntimeError("disk full")

    monkeypatch.setattr(Edit, "save", broken_save)
    book = ExcelBook(tmp_workbook)
    with pytest.raises(RuntimeError, match="disk full"):
        book.apply(with_tab(one_cell("名单", 2, 2, "李四")))
    assert tmp_workbook.read_bytes() == before
    assert files_in(tmp_workbook.parent) == [".sheets-sync", "book.xlsx"]  # the backup only


def test_os_error_on_save_becomes_a_book_error(
    tmp_workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(BookError) as err:
        ExcelBook(tmp_workbook).apply(one_cell("名单", 2, 2, "李四"))
    assert str(err.value) == (
        "无法写入工作簿 book.xlsx:没有权限(当前用户不能读写它,或它被设为只读)。原文件没有改动。"
        "请确认文件没有被其他程序占用、所在文件夹可以写入,然后重新运行。"
    )
    assert files_in(tmp_workbook.parent) == [".sheets-sync", "book.xlsx"]


def test_backup_is_made_once_per_book_before_its_first_write(tmp_workbook: Path) -> None:
    original = tmp_workbook.read_bytes()
    book = ExcelBook(tmp_workbook)
    book.apply(one_cell("名单", 2, 2, "一"))
    book.apply(one_cell("名单", 2, 2, "二"))
    backups = tmp_workbook.parent / ".sheets-sync" / "backups"
    assert book.last_backup is not None
    assert files_in(backups) == [book.last_backup.name]
    assert book.last_backup.read_bytes() == original
    assert book.last_backup.name.startswith("book.") and book.last_backup.suffix == ".xlsx"
    stamp = book.last_backup.name.removeprefix("book.").removesuffix(".xlsx")
    assert dt.datetime.strptime(stamp, "%Y%m%d-%H%M%S")

    second = ExcelBook(tmp_workbook)
    second.apply(one_cell("名单", 2, 2, "三"))
    assert len(files_in(backups)) == 2  # a new run backs up again, under a unique name
    assert second.last_backup is not None
    assert read_workbook(second.last_backup)["名单"].cell(2, 2) == "二"


def test_backup_dir_can_be_chosen(tmp_workbook: Path, tmp_path: Path) -> None:
    book = ExcelBook(tmp_workbook, backup_dir=tmp_path / "备份")
    book.apply(one_cell("名单", 2, 2, "一"))
    assert book.last_backup is not None
    assert book.last_backup.parent == tmp_path / "备份"


# ----------------------------------------------------------------------------- locks


@pytest.mark.parametrize(
    "lock_name",
    [
        pytest.param("~$book.xlsx", id="excel-owner-file"),
        pytest.param("~$ok.xlsx", id="excel-owner-file-long-name-form"),
        pytest.param(".~lock.book.xlsx#", id="libreoffice-lock-file"),
    ],
)
def test_open_workbook_is_read_but_not_written(tmp_workbook: Path, lock_name: str) -> None:
    lock = tmp_workbook.with_name(lock_name)
    lock.write_bytes(b"owner")
    before = tmp_workbook.read_bytes()
    book = ExcelBook(tmp_workbook)
    assert book.locked_by() == lock
    assert book.read()["名单"].cell(2, 1) == "0042"
    with pytest.raises(WorkbookLocked) as err:
        book.apply(one_cell("名单", 2, 2, "李四"))
    assert str(err.value) == (
        f"工作簿 book.xlsx 正在被 Excel 或 LibreOffice 打开(锁文件:{lock}),本次不会写入它。"
        "请保存并关闭该工作簿后重新运行;如果确认没有人打开它,可以删除这个锁文件。"
    )
    assert tmp_workbook.read_bytes() == before
    assert book.last_backup is None
    with pytest.raises(WorkbookLocked):
        write_workbook(tmp_workbook, {"x": [["y"]]})
    assert tmp_workbook.read_bytes() == before


def test_workbook_opened_while_saving_is_not_replaced(
    tmp_workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tmp_workbook.read_bytes()
    save = Edit.save

    def save_while_excel_opens_it(self: Edit, filename: Path) -> None:
        save(self, filename)
        tmp_workbook.with_name("~$book.xlsx").write_bytes(b"owner")

    monkeypatch.setattr(Edit, "save", save_while_excel_opens_it)
    with pytest.raises(WorkbookLocked):
        ExcelBook(tmp_workbook).apply(with_tab(one_cell("名单", 2, 2, "李四")))
    assert tmp_workbook.read_bytes() == before
    assert files_in(tmp_workbook.parent) == [".sheets-sync", "book.xlsx", "~$book.xlsx"]


def test_closed_workbook_has_no_lock(tmp_workbook: Path) -> None:
    assert ExcelBook(tmp_workbook).locked_by() is None


# ----------------------------------------------------------------------------- write_workbook


def test_write_workbook_makes_string_cells_bold_frozen_header_and_text_columns(
    tmp_path: Path,
) -> None:
    path = tmp_path / "新.xlsx"
    write_workbook(
        path,
        {"名单": [["编号", "电话"], ["0042", "13812345678"], [HYPERLINK, ""]], "空": []},
        text_columns={"名单": [2]},
    )
    wb = openpyxl.load_workbook(path)
    ws = wb["名单"]
    assert [[(c.value, c.data_type) for c in row] for row in ws.iter_rows()] == [
        [("编号", "s"), ("电话", "s")],
        [("0042", "s"), ("13812345678", "s")],
        [(HYPERLINK, "s"), (None, "n")],
    ]
    assert ws["A1"].font.b and not ws["A2"].font.b
    assert ws.freeze_panes == "A2"
    assert ws["B2"].number_format == "@" and ws["A2"].number_format == "General"
    assert read_workbook(path) == {
        "名单": Grid([["编号", "电话"], ["0042", "13812345678"], [HYPERLINK]]),
        "空": Grid([]),
    }


def test_write_workbook_keeps_xml_special_text_and_tab_names(tmp_path: Path) -> None:
    path = tmp_path / "特殊.xlsx"
    tabs = {
        "A&B <名单>": [
            ["a & b", "<t>", "'引号' \"双引号\""],
            [" 前导空格", "尾随空格 ", "行1\n行2"],
        ],
        "第二": [["x"]],
    }
    write_workbook(path, tabs)
    assert read_workbook(path) == {name: Grid(rows) for name, rows in tabs.items()}
    assert openpyxl.load_workbook(path).sheetnames == ["A&B <名单>", "第二"]


@pytest.mark.parametrize(
    ("names", "problem"),
    [
        pytest.param(
            ["a/b"],
            "“a/b”:名称不能包含 [ ] : * ? / \\ 这些字符,也不能以单引号开头或结尾",
            id="slash-in-name",
        ),
        pytest.param(
            ["长" * 32], f"“{'长' * 32}”:名称有 32 个字符,Excel 最多允许 31 个", id="name-too-long"
        ),
        pytest.param(
            ["名单", "Sheet", "sheet"],
            "“sheet”:与另一个工作表重名(Excel 不区分大小写)",
            id="same-name-other-case",
        ),
        pytest.param([" "], "“ ”:名称不能为空", id="blank-name"),
    ],
)
def test_write_workbook_refuses_tab_names_excel_cannot_open(
    tmp_path: Path, names: list[str], problem: str
) -> None:
    with pytest.raises(BookError) as err:
        write_workbook(tmp_path / "a.xlsx", {name: [["x"]] for name in names})
    assert str(err.value) == f"无法创建工作表{problem}。请换一个工作表名称。"
    assert files_in(tmp_path) == []


def test_write_workbook_refuses_other_formats(tmp_path: Path) -> None:
    with pytest.raises(BookError) as err:
        write_workbook(tmp_path / "a.xlsm", {"x": [["y"]]})
    assert str(err.value) == "只能新建 .xlsx 工作簿,而 a.xlsm 不是。请把文件名改为以 .xlsx 结尾。"


# ----------------------------------------------------------------------------- property

# Text that XML 1.0 cannot hold is written in Excel's _xHHHH_ escape, which Excel and
# calamine decode. Excluded: lone surrogates (not encodable as UTF-8 at all) and the
# non-characters U+FFFE/U+FFFF (calamine leaves their escape undecoded).
ANY_TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\ufffe\uffff")
    | st.sampled_from("=+-@ 0_x"),
    min_size=1,
    max_size=40,
)
# openpyxl does not decode the escape: read back through openpyxl, text without control
# characters and without literal "_xHHHH_" sequences comes back exactly.
PLAIN_TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff")
    | st.sampled_from([*"=+-@ 0123456789留守儿童", "\n", "\t"]),
    min_size=1,
    max_size=40,
).filter(lambda s: "_x" not in s)


@settings(max_examples=40, deadline=None)
@given(texts=st.lists(ANY_TEXT, min_size=1, max_size=8))
@example(texts=["a\x0bb", "\r\n", "x\ry", "_x0041_", "_X004a_", "_x00", "\x00", "=1+1"])
def test_any_text_written_reads_back_the_same(texts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.xlsx"
        write_workbook(path, {"表": [["标题"]]})
        book = ExcelBook(path, backup_dir=Path(tmp) / "bak")
        batch = WriteBatch()
        for i, text in enumerate(texts, start=2):
            batch.set_cell("表", i, 1, text)
        book.apply(batch)
        grid = book.read()["表"]
        assert [grid.cell(i, 1) for i in range(2, len(texts) + 2)] == texts
        write_workbook(path, {"表": [[t] for t in texts]})
        assert [row[0] for row in book.read()["表"].rows] == texts


@settings(max_examples=25, deadline=None)
@given(texts=st.lists(PLAIN_TEXT, min_size=1, max_size=8))
def test_plain_text_written_reads_back_the_same_in_openpyxl(texts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.xlsx"
        write_workbook(path, {"表": [["标题"]]})
        batch = WriteBatch()
        for i, text in enumerate(texts, start=2):
            batch.set_cell("表", i, 1, text)
        ExcelBook(path, backup_dir=Path(tmp) / "bak").apply(batch)
        ws = openpyxl.load_workbook(path)["表"]
        cells = [ws.cell(i, 1) for i in range(2, len(texts) + 2)]
        assert [(c.value, c.data_type) for c in cells] == [(t, "s") for t in texts]


# ----------------------------------------------------------------------------- LibreOffice

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice (soffice) is not installed; CI installs libreoffice-calc to run this",
)
def test_libreoffice_sees_formula_like_text_as_text(tmp_workbook: Path, tmp_path: Path) -> None:
    assert SOFFICE is not None
    batch = WriteBatch()
    for i, text in enumerate(TRICKY, start=3):
        batch.set_cell("名单", i, 1, text)
    ExcelBook(tmp_workbook).apply(batch)
    out = tmp_path / "csv"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(out),
            str(tmp_workbook),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    with open(out / "book.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert [row[0] for row in rows[2 : 2 + len(TRICKY)]] == TRICKY


@pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice (soffice) is not installed; CI installs libreoffice-calc to run this",
)
def test_libreoffice_opens_a_written_workbook_as_text(tmp_path: Path) -> None:
    assert SOFFICE is not None
    rows = [
        ["编号", "内容"],
        *[[f"{i:04d}", text] for i, text in enumerate(TRICKY)],
        ["a&b", "<c>"],
    ]
    path = tmp_path / "new.xlsx"
    write_workbook(path, {"名单": rows}, text_columns={"名单": [1]})
    out = tmp_path / "csv"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    with open(out / "new.csv", encoding="utf-8", newline="") as fh:
        assert list(csv.reader(fh)) == rows
