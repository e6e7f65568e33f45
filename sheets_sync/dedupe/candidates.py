"""Candidate pairs: records that share a blocking key, within one form.

Each rule is a tuple of feature columns; records agreeing on all of them (none missing)
form a block and every pair in a block is a candidate. The rules together keep recall
high while each stays small: the same ID, any shared phone (guardian, father, mother,
own), the same pinyin and birth date, the same surname pinyin + birth date + school, the
same name pinyin + school, the same 学号 or e-mail. Blocks over :data:`MAX_BLOCK` records
(a shared office phone, a placeholder value) are skipped: they say nothing about identity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .features import Features

MAX_BLOCK = 500

RULES: tuple[tuple[str, ...], ...] = (
    ("id18",),
    ("phone",),
    ("py_code", "birth"),
    ("surname_py", "birth", "school"),
    ("py_code", "school"),
    ("student_no",),
    ("email",),
)


def _key_columns(f: Features, rule: tuple[str, ...]) -> tuple[np.ndarray, list[np.ndarray]]:
    """(record index, key columns) for one rule; the phone rule explodes the phone matrix."""
    if rule == ("phone",):
        idx = np.repeat(np.arange(f.n), f.phones.shape[1])
        return idx, [f.phones.reshape(-1)]
    cols: list[np.ndarray] = []
    for name in rule:
        v = getattr(f, name)
        if v.dtype == object:
            v = pd.factorize(v)[0].astype(np.int64) + 1
            v[getattr(f, name) == ""] = 0
        cols.append(np.asarray(v, dtype=np.int64))
    return np.arange(f.n), cols


def block_pairs(f: Features, rule: tuple[str, ...], max_block: int = MAX_BLOCK
                ) -> np.ndarray:
    """Pairs (i < j), shape (k, 2), of records agreeing on every column of ``rule``."""
    idx, cols = _key_columns(f, rule)
    missing = np.zeros(len(idx), dtype=bool)
    for name, c in zip(rule, cols, strict=True):
        missing |= c < 0 if name == "birth" else c <= 0
    form = pd.factorize(f.form)[0][idx]
    keep = ~missing
    if not keep.any():
        return np.empty((0, 2), dtype=np.int64)
    frame = pd.DataFrame({f"k{i}": c[keep] for i, c in enumerate([form, *cols])})
    gid = frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()
    members = idx[keep]
    order = np.argsort(gid, kind="stable")
    gid, members = gid[order], members[order]
    starts = np.flatnonzero(np.r_[True, gid[1:] != gid[:-1]])
    sizes = np.diff(np.r_[starts, len(gid)])
    out: list[np.ndarray] = []
    for size in np.unique(sizes):
        if size < 2 or size > max_block:
            continue
        s0 = starts[sizes == size]
        groups = members[s0[:, None] + np.arange(size)[None, :]]
        a, b = np.triu_indices(int(size), 1)
        out.append(np.stack([groups[:, a].ravel(), groups[:, b].ravel()], axis=1))
    if not out:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(out)
    pairs.sort(axis=1)
    return pairs[pairs[:, 0] != pairs[:, 1]]


def candidate_pairs(f: Features, rules: tuple[tuple[str, ...], ...] = RULES,
                    max_block: int = MAX_BLOCK) -> np.ndarray:
    """The union of every rule's pairs, each pair once, as an (k, 2) int64 array."""
    parts = [block_pairs(f, r, max_block) for r in rules]
    pairs = np.concatenate(parts) if parts else np.empty((0, 2), dtype=np.int64)
    if not len(pairs):
        return pairs
    code = np.unique(pairs[:, 0] * np.int64(f.n) + pairs[:, 1])
    return np.stack([code // f.n, code % f.n], axis=1)
