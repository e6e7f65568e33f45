"""Duplicate records: Chinese-aware matching, review in a 疑似重复 tab, merges.

``find_duplicates(grids, templates, program)`` finds suspected pairs with reasons;
``dedupe_book(book, state_dir=..., dry_run=...)`` also reads staff decisions back,
merges confirmed pairs and writes the review and recycle tabs.
"""

from __future__ import annotations

from .book import dedupe_book
from .matching import Cluster, DedupeResult, Pair, RecordRef, find_duplicates

__all__ = ["Cluster", "DedupeResult", "Pair", "RecordRef", "dedupe_book", "find_duplicates"]
