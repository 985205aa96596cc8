"""Counting failed authentications so that a failing party slows itself down, and nobody else.

Failures are counted per *key*: a presented credential (the token id of a well-formed token, or a keyed hash of
anything else) and, where it identifies one party, the client's network address. Each key has a leaky bucket:
every failure adds one, the bucket drains `max_failures` per `window`; when it holds `max_failures` the key is
blocked for `block` seconds. A success resets nothing (a valid token is admitted whatever its key's count, so
interleaving good attempts cannot launder bad ones). Memory is bounded: each table keeps at most `max_keys`
entries and evicts the least recently failed one first, so a flood of distinct garbage costs a fixed amount.

Everything here runs on the event loop: in memory, O(1) per attempt, no locks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

CREDENTIAL = "credential"
ADDRESS = "address"
FailureKey = tuple[str, str]  # (CREDENTIAL | ADDRESS, value)
V = TypeVar("V")


@dataclass
class _Table:
    """Leaky buckets and blocks for one kind of key, each bounded to `max_keys` entries (oldest evicted)."""

    max_keys: int
    levels: dict[str, tuple[float, float]] = field(default_factory=dict)  # key -> (level, time of last failure)
    blocked: dict[str, float] = field(default_factory=dict)  # key -> blocked until (monotonic)

    def retry_after(self, key: str, now: float) -> float:
        until = self.blocked.get(key)
        if until is None:
            return 0.0
        if until <= now:
            del self.blocked[key]
            return 0.0
        return until - now

    def add(self, key: str, now: float, drain_per_second: float, capacity: int, block: float) -> None:
        level, last = self.levels.pop(key, (0.0, now))
        drained = (now - last) * drain_per_second if now > last else 0.0
        level = max(0.0, level - drained) + 1.0
        if level > capacity - 1:  # the capacity-th failure of a burst (draining makes levels fractional)
            _bounded_put(self.blocked, key, now + block, self.max_keys)
            return
        _bounded_put(self.levels, key, (level, now), self.max_keys)


def _bounded_put(table: dict[str, V], key: str, value: V, max_keys: int) -> None:
    """Insert as the newest entry; evict the oldest while over the bound (dicts keep insertion order)."""
    table.pop(key, None)
    while len(table) >= max_keys:
        del table[next(iter(table))]
    table[key] = value


@dataclass
class FailureLimiter:
    """More than `max_failures` failures of one key within about `window` seconds block it for `block` seconds."""

    max_failures: int = 10
    window: float = 60.0
    block: float = 60.0
    max_keys: int = 10_000  # per kind of key; a flood of distinct garbage evicts the oldest counts
    _tables: dict[str, _Table] = field(default_factory=dict, init=False, repr=False)

    def _table(self, kind: str) -> _Table:
        table = self._tables.get(kind)
        if table is None:
            table = self._tables[kind] = _Table(self.max_keys)
        return table

    def retry_after(self, keys: Iterable[FailureKey], now: float) -> float:
        """Seconds until none of these keys is blocked (0: none is)."""
        return max((self._table(kind).retry_after(value, now) for kind, value in keys), default=0.0)

    def failed(self, keys: Iterable[FailureKey], now: float) -> None:
        """Count one failure against each key (a key blocked already is not counted again)."""
        drain = self.max_failures / self.window if self.window > 0 else float("inf")
        for kind, value in keys:
            table = self._table(kind)
            if table.retry_after(value, now) == 0.0:
                table.add(value, now, drain, max(1, self.max_failures), self.block)

    def size(self) -> int:
        """How many keys are tracked (counted or blocked), over every kind: bounded by 2 × kinds × max_keys."""
        return sum(len(t.levels) + len(t.blocked) for t in self._tables.values())
