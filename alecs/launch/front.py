"""The front's decisions, message by message: answer from the snapshot, keep for the SDK, or replay.

Standard library only. The front answers only while the session is exactly as a snapshot recorded it: the opening
`initialize` (or, in the 2026-07-28 era, an enveloped listing request), `notifications/initialized`, then listing
requests. From the first message it cannot answer on, it answers nothing more and keeps every message, in order,
for the SDK, so nothing a client sends is ever answered out of its session's state.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from alecs.launch.snapshot import INITIALIZE, INITIALIZED, LISTINGS, SnapshotStore, is_modern, request_key

REPLAY_ID = "alecs-front-initialize"  # the id under which the SDK gets the initialize the front answered


class Missed:
    """Opening requests the front could not answer, for the server to answer again and keep (`alecs.launch.record`):
    the handshake's parameters (None: no handshake) and each listing request's method and parameters.

    (Plain classes here, not dataclasses: importing `dataclasses` costs the front `inspect`.)"""

    def __init__(self) -> None:
        self.opening: dict[str, Any] | None = None
        self.initialize = False  # the initialize itself was not answered
        self.requests: list[tuple[str, Any]] = []

    def __bool__(self) -> bool:
        return self.initialize or bool(self.requests)

    def to_record(self) -> list[tuple[str, Any]]:
        """The listing requests to answer and keep: those missed and, after a missed opening, the listings a client
        sends next. A client waits for the opening answer, which came from the server after loading, so the front
        never saw what it asked next; the next launch with this client will be asked the same."""
        wanted = list(self.requests)
        envelope = next((p["_meta"] for _, p in self.requests if is_modern(p)), None)
        if self.initialize:
            empty: tuple[Any, ...] = (None, {})  # `tools/list` with no params or `{}`: clients send either
            wanted += [(m, params) for m in sorted(LISTINGS - {"server/discover"}) for params in empty]
        elif envelope is not None:
            wanted += [(m, {"_meta": envelope}) for m in sorted(LISTINGS)]
        unique: dict[str, tuple[str, Any]] = {}
        for method, params in wanted:
            unique.setdefault(request_key(None, method, params), (method, params))
        return list(unique.values())


class Front:
    """Answers opening requests from `store` through `send` until the SDK is ready; `replay()` is then what the SDK
    must read first."""

    def __init__(self, store: SnapshotStore | None, send: Callable[[bytes], None]) -> None:
        self.store, self.send = store, send
        self.answered: list[str] = []  # methods answered, in order (for the log)
        self.initialize_answer: bytes | None = None  # the initialize answer the front sent (checked with the SDK's)
        self.client_id: str | int | None = None  # the id of the client's initialize
        self.missed = Missed()
        self._opening: dict[str, Any] | None = None
        self._kept: list[bytes] = []
        self._replay_head: list[bytes] = []
        self._initialized = False
        self._answering = True
        self._pure = True  # every request so far was a handshake or a listing: later listings can still be recorded
        self._started = False

    def take(self, line: bytes) -> None:
        """One line from the client."""
        message = _parse(line)
        if not self._answer(message, line):
            self._answering = False
            self._kept.append(line)

    def replay(self) -> list[bytes]:
        """What the SDK reads before the rest of the client's lines: the answered initialize under `REPLAY_ID`,
        the initialized notification, then every kept line in order."""
        return [*self._replay_head, *self._kept]

    # -- decisions ---------------------------------------------------------------------------------------------
    def _answer(self, message: dict[str, Any] | None, line: bytes) -> bool:
        """Answers `message` if the session allows it; records what a snapshot should hold. False: keep it."""
        first, self._started = not self._started, True
        if message is None:
            self._pure = False
            return False
        method, ident, params = message.get("method"), message.get("id"), message.get("params")
        if "id" not in message:  # a notification
            if method == INITIALIZED and self._opening is not None and not self._initialized:
                self._initialized = True
                if self._answering:
                    self._replay_head.append(line)
                    return True
                return False
            self._pure = False
            return False
        if not isinstance(ident, str | int) or isinstance(ident, bool) or not isinstance(method, str):
            self._pure = False
            return False
        if first and method == INITIALIZE and isinstance(params, dict):
            self._opening = self.missed.opening = params
            return self._from_snapshot(request_key(None, method, params), ident, message, initialize=True)
        if method in LISTINGS and self._pure:
            if self._opening is not None and self._initialized and not is_modern(params):
                return self._from_snapshot(request_key(self._opening, method, params), ident, message)
            if self._opening is None and is_modern(params):
                return self._from_snapshot(request_key(None, method, params), ident, message)
        self._pure = False
        return False

    def _from_snapshot(self, key: str, ident: str | int, message: dict[str, Any], initialize: bool = False) -> bool:
        answer = self.store.answer(key, ident) if self.store is not None and self._answering else None
        if answer is None:
            if initialize:
                self.missed.initialize = True
            else:
                self.missed.requests.append((message["method"], message.get("params")))
            return False
        self.send(answer)
        self.answered.append(message["method"])
        if initialize:
            self.initialize_answer, self.client_id = answer, ident
            private = dict(message, id=REPLAY_ID)
            self._replay_head.append(json.dumps(private, ensure_ascii=False).encode("utf-8", "surrogatepass")
                                     + b"\n")
        return True


def _parse(line: bytes) -> dict[str, Any] | None:
    try:
        message = json.loads(line)
    except ValueError:
        return None
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        return None
    return message
