"""A small writer for Compound File Binary files ([MS-CFB], version 3).

Enough for a ``vbaProject.bin``: one root storage holding streams and storages, written
in one go. Streams under 4096 bytes live in the mini stream (64-byte sectors), larger ones
in 512-byte sectors, as the format requires. Sibling entries form a balanced binary tree
sorted the CFB way (shorter names first, then upper-case code units), all nodes black.

    >>> data = write_cfb({"PROJECT": b"ID=...", "VBA": {"dir": b"..."}})
    >>> data[:8] == MAGIC
    True
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Union

MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF

Tree = dict[str, Union[bytes, "Tree"]]


@dataclass
class _Entry:
    name: str
    kind: int                      # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list[_Entry] = field(default_factory=list)
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    start: int = END
    index: int = 0


def _key(name: str) -> tuple[int, str]:
    return (len(name.encode("utf-16-le")) // 2, name.upper())


def _entries(tree: Tree) -> list[_Entry]:
    root = _Entry("Root Entry", 5)
    flat = [root]

    def add(parent: _Entry, items: Tree) -> None:
        for name, value in items.items():
            if len(name) > 31:
                raise ValueError(f"CFB entry name too long: {name!r}")
            if isinstance(value, bytes):
                e = _Entry(name, 2, value)
                parent.children.append(e)
                flat.append(e)
            else:
                e = _Entry(name, 1)
                parent.children.append(e)
                flat.append(e)
                add(e, value)

    add(root, tree)
    for i, e in enumerate(flat):
        e.index = i
    for e in flat:
        e.child = _balance(sorted(e.children, key=lambda c: _key(c.name)))
    return flat


def _balance(items: list[_Entry]) -> int:
    """Link ``items`` (sorted) as a balanced tree; the index of its top node."""
    if not items:
        return NOSTREAM
    mid = len(items) // 2
    top = items[mid]
    top.left = _balance(items[:mid])
    top.right = _balance(items[mid + 1:])
    return top.index


def _dir_entry(e: _Entry, size: int) -> bytes:
    name = e.name.encode("utf-16-le") + b"\0\0"
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name, len(name), e.kind, 1, e.left, e.right, e.child,
        b"\0" * 16, 0, 0, 0, e.start, size,
    )


def _empty_entry() -> bytes:
    return struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM,
                       b"\0" * 16, 0, 0, 0, 0, 0)


def _pad(data: bytes, size: int) -> bytes:
    return data + b"\0" * (-len(data) % size)


def write_cfb(tree: Tree) -> bytes:
    """The bytes of a compound file holding ``tree`` (names -> bytes or sub-trees)."""
    entries = _entries(tree)
    root = entries[0]
    streams = [e for e in entries if e.kind == 2]

    # mini stream: small streams, 64-byte sectors, chained in the mini FAT
    mini_fat: list[int] = []
    mini = bytearray()
    for e in streams:
        if len(e.data) < MINI_CUTOFF and e.data:
            first = len(mini) // MINI_SECTOR
            n = -(-len(e.data) // MINI_SECTOR)
            e.start = first
            mini_fat.extend(range(first + 1, first + n))
            mini_fat.append(END)
            mini += _pad(e.data, MINI_SECTOR)
    root.data = bytes(mini)

    # regular sectors: directory, mini FAT, mini stream, big streams; FAT sectors first
    dir_bytes_n = _pad(b"\0" * (128 * len(entries)), SECTOR)
    chains: list[tuple[str, int]] = [("dir", len(dir_bytes_n) // SECTOR)]
    mini_fat_bytes = _pad(struct.pack(f"<{len(mini_fat)}I", *mini_fat), SECTOR) if mini_fat \
        else b""
    chains.append(("minifat", len(mini_fat_bytes) // SECTOR))
    chains.append(("ministream", -(-len(root.data) // SECTOR)))
    big = [e for e in streams if len(e.data) >= MINI_CUTOFF]
    chains.extend((f"s{e.index}", -(-len(e.data) // SECTOR)) for e in big)
    body = sum(n for _, n in chains)
    n_fat = 1
    while n_fat * (SECTOR // 4) < body + n_fat:
        n_fat += 1
    if n_fat > 109:
        raise ValueError("compound file too large for a header-only DIFAT")
    fat = [FATSECT] * n_fat
    starts: dict[str, int] = {}
    for name, n in chains:
        if n == 0:
            starts[name] = END
            continue
        first = len(fat)
        starts[name] = first
        fat.extend(range(first + 1, first + n))
        fat.append(END)
    fat.extend([FREE] * (n_fat * (SECTOR // 4) - len(fat)))

    root.start = starts["ministream"] if root.data else END
    for e in big:
        e.start = starts[f"s{e.index}"]
    directory = b"".join(
        _dir_entry(e, len(e.data) if e.kind != 1 else 0) for e in entries
    )
    directory = directory + _empty_entry() * ((len(dir_bytes_n) - len(directory)) // 128)

    difat = list(range(n_fat)) + [FREE] * (109 - n_fat)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        MAGIC, b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6,
        0, n_fat, starts["dir"], 0, MINI_CUTOFF,
        starts["minifat"], len(mini_fat_bytes) // SECTOR, END, 0,
    ) + struct.pack("<109I", *difat)
    out = bytearray(header)
    out += struct.pack(f"<{len(fat)}I", *fat)
    out += directory
    out += mini_fat_bytes
    out += _pad(root.data, SECTOR)
    for e in big:
        out += _pad(e.data, SECTOR)
    return bytes(out)
