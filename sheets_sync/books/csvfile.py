"""CsvBook: a .csv file as a one-tab book (read-only: results are reported, not written).

Exports from other systems arrive as CSV. The tab is named after the file (``儿童登记表.csv``
→ tab ``儿童登记表``), so a file named after a form is recognised as that form. Encoding:
UTF-8 (with or without BOM), falling back to GB18030, which Excel uses for Chinese CSV.
Every cell is read as text (pyarrow's CSV reader, all columns as strings, nothing inferred);
a file pyarrow cannot take (ragged rows) is read with the standard library instead.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import BookError, BookNotFound, BookUnreadable, os_reason
from ..table import Grid, trim
from .base import WriteBatch


def _encoding(head: bytes) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 4:  # not just a character cut at the end of the sample
            return "gb18030"
    return "utf-8"


class CsvBook:
    """A CSV file, read as text; writing is refused with a clear message."""

    writable = False  # findings are printed, not written back

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    @property
    def name(self) -> str:
        return self.path.name

    def locked_by(self) -> Path | None:
        """Never needed: a CSV file is only read."""
        return None

    def read(self) -> dict[str, Grid]:
        try:
            with open(self.path, "rb") as f:
                head = f.read(1 << 16)
        except FileNotFoundError:
            raise BookNotFound(self.path) from None
        except OSError as e:
            raise BookUnreadable(self.path, os_reason(e)) from e
        enc = _encoding(head)
        try:
            grid = self._read_arrow(enc)
        except (pa.ArrowInvalid, UnicodeDecodeError):
            grid = self._read_python(enc)
        return {self.path.stem: grid}

    def _read_arrow(self, encoding: str) -> Grid:
        table = pacsv.read_csv(
            self.path,
            read_options=pacsv.ReadOptions(autogenerate_column_names=True,
                                           encoding="utf8" if encoding == "utf-8" else encoding),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={}, strings_can_be_null=False, quoted_strings_can_be_null=False,
                null_values=[], true_values=[], false_values=[], auto_dict_encode=False),
        )
        cols: list[np.ndarray] = []
        for col in table.columns:
            col = col.cast(pa.string()) if col.type != pa.string() else col
            arr = np.empty(len(col), dtype=object)
            arr[:] = col.to_pylist()  # faster than to_numpy() for strings
            if encoding == "utf-8-sig" and not cols and len(arr):
                arr[0] = str(arr[0]).removeprefix("\ufeff")
            cols.append(arr)
        return Grid.from_columns(cols)

    def _read_python(self, encoding: str) -> Grid:
        try:
            text = self.path.read_bytes().decode(encoding)
        except UnicodeDecodeError:
            raise BookUnreadable(self.path, "文件编码既不是 UTF-8 也不是 GB18030") from None
        return Grid(trim(list(csv.reader(io.StringIO(text, newline="")))))

    def apply(self, batch: WriteBatch) -> None:
        if batch:
            raise BookError(
                f"{self.path.name} 是 CSV 文件,不能写入校验结果或新工作表。"
                "请另存为 .xlsx 工作簿后再运行,或加 --dry-run 只看结果。"
            )
