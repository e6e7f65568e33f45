"""Duplicate records: Chinese-aware matching, review in a 疑似重复 tab, merges.

``find_duplicates(grids, templates, program)`` finds suspected pairs with reasons;
``dedupe_book(book, state_dir=..., dry_run=...)`` also reads staff decisions back,
merges confirmed pairs and writes the review and recycle tabs.
"""
