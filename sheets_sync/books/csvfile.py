"""CsvBook: a .csv file as a one-tab book (read-only: results are reported, not written).

Exports from other systems arrive as CSV. The tab is named after the file (``儿童登记表.csv``
→ tab ``儿童登记表``), so a file named after a form is recognised as that form. Encoding:
UTF-8 (with or without BOM), falling back to GB18030, which Excel uses for Chinese CSV.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import BookError, BookNotFound, BookUnreadable
from ..table import Grid, trim
from .base import WriteBatch


class CsvBook:
    """A CSV file, read as text; writing is refused with a clear message."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    @property
    def name(self) -> str:
        return self.path.name

    def _text(self) -> str:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            raise BookNotFound(self.path) from None
        except OSError as e:
            raise BookUnreadable(self.path, str(e)) from e
        for enc in ("utf-8-sig", "gb18030"):
            try:
                return raw.decode(enc)
            except UnicodeDecodeError:
                continue
        raise BookUnreadable(self.path, "文件编码既不是 UTF-8 也不是 GB18030")

    def read(self) -> dict[str, Grid]:
        rows = list(csv.reader(io.StringIO(self._text(), newline="")))
        return {self.path.stem: Grid(trim(rows))}

    def apply(self, batch: WriteBatch) -> None:
        if batch:
            raise BookError(
                f"{self.path.name} 是 CSV 文件,不能写入校验结果或新工作表。"
                "请另存为 .xlsx 工作簿后再运行,或加 --dry-run 只看结果。"
            )
