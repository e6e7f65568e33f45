"""The same engine on any table of text columns (used for the FEBRL benchmark).

Blocking on exact keys (as :mod:`.candidates`), Fellegi–Sunter levels per column
(exact / close / different; close is Jaro–Winkler ≥ 0.9 for names, one edit for IDs
and dates, both computed by DuckDB), u from random pairs, m and the prior by a few EM
rounds on the candidate pairs (the data are unlabelled), then pairs with probability
≥ 0.5. The prior comes from pairs that agree outright (as splink's docs estimate it)
and stays fixed, and "different" is at most :data:`DIFF_MAX` among matches, so EM cannot
collapse into "every candidate is a match" on data with few duplicates. The Chinese matcher keeps
its shipped m values and vetoes; this path is for data whose columns it does not know.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

DIFF_MAX = 0.1
"""At most this share of true matches disagree on a column (bounds EM)."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "name"        # name | code (ID, date, postcode: one edit is close) | exact


def _levels(col: Column, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """0 missing, 1 same, 2 close, 3 different (similarities computed in DuckDB)."""
    import duckdb

    frame = pd.DataFrame({"a": a.astype(str), "b": b.astype(str)})
    close = ("jaro_winkler_similarity(a, b) >= 0.9" if col.kind == "name"
             else "damerau_levenshtein(a, b) <= 1" if col.kind == "code" else "false")
    con = duckdb.connect()
    con.register("p", frame)
    sql = (f"SELECT CASE WHEN a = '' OR b = '' THEN 0 WHEN a = b THEN 1 WHEN {close} THEN 2 "
           "ELSE 3 END AS lv FROM p")
    out = con.execute(sql).fetchnumpy()["lv"]
    con.close()
    return np.asarray(out, dtype=np.int64)


def _block(codes: list[np.ndarray], n: int, max_block: int) -> np.ndarray:
    keep = np.logical_and.reduce([c > 0 for c in codes])
    frame = pd.DataFrame({f"k{i}": c[keep] for i, c in enumerate(codes)})
    gid = frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()
    members = np.flatnonzero(keep)
    order = np.argsort(gid, kind="stable")
    gid, members = gid[order], members[order]
    starts = np.flatnonzero(np.r_[True, gid[1:] != gid[:-1]]) if len(gid) else np.array([], int)
    sizes = np.diff(np.r_[starts, len(gid)])
    out = [np.empty((0, 2), dtype=np.int64)]
    for size in np.unique(sizes):
        if 2 <= size <= max_block:
            groups = members[starts[sizes == size][:, None] + np.arange(size)[None, :]]
            a, b = np.triu_indices(int(size), 1)
            out.append(np.stack([groups[:, a].ravel(), groups[:, b].ravel()], axis=1))
    pairs = np.concatenate(out)
    pairs.sort(axis=1)
    return pairs


def link(df: pd.DataFrame, columns: Sequence[Column], blocks: Sequence[Sequence[str]], *,
         source: np.ndarray | None = None, threshold: float = 0.5, max_block: int = 500,
         em_rounds: int = 10, seed: int = 0) -> np.ndarray:
    """Pairs (i < j) of rows of ``df`` judged one entity; ``source`` makes it link-only."""
    n = len(df)
    text = {c.name: df[c.name].fillna("").astype(str).str.strip().to_numpy(dtype=object)
            for c in columns}
    codes = {name: pd.factorize(df[name].fillna("").astype(str).str.strip())[0] + 1
             for rule in blocks for name in rule}
    for name, c in codes.items():
        c[df[name].fillna("").astype(str).str.strip().to_numpy() == ""] = 0
    parts = [_block([codes[x] for x in rule], n, max_block) for rule in blocks]
    pairs = np.unique(np.concatenate(parts), axis=0)
    if source is not None:
        pairs = pairs[source[pairs[:, 0]] != source[pairs[:, 1]]]
    rng = np.random.default_rng(seed)
    ri, rj = rng.integers(0, n, 100_000), rng.integers(0, n, 100_000)
    ok = ri != rj if source is None else source[ri] != source[rj]
    ri, rj = ri[ok], rj[ok]
    lv = np.stack([_levels(c, text[c.name][pairs[:, 0]], text[c.name][pairs[:, 1]])
                   for c in columns], axis=1)
    rlv = np.stack([_levels(c, text[c.name][ri], text[c.name][rj]) for c in columns], axis=1)
    u = np.stack([(np.bincount(rlv[:, k], minlength=4) + 1) / (len(rlv) + 4)
                  for k in range(len(columns))])
    m = np.tile(np.array([1.0, 0.85, 0.10, 0.05]), (len(columns), 1))
    # the prior, as splink's docs do it: pairs that agree outright (here: exactly on 70 %
    # of the columns both have) are matches, found with recall 0.7; EM then fits m only
    both = (lv > 0).sum(axis=1)
    sure = ((lv == 1).sum(axis=1) >= np.ceil(0.7 * both)) & (both >= 2)
    lam = float(np.clip(sure.sum() / 0.7 / max(len(pairs), 1), 1e-6, 0.5))
    ar = np.arange(len(columns))
    p = np.zeros(len(pairs))
    for _ in range(max(em_rounds, 1)):
        w = np.log(m[ar, lv]) - np.log(u[ar, lv])
        w[lv == 0] = 0.0
        logit = w.sum(axis=1) + np.log(lam / (1 - lam))
        p = 1 / (1 + np.exp(-np.clip(logit, -50, 50)))
        for k in range(len(columns)):
            seen = lv[:, k] > 0
            tot = np.bincount(lv[seen, k], weights=p[seen], minlength=4) + 1e-3
            m[k, 1:] = tot[1:] / tot[1:].sum()
            if m[k, 3] > DIFF_MAX:       # keep "different" rare among matches (EM can collapse)
                m[k, 3] = DIFF_MAX
                m[k, 1:3] *= (1 - DIFF_MAX) / m[k, 1:3].sum()
    return pairs[p >= threshold]
