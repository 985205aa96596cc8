"""What a running server knows of the grant store, and how an OAuth access token becomes the rights of its alecs token.

`LiveGrants` keeps a snapshot of the grant store, re-read when the file changes (`refresh`, in a worker thread,
like `LiveTokens`) and replaced at once by the server's own writes (`adopt`). Checks are in memory.

An access token stands for its grant, and the grant for the alecs token that approved it: `record_for` answers a
`GrantedRecord`, the alecs token's record with the grant's scope (never wider), the grant's id, and the state of the
weakest link (the token revoked or expired, the grant revoked, the access token expired). So the transports' Guard
admits or refuses it like any bearer token, and an OAuth session has exactly the token's rights and limits: it
counts against the token's own session and rate caps, and ends when the token or the grant ends.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace

from alecs.auth.tokens import TokenRecord
from alecs.oauth.store import GRANT_ID_RE, Grant, GrantSnapshot, GrantStore
from alecs.principal import SCOPES, Principal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GrantedRecord(TokenRecord):
    """An alecs token's record as seen through one of its grants (never stored)."""

    grant: str = ""

    def principal(self) -> Principal:
        return replace(super().principal(), grant=self.grant)


def narrower(a: str, b: str) -> str:
    """The narrower of two scopes (read < write < admin)."""
    return a if SCOPES.index(a) <= SCOPES.index(b) else b


def through_grant(record: TokenRecord, grant: Grant, token_expires: float | None = None) -> GrantedRecord:
    """The token's record with the grant's scope and id; revoked or expired if either link is."""
    expires = record.expires
    if token_expires is not None:
        expires = token_expires if expires is None else min(expires, token_expires)
    revoked = record.revoked if record.revoked is not None else grant.revoked
    values = {**{f: getattr(record, f) for f in record.__dataclass_fields__}, "scope": narrower(grant.scope,
              record.scope), "expires": expires, "revoked": revoked, "grant": grant.id}
    return GrantedRecord(**values)


class LiveGrants:
    """The server's view of the grant store, bound to the resource this server is (RFC 8707 audience)."""

    def __init__(self, store: GrantStore, resource: str = "") -> None:
        self.store = store
        self.resource = resource  # set by the OAuth app once the public URL is known
        self._snapshot: GrantSnapshot | None = None
        self._signature: tuple[int, int, int] | None = None
        self._used: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def snapshot(self) -> GrantSnapshot:
        if self._snapshot is None:
            self.refresh(force=True)
        assert self._snapshot is not None
        return self._snapshot

    def refresh(self, force: bool = False) -> bool:
        """Re-read the store if it changed; True when it did (blocks: run it in a worker thread)."""
        with self._lock:
            signature = self.store.signature()
            if not force and self._snapshot is not None and signature == self._signature:
                return False
            self._snapshot, self._signature = self.store.load(), signature
            return True

    def adopt(self, snapshot: GrantSnapshot) -> None:
        """Take the content this process just wrote (so a new token works at once)."""
        with self._lock:
            self._snapshot, self._signature = snapshot, self.store.signature()

    def record_for(self, token: str, tokens: dict[str, TokenRecord]) -> GrantedRecord | None:
        """The rights an access token carries (see the module docstring); None for an unknown token, one of
        another resource, or a grant whose token is gone. Notes the grant's use."""
        snapshot = self._snapshot
        found = snapshot.access_grant(token) if snapshot is not None else None
        if found is None:
            return None
        grant, token_expires = found
        record = tokens.get(grant.token_id)
        if record is None or grant.resource != self.resource:
            return None
        with self._lock:
            self._used[grant.id] = time.time()
        return through_grant(record, grant, token_expires)

    def valid(self, grant_id: str, tokens: dict[str, TokenRecord], now: float | None = None) -> bool:
        """True while the grant and its alecs token are both active."""
        snapshot = self._snapshot
        grant = snapshot.grants.get(grant_id) if snapshot is not None else None
        record = tokens.get(grant.token_id) if grant is not None else None
        return grant is not None and record is not None and grant.revoked is None and record.state(now) == "active"

    def flush(self) -> None:
        """Write the batched last-used times of grants to the store."""
        with self._lock:
            used, self._used = self._used, {}
        try:
            self.store.record_use(used)
        except Exception:
            log.warning("could not record OAuth grants' last-used times", exc_info=True)
            with self._lock:
                for grant_id, when in used.items():
                    self._used.setdefault(grant_id, when)


def is_grant_id(value: str) -> bool:
    return GRANT_ID_RE.match(value) is not None
