"""Bounded retries for Google API calls: back-off with jitter, ``Retry-After``, a budget.

Retried: HTTP 408, 429 and 5xx, dropped connections and timeouts. Every other answer is
final. The waits grow exponentially (``base`` · 2ⁿ, at most ``cap``) with jitter (a
random wait between half and all of that), never shorter than a ``Retry-After`` header.
One operation (a read or a write) gets a total ``budget`` of seconds — waits and the
requests themselves — after which :class:`GoogleUnavailable` says so in Chinese. This is
deliberately *not* gspread 6.2.1's ``BackOffHTTPClient``, which retries 429 forever.

Tests pass ``sleep`` and ``clock`` (a fake clock) so that a storm of failures takes no
wall time.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import BookError

__all__ = [
    "READING",
    "Attempts",
    "GoogleUnavailable",
    "RetryPolicy",
    "Stakes",
    "Transient",
    "retry_after_seconds",
]

RETRY_STATUSES = frozenset({408, 429})


def is_retryable_status(status: int) -> bool:
    return status in RETRY_STATUSES or 500 <= status <= 599


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying one operation, and how to wait between tries."""

    budget: float = 300.0  # seconds for one read or write, waits and requests included
    base: float = 1.0  # first wait (before jitter)
    cap: float = 32.0  # longest wait between two tries (before Retry-After)
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    jitter: Callable[[], float] = field(default=random.random, repr=False)

    def start(self, book: str) -> Attempts:
        return Attempts(self, book)


class Transient(Exception):
    """One try failed in a way worth retrying.

    ``ambiguous``: a write may have been applied although no answer said so (a 5xx, a
    dropped connection, a timeout). A 429 is never ambiguous: Google refused it unread.
    """

    def __init__(self, reason: str, *, status: int = 0, retry_after: float | None = None,
                 ambiguous: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        self.ambiguous = ambiguous


@dataclass(frozen=True)
class Stakes:
    """What a failed operation may have left behind, for the error message."""

    writing: bool = False
    partial: bool = False  # a split write: earlier parts applied
    uncertain: bool = False  # a try may have applied although no answer came

    def sentence(self) -> str:
        if self.partial:
            return "这次写入分成了几批,前面的批次可能已经写入;重新运行会补齐其余内容。"
        if self.uncertain:
            return ("本次修改可能已经写入,也可能没有(Google 没有回应);"
                    "不会只写入一部分,重新运行即可。")
        if self.writing:
            return "本次修改没有写入(Google 表格保持原样)。"
        return "没有读到表格内容。"


READING = Stakes()


class GoogleUnavailable(BookError):
    """Google kept failing (429, 5xx, network) until the retry budget was spent."""

    def __init__(self, book: str, reason: str, tries: int, seconds: float,
                 stakes: Stakes = READING) -> None:
        self.book = book
        self.reason = reason
        self.tries = tries
        super().__init__(
            f"Google 表格“{book}”暂时无法访问:{reason}。已尝试 {tries} 次、"
            f"用时约 {seconds:.0f} 秒仍未成功,{stakes.sentence()}"
            "请稍后重新运行;如果经常出现,请检查网络连接,"
            "或减少同时使用这个 Google 账号的程序(Google 限制每分钟约 60 次请求)。"
        )


class Attempts:
    """The retry state of one operation: how many tries, how much budget is left."""

    def __init__(self, policy: RetryPolicy, book: str) -> None:
        self.policy = policy
        self.book = book
        self.started = policy.clock()
        self.tries = 0
        self.last: Transient | None = None

    def elapsed(self) -> float:
        return self.policy.clock() - self.started

    def remaining(self) -> float:
        return self.policy.budget - self.elapsed()

    def timeout(self) -> tuple[float, float]:
        """(connect, read) timeouts for the next try, never past the budget."""
        left = max(self.remaining(), 0.001)
        return (min(self.policy.connect_timeout, left), min(self.policy.read_timeout, left))

    def delay(self, failure: Transient) -> float:
        """The wait before the next try (jittered exponential, at least Retry-After)."""
        p = self.policy
        step = min(p.cap, p.base * 2 ** max(self.tries - 1, 0))
        wait = step / 2 + step / 2 * p.jitter()
        if failure.retry_after is not None:
            wait = max(wait, failure.retry_after)
        return wait

    def failed(self, failure: Transient, stakes: Stakes = READING) -> None:
        """Record a failed try; wait before the next, or raise if the budget is spent."""
        self.tries += 1
        self.last = failure
        wait = self.delay(failure)
        if self.remaining() - wait <= 0:
            raise GoogleUnavailable(self.book, failure.reason, self.tries, self.elapsed(),
                                    stakes) from failure
        self.policy.sleep(wait)


def retry_after_seconds(value: str | None) -> float | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as seconds from now."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)
