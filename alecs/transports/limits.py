"""What callers hold and spend, counted the same way by both remote transports.

`Occupancy` counts open MCP sessions (WebSocket connections, HTTP sessions) against the server's cap and each token's
own; a `Slot` is one of them, carried by the connection or session that holds it and given back exactly once.
`CallRate` meters each token's tool calls per minute. `Inflight` counts the requests of one session that are still
being answered. A token's own `max_sessions` and `rate_per_minute` (from the token store) win over the defaults;
0 means no limit.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from dataclasses import dataclass

from alecs.principal import Principal
from alecs.transports.guard import Refusal
from alecs.transports.inbound import INVALID_REQUEST, SERVER_BUSY, Rejection, request_key


@dataclass(eq=False)
class Slot:
    """One open session; `release` gives it back (idempotent)."""

    occupancy: Occupancy
    token: str
    released: bool = False
    session: str | None = None  # the HTTP session it was given to, once the SDK opened one

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.occupancy._give_back(self.token)


SESSION_RETRY_AFTER = 30  # seconds suggested when no session can be opened now (they end or expire on their own)


class Occupancy:
    """Open sessions within the server's cap (`total`) and each token's (`per_token`, or the token's own)."""

    def __init__(self, total: int, per_token: int = 0) -> None:
        self.total, self.per_token = total, per_token
        self.count = 0
        self.by_token: dict[str, int] = {}

    def cap_of(self, principal: Principal) -> int:
        return self.per_token if principal.max_sessions is None else principal.max_sessions

    def take(self, principal: Principal) -> Slot | Refusal:
        token = principal.label
        cap = self.cap_of(principal)
        retry = (("Retry-After", str(SESSION_RETRY_AFTER)),)
        if cap and self.by_token.get(token, 0) >= cap:
            return Refusal(429, f"This token already has {cap} open sessions, its limit: close one, or retry in "
                                f"{SESSION_RETRY_AFTER} s (idle sessions expire on their own).", "token_session_cap",
                           retry)
        if self.total and self.count >= self.total:
            return Refusal(503, "Too many connections; try again later.", "too_many_connections", retry)
        self.count += 1
        self.by_token[token] = self.by_token.get(token, 0) + 1
        return Slot(self, token)

    def held(self, token: str) -> int:
        return self.by_token.get(token, 0)

    def _give_back(self, token: str) -> None:
        self.count -= 1
        left = self.by_token[token] - 1
        if left:
            self.by_token[token] = left
        else:
            del self.by_token[token]


class Inflight:
    """Requests being answered on one session: at most `limit` at once (0: no limit), each id at most once.

    Counted per request, from its arrival until its answer is written or the server settles it unanswered (a
    cancelled request), so a client cannot pile up work by reusing one id.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.keys: set[str] = set()
        self.idle = asyncio.Event()
        self.idle.set()

    def admit(self, request_id: str | int) -> Rejection | None:
        key = request_key(request_id)
        if key in self.keys:
            return Rejection(request_id, INVALID_REQUEST,
                             f"Invalid Request: a request with id {json.dumps(request_id)} is already in flight on "
                             f"this session; ids must be unique among unanswered requests.", reason="duplicate_id")
        if self.limit and len(self.keys) >= self.limit:
            return Rejection(request_id, SERVER_BUSY,
                             f"Too many requests in flight on this session (limit {self.limit}); wait for answers.",
                             reason="inflight_limit")
        self.keys.add(key)
        self.idle.clear()
        return None

    def settle(self, request_id: str | int) -> None:
        self.keys.discard(request_key(request_id))
        if not self.keys:
            self.idle.set()


class CallRate:
    """Tool calls per minute per token: a bucket of a minute's calls, refilled continuously (rate/60 per second)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.buckets: dict[str, tuple[float, float]] = {}  # token -> (calls left, when counted)

    def rate_of(self, principal: Principal) -> int:
        return self.per_minute if principal.rate_per_minute is None else principal.rate_per_minute

    def spend(self, principal: Principal, request_id: str | int, now: float | None = None) -> Rejection | None:
        """Counts one call, or refuses it with the seconds until the next one is allowed."""
        rate = self.rate_of(principal)
        if not rate:
            return None
        now = time.monotonic() if now is None else now
        left, then = self.buckets.get(principal.label, (float(rate), now))
        left = min(float(rate), left + (now - then) * rate / 60)
        if left >= 1:
            self.buckets[principal.label] = (left - 1, now)
            return None
        self.buckets[principal.label] = (left, now)
        wait = math.ceil((1 - left) * 60 / rate)
        return Rejection(request_id, SERVER_BUSY, f"Rate limit: this token may make {rate} tool calls a minute; "
                                                   f"retry in {wait} s.", {"retryAfterSeconds": wait},
                         "token_call_rate")
