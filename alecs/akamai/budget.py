"""Account budgets: client-side token buckets that keep every session of this server inside Akamai's limits.

Buckets are kept per Akamai account as this server reaches it: one API client (host and client token) acting for
one account (its account switch key), so every `.edgerc` section with the same credentials shares them. They follow
Akamai's answers: a remaining count in a response lowers the bucket to what Akamai says is left (minus the calls
still in flight), and a 429 empties it until the time Akamai gives, after which calls go one at a time for a minute.
A bucket whose state is unknown (never heard from, or quiet for a minute: other tools of the account may have used
it) lets one call through first and waits for its answer before letting the others follow, so a fresh server cannot
send a burst into an account that is already at its limit. Everything here runs on the event loop; nothing blocks.
"""

from __future__ import annotations

import email.utils
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from alecs import metrics
from alecs.akamai.limits import Limit, LimitTable, Rate, api_of, parse_overrides
from alecs.errors import AkamaiError, ConfigError

STALE_AFTER = 60.0  # seconds without news from Akamai after which a bucket is probed again
MAX_RETRY_AFTER = 86400.0  # a longer Retry-After is taken as a day
MAX_BUCKETS = 10_000  # past this many, buckets that remember nothing are forgotten


@dataclass(frozen=True)
class Account:
    """Whose budget: one API client acting for one account. `section` only names it in messages."""

    host: str
    client_token: str = field(repr=False)
    account_key: str | None = None
    section: str = field(default="default", compare=False)


class Bucket:
    """One limit of one account (or, without a limit, an API's pause after a 429). Times are loop seconds."""

    __slots__ = ("limit", "rate", "tokens", "stamp", "blocked_until", "inflight", "heard_at", "cautious_until")

    def __init__(self, limit: Limit | None, rate: Rate | None, now: float) -> None:
        self.limit, self.rate = limit, rate
        self.tokens = rate.burst if rate is not None else math.inf
        self.stamp = now
        self.blocked_until = 0.0
        self.inflight = 0
        self.heard_at: float | None = None  # when Akamai last told us this bucket's level
        self.cautious_until = 0.0  # after a 429: one call at a time until then

    def level(self, now: float) -> float:
        if self.rate is not None and now > self.stamp:
            self.tokens = min(self.rate.burst, self.tokens + (now - self.stamp) * self.rate.per_second)
        self.stamp = max(self.stamp, now)
        return self.tokens

    def wait_for(self, cost: float, now: float, ahead: float = 0.0) -> float:
        """Seconds until `cost` tokens are free after `ahead` tokens queued before them (inf when the bucket can
        never hold `cost` tokens at once)."""
        blocked = max(0.0, self.blocked_until - now)
        if self.rate is None:
            return blocked
        if cost > self.rate.burst:
            return math.inf
        missing = cost + ahead - self.level(now)
        return max(blocked, missing / self.rate.per_second if missing > 0 else 0.0)

    def probing(self, now: float) -> bool:
        """A call is out to learn this bucket's real level (or, after a 429, whether Akamai takes calls again);
        the others wait for its answer."""
        if self.inflight == 0:
            return False
        if now < self.cautious_until:
            return True
        return (self.limit is not None and self.limit.remaining_header is not None
                and (self.heard_at is None or now - self.heard_at > STALE_AFTER))

    def take(self, cost: float, now: float) -> None:
        self.level(now)
        self.tokens -= cost
        self.inflight += 1

    def heard(self, remaining: float | None, now: float) -> None:
        """Akamai answered; `remaining` is what it says is left after that call (None: it did not say)."""
        self.inflight = max(0, self.inflight - 1)
        if remaining is not None and self.rate is not None:
            self.tokens = min(self.level(now), remaining - self.inflight)
        if self.limit is not None and self.limit.remaining_header is not None:
            self.heard_at = now

    def block(self, seconds: float, now: float) -> None:
        """Akamai refused (429): nothing more until `seconds` from now, then one call at a time for a while."""
        self.level(now)
        if self.rate is not None:
            self.tokens = min(self.tokens, 0.0)
        self.blocked_until = max(self.blocked_until, now + seconds)
        self.cautious_until = self.blocked_until + STALE_AFTER


class RateLimited(AkamaiError):
    """A call refused because an Akamai rate limit has no room for it soon enough; says when to retry."""

    def __init__(self, title: str, detail: str, retry_after: float, problem: Mapping[str, Any] | None = None) -> None:
        self.retry_after = max(1, math.ceil(retry_after)) if math.isfinite(retry_after) else None
        when = f"Retry in {self.retry_after} s." if self.retry_after else "It cannot succeed at this size."
        fields = dict(problem or {}) | {"title": title, "detail": f"{detail} {when}".strip()}
        if self.retry_after:
            fields["retryAfter"] = self.retry_after
        super().__init__(429, fields)


