"""The OOXML package (a zip of parts): open it safely, edit a few parts, copy the rest raw.

* :func:`open_package` checks what the file is before anything reads it: an encrypted
  workbook (a CFB/OLE file under an ``.xlsx`` name), a file that is not a zip or is
  truncated, a zip bomb (declared sizes over :data:`MAX_TOTAL`, or an entry that inflates
  more than :data:`MAX_RATIO` times), a Strict OOXML workbook — each a :class:`NotWritable`
  with one Chinese reason.
* :class:`Edit` holds the new content of the parts a write changes (bytes, or XML trees
  serialised on save) and the parts it drops. :meth:`Edit.save` copies every other entry
  *raw* — the compressed bytes as they are, same method, time and attributes — so what
  the write did not touch is byte for byte what it was.
* Relationship and content-type helpers: targets resolved to part names, new ``rId``s,
  overrides added and removed.
"""

from __future__ import annotations

import posixpath
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree  # type: ignore[import-untyped]  # no stubs installed

__all__ = [
    "CT",
    "DOC_REL",
    "MAIN",
    "MAX_RATIO",
    "MAX_TOTAL",
    "PKG_REL",
    "STRICT_MAIN",
    "Edit",
    "NotWritable",
    "SheetEntry",
    "check_transitional",
    "check_zip_limits",
    "open_package",
    "parse_xml",
    "relative_target",
    "rels_name",
    "resolve_target",
    "sheet_entries",
    "to_bytes",
    "workbook_part",
]

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
OFFICE_DOC = f"{DOC_REL}/officeDocument"
STRICT_OFFICE_DOC = "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"

