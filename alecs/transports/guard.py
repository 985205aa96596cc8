"""Who may connect: Origin check, bearer token, and slowing down addresses that keep failing.

Shared by the WebSocket and Streamable HTTP transports; knows nothing of either (headers come as a lookup).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from alecs.auth.live import LiveTokens
from alecs.auth.tokens import TokenRecord
from alecs.principal import Principal

audit = logging.getLogger("alecs.audit")

HeaderLookup = Callable[[str], list[str]]
QUERY_TOKEN_KEYS = frozenset({"token", "access_token", "accesstoken", "auth", "authorization", "bearer", "api_key",
                              "apikey", "key", "alecs_token"})
BEARER_RE = re.compile(r"^Bearer +([A-Za-z0-9._~+/=-]+) *$", re.I)


@dataclass(frozen=True)
class Refusal:
    status: int
    error: str
    reason: str  # for the audit line
    headers: tuple[tuple[str, str], ...] = ()

    def body(self) -> bytes:
        return json.dumps({"error": self.error}).encode()


@dataclass(frozen=True)
class Admission:
    record: TokenRecord

    @property
    def principal(self) -> Principal:
        return self.record.principal()


def unauthorized(error: str, reason: str) -> Refusal:
    return Refusal(401, error, reason, (("WWW-Authenticate", 'Bearer realm="alecs"'),))


@dataclass
class FailureLimiter:
    """After `max_failures` failed attempts within `window` seconds an address is refused for `block` seconds."""

    max_failures: int = 10
    window: float = 60.0
    block: float = 60.0
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _blocked: dict[str, float] = field(default_factory=dict)

    def retry_after(self, address: str, now: float) -> float:
        until = self._blocked.get(address)
        if until is None:
            return 0.0
        if until <= now:
            del self._blocked[address]
            return 0.0
        return until - now

    def failed(self, address: str, now: float) -> None:
        times = self._failures.setdefault(address, deque())
        times.append(now)
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.max_failures:
            self._blocked[address] = now + self.block
            del self._failures[address]
        if len(self._failures) > 10000:  # bound memory under a scan from many addresses
            self._prune(now)

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)

    def _prune(self, now: float) -> None:
        for address in [a for a, t in self._failures.items() if not t or t[-1] <= now - self.window]:
            del self._failures[address]
        for address in [a for a, until in self._blocked.items() if until <= now]:
            del self._blocked[address]


class Guard:
    def __init__(self, tokens: LiveTokens, allowed_origins: frozenset[str] = frozenset(),
                 limiter: FailureLimiter | None = None) -> None:
        self.tokens = tokens
        self.allowed_origins = frozenset(_origin(o) for o in allowed_origins)
        self.limiter = limiter or FailureLimiter()

    def check(self, address: str, query: str, headers: HeaderLookup) -> Admission | Refusal:
        now = time.monotonic()
        wait = self.limiter.retry_after(address, now)
        if wait > 0:
            return Refusal(429, "Too many failed attempts from this address; try again later.", "rate_limited",
                           (("Retry-After", str(int(wait) + 1)),))
        origins = headers("origin")
        if origins and (len(origins) > 1 or _origin(origins[0]) not in self.allowed_origins):
            return Refusal(403, "This Origin is not allowed (ALECS_WS_ALLOWED_ORIGINS).", "origin")
        verdict = self._authenticate(query, headers)
        if isinstance(verdict, Refusal):
            self.limiter.failed(address, now)
        else:
            self.limiter.succeeded(address)
            self.tokens.touch(verdict.record.id)
        return verdict

    def _authenticate(self, query: str, headers: HeaderLookup) -> Admission | Refusal:
        if _token_in_query(query):
            return unauthorized("Tokens are not accepted in the URL; send the header Authorization: Bearer <token>.",
                                "token_in_url")
        values = headers("authorization")
        if not values:
            return unauthorized("Missing Authorization: Bearer <token> header.", "no_header")
        match = BEARER_RE.match(values[0]) if len(values) == 1 else None
        if match is None:
            return unauthorized("Malformed Authorization header: expected 'Bearer <token>'.", "malformed_header")
        record = self.tokens.verify(match.group(1))
        if record is None:
            return unauthorized("Invalid token.", "unknown_token")
        state = record.state()
        if state != "active":
            return unauthorized(f"This token is {state}.", state)
        return Admission(record)


def _origin(value: str) -> str:
    return value.strip().rstrip("/").lower()


def _token_in_query(query: str) -> bool:
    if not query:
        return False
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key.lower() in QUERY_TOKEN_KEYS or "alecs_" in value or "alecs_" in key:
            return True
    return False


def audit_connection(transport: str, address: str, outcome: str, token_id: str | None = None, **extra: object) -> None:
    """One structured line per connection attempt or end; never a token or a header value."""
    more = "".join(f" {k}={v}" for k, v in extra.items())
    audit.info("connection transport=%s remote=%s token=%s outcome=%s%s", transport, address, token_id or "-",
               outcome, more)