@dataclass
class Charge:
    """What one request takes from its account's buckets: a cost per limit that counts it, and its API's pause."""

    account: Account
    items: tuple[tuple[Bucket, int], ...]
    api: str = ""  # the API of the request (`papi`), for the metrics

    def wait(self, now: float, backlog: Mapping[int, float] | None = None) -> float:
        """Seconds until every bucket has room, after `backlog` (tokens queued ahead, by bucket id)."""
        return max((b.wait_for(cost, now, (backlog or {}).get(id(b), 0.0)) for b, cost in self.items), default=0.0)

    def ready(self, now: float) -> bool:
        return all(b.wait_for(cost, now) <= 0 and not b.probing(now) for b, cost in self.items)

    def take(self, now: float) -> None:
        for bucket, cost in self.items:
            bucket.take(cost, now)

    def settle(self, status: int | None, headers: Mapping[str, str], now: float) -> float | None:
        """Account for Akamai's answer (None: no answer). For a 429, returns the pause it imposed, if known."""
        for bucket, _ in self.items:
            bucket.heard(_remaining(bucket, headers) if status is not None else None, now)
        if status != 429:
            return None
        told = retry_after(headers, now)
        # The buckets Akamai says are empty, or (when it does not say) every bucket of the call.
        empty = [(b, c) for b, c in self.items
                 if b.rate is not None and (left := _remaining(b, headers)) is not None and left < c]
        pause = told
        for bucket, cost in empty or self.items:
            bucket.block(told or 0.0, now)
            if told is None and bucket.rate is not None:
                pause = max(pause or 0.0, bucket.wait_for(cost, now))
        return pause

    def pause(self, seconds: float, now: float) -> None:
        """Hold every call of these buckets for `seconds` (a 429 that said nothing about when to retry)."""
        for bucket, _ in self.items:
            bucket.block(seconds, now)

    def blocker(self, now: float) -> Bucket | None:
        """The published limit that holds this call longest (None: only an API's pause after a 429)."""
        limited = [(b.wait_for(c, now), b) for b, c in self.items if b.limit is not None]
        return max(limited, key=lambda x: x[0])[1] if limited else None

    def refusal(self, wait: float, now: float) -> RateLimited:
        """The error for a call that would wait `wait` seconds: names the tightest limit and its published rate."""
        bucket = self.blocker(now)
        metrics.budget_refusal(self.api, bucket.limit.name if bucket is not None and bucket.limit else "akamai_429")
        who = f"account '{self.account.section}'"
        if bucket is None or bucket.limit is None or bucket.rate is None:
            return RateLimited("Akamai asked to slow down", f"Akamai answered 429 (too many requests) for {who}.",
                               wait)
        limit, rate = bucket.limit, bucket.rate
        if not math.isfinite(wait):
            return RateLimited(f"Too large for the {limit.api} limit",
                               f"One call may take at most {rate.burst:g} tokens of {limit.api} "
                               f"({rate.describe()} per account, {limit.doc}); split it into smaller calls.", wait)
        return RateLimited(f"{limit.api} rate limit reached",
                           f"Akamai allows {rate.describe()} for {limit.api} per account ({limit.doc}); "
                           f"{who} has used it up for now.", wait)


def _remaining(bucket: Bucket, headers: Mapping[str, str]) -> float | None:
    name = bucket.limit.remaining_header if bucket.limit is not None else None
    value = headers.get(name) if name else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds to wait from Retry-After (seconds or a date) or Akamai's X-RateLimit-Next (an ISO 8601 time)."""
    value = headers.get("Retry-After")
    if value:
        try:
            return min(max(0.0, float(value)), MAX_RETRY_AFTER)
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                when = None
            if when is not None:
                return _until(when)
    nxt = headers.get("X-RateLimit-Next")
    if nxt:
        try:
            return _until(datetime.fromisoformat(nxt.replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def _until(when: datetime) -> float:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, (when - datetime.now(UTC)).total_seconds()), MAX_RETRY_AFTER)


class Budget:
    """Every account's buckets, shared by all sessions of this server; limits from a table and overrides."""

    def __init__(self, overrides: Mapping[str, Mapping[str, Rate | None]] | None = None) -> None:
        """`overrides`: per `.edgerc` section ("" for all sections), limit or family name -> Rate (None: off)."""
        self.overrides = {k: dict(v) for k, v in (overrides or {}).items()}
        self._tables: dict[str, LimitTable] = {}
        self._buckets: dict[tuple[Account, str, str], Bucket] = {}

    @classmethod
    def from_env(cls) -> Budget:
        """Published limits, with `ALECS_AKAMAI_LIMITS` applied (see README, "Akamai rate limits")."""
        text = os.environ.get("ALECS_AKAMAI_LIMITS", "")
        try:
            return cls(parse_overrides(text))
        except ValueError as exc:
            raise ConfigError(f"ALECS_AKAMAI_LIMITS: {exc}") from None

    def table(self, section: str) -> LimitTable:
        table = self._tables.get(section)
        if table is None:
            merged = self.overrides.get("", {}) | self.overrides.get(section, {})
            table = self._tables[section] = LimitTable.with_overrides(merged)
        return table

    def charge(self, account: Account, method: str, path: str, body: Any, now: float) -> Charge:
        """The buckets a request draws from (created at their full size when first seen)."""
        items = [(self._bucket(account, f"api:{api_of(path)}", "", None, now), 0)]
        for limit in self.table(account.section).for_request(method, path):
            items.append((self._bucket(account, limit.name, limit.scope(path, body), limit, now), limit.cost(body)))
        return Charge(account, tuple(items), api_of(path))

    def _bucket(self, account: Account, name: str, scope: str, limit: Limit | None, now: float) -> Bucket:
        key = (account, name, scope)
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_BUCKETS:
                self._forget_idle(now)
            bucket = self._buckets[key] = Bucket(limit, limit.rate if limit else None, now)
        return bucket

    def _forget_idle(self, now: float) -> None:
        """Drop buckets that remember nothing (full, unblocked, nothing in flight): per-report buckets come and go."""
        for key, bucket in list(self._buckets.items()):
            full = bucket.rate is None or bucket.level(now) >= bucket.rate.burst
            if full and bucket.inflight == 0 and bucket.blocked_until <= now and bucket.cautious_until <= now:
                del self._buckets[key]
