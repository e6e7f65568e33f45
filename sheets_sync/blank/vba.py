"""Build a ``vbaProject.bin`` from VBA source text ([MS-OVBA]).

The project carries source code only: the ``_VBA_PROJECT`` stream says version
``0xFFFF``, so Excel ignores the (absent) compiled cache and compiles the modules from
their source when it opens the workbook. What goes in:

* ``PROJECT`` (text: modules, name, protection state, encrypted as the spec says),
  ``PROJECTwm`` (module names in Unicode);
* ``VBA/dir`` (compressed records: project information, references, modules);
* ``VBA/<module>`` (compressed source), ``VBA/_VBA_PROJECT``.

Modules are :class:`Module` values; :func:`module_from_file` reads ``.bas`` / ``.cls``
text as the VBA editor exports it. Source must be ASCII here (code page 1252): Chinese
text belongs in the workbook cells and in Python, not in VBA string literals.
"""

from __future__ import annotations

import hashlib
import re
import struct
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .cfb import write_cfb

CODEPAGE = 1252
STD = 0x0021      # procedural module
DOC = 0x0022      # document or class module
WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
SHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
REFERENCES = (
    ("stdole", "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#"
               "C:\\Windows\\System32\\stdole2.tlb#OLE Automation"),
    ("Office", "*\\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#"
               "C:\\Program Files\\Common Files\\Microsoft Shared\\OFFICE16\\MSO.DLL#"
               "Microsoft Office 16.0 Object Library"),
)


@dataclass(frozen=True)
class Module:
    """One VBA module: ``kind`` is "module", "class" or "document"."""

    name: str
    code: str            # the source without Attribute VB_Name (added when built)
    kind: str = "module"
    base: str = ""       # document modules: VB_Base (workbook or worksheet)

    def source(self) -> str:
        """The module stream text: the attribute lines Excel expects, then the code."""
        lines = [f'Attribute VB_Name = "{self.name}"']
        if self.kind == "document":
            lines += [f'Attribute VB_Base = "{self.base}"',
                      "Attribute VB_GlobalNameSpace = False", "Attribute VB_Creatable = False",
                      "Attribute VB_PredeclaredId = True", "Attribute VB_Exposed = True",
                      "Attribute VB_TemplateDerived = False",
                      "Attribute VB_Customizable = True"]
        elif self.kind == "class" and "VB_Exposed" not in self.code:
            lines += ["Attribute VB_GlobalNameSpace = False", "Attribute VB_Creatable = False",
                      "Attribute VB_PredeclaredId = False", "Attribute VB_Exposed = False"]
        text = "\r\n".join(lines) + "\r\n" + self.code.replace("\r\n", "\n").replace(
            "\n", "\r\n")
        return text if text.endswith("\r\n") else text + "\r\n"


_NAME = re.compile(r'^Attribute VB_Name = "([^"]+)"\s*$', re.M)


def module_from_file(path: Path) -> Module:
    """A module from exported ``.bas`` / ``.cls`` text (the VERSION/BEGIN block dropped)."""
    text = path.read_text(encoding="ascii").replace("\r\n", "\n")
    kind = "class" if path.suffix.lower() == ".cls" else "module"
    if kind == "class" and text.startswith("VERSION"):
        text = text.split("\nEND\n", 1)[1]
    m = _NAME.search(text)
    name = m.group(1) if m else path.stem
    code = _NAME.sub("", text, count=1).lstrip("\n") if m else text
    return Module(name, code, kind)


def document_module(name: str, base: str) -> Module:
    """An empty document module (``ThisWorkbook`` or a sheet's code name)."""
    return Module(name, "", "document", base)


# --------------------------------------------------------------------- compression

