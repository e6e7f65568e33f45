"""find_duplicates(): suspected duplicate records of a book's form tabs, with reasons.

validate → features (:mod:`.features`) → candidate pairs (:mod:`.candidates`) → scores
(:mod:`.scoring`) → pairs at or above the threshold, with Chinese reasons
(:mod:`.reasons`), grouped into clusters (connected components, :mod:`.clusters`).
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
from .clusters import Conflict, Groups
from .features import Features, Vocab, concat, tab_features
from .reasons import reasons
from .scoring import DEFAULT_THRESHOLD, Scored, score_pairs

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


Node = tuple[str, str]
"""A record in :class:`~.clusters.Groups`: (form, :attr:`RecordRef.key`)."""


@dataclass
class Pair:
    a: RecordRef
    b: RecordRef
    score: float
    reasons: list[str]
    group: int = 0
    ia: int = -1           # record indexes into DedupeResult.features
    ib: int = -1
    form: str = ""
    note: str = ""
    """Why the pair may not be merged (a 不是同一人 it would override); also its first reason."""

    @property
    def node_a(self) -> Node:
        return (self.form, self.a.key)

    @property
    def node_b(self) -> Node:
        return (self.form, self.b.key)

    def as_json(self) -> dict[str, Any]:
        out = {"a": self.a.as_json(), "b": self.b.as_json(), "score": self.score,
               "reasons": self.reasons}
        return {**out, "note": self.note} if self.note else out


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
    messages: list[str] = field(default_factory=list)
    """For the run's summary (Chinese): links not merged because of a 不是同一人."""

    def as_json(self) -> dict[str, Any]:
        return {"pairs": [p.as_json() for p in self.pairs],
                "clusters": [c.as_json() for c in self.clusters]}


def group_pairs(pairs: list[Pair], groups: Groups[Node]
                ) -> tuple[list[Pair], list[Cluster], list[tuple[Pair, Conflict[Node]]]]:
    """Number the pairs' clusters, best pairs joined first, never across a 不是同一人.

    Returns the pairs ordered by cluster (a cluster's number follows its first record in
    the book), best first within one; then the pairs ``groups`` refused to join (group 0),
    best first; the clusters; and each refused pair with its conflict.
    """
    order = sorted(pairs, key=lambda p: (-p.score, p.a.tab, p.a.row, p.b.tab, p.b.row))
    joined: list[Pair] = []
    refused: list[tuple[Pair, Conflict[Node]]] = []
    for p in order:
        c = groups.join(p.node_a, p.node_b)
        if c is None:
            joined.append(p)
        else:
            refused.append((p, c))
    by_root: dict[Node, list[Pair]] = {}
    for p in joined:
        by_root.setdefault(groups.find(p.node_a), []).append(p)
    ordered = sorted(by_root.values(),
                     key=lambda ps: min((r.tab, r.row) for p in ps for r in (p.a, p.b)))
    out: list[Pair] = []
    clusters: list[Cluster] = []
    for g, members in enumerate(ordered, start=1):
        recs: dict[tuple[str, int], RecordRef] = {}
        for p in members:
            p.group = g
            recs.update({(r.tab, r.row): r for r in (p.a, p.b)})
        clusters.append(Cluster([recs[k] for k in sorted(recs)], min(p.score for p in members)))
        out += members
    for p, _ in refused:
        p.group = 0
        out.append(p)
    return out, clusters, refused


def features_of(report: Report, tab: str | None, program: Program) -> Features | None:
    """The features of every person-form tab of a validated book (or of ``tab`` only)."""
    vocab = Vocab()
    parts = [tab_features(tr, vocab, program.counties) for name, tr in report.tabs.items()
             if tr.layout.form.key in FORMS and (tab is None or name == tab) and tr.data.n]
    return concat(parts) if parts else None


def _pairs(f: Features, s: Scored, keep: np.ndarray) -> list[Pair]:
    def ref(k: int) -> RecordRef:
        return RecordRef(str(f.tab[k]), int(f.row[k]), str(f.rid[k]).strip())

    out: list[Pair] = []
    for k in keep.tolist():
        a, b = int(s.i[k]), int(s.j[k])
        if (str(f.tab[a]), int(f.row[a])) > (str(f.tab[b]), int(f.row[b])):
            a, b = b, a
        lv = {c: int(v[k]) for c, v in s.levels.items()}
        out.append(Pair(ref(a), ref(b), round(float(s.prob[k]), 3), reasons(f, a, b, lv),
                        0, a, b, str(f.form[a])))
    return out


def score_records(f: Features, idx: list[tuple[int, int]]) -> list[Pair]:
    """The given pairs of records (indexes into ``f``) as scored pairs, whatever their score."""
    if not idx:
        return []
    s = score_pairs(f, np.asarray(idx, dtype=np.int64).reshape(-1, 2))
    return _pairs(f, s, np.arange(len(idx)))


def match(f: Features, threshold: float = DEFAULT_THRESHOLD) -> DedupeResult:
    """Score the candidate pairs of ``f`` and keep those at or above ``threshold``."""
    cand = candidate_pairs(f)
    res = DedupeResult(features=f, n_records=f.n, n_candidates=len(cand))
    if not len(cand):
        return res
    s = score_pairs(f, cand)
    keep = np.flatnonzero(s.prob >= threshold)
    if not len(keep):
        return res
    pairs = _pairs(f, s, keep)
    res.pairs, res.clusters, _ = group_pairs(pairs, Groups())
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
