"""Field masks: ``sheets.properties.title``, ``sheets/data/rowData/values/note``,
``sheets(properties(sheetId,title))``, ``gridProperties/rowCount,hidden`` and ``*``.

``select`` filters a response to a mask (keys absent from the source stay absent; an
object the mask reaches into is kept even if nothing in it is selected, as Google
does). ``assign`` copies the masked fields from a request object onto a target and
removes the ones the request leaves out, which is how ``update*`` requests apply.
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

Mask = dict[str, "Mask | None"]

_TOKEN = re.compile(r"\s*([A-Za-z0-9_@*]+|[.,/()])")


def parse(text: str) -> Mask:
    tokens = [m.group(1) for m in _TOKEN.finditer(text)]
    pos = 0

    def parse_list() -> Mask:
        nonlocal pos
        tree: Mask = {}
        while pos < len(tokens):
            if tokens[pos] == ")":
                return tree
            if tokens[pos] == ",":
                pos += 1
                continue
            names = [tokens[pos]]
            pos += 1
            while pos + 1 < len(tokens) and tokens[pos] in (".", "/"):
                names.append(tokens[pos + 1])
                pos += 2
            sub: Mask | None = None
            if pos < len(tokens) and tokens[pos] == "(":
                pos += 1
                sub = parse_list()
                pos += 1  # ")"
            _insert(tree, names, sub)
        return tree

    return parse_list()


def _insert(tree: Mask, names: list[str], sub: Mask | None) -> None:
    node = tree
    for i, name in enumerate(names):
        last = i == len(names) - 1
        if name in node and node[name] is None:
            return  # already everything
        if last:
            if sub is None:
                node[name] = None
            else:
                existing = node.get(name)
                if existing is None and name in node:
                    return
                merged: Mask = existing or {}
                for key, value in sub.items():
                    _insert(merged, [key], value)
                node[name] = merged
        else:
            child = node.get(name)
            if child is None:
                child = {}
                node[name] = child
            node = child


def select(obj: Any, mask: Mask | None) -> Any:
    if mask is None:
        return obj
    if isinstance(obj, list):
        return [select(item, mask) for item in obj]
    if not isinstance(obj, dict):
        return obj
    if "*" in mask:
        return obj
    return {key: select(obj[key], mask[key]) for key in obj if key in mask}


def reaches(mask: Mask | None, *path: str) -> bool:
    """Whether the mask selects anything under ``path`` (``*`` reaches everywhere)."""
    node: Mask | None = mask
    for name in path:
        if node is None or "*" in node:
            return True
        if name not in node:
            return False
        node = node[name]
    return True


def leaf_paths(mask: Mask, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for key, sub in mask.items():
        if sub is None:
            out.append((*prefix, key))
        else:
            out.extend(leaf_paths(sub, (*prefix, key)))
    return out


def _copy(value: Any) -> Any:
    """A copy of a request value (flat objects, the common case, copied cheaply)."""
    if isinstance(value, (str, int, float)):
        return value
    if isinstance(value, dict) and all(isinstance(v, (str, int, float)) for v in value.values()):
        return dict(value)
    return copy.deepcopy(value)


@functools.lru_cache(maxsize=256)
def _mask_paths(mask_text: str) -> tuple[tuple[str, ...], ...]:
    return tuple(leaf_paths(parse(mask_text)))


def assign(target: dict[str, Any], source: dict[str, Any], mask_text: str,
           allowed: tuple[str, ...] | None = None) -> None:
    """Apply ``source`` onto ``target`` for the fields named by ``mask_text``."""
    paths: list[tuple[str, ...]] | tuple[tuple[str, ...], ...] = _mask_paths(mask_text)
    if ("*",) in paths:
        keys = allowed if allowed is not None else tuple(source)
        paths = [(k,) for k in keys]
    for path in paths:
        src: Any = source
        for name in path:
            src = src.get(name) if isinstance(src, dict) else None
            if src is None:
                break
        node = target
        for name in path[:-1]:
            nxt = node.get(name)
            if not isinstance(nxt, dict):
                if src is None:
                    node = {}
                    break
                nxt = {}
                node[name] = nxt
            node = nxt
        if src is None:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = _copy(src)
