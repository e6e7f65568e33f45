"""The dedupe step of the pipeline: find, read decisions, merge, plan the review tab.

A pure function over the book's tabs (:func:`plan_dedupe`); the pipeline
(:mod:`sheets_sync.sync.pipeline`) reads the book, keeps the decisions in the project's one
state database, writes the batch together with every other step's, puts the merged-away
records into 回收站 and audits every changed cell.

1. find suspected pairs (:func:`.matching.find_duplicates`, on the run's validation);
2. read the 处理结果 column of the existing 疑似重复 tab: new decisions are returned, to be
   recorded in state with the book's write; earlier decisions come in ``decided``;
3. join the 是同一人 decisions into one person each (:class:`.clusters.Groups`), never
   across a 不是同一人: a 是同一人 that would put two records decided 不是同一人 into one
   (A 是同一人 B, B 是同一人 C, A 不是同一人 C) is refused — not merged, shown again with
   a note naming the chain, and said in :attr:`.matching.DedupeResult.messages`; decisions already
   carried out are joined first, then the earlier ones, then this run's;
4. merge every other pair decided 是同一人 whose two records are still there (:mod:`.merge`);
5. rewrite 疑似重复 with the pairs still to decide (不是同一人 never shown again; 待定
   shown again), clustered without crossing a 不是同一人 either: a suspected pair that
   would join such records (B looks like C, A 是同一人 B, A 不是同一人 C) gets no 组号 and
   the same note; then the merges of this run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..books.base import TabContent, WriteBatch
from ..config import Program
from ..forms.template import FormTemplate
from ..forms.validate import Report
from ..table import Grid
from .clusters import Conflict, Groups
from .matching import (
    FORMS,
    DedupeResult,
    Node,
    Pair,
    RecordRef,
    find_duplicates,
    group_pairs,
    score_records,
)
from .merge import AuditEntry, MergePlan, Record, age_key, load_record, merge
from .review import (
    CHOICE_HEADER,
    NOT_MERGED,
    REVIEW_TAB,
    carried_rows,
    choice_text,
    merged_rows,
    read_decisions,
    review_tab,
    shown_choices,
    shown_fields,
)
from .store import DIFFERENT, MERGED, PENDING, SAME, Decision, pair_key


@dataclass
class DedupeStep:
    """What the dedupe step plans for one book."""

    result: DedupeResult
    batch: WriteBatch = field(default_factory=WriteBatch)
    decisions: list[Decision] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    recycled: list[Record] = field(default_factory=list)
    merged_into: dict[str, str] = field(default_factory=dict)


def _values(res: DedupeResult, pairs: list[Pair], keys: list[str]
            ) -> dict[tuple[str, int], dict[str, str]]:
    out: dict[tuple[str, int], dict[str, str]] = {}
    if res.report is None:
        return out
    for p in pairs:
        for ref in (p.a, p.b):
            tr = res.report.tabs.get(ref.tab)
            if tr is None or (ref.tab, ref.row) in out:
                continue
            at = int((tr.data.rows == ref.row).argmax())
            out[(ref.tab, ref.row)] = {k: str(tr.normalized[k].text.iat[at])
                                       for k in keys if k in tr.normalized}
    return out


def _form_of(res: DedupeResult, tab: str) -> str:
    tr = res.report.tabs.get(tab) if res.report else None
    return tr.layout.form.key if tr else ""


def _template(res: DedupeResult, templates: dict[str, FormTemplate], tab: str
              ) -> FormTemplate | None:
    """The form of ``tab`` (as this run found it, else by the templates' tab names)."""
    tr = res.report.tabs.get(tab) if res.report else None
    if tr is not None:
        return tr.layout.form
    return next((t for t in templates.values() if tab in t.tab_names), None)


def plan_dedupe(grids: dict[str, Grid], templates: dict[str, FormTemplate], program: Program,
                decided: dict[tuple[str, str, str], str], *, at: str, tab: str | None = None,
                report: Report | None = None) -> DedupeStep:
    """The dedupe step on ``grids``; ``decided`` holds the decisions kept in state."""
    res = find_duplicates(grids, templates, program, tab=tab, report=report)
    step = DedupeStep(res)
    decided = dict(decided)
    new: set[tuple[str, str, str]] = set()
    for d in read_decisions(grids.get(REVIEW_TAB)):
        form = _form_of(res, d.tab_a)
        k = (form, *pair_key(d.key_a, d.key_b))
        if d.decision == MERGED or decided.get(k) == d.decision:
            continue
        decided[k] = d.decision
        new.add(k)
        step.decisions.append(Decision(form, d.key_a, d.key_b, d.decision, at))
    where = _where(res)
    identity, refused = _identity(decided, new, where)
    plan = _merge_same(res, grids, where, [k for k in _same_order(decided, new, where)
                                           if k not in refused], at)
    shown, marks = _to_review(res, decided, refused, identity, plan, where)
    notes = {pair_key(a, b): _note(c, identity) for (_, a, b), c in refused.items()}
    on_tab = {pair_key(p.a.key, p.b.key) for p in shown}
    carried = carried_rows(grids.get(REVIEW_TAB),
                           {k: n for k, n in notes.items() if k not in on_tab})
    res.messages = _messages(shown, marks, refused)
    merges = _merge_rows(res, plan)
    forms = {tr.layout.form.key for tr in res.report.tabs.values()} if res.report else set()
    fields = shown_fields(templates, forms & set(FORMS))
    keys = [k for k, _, _, _ in fields]
    all_pairs = shown + merges
    choices = {len(shown) + n: choice_text(plan.choices.get((p.a.key, p.b.key), []),
                                           _template(res, templates, p.a.tab))
               for n, p in enumerate(merges)}
    marks.update({len(shown) + n: MERGED for n in range(len(merges))})
    kept_rows = merged_rows(grids.get(REVIEW_TAB)) + carried
    for kept in kept_rows:  # an earlier release wrote the choices in full
        if kept.get(CHOICE_HEADER):
            kept[CHOICE_HEADER] = shown_choices(kept[CHOICE_HEADER],
                                                _template(res, templates, kept.get("表A", "")))
    content = review_tab(all_pairs, _values(res, all_pairs, keys), fields, marks, choices,
                         kept_rows)
    old = grids.get(REVIEW_TAB)
    if (len(content.rows) > 1 or old is not None) and (old is None or _differs(old, content)):
        step.batch.replace_tab(REVIEW_TAB, content)
    for t, cells in plan.cells.items():
        for (r, c), v in cells.items():
            step.batch.set_cell(t, r, c, v)
    step.audit = plan.audit
    step.recycled = plan.recycled
    step.merged_into = dict(plan.merged_into)
    res.pairs = shown
    return step


Key = tuple[str, str, str]
"""A decided pair: (form, 编号, 编号), the two in sorted order."""


def _where(res: DedupeResult) -> dict[Node, int]:
    """Where each record of this run is: (form, key) -> index into the features."""
    f = res.features
    if f is None:
        return {}
    out: dict[Node, int] = {}
    for k, (t, r, rid, form) in enumerate(zip(f.tab.tolist(), f.row.tolist(), f.rid.tolist(),
                                              f.form.tolist(), strict=True)):
        out.setdefault((str(form), RecordRef(str(t), int(r), str(rid).strip()).key), k)
    return out


def _same_order(decided: dict[Key, str], new: set[Key], where: dict[Node, int]) -> list[Key]:
    """The 是同一人 decisions in the order they are joined: those already carried out (a
    record is gone), then the others kept in state, then this run's, each sorted."""
    def rank(k: Key) -> tuple[int, Key]:
        done = (k[0], k[1]) not in where or (k[0], k[2]) not in where
        return (0 if done else 2 if k in new else 1, k)
    return sorted((k for k, d in decided.items() if d == SAME), key=rank)


def _identity(decided: dict[Key, str], new: set[Key], where: dict[Node, int]
              ) -> tuple[Groups[Node], dict[Key, Conflict[Node]]]:
    """Who is one person by staff's decisions, and the 是同一人 that would override a
    不是同一人 (refused: not merged)."""
    groups: Groups[Node] = Groups(((f, a), (f, b)) for (f, a, b), d in decided.items()
                                  if d == DIFFERENT)
    refused: dict[Key, Conflict[Node]] = {}
    for k in _same_order(decided, new, where):
        c = groups.join((k[0], k[1]), (k[0], k[2]))
        if c is not None:
            refused[k] = c
    return groups, refused


def _to_review(res: DedupeResult, decided: dict[Key, str], refused: dict[Key, Conflict[Node]],
               identity: Groups[Node], plan: MergePlan, where: dict[Node, int]
               ) -> tuple[list[Pair], dict[int, str]]:
    """The pairs still to decide, clustered without crossing a 不是同一人 (sets
    ``res.clusters``), with their 处理结果 marks."""
    todo: list[Pair] = []
    for p in res.pairs:
        k = (p.form, *pair_key(p.a.key, p.b.key))
        dec = decided.get(k, "")
        if dec == DIFFERENT or (dec == SAME and k not in refused):
            continue
        merged = p.a.key in plan.merged_into or p.b.key in plan.merged_into
        if merged and k not in refused and identity.conflict(p.node_a, p.node_b) is None:
            continue                       # one record is merged away: the next run says
        todo.append(p)
    found = {(p.form, *pair_key(p.a.key, p.b.key)) for p in todo}
    missing = [(where[(f, a)], where[(f, b)]) for (f, a, b) in refused
               if (f, a, b) not in found and (f, a) in where and (f, b) in where]
    if res.features is not None:
        todo += score_records(res.features, missing)
    shown, res.clusters, blocked = group_pairs(todo, identity.copy())
    for p, c in blocked:
        p.note = _note(c, identity)
        p.reasons.insert(0, p.note)
    marks: dict[int, str] = {}
    for n, p in enumerate(shown):
        dec = decided.get((p.form, *pair_key(p.a.key, p.b.key)), "")
        if dec in (PENDING, SAME):
            marks[n] = dec
    return shown, marks


def _note(c: Conflict[Node], identity: Groups[Node]) -> str:
    """Why a link may not be merged, naming the chain and the 不是同一人 it would override."""
    parts = [f"{x[1]} 与 {y[1]} {'是同一人' if identity.same(x, y) else '疑似同一人'}"
             for x, y in ((c.a, c.p), (c.b, c.q)) if x != y]
    parts.append(f"{c.p[1]} 与 {c.q[1]} 已被判定为不是同一人")
    return ",".join(parts) + "," + NOT_MERGED


def _messages(shown: list[Pair], marks: dict[int, str], refused: dict[Key, Conflict[Node]]
              ) -> list[str]:
    """The summary's lines on links kept apart by a 不是同一人."""
    out: list[str] = []
    if refused:
        (_, a, b), c = min(refused.items())
        out.append(f"查重:{len(refused)} 项“是同一人”没有合并(如 {a} 与 {b}):合并后会把已判定为"
                   f"“不是同一人”的 {c.p[1]} 与 {c.q[1]} 并成一人。请在“疑似重复”中人工确认。")
    others = [p for n, p in enumerate(shown) if p.note and marks.get(n) != SAME]
    if others:
        out.append(f"查重:{len(others)} 对疑似重复(如 {others[0].a.key} 与 {others[0].b.key})"
                   "连着已判定为“不是同一人”的记录,不能自动合并,已在“疑似重复”中注明。")
    return out


def _differs(old: Grid, new: TabContent) -> bool:
    return old.rows != Grid.from_rows(new.rows).rows


def _merge_same(res: DedupeResult, grids: dict[str, Grid], where: dict[Node, int],
                same: list[Key], run_at: str) -> MergePlan:
    """Merge the pairs decided 是同一人 (in ``same``'s order) whose records are still there."""
    plan = MergePlan(run_at)
    f = res.features
    if f is None or res.report is None:
        return plan
    loaded: dict[str, Record] = {}
    place = {key: (str(f.tab[k]), int(f.row[k])) for (_, key), k in where.items()}

    def get(key: str) -> Record | None:
        while key in plan.merged_into:
            key = plan.merged_into[key]
        if key not in loaded:
            if key not in place:
                return None
            rec = load_record(grids, res.report, *place[key])  # type: ignore[arg-type]
            if rec is None:
                return None
            loaded[key] = rec
        return loaded[key]

    for _form, ka, kb in same:
        a, b = get(ka), get(kb)
        if a is None or b is None or a.key == b.key:
            continue
        keep, gone = sorted((a, b), key=lambda r: age_key(r.rid, r.row))
        merge(keep, gone, plan)
    return plan


def _merge_rows(res: DedupeResult, plan: MergePlan) -> list[Pair]:
    """The merges of this run as pairs (kept record first) for the review tab."""
    out: list[Pair] = []
    f = res.features
    for gone_key, kept_key in plan.merged_into.items():
        rows = [(str(t), int(r), str(i).strip()) for t, r, i in
                zip(f.tab.tolist(), f.row.tolist(), f.rid.tolist(), strict=True)
                if (str(i).strip() or f"{t}!{r}") in (gone_key, kept_key)] if f else []
        refs = {RecordRef(*x).key: RecordRef(*x) for x in rows}
        if kept_key in refs and gone_key in refs:
            out.append(Pair(refs[kept_key], refs[gone_key], 1.0, ["已按“是同一人”合并"], 0))
    return out
