"""The dedupe step of the pipeline: find, read decisions, merge, plan the review tab.

A pure function over the book's tabs (:func:`plan_dedupe`); the pipeline
(:mod:`sheets_sync.sync.pipeline`) reads the book, keeps the decisions in the project's one
state database, writes the batch together with every other step's, puts the merged-away
records into 回收站 and audits every changed cell.

1. find suspected pairs (:func:`.matching.find_duplicates`, on the run's validation);
2. read the 处理结果 column of the existing 疑似重复 tab: new decisions are returned, to be
   recorded in state with the book's write; earlier decisions come in ``decided``;
3. merge every pair decided 是同一人 whose two records are still there (:mod:`.merge`);
4. rewrite 疑似重复 with the pairs still to decide (不是同一人 never shown again; 待定
   shown again) and the merges of this run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..books.base import TabContent, WriteBatch
from ..config import Program
from ..forms.template import FormTemplate
from ..forms.validate import Report
from ..table import Grid
from .matching import FORMS, DedupeResult, Pair, RecordRef, find_duplicates
from .merge import AuditEntry, MergePlan, Record, age_key, load_record, merge
from .review import REVIEW_TAB, merged_rows, read_decisions, review_tab, shown_fields
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


def plan_dedupe(grids: dict[str, Grid], templates: dict[str, FormTemplate], program: Program,
                decided: dict[tuple[str, str, str], str], *, at: str, tab: str | None = None,
                report: Report | None = None) -> DedupeStep:
    """The dedupe step on ``grids``; ``decided`` holds the decisions kept in state."""
    res = find_duplicates(grids, templates, program, tab=tab, report=report)
    step = DedupeStep(res)
    decided = dict(decided)
    for d in read_decisions(grids.get(REVIEW_TAB)):
        form = _form_of(res, d.tab_a)
        k = (form, *pair_key(d.key_a, d.key_b))
        if d.decision == MERGED or decided.get(k) == d.decision:
            continue
        decided[k] = d.decision
        step.decisions.append(Decision(form, d.key_a, d.key_b, d.decision, at))
    plan = _merge_same(res, grids, decided, at)
    pending: list[Pair] = []
    marks: dict[int, str] = {}
    for p in res.pairs:
        form = _form_of(res, p.a.tab)
        dec = decided.get((form, *pair_key(p.a.key, p.b.key)), "")
        if dec in (DIFFERENT, SAME) or p.a.key in plan.merged_into or \
                p.b.key in plan.merged_into:
            continue
        if dec == PENDING:
            marks[len(pending)] = PENDING
        pending.append(p)
    shown = _merge_rows(res, plan)
    forms = {tr.layout.form.key for tr in res.report.tabs.values()} if res.report else set()
    fields = shown_fields(templates, forms & set(FORMS))
    keys = [k for k, _, _, _ in fields]
    all_pairs = pending + shown
    choices = {len(pending) + n: plan.choices.get((p.a.key, p.b.key), "")
               for n, p in enumerate(shown)}
    marks.update({len(pending) + n: MERGED for n in range(len(shown))})
    content = review_tab(all_pairs, _values(res, all_pairs, keys), fields, marks, choices,
                         merged_rows(grids.get(REVIEW_TAB)))
    old = grids.get(REVIEW_TAB)
    if (len(content.rows) > 1 or old is not None) and (old is None or _differs(old, content)):
        step.batch.replace_tab(REVIEW_TAB, content)
    for t, cells in plan.cells.items():
        for (r, c), v in cells.items():
            step.batch.set_cell(t, r, c, v)
    step.audit = plan.audit
    step.recycled = plan.recycled
    step.merged_into = dict(plan.merged_into)
    res.pairs = pending
    keep = {(r.tab, r.row) for p in pending for r in (p.a, p.b)}
    res.clusters = [c for c in res.clusters if any((r.tab, r.row) in keep for r in c.records)]
    return step


def _differs(old: Grid, new: TabContent) -> bool:
    return old.rows != Grid.from_rows(new.rows).rows


def _merge_same(res: DedupeResult, grids: dict[str, Grid],
                decided: dict[tuple[str, str, str], str], run_at: str) -> MergePlan:
    """Merge every pair decided 是同一人 whose two records are still in the book."""
    plan = MergePlan(run_at)
    f = res.features
    if f is None or res.report is None:
        return plan
    where: dict[str, tuple[str, int]] = {}
    for t, r, rid in zip(f.tab.tolist(), f.row.tolist(), f.rid.tolist(), strict=True):
        ref = RecordRef(str(t), int(r), str(rid).strip())
        where[ref.key] = (ref.tab, ref.row)
    loaded: dict[str, Record] = {}

    def get(key: str) -> Record | None:
        while key in plan.merged_into:
            key = plan.merged_into[key]
        if key not in loaded:
            if key not in where:
                return None
            rec = load_record(grids, res.report, *where[key])  # type: ignore[arg-type]
            if rec is None:
                return None
            loaded[key] = rec
        return loaded[key]

    for (_form, ka, kb), dec in sorted(decided.items()):
        if dec != SAME:
            continue
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
