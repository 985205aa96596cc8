"""Who may connect: Host and Origin checks, the bearer token, and slowing down whoever keeps failing.

Shared by the WebSocket and Streamable HTTP transports; knows nothing of either (headers come as a lookup).
`admit` is the event loop's entry (it re-reads a changed token store when a token is unknown); `check` is the
same decision without that re-read.

Failures are counted against what was presented (a token's id, or a keyed hash of anything else) and against the
client's address where that names one party (not loopback, not a trusted proxy: see `alecs.auth.addresses`). A
genuine active token is admitted whatever those counts say, so nobody's failures can lock out anybody else; a
blocked key's failing attempts get 429 with Retry-After instead of 401.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from alecs import metrics
from alecs.auth.addresses import TrustedProxies
from alecs.auth.failures import ADDRESS, CREDENTIAL, FailureKey, FailureLimiter
from alecs.auth.hosts import ALLOWED_HOSTS_ENV, HostAllowList
from alecs.auth.live import LiveTokens
from alecs.auth.tokens import TokenRecord, parse_token
from alecs.logs import audit_event
from alecs.principal import METRICS, SCOPES, Principal

__all__ = ["Admission", "FailureLimiter", "Guard", "HeaderLookup", "Refusal", "audit_connection"]

audit = logging.getLogger("alecs.audit")

HeaderLookup = Callable[[str], list[str]]
QUERY_TOKEN_KEYS = frozenset({"token", "access_token", "accesstoken", "auth", "authorization", "bearer", "api_key",
                              "apikey", "key", "alecs_token"})
BEARER_RE = re.compile(r"^Bearer +([A-Za-z0-9._~+/=-]+) *$", re.I)
MCP_SCOPES = frozenset(SCOPES)  # what the MCP endpoint admits
METRICS_SCOPES = frozenset({METRICS})  # what GET /metrics admits: only tokens made for it
CAPACITY_REASONS = frozenset({"token_session_cap", "too_many_connections"})  # refusals of the limits, not of auth


@dataclass(frozen=True)
class Refusal:
    """A request turned away: HTTP status, the sentence the client sees, the reason for the audit line."""

    status: int
    error: str
    reason: str  # for the audit line
    headers: tuple[tuple[str, str], ...] = ()
    address: str = ""  # the client's address (behind a trusted proxy: the one it forwards for)
    cause: str = ""  # for reason "rate_limited": the refusal it stands for (unknown_token, revoked, ...)

    def body(self) -> bytes:
        return json.dumps({"error": self.error}).encode()


@dataclass(frozen=True)
class Admission:
    """A request with a genuine, active token."""

    record: TokenRecord
    address: str = ""  # the client's address (behind a trusted proxy: the one it forwards for)

    @property
    def principal(self) -> Principal:
        return self.record.principal()


def unauthorized(error: str, reason: str) -> Refusal:
    return Refusal(401, error, reason, (("WWW-Authenticate", 'Bearer realm="alecs"'),))


def wrong_scope(scope: str, scopes: frozenset[str], address: str) -> Refusal:
    """403 for a genuine token this endpoint does not take: a metrics token at MCP, an MCP token at /metrics."""
    if scope == METRICS:
        error = "This token has scope metrics: it may read /metrics and nothing else; MCP needs a read, write or " \
                "admin token."
    else:
        error = f"This token has scope {scope}; /metrics takes only a token of scope metrics " \
                f"(alecs token generate --scope metrics)."
    challenge = f'Bearer realm="alecs", error="insufficient_scope", scope="{" ".join(sorted(scopes))}"'
    return Refusal(403, error, "wrong_scope", (("WWW-Authenticate", challenge),), address)


@dataclass(frozen=True)
class _Attempt:
    """A request past the Host and Origin checks: who sent it and the token it presents (if any)."""

    address: str
    keys: tuple[FailureKey, ...]  # what its failure counts against
    token: str | None = None
    refusal: Refusal | None = None  # already refused before looking at the token


class Guard:
    """The admission decision for both remote transports (see the module docstring)."""

    def __init__(self, tokens: LiveTokens, allowed_origins: frozenset[str] = frozenset(),
                 limiter: FailureLimiter | None = None, *, allowed_hosts: HostAllowList | None = None,
                 trusted_proxies: TrustedProxies | None = None) -> None:
        self.tokens = tokens
        self.allowed_origins = frozenset(_origin(o) for o in allowed_origins)
        self.limiter = limiter or FailureLimiter()
        self.allowed_hosts = allowed_hosts or HostAllowList()
        self.trusted_proxies = trusted_proxies or TrustedProxies()
        self._garbage_key = secrets.token_bytes(16)  # hashes what is not a token: never stored, never logged

    def check(self, address: str, query: str, headers: HeaderLookup,
              scopes: frozenset[str] = MCP_SCOPES) -> Admission | Refusal:
        """The decision from the token store as last loaded; `scopes`: the token scopes this endpoint admits."""
        attempt = self._screen(address, query, headers)
        if isinstance(attempt, Refusal):
            return attempt
        record = self.tokens.verify(attempt.token) if attempt.token is not None else None
        return self._decide(attempt, record, scopes)

    async def admit(self, address: str, query: str, headers: HeaderLookup,
                    scopes: frozenset[str] = MCP_SCOPES) -> Admission | Refusal:
        """The decision, re-reading the token store first if it changed and the token is not known yet."""
        attempt = self._screen(address, query, headers)
        if isinstance(attempt, Refusal):
            return attempt
        record = await self.tokens.lookup(attempt.token) if attempt.token is not None else None
        return self._decide(attempt, record, scopes)

    def _screen(self, peer: str, query: str, headers: HeaderLookup) -> _Attempt | Refusal:
        if not self.allowed_hosts.allows(headers("host")):
            return Refusal(403, f"This Host is not served here; allowed: {self.allowed_hosts.describe()} "
                                f"(ALECS_PUBLIC_URL, {ALLOWED_HOSTS_ENV}).", "host", address=peer)
        origins = headers("origin")
        if origins and (len(origins) > 1 or _origin(origins[0]) not in self.allowed_origins):
            return Refusal(403, "This Origin is not allowed (ALECS_ALLOWED_ORIGINS).", "origin", address=peer)
        address = self.trusted_proxies.client(peer, headers)
        place = self.trusted_proxies.failure_key(address)
        keys: tuple[FailureKey, ...] = ((ADDRESS, place),) if place else ()
        if _token_in_query(query):
            return _Attempt(address, keys, refusal=unauthorized(
                "Tokens are not accepted in the URL; send the header Authorization: Bearer <token>.", "token_in_url"))
        values = headers("authorization")
        if not values:
            return _Attempt(address, keys, refusal=unauthorized("Missing Authorization: Bearer <token> header.",
                                                                "no_header"))
        match = BEARER_RE.match(values[0]) if len(values) == 1 else None
        token = match.group(1) if match is not None else None
        parsed = parse_token(token) if token is not None else None
        credential = parsed[0] if parsed is not None else self._hash("\n".join(values))
        keys = ((CREDENTIAL, credential), *keys)
        if token is None:
            return _Attempt(address, keys, refusal=unauthorized(
                "Malformed Authorization header: expected 'Bearer <token>'.", "malformed_header"))
        return _Attempt(address, keys, token)

    def _decide(self, attempt: _Attempt, record: TokenRecord | None,
                scopes: frozenset[str]) -> Admission | Refusal:
        if attempt.refusal is None and record is not None and record.state() == "active":
            if record.scope not in scopes:  # a genuine token at the wrong door: no failure to count
                return wrong_scope(record.scope, scopes, attempt.address)
            self.tokens.touch(record.id)
            return Admission(record, attempt.address)  # admitted whatever anyone's failure count says
        refusal = attempt.refusal
        if refusal is None:
            refusal = unauthorized("Invalid token.", "unknown_token") if record is None else unauthorized(
                f"This token is {record.state()}.", record.state())
        now = time.monotonic()
        wait = self.limiter.retry_after(attempt.keys, now)
        if wait > 0:
            return Refusal(429, f"{refusal.error} Too many failed attempts: try again in {int(wait) + 1} s.",
                           "rate_limited", (("Retry-After", str(int(wait) + 1)),), attempt.address, refusal.reason)
        self.limiter.failed(attempt.keys, now)
        return Refusal(refusal.status, refusal.error, refusal.reason, refusal.headers, attempt.address)

    def _hash(self, value: str) -> str:
        return hmac.new(self._garbage_key, value.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]


def _origin(value: str) -> str:
    return value.strip().rstrip("/").lower()


def _token_in_query(query: str) -> bool:
    if not query:
        return False
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key.lower() in QUERY_TOKEN_KEYS or "alecs_" in value or "alecs_" in key:
            return True
    return False


BLOCKED_AUDIT_SECONDS = 10.0
_blocked_audit: dict[tuple[str, str], list[float]] = {}  # (transport, address) -> [last logged, suppressed since]


def audit_connection(transport: str, address: str, outcome: str, token_id: str | None = None, **extra: object) -> None:
    """One structured line per connection attempt or end; never a token or a header value.

    Refusals of a blocked party are logged once per BLOCKED_AUDIT_SECONDS per address, the next line counting
    those left out (`suppressed=N`): a flood must not turn into a flood of log lines. Every refusal is counted in
    the metrics, logged or not."""
    if outcome == "refused":
        reason = str(extra.get("reason", "-"))
        (metrics.transport_refusal if reason in CAPACITY_REASONS else metrics.auth_refusal)(transport, reason)
    if outcome == "refused" and extra.get("reason") == "rate_limited":
        now, key = time.monotonic(), (transport, address)
        seen = _blocked_audit.get(key)
        if seen is not None and now - seen[0] < BLOCKED_AUDIT_SECONDS:
            seen[1] += 1
            return
        if seen is not None and seen[1]:
            extra["suppressed"] = int(seen[1])
        _blocked_audit.pop(key, None)
        while len(_blocked_audit) >= 1024:
            del _blocked_audit[next(iter(_blocked_audit))]
        _blocked_audit[key] = [now, 0]
    audit_event(audit, "connection", transport=transport, remote=address, token=token_id or "-", outcome=outcome,
                **extra)
