"""Faults on demand, bounded and deterministic: failures, dropped connections, slow
answers and a per-minute quota that answers 429 ``RESOURCE_EXHAUSTED`` as Google does.

Google's Sheets 429 carries no ``Retry-After`` header; pass ``retry_after=`` to test a
client that honours one anyway.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from . import errors


@dataclass
class Rule:
    """Fail (``status``) or drop (``status is None``) the next ``remaining`` matches."""

    remaining: int
    status: int | None
    message: str | None = None
    method: str | None = None
    path: str | None = None
    commit: bool = False
    retry_after: int | None = None

    def matches(self, method: str, path: str) -> bool:
        return (self.remaining > 0
                and (self.method is None or self.method.upper() == method)
                and (self.path is None or self.path in path))


@dataclass
class Decision:
    """What the server does with one request."""

    error: errors.ApiError | None = None  # answer this instead of the result
    drop: bool = False  # close the connection without answering
    commit: bool = False  # apply the request first, then fail or drop
    delay: float = 0.0


class Faults:
    """The fault plan of one server; every method is safe to call from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        self._delay = 0.0
        self._delay_left: int | None = None
        self._per_minute: int | None = None
        self._retry_after: int | None = None
        self._clock: Callable[[], float] = time.monotonic
        self._window: dict[str, tuple[float, int]] = {}

    def fail_next(self, n: int = 1, status: int = 503, *, message: str | None = None,
                  method: str | None = None, path: str | None = None, commit: bool = False,
                  retry_after: int | None = None) -> None:
        """Answer the next ``n`` matching requests with ``status`` and Google's body.

        ``commit=True`` applies the request before failing (a lost response).
        """
        with self._lock:
            self._rules.append(Rule(n, status, message, method, path, commit, retry_after))

    def drop_next(self, n: int = 1, *, method: str | None = None, path: str | None = None,
                  commit: bool = False) -> None:
        """Close the connection of the next ``n`` matching requests without answering."""
        with self._lock:
            self._rules.append(Rule(n, None, None, method, path, commit))

    def slow(self, seconds: float, n: int | None = None) -> None:
        """Delay answers by ``seconds`` (the next ``n`` requests, or all until reset)."""
        with self._lock:
            self._delay, self._delay_left = seconds, n

    def quota(self, per_minute: int | None = 60, *, retry_after: int | None = None,
              clock: Callable[[], float] | None = None) -> None:
        """Google's per-user quota: ``per_minute`` reads and as many writes per minute.

        ``None`` switches it off. ``clock`` (seconds) makes the window deterministic.
        """
        with self._lock:
            self._per_minute, self._retry_after = per_minute, retry_after
            self._clock = clock or time.monotonic
            self._window = {}

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._delay, self._delay_left = 0.0, None
            self._per_minute = None
            self._window = {}

    def decide(self, method: str, path: str) -> Decision:
        with self._lock:
            decision = Decision()
            if self._delay and (self._delay_left is None or self._delay_left > 0):
                decision.delay = self._delay
                if self._delay_left is not None:
                    self._delay_left -= 1
            for rule in self._rules:
                if rule.matches(method, path):
                    rule.remaining -= 1
                    decision.commit = rule.commit
                    if rule.status is None:
                        decision.drop = True
                    else:
                        headers = ({"Retry-After": str(rule.retry_after)}
                                   if rule.retry_after is not None else None)
                        decision.error = errors.ApiError(rule.status, rule.message,
                                                         headers=headers)
                    break
            self._rules = [r for r in self._rules if r.remaining > 0]
            if decision.error is None and not decision.drop and path.startswith("/v4/"):
                decision.error = self._spend("read" if method == "GET" else "write")
            return decision

    def _spend(self, group: str) -> errors.ApiError | None:
        if self._per_minute is None:
            return None
        now = self._clock()
        start, used = self._window.get(group, (now, 0))
        if now - start >= 60:
            start, used = now, 0
        if used >= self._per_minute:
            self._window[group] = (start, used)
            return errors.quota_exceeded(group, self._per_minute, self._retry_after)
        self._window[group] = (start, used + 1)
        return None