@lru_cache(maxsize=64)
def compress(data: bytes) -> bytes:
    """[MS-OVBA] 2.4.1 compression: 4096-byte chunks of literals and copy tokens."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), 4096):
        chunk = data[start:start + 4096]
        packed = _compress_chunk(chunk)
        if len(packed) > 4096 and len(chunk) == 4096:
            out += struct.pack("<H", 0x3FFF) + chunk          # raw chunk
        else:
            out += struct.pack("<H", 0xB000 | (len(packed) + 2 - 3)) + packed
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    out = bytearray()
    pos, n = 0, len(chunk)
    heads: dict[bytes, list[int]] = {}
    while pos < n:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            length, offset = _match(chunk, pos, heads)
            if length >= 3:
                bit_count = max((pos - 1).bit_length(), 4)
                token = ((offset - 1) << (16 - bit_count)) | (length - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
                for p in range(pos, pos + length):
                    heads.setdefault(chunk[p:p + 3], []).append(p)
                pos += length
            else:
                heads.setdefault(chunk[pos:pos + 3], []).append(pos)
                out.append(chunk[pos])
                pos += 1
        out[flag_at] = flags
    return bytes(out)


def _match(chunk: bytes, pos: int, heads: dict[bytes, list[int]]) -> tuple[int, int]:
    if pos == 0 or pos + 3 > len(chunk):
        return 0, 0
    bit_count = max((pos - 1).bit_length(), 4)
    max_len = min((0xFFFF >> bit_count) + 3, len(chunk) - pos)
    max_off = 1 << bit_count
    best, best_off = 0, 0
    for cand in reversed(heads.get(chunk[pos:pos + 3], [])[-64:]):
        off = pos - cand
        if off > max_off:
            break
        length = 3
        while length < max_len and chunk[cand + length] == chunk[pos + length]:
            length += 1
        if length > best:
            best, best_off = length, off
            if length == max_len:
                break
    return best, best_off


# --------------------------------------------------------------------- streams

def _rec(rid: int, data: bytes) -> bytes:
    return struct.pack("<HI", rid, len(data)) + data


def _mbcs(text: str) -> bytes:
    return text.encode("cp1252")


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def dir_stream(modules: list[Module], project_name: str = "VBAProject") -> bytes:
    """The uncompressed ``dir`` stream ([MS-OVBA] 2.3.4.2)."""
    out = bytearray()
    out += _rec(0x0001, struct.pack("<I", 1))            # SYSKIND: Win32
    out += _rec(0x0002, struct.pack("<I", 0x409))        # LCID
    out += _rec(0x0014, struct.pack("<I", 0x409))        # LCIDINVOKE
    out += _rec(0x0003, struct.pack("<H", CODEPAGE))     # CODEPAGE
    out += _rec(0x0004, _mbcs(project_name))             # NAME
    out += _rec(0x0005, b"") + _rec(0x0040, b"")         # DOCSTRING
    out += _rec(0x0006, b"") + _rec(0x003D, b"")         # HELPFILEPATH
    out += _rec(0x0007, struct.pack("<I", 0))            # HELPCONTEXT
    out += _rec(0x0008, struct.pack("<I", 0))            # LIBFLAGS
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)         # VERSION (size field is 4)
    out += _rec(0x000C, b"") + _rec(0x003C, b"")         # CONSTANTS
    for name, libid in REFERENCES:
        out += _rec(0x0016, _mbcs(name)) + _rec(0x003E, _utf16(name))
        lib = _mbcs(libid)
        out += _rec(0x000D, struct.pack("<I", len(lib)) + lib + struct.pack("<IH", 0, 0))
    out += _rec(0x000F, struct.pack("<H", len(modules)))
    out += _rec(0x0013, struct.pack("<H", 0xFFFF))       # PROJECTCOOKIE
    for m in modules:
        out += _rec(0x0019, _mbcs(m.name)) + _rec(0x0047, _utf16(m.name))
        out += _rec(0x001A, _mbcs(m.name)) + _rec(0x0032, _utf16(m.name))
        out += _rec(0x001C, b"") + _rec(0x0048, b"")
        out += _rec(0x0031, struct.pack("<I", 0))        # source at offset 0: no cache
        out += _rec(0x001E, struct.pack("<I", 0))
        out += _rec(0x002C, struct.pack("<H", 0xFFFF))
        out += struct.pack("<HI", STD if m.kind == "module" else DOC, 0)
        out += struct.pack("<HI", 0x002B, 0)             # module terminator
    out += struct.pack("<HI", 0x0010, 0)                 # dir terminator
    return bytes(out)


def _encrypt(data: bytes, project_id: str, seed: int) -> str:
    """[MS-OVBA] 2.4.3.2 data encryption (the CMG, DPB and GC values), as hex."""
    version = 2
    proj_key = sum(project_id.encode("ascii")) & 0xFF
    out = bytearray([seed, seed ^ version, seed ^ proj_key])
    unenc1, enc1, enc2 = proj_key, seed ^ proj_key, seed ^ version
    for byte in [7] * ((seed & 6) // 2) + list(struct.pack("<I", len(data))) + list(data):
        enc = byte ^ ((enc2 + unenc1) & 0xFF)
        out.append(enc)
        enc2, enc1, unenc1 = enc1, enc, byte
    return out.hex().upper()


def project_stream(modules: list[Module], project_id: str,
                   project_name: str = "VBAProject") -> bytes:
    """The ``PROJECT`` stream text ([MS-OVBA] 2.3.1): modules, name, unprotected, visible."""
    lines = [f'ID="{project_id}"']
    for m in modules:
        if m.kind == "document":
            lines.append(f"Document={m.name}/&H00000000")
        elif m.kind == "class":
            lines.append(f"Class={m.name}")
        else:
            lines.append(f"Module={m.name}")
    seed = hashlib.sha256(project_id.encode()).digest()
    lines += [f'Name="{project_name}"', 'HelpContextID="0"',
              'VersionCompatible32="393222000"',
              f'CMG="{_encrypt(bytes(4), project_id, seed[0])}"',
              f'DPB="{_encrypt(bytes(1), project_id, seed[1])}"',
              f'GC="{_encrypt(bytes([0xFF]), project_id, seed[2])}"',
              "", "[Host Extender Info]",
              "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000", "",
              "[Workspace]"]
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
    return _mbcs("\r\n".join(lines) + "\r\n")


def projectwm_stream(modules: list[Module]) -> bytes:
    out = bytearray()
    for m in modules:
        out += _mbcs(m.name) + b"\0" + _utf16(m.name) + b"\0\0"
    return bytes(out + b"\0\0")


def vba_project(modules: list[Module], *, project_name: str = "VBAProject",
                key: str = "") -> bytes:
    """The bytes of ``vbaProject.bin`` for ``modules`` (deterministic for one ``key``)."""
    names = [m.name.upper() for m in modules]
    if len(set(names)) != len(names):
        raise ValueError("duplicate VBA module names")
    for m in modules:
        m.source().encode("cp1252")  # fails on text VBA cannot hold in this code page
    project_id = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "sheets-sync:" + key)).upper() + "}"
    vba: dict[str, bytes] = {
        "_VBA_PROJECT": bytes.fromhex("CC61FFFF000000"),
        "dir": compress(dir_stream(modules, project_name)),
    }
    for m in modules:
        vba[m.name] = compress(m.source().encode("cp1252"))
    return write_cfb({
        "PROJECT": project_stream(modules, project_id, project_name),
        "PROJECTwm": projectwm_stream(modules),
        "VBA": vba,  # type: ignore[dict-item]
    })
