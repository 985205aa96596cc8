"""A small time-boxed cache of GET answers; any write on the same account clears that account's entries."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any


class ReadCache:
    def __init__(self, ttl: float = 5.0, size: int = 256) -> None:
        self.ttl = ttl
        self.size = size
        self._items: OrderedDict[Any, tuple[float, str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any | None:
        if self.ttl <= 0:
            return None
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            expires, _, value = item
            if expires < time.monotonic():
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return value

    def put(self, key: Any, account: str, value: Any) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._items[key] = (time.monotonic() + self.ttl, account, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def invalidate(self, account: str) -> None:
        with self._lock:
            for key in [k for k, (_, acct, _) in self._items.items() if acct == account]:
                del self._items[key]
