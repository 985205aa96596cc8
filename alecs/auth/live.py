"""What a running server knows of the token store: a snapshot re-read when the file changes, and last-used times.

`refresh` and `flush` block (file I/O, scrypt): run them in a worker thread. `verify`, `valid` and `touch` are
in-memory and cheap, safe on the event loop.
"""

from __future__ import annotations

import logging
import threading
import time

from alecs.auth.tokens import Snapshot, TokenRecord, TokenStore

log = logging.getLogger(__name__)


class LiveTokens:
    def __init__(self, store: TokenStore) -> None:
        self.store = store
        self._snapshot: Snapshot | None = None
        self._signature: tuple[int, int, int] | None = None
        self._used: dict[str, float] = {}
        self._lock = threading.Lock()

    def refresh(self, force: bool = False) -> bool:
        """Re-read the store if it changed; True when it did. Raises TokenStoreError on a bad store."""
        signature = self.store.signature()
        if not force and self._snapshot is not None and signature == self._signature:
            return False
        snapshot = self.store.load()
        self._snapshot, self._signature = snapshot, signature
        return True

    def verify(self, token: str) -> TokenRecord | None:
        """The record of a genuine token, whatever its state; None for anything else."""
        snapshot = self._snapshot
        return snapshot.verify(token) if snapshot is not None else None

    def valid(self, token_id: str, now: float | None = None) -> bool:
        snapshot = self._snapshot
        record = snapshot.records.get(token_id) if snapshot is not None else None
        return record is not None and record.state(now) == "active"

    def touch(self, token_id: str) -> None:
        with self._lock:
            self._used[token_id] = time.time()

    def flush(self) -> None:
        """Write the batched last-used times to the store."""
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
