"""find_duplicates(): suspected duplicate records of a book's form tabs, with reasons.

validate → features (:mod:`.features`) → candidate pairs (:mod:`.candidates`) → scores
(:mod:`.scoring`) → pairs at or above the threshold, with Chinese reasons
(:mod:`.reasons`), grouped into clusters (connected components).
Records are compared within one form (children with children, volunteers with
volunteers), across all tabs of that form in the book.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..config import Program
from ..forms.template import FormTemplate
from ..forms.validate import Report, validate_grids
from ..table import Grid
from .candidates import candidate_pairs
from .features import Features, Vocab, concat, tab_features
from .reasons import reasons
from .scoring import DEFAULT_THRESHOLD, score_pairs

FORMS = ("child", "volunteer")
"""Forms whose records describe people and are checked for duplicates."""


@dataclass(frozen=True)
class RecordRef:
    """Where a record is: tab, sheet row and its 编号 (``""`` if it has none)."""

    tab: str
    row: int
    id: str

    def as_json(self) -> dict[str, Any]:
        return {"tab": self.tab, "row": self.row, "id": self.id}

    @property
    def key(self) -> str:
        """A stable key for decisions: the 编号, or ``tab!row`` when there is none."""
        return self.id or f"{self.tab}!{self.row}"


@dataclass
class Pair:
    a: RecordRef
    b: RecordRef
    score: float
    reasons: list[str]
    group: int = 0
    ia: int = -1           # record indexes into DedupeResult.features
    ib: int = -1

    def as_json(self) -> dict[str, Any]:
        return {"a": self.a.as_json(), "b": self.b.as_json(), "score": self.score,
                "reasons": self.reasons}


@dataclass
class Cluster:
    records: list[RecordRef]
    score: float

    def as_json(self) -> dict[str, Any]:
        return {"records": [r.as_json() for r in self.records], "score": self.score}


@dataclass
class DedupeResult:
    """Suspected duplicate pairs (best first within each group) and their clusters."""

    pairs: list[Pair] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    report: Report | None = field(default=None, repr=False)
    features: Features | None = field(default=None, repr=False)
    n_records: int = 0
    n_candidates: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"pairs": [p.as_json() for p in self.pairs],
                "clusters": [c.as_json() for c in self.clusters]}


def _components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Connected-component label per node (union–find over the pairs)."""
    parent = np.arange(n)

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([find(x) for x in range(n)])


def features_of(report: Report, tab: str | None, program: Program) -> Features | None:
    """The features of every person-form tab of a validated book (or of ``tab`` only)."""
    vocab = Vocab()
    parts = [tab_features(tr, vocab, program.counties) for name, tr in report.tabs.items()
             if tr.layout.form.key in FORMS and (tab is None or name == tab) and tr.data.n]
    return concat(parts) if parts else None


def match(f: Features, threshold: float = DEFAULT_THRESHOLD) -> DedupeResult:
    """Score the candidate pairs of ``f`` and keep those at or above ``threshold``."""
    cand = candidate_pairs(f)
    res = DedupeResult(features=f, n_records=f.n, n_candidates=len(cand))
    if not len(cand):
        return res
    s = score_pairs(f, cand)
    keep = np.flatnonzero(s.prob >= threshold)
    i, j = s.i[keep], s.j[keep]
    if not len(keep):
        return res
    nodes, inv = np.unique(np.concatenate([i, j]), return_inverse=True)
    comp = _components(len(nodes), inv[:len(i)], inv[len(i):])
    label = dict(zip(nodes.tolist(), comp.tolist(), strict=True))

    def ref(k: int) -> RecordRef:
        return RecordRef(str(f.tab[k]), int(f.row[k]), str(f.rid[k]).strip())

    by_group: dict[int, list[int]] = {}
    for n_, k in enumerate(keep.tolist()):
        by_group.setdefault(label[int(s.i[k])], []).append(n_)
    groups = sorted(by_group.values(), key=lambda ms: min(
        (str(f.tab[s.i[keep[m]]]), int(f.row[s.i[keep[m]]])) for m in ms))
    for g, members in enumerate(groups, start=1):
        recs: set[int] = set()
        probs: list[float] = []
        for m in sorted(members, key=lambda m: -float(s.prob[keep[m]])):
            k = int(keep[m])
            a, b = int(s.i[k]), int(s.j[k])
            if (str(f.tab[a]), int(f.row[a])) > (str(f.tab[b]), int(f.row[b])):
                a, b = b, a
            lv = {c: int(v[k]) for c, v in s.levels.items()}
            p = round(float(s.prob[k]), 3)
            res.pairs.append(Pair(ref(a), ref(b), p, reasons(f, a, b, lv), g, a, b))
            recs.update((a, b))
            probs.append(p)
        ordered = sorted(recs, key=lambda x: (str(f.tab[x]), int(f.row[x])))
        res.clusters.append(Cluster([ref(x) for x in ordered], min(probs)))
    return res


def find_duplicates(grids: dict[str, Grid], templates: dict[str, FormTemplate],
                    program: Program, *, tab: str | None = None,
                    threshold: float = DEFAULT_THRESHOLD,
                    report: Report | None = None) -> DedupeResult:
    """Suspected duplicates among the child and volunteer records of a book's grids.

    ``report``: the validation of these grids, when the caller has it (the pipeline
    validates once per run).
    """
    if report is None:
        report = validate_grids(grids, templates, program)
    f = features_of(report, tab, program)
    if f is None:
        return DedupeResult(report=report)
    res = match(f, threshold)
    res.report = report
    return res
