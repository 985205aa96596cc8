"""Failure limiting for the OAuth endpoints, on the same limiter as the MCP endpoint (`alecs.auth.failures`).

A failed sign-in at the consent page or a refused token request counts against what was presented (an alecs
token's id, a grant's id, or a keyed hash of anything else) and against the client's address where that names one
party (`TrustedProxies.failure_key`: not loopback, not a trusted proxy). A key that keeps failing gets 429 with
Retry-After; nobody else is slowed down.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from starlette.requests import HTTPConnection

from alecs.auth.addresses import TrustedProxies
from alecs.auth.failures import ADDRESS, CREDENTIAL, FailureKey, FailureLimiter
from alecs.auth.tokens import parse_token
from alecs.oauth.store import parse_grant_token


class FailureGate:
    """Keys for a request and a presented credential, and the shared limiter's verdicts on them."""

    def __init__(self, limiter: FailureLimiter, proxies: TrustedProxies) -> None:
        self.limiter, self.proxies = limiter, proxies
        self._key = secrets.token_bytes(16)  # hashes what is not a token: never stored, never logged

    def address(self, conn: HTTPConnection) -> str:
        """The client's address (behind a trusted proxy: the one it forwards for)."""
        peer = conn.client.host if conn.client else "-"
        return self.proxies.client(peer, conn.headers.getlist)

    def keys(self, conn: HTTPConnection, credential: str | None) -> tuple[FailureKey, ...]:
        place = self.proxies.failure_key(self.address(conn))
        keys: tuple[FailureKey, ...] = ((ADDRESS, place),) if place else ()
        if credential:
            token, grant = parse_token(credential), parse_grant_token(credential)
            ident = token[0] if token else grant[1] if grant else hmac.new(
                self._key, credential.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]
            keys = ((CREDENTIAL, ident), *keys)
        return keys

    def retry_after(self, keys: tuple[FailureKey, ...]) -> float:
        return self.limiter.retry_after(keys, time.monotonic())

    def failed(self, keys: tuple[FailureKey, ...]) -> None:
        self.limiter.failed(keys, time.monotonic())