MAX_TOTAL = 1 << 30
"""At most 1 GiB of parts, uncompressed: a 20,000-row hub is ~50 MB."""
MAX_RATIO = 200
"""An entry over :data:`RATIO_FLOOR` that inflates more than this is a zip bomb."""
RATIO_FLOOR = 16 << 20
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class NotWritable(Exception):
    """The file cannot be written (or read) as a package; ``reason`` is a Chinese phrase."""

    def __init__(self, reason: str, *, readable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.readable = readable


def parse_xml(data: bytes) -> etree._Element:
    """The root element of ``data`` (a parser per call: lxml parsers are not thread-safe)."""
    parser = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
    return etree.fromstring(data, parser)


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(
        root.getroottree(), xml_declaration=True, encoding="UTF-8", standalone=True
    )


def rels_name(part: str) -> str:
    """``xl/workbook.xml`` -> ``xl/_rels/workbook.xml.rels``; ``""`` -> ``_rels/.rels``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def resolve_target(part: str, rel: etree._Element) -> str:
    """The part name a relationship of ``part`` points to (``""`` for external targets)."""
    if rel.get("TargetMode") == "External":
        return ""
    target = rel.get("Target", "")
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(part), target))


def relative_target(part: str, target: str) -> str:
    """The ``Target`` text for a relationship from ``part`` to the part ``target``."""
    return posixpath.relpath(target, posixpath.dirname(part) or ".")


def check_zip_limits(z: zipfile.ZipFile) -> None:
    """Refuse a zip bomb before anything inflates it (declared sizes and ratios)."""
    total = 0
    for info in z.infolist():
        total += info.file_size
        if total > MAX_TOTAL:
            raise NotWritable(
                f"文件解压后超过 {MAX_TOTAL >> 20} MB(压缩炸弹或异常文件),为安全起见不予处理"
            )
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise NotWritable(
                f"文件中的 {info.filename} 压缩比异常(超过 {MAX_RATIO} 倍,疑似压缩炸弹),"
                "为安全起见不予处理"
            )
        if info.flag_bits & 0x1:
            raise NotWritable("文件中有加密的部分,无法处理")
    # a liar declares a small size: inflate big XML entries that claim not to compress,
    # stopping at the declared size
    for info in z.infolist():
        if (
            info.compress_size > (1 << 20)
            and info.file_size < 2 * info.compress_size
            and info.compress_type == zipfile.ZIP_DEFLATED
            and info.filename.endswith((".xml", ".rels"))
        ):
            _inflates_to_declared(z, info)


def _inflates_to_declared(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    raw = _raw_bytes(z, info)
    inflater = zlib.decompressobj(-15)
    out = 0
    for i in range(0, len(raw), 1 << 16):
        out += len(inflater.decompress(raw[i : i + (1 << 16)], (1 << 20)))
        while inflater.unconsumed_tail:
            out += len(inflater.decompress(inflater.unconsumed_tail, 1 << 20))
            if out > info.file_size:
                break
        if out > info.file_size:
            raise NotWritable(f"文件中的 {info.filename} 实际大小与记录不符(疑似压缩炸弹)")


def _sniff(path: Path) -> None:
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head == CFB_MAGIC:
        raise NotWritable(
            "工作簿设置了打开密码(已加密),或是旧的二进制格式,无法处理;请在 Excel 中"
            "取消密码(文件 → 信息 → 保护工作簿 → 用密码进行加密,清空密码)后另存为 .xlsx"
        )
    if not head.startswith(b"PK"):
        raise NotWritable("文件不是有效的 Excel 工作簿(压缩包结构损坏或不是 Excel 文件)")


def open_package(path: Path) -> zipfile.ZipFile:
    """``path`` opened as a zip, after the checks above (the caller closes it)."""
    _sniff(path)
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as err:
        raise NotWritable(
            "文件不是有效的 Excel 工作簿(压缩包结构损坏、文件不完整或不是 Excel 文件)"
        ) from err
    return checked(z)


def checked(z: zipfile.ZipFile) -> zipfile.ZipFile:
    """``z`` after :func:`check_zip_limits` (closed when it fails them)."""
    try:
        check_zip_limits(z)
    except BaseException:
        z.close()
        raise
    return z


# -- raw zip copy ---------------------------------------------------------------------------

_FH = struct.Struct("<4s2B4HL2L2H")  # a zip local file header (zipfile's private layout)
_FH_SIZE, _FH_MAGIC, _FH_NAME_LEN, _FH_EXTRA_LEN = 30, b"PK\x03\x04", 10, 11


def _raw_bytes(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The compressed bytes of ``info`` as stored."""
    fp = z.fp
    assert fp is not None
    fp.seek(info.header_offset)
    header = fp.read(_FH_SIZE)
    if len(header) != _FH_SIZE or header[:4] != _FH_MAGIC:
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    fields = _FH.unpack(header)
    fp.seek(fields[_FH_NAME_LEN] + fields[_FH_EXTRA_LEN], 1)
    raw = fp.read(info.compress_size)
    if len(raw) != info.compress_size:
        raise zipfile.BadZipFile(f"{info.filename} is truncated")
    return raw


def _strip_zip64(extra: bytes) -> bytes:
    out, i = b"", 0
    while i + 4 <= len(extra):
        kind, size = struct.unpack("<HH", extra[i : i + 4])
        if kind != 1:
            out += extra[i : i + 4 + size]
        i += 4 + size
    return out


def _copy_raw(src: zipfile.ZipFile, info: zipfile.ZipInfo, dst: zipfile.ZipFile) -> None:
    """Append ``info``'s entry of ``src`` to ``dst`` without inflating it."""
    raw = _raw_bytes(src, info)
    new = zipfile.ZipInfo(info.filename, info.date_time)
    for attr in ("compress_type", "comment", "create_system", "create_version",
                 "extract_version", "volume", "internal_attr", "external_attr",
                 "CRC", "compress_size", "file_size"):
        setattr(new, attr, getattr(info, attr))
    new.extra = _strip_zip64(info.extra)
    new.flag_bits = info.flag_bits & ~0x08  # sizes go in the local header
    fp = dst.fp
    assert fp is not None
    new.header_offset = fp.tell()
    fp.write(new.FileHeader())
    fp.write(raw)
    dst.filelist.append(new)
    dst.NameToInfo[new.filename] = new
    dst.start_dir = fp.tell()
    dst._didModify = True  # type: ignore[attr-defined]


def _fresh_entry(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    new = zipfile.ZipInfo(info.filename, info.date_time)
    new.compress_type = info.compress_type
    new.comment = info.comment
    new.external_attr = info.external_attr
    new.internal_attr = info.internal_attr
    new.create_system = info.create_system
    return new


# -- editing ---------------------------------------------------------------------------------


@dataclass
class Edit:
    """The changes to one package: new parts, changed parts, dropped parts.

    Read parts with :meth:`read`/:meth:`tree` (a tree is parsed once and cached); a tree
    changed in place must be :meth:`touch`-ed to be written. :meth:`save` writes the whole
    package: changed parts re-deflated, new parts appended, all others copied raw.
    """

    zip: zipfile.ZipFile
    parts: dict[str, bytes] = field(default_factory=dict)
    drop: set[str] = field(default_factory=set)
    trees: dict[str, etree._Element] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.infos = {i.filename: i for i in self.zip.infolist()}
        self._folded = {n.casefold(): n for n in self.infos}

    # reading
    def name(self, part: str) -> str | None:
        """The stored name of ``part`` (part names are case-insensitive), or ``None``."""
        if part in self.parts or part in self.trees:
            return part
        if part in self.drop:
            return None
        found = part if part in self.infos else self._folded.get(part.casefold())
        return None if found is None or found in self.drop else found

    def exists(self, part: str) -> bool:
        return self.name(part) is not None

    def read(self, part: str) -> bytes:
        if part in self.trees and part in self.dirty:
            return to_bytes(self.trees[part])
        if part in self.parts:
            return self.parts[part]
        stored = self.name(part)
        if stored is None:
            raise KeyError(part)
        info = self.infos[stored]
        with self.zip.open(info) as fh:
            data = fh.read(info.file_size + 1)
        if len(data) > info.file_size:
            raise NotWritable(f"文件中的 {part} 实际大小与记录不符(疑似压缩炸弹)")
        return data

    def tree(self, part: str) -> etree._Element:
        stored = self.name(part) or part
        if stored not in self.trees:
            self.trees[stored] = parse_xml(self.read(stored))
        return self.trees[stored]

    def touch(self, part: str) -> None:
        self.dirty.add(self.name(part) or part)

    # writing
    def put(self, part: str, data: bytes) -> None:
        stored = self.name(part) or part
        self.trees.pop(stored, None)
        self.dirty.discard(stored)
        self.parts[stored] = data
        self.drop.discard(stored)

    def put_tree(self, part: str, root: etree._Element) -> None:
        stored = self.name(part) or part
        self.parts.pop(stored, None)
        self.drop.discard(stored)
        self.trees[stored] = root
        self.dirty.add(stored)

    def remove(self, part: str) -> None:
        stored = self.name(part)
        if stored is None:
            return
        self.parts.pop(stored, None)
        self.trees.pop(stored, None)
        self.dirty.discard(stored)
        if stored in self.infos:
            self.drop.add(stored)

    def changed(self) -> set[str]:
        return set(self.parts) | (self.dirty & set(self.trees))

    def unused(self, pattern: str, start: int = 1) -> str:
        """The first ``pattern.format(n)`` (n >= start) not in the package nor declared in it."""
        declared = {o.get("PartName", "").lstrip("/").casefold()
                    for o in self.content_types().findall(f"{{{CT}}}Override")}
        n = start
        while True:
            name = pattern.format(n)
            if not self.exists(name) and name.casefold() not in declared:
                return name
            n += 1

    def save(self, target: Path) -> None:
        """Write the edited package to ``target``."""
        new = {n: self.read(n) for n in self.changed()}
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in self.zip.infolist():
                name = info.filename
                if name in new:
                    entry = _fresh_entry(info)
                    if entry.compress_type == zipfile.ZIP_STORED:
                        entry.compress_type = zipfile.ZIP_DEFLATED
                    dst.writestr(entry, new.pop(name))
                elif name not in self.drop:
                    _copy_raw(self.zip, info, dst)
            for name in sorted(new, key=_part_order):
                dst.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), new[name],
                             compress_type=zipfile.ZIP_DEFLATED)

    # relationships
    def rels(self, part: str) -> etree._Element | None:
        name = rels_name(part)
        return self.tree(name) if self.exists(name) else None

    def targets(self, part: str) -> list[tuple[etree._Element, str]]:
        """``part``'s relationships with the part names they point to."""
        root = self.rels(part)
        if root is None:
            return []
        return [(r, resolve_target(part, r)) for r in root.iter(f"{{{PKG_REL}}}Relationship")]

    def add_rel(self, part: str, rel_type: str, target: str, rid: str | None = None) -> str:
        """Add a relationship from ``part`` to the part ``target``; its id."""
        name = rels_name(part)
        root = self.rels(part)
        if root is None:
            root = etree.Element(f"{{{PKG_REL}}}Relationships", nsmap={None: PKG_REL})
            self.put_tree(name, root)
        ids = {r.get("Id") for r in root}
        if rid is None or rid in ids:
            n = len(ids) + 1
            while f"rId{n}" in ids:
                n += 1
            rid = f"rId{n}"
        rel = etree.SubElement(root, f"{{{PKG_REL}}}Relationship")
        rel.set("Id", rid)
        rel.set("Type", rel_type)
        rel.set("Target", relative_target(part, target))
        self.touch(name)
        return rid

    # content types
    def content_types(self) -> etree._Element:
        return self.tree("[Content_Types].xml")

    def set_override(self, part: str, content_type: str) -> None:
        types = self.content_types()
        for o in types.findall(f"{{{CT}}}Override"):
            if o.get("PartName", "").lstrip("/").casefold() == part.casefold():
                o.set("ContentType", content_type)
                break
        else:
            o = etree.SubElement(types, f"{{{CT}}}Override")
            o.set("PartName", "/" + part)
            o.set("ContentType", content_type)
        self.touch("[Content_Types].xml")

    def remove_override(self, part: str) -> None:
        types = self.content_types()
        for o in types.findall(f"{{{CT}}}Override"):
            if o.get("PartName", "").lstrip("/").casefold() == part.casefold():
                types.remove(o)
                self.touch("[Content_Types].xml")

    def ensure_default(self, extension: str, content_type: str) -> None:
        types = self.content_types()
        for d in types.findall(f"{{{CT}}}Default"):
            if d.get("Extension", "").casefold() == extension.casefold():
                return
        d = etree.Element(f"{{{CT}}}Default")
        d.set("Extension", extension)
        d.set("ContentType", content_type)
        defaults = types.findall(f"{{{CT}}}Default")
        if defaults:
            defaults[-1].addnext(d)
        else:
            types.insert(0, d)
        self.touch("[Content_Types].xml")

    def content_type(self, part: str) -> str:
        types = self.content_types()
        for o in types.findall(f"{{{CT}}}Override"):
            if o.get("PartName", "").lstrip("/").casefold() == part.casefold():
                return o.get("ContentType", "")
        ext = part.rpartition(".")[2].casefold()
        for d in types.findall(f"{{{CT}}}Default"):
            if d.get("Extension", "").casefold() == ext:
                return d.get("ContentType", "")
        return ""


