"""What callers hold and spend, counted the same way by both remote transports.

`Occupancy` counts open MCP sessions (WebSocket connections, HTTP sessions) against the server's cap; a `Slot` is
one of them, carried by the connection or session that holds it and given back exactly once. `Inflight` counts the
requests of one session that are still being answered.
"""

from __future__ import annotations

import asyncio
import json
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

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.occupancy._give_back(self.token)


class Occupancy:
    """Open sessions within the server's cap (`total`; 0 means no cap)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.count = 0
        self.by_token: dict[str, int] = {}

    def take(self, principal: Principal) -> Slot | Refusal:
        if self.total and self.count >= self.total:
            return Refusal(503, "Too many connections; try again later.", "too_many_connections")
        token = principal.label
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
                             f"this session; ids must be unique among unanswered requests.")
        if self.limit and len(self.keys) >= self.limit:
            return Rejection(request_id, SERVER_BUSY,
                             f"Too many requests in flight on this session (limit {self.limit}); wait for answers.")
        self.keys.add(key)
        self.idle.clear()
        return None

    def settle(self, request_id: str | int) -> None:
        self.keys.discard(request_key(request_id))
        if not self.keys:
            self.idle.set()
