"""What callers hold and spend, counted the same way by both remote transports.

`Occupancy` counts open MCP sessions (WebSocket connections, HTTP sessions) against the server's cap; a `Slot` is
one of them, carried by the connection or session that holds it and given back exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass

from alecs.principal import Principal
from alecs.transports.guard import Refusal


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
