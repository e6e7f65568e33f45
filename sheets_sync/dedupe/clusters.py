"""Which records are one person: links joined into groups, never across a 不是同一人.

:class:`Groups` is a union–find over record keys (``(form, 编号)``) with cannot-link
constraints: the pairs staff decided 不是同一人. :meth:`Groups.join` joins the groups of
two records unless some record of one group was decided 不是同一人 with some record of
the other; then it joins nothing and returns that pair as a :class:`Conflict`. So however
the links chain (A 是同一人 B, B 是同一人 or looks like C), two records a person said are
different never end up in one group, and the link that would have joined them is the one
refused — the staff's 是同一人 decisions are joined first (the ones already carried out
before the new ones), the suspected pairs after them, best first.

Pure data, no book: :mod:`.book` uses it to decide which 是同一人 may be merged and which
suspected pairs are shown with a note; :mod:`.matching` numbers its clusters with it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Conflict(Generic[K]):
    """A link refused: ``a``–``b`` would put ``p`` (``a``'s group) with ``q`` (``b``'s)."""

    a: K
    b: K
    p: K
    q: K


class Groups(Generic[K]):
    """Groups of records joined by links, kept apart where staff said 不是同一人."""

    def __init__(self, apart: Iterable[tuple[K, K]] = ()) -> None:
        self.parent: dict[K, K] = {}
        self.members: dict[K, list[K]] = {}
        self.apart: dict[K, set[K]] = {}
        for p, q in apart:
            if p != q:
                self.apart.setdefault(p, set()).add(q)
                self.apart.setdefault(q, set()).add(p)

    def find(self, x: K) -> K:
        parent = self.parent
        if x not in parent:
            parent[x] = x
            self.members[x] = [x]
            return x
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def same(self, a: K, b: K) -> bool:
        return self.find(a) == self.find(b)

    def conflict(self, a: K, b: K) -> Conflict[K] | None:
        """The 不是同一人 pair that joining ``a`` and ``b`` would put in one group, if any."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        small, large, flip = ((ra, rb, False) if len(self.members[ra]) <= len(self.members[rb])
                              else (rb, ra, True))
        for p in self.members[small]:
            for q in sorted(self.apart.get(p, ()), key=repr):
                if self.find(q) == large:
                    return Conflict(a, b, q, p) if flip else Conflict(a, b, p, q)
        return None

    def join(self, a: K, b: K) -> Conflict[K] | None:
        """Join the groups of ``a`` and ``b``, or return the conflict that forbids it."""
        c = self.conflict(a, b)
        if c is not None:
            return c
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if len(self.members[ra]) < len(self.members[rb]):
                ra, rb = rb, ra
            self.parent[rb] = ra
            self.members[ra] += self.members.pop(rb)
        return None

    def copy(self) -> Groups[K]:
        out: Groups[K] = Groups()
        out.parent = dict(self.parent)
        out.members = {k: list(v) for k, v in self.members.items()}
        out.apart = {k: set(v) for k, v in self.apart.items()}
        return out
