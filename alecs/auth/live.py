"""What a running server knows of the token store: a snapshot re-read when the file changes, and last-used times.

`refresh` and `flush` block (file I/O, scrypt): run them in a worker thread. `verify`, `valid` and `touch` are
in-memory and cheap, safe on the event loop. `lookup` is the event loop's way in: a well-formed token that the
snapshot does not know makes it re-read the store (in a worker thread) if the file changed, so a token generated
while the server runs is accepted on its first connection. Those re-reads are shared by every miss waiting at the
same time and happen at most once per `miss_interval`, so a flood of unknown tokens costs one `stat` per interval.

With OAuth on, `grants` (`alecs.oauth.live.LiveGrants`) joins in: an OAuth access token verifies as its alecs
token's record seen through the grant (the grant's scope, never wider), a grant id (`grt_...`) is valid while the
grant and its token are, and `refresh` and `flush` cover the grant store too.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import anyio

from alecs import metrics
from alecs.auth.tokens import Snapshot, TokenRecord, TokenStore, parse_token
from alecs.oauth.live import LiveGrants, is_grant_id
from alecs.oauth.store import ACCESS_PREFIX

log = logging.getLogger(__name__)


class LiveTokens:
    """The server's view of the token store (see the module docstring)."""

    def __init__(self, store: TokenStore, miss_interval: float = 0.02, grants: LiveGrants | None = None) -> None:
        self.store = store
        self.grants = grants
        self.miss_interval = miss_interval
        self._snapshot: Snapshot | None = None
        self._signature: tuple[int, int, int] | None = None
        self._used: dict[str, float] = {}
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._miss_refresh: asyncio.Future[None] | None = None
        self._checked_at = float("-inf")  # when the last re-read after a miss looked at the file

    def refresh(self, force: bool = False) -> bool:
        """Re-read the store if it changed; True when it did. Raises TokenStoreError on a bad store."""
        with self._reload_lock:
            first = self._snapshot is None  # the first read loads the store: it reloads nothing
            try:
                grants_changed = self.grants.refresh(force) if self.grants is not None else False
                signature = self.store.signature()
                if not force and self._snapshot is not None and signature == self._signature:
                    changed = grants_changed
                else:
                    self._snapshot, self._signature = self.store.load(), signature
                    changed = True
            except Exception:
                metrics.token_store_reload("failed")
                raise
            if changed and not first:
                metrics.token_store_reload("changed")
            return changed

    def verify(self, token: str) -> TokenRecord | None:
        """The record of a genuine token, whatever its state; None for anything else."""
        snapshot = self._snapshot
        if snapshot is None:
            return None
        if token.startswith(ACCESS_PREFIX):
            return self.grants.record_for(token, snapshot.records) if self.grants is not None else None
        return snapshot.verify(token)

    def verify_id(self, token_id: str) -> TokenRecord | None:
        """The record with this id, whatever its state (for a token proven some other way: a sign-in code)."""
        snapshot = self._snapshot
        return snapshot.records.get(token_id) if snapshot is not None else None

    async def lookup(self, token: str) -> TokenRecord | None:
        """`verify`, re-reading a changed store first when a well-formed token is not in the snapshot."""
        record = self.verify(token)
        if record is not None or parse_token(token) is None:
            return record
        asked = time.monotonic()
        while self._checked_at < asked:  # until a look at the file that began after this miss
            future = self._miss_refresh
            if future is None or future.done():
                future = self._miss_refresh = asyncio.ensure_future(self._refresh_after_miss())
            await asyncio.shield(future)
        return self.verify(token)

    async def _refresh_after_miss(self) -> None:
        wait = self._checked_at + self.miss_interval - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        checked = time.monotonic()
        try:
            if await anyio.to_thread.run_sync(self.refresh):
                log.info("token store reloaded (a token it did not know was presented)")
        except Exception as exc:
            log.error("token store not reloaded (still using the previous one): %s", exc)
        finally:
            self._checked_at = checked

    def valid(self, token_id: str, now: float | None = None) -> bool:
        """True while the token (or OAuth grant) with this id exists and is active."""
        snapshot = self._snapshot
        if self.grants is not None and is_grant_id(token_id):
            return snapshot is not None and self.grants.valid(token_id, snapshot.records, now)
        record = snapshot.records.get(token_id) if snapshot is not None else None
        return record is not None and record.state(now) == "active"

    def touch(self, token_id: str) -> None:
        """Note a use of the token (written to the store by the next `flush`)."""
        with self._lock:
            self._used[token_id] = time.time()

    def flush(self) -> None:
        """Write the batched last-used times to the store (and the grant store)."""
        if self.grants is not None:
            self.grants.flush()
        with self._lock:
            used, self._used = self._used, {}
        if not used:
            return
        try:
            self.store.record_use(used)
        except Exception:
            log.warning("could not record token last-used times", exc_info=True)
            with self._lock:
                for token_id, when in used.items():
                    self._used.setdefault(token_id, when)
