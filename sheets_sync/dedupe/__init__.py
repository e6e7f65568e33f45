"""Duplicate records: Chinese-aware matching, review in a 疑似重复 tab, merges.

``find_duplicates(grids, templates, program)`` finds suspected pairs with reasons;
``plan_dedupe(grids, …)`` also reads staff decisions back, merges confirmed pairs and
plans the review tab (the pipeline's dedupe step; ``sheets_sync.sync.slices.dedupe_book``
runs it on one book).
"""

from __future__ import annotations

from .book import DedupeStep, plan_dedupe
from .matching import Cluster, DedupeResult, Pair, RecordRef, find_duplicates

__all__ = [
           "Cluster",
           "DedupeResult",
           "DedupeStep",
           "Pair",
           "RecordRef",
           "find_duplicates",
           "plan_dedupe",
]