def _part_order(name: str) -> tuple[int, str]:
    return (0 if name.endswith(".rels") else 1, name)


def workbook_part(edit: Edit) -> str:
    """The workbook part named by the package's root relationships."""
    for rel, target in edit.targets(""):
        if rel.get("Type") in (OFFICE_DOC, STRICT_OFFICE_DOC):
            return target
    raise NotWritable("文件中找不到工作簿部分(不是 Excel 工作簿)")


def check_transitional(edit: Edit, wb_part: str) -> etree._Element:
    """The workbook root; Strict OOXML and other non-workbooks are refused."""
    root = edit.tree(wb_part)
    if root.tag == f"{{{STRICT_MAIN}}}workbook":
        raise NotWritable(
            "它是“Strict Open XML 电子表格”格式,本工具可以读取但不能安全写入;请在 Excel 中"
            "“另存为” → “Excel 工作簿(*.xlsx)”后再使用新文件",
            readable=True,
        )
    if root.tag != f"{{{MAIN}}}workbook":
        raise NotWritable("文件内容不是 Excel 工作簿")
    return root


@dataclass(frozen=True)
class SheetEntry:
    """One ``<sheet>`` of the workbook: its name, element, relationship and part."""

    name: str
    element: etree._Element
    rid: str
    part: str
    kind: str  # the relationship type's last word: worksheet, chartsheet, dialogsheet …


def sheet_entries(edit: Edit, wb_part: str) -> list[SheetEntry]:
    """The workbook's sheets in tab order."""
    workbook = edit.tree(wb_part)
    rels = {r.get("Id"): (r, t) for r, t in edit.targets(wb_part)}
    out = []
    for s in workbook.iter(f"{{{MAIN}}}sheet"):
        rid = s.get(f"{{{DOC_REL}}}id", "")
        rel, target = rels.get(rid, (None, ""))
        kind = rel.get("Type", "").rpartition("/")[2] if rel is not None else ""
        out.append(SheetEntry(s.get("name", ""), s, rid, target, kind))
    return out
