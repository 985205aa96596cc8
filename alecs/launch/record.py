"""Generating snapshot answers: the server answers the opening requests again, in a fresh in-memory session.

The session runs through the same stdio transport code as a live one (`alecs.transports.stdio.serve_stdio`, the SDK's
`stdio_server`), so each kept line is byte for byte what a client would have read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any, cast

import anyio

from alecs.launch.front import Missed
from alecs.launch.snapshot import ANSWER_HEAD, INITIALIZE, INITIALIZED, SnapshotStore, request_key
from alecs.transports import SessionRunner
from alecs.transports.stdio import serve_stdio

log = logging.getLogger(__name__)

ANSWER_TIMEOUT = 60.0  # seconds for the whole recording session


def _line(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False) + "\n"


class _Script:
    """The recording session's client: sends each line, and the next request only once the last one is answered
    (as a client that waits for `initialize` before going on does)."""

    def __init__(self, lines: list[tuple[str | None, str]]) -> None:
        self.lines = lines  # (request id or None for a notification, line)
        self.answers: dict[str, str] = {}  # request id -> answer line without its newline
        self._answered = anyio.Event()
        self._waiting_for: str | None = None

    async def _feed(self) -> AsyncIterator[str]:
        for ident, line in self.lines:
            yield line
            if ident is not None:
                self._waiting_for = ident
                while ident not in self.answers:
                    await self._answered.wait()
                    self._answered = anyio.Event()

    def __aiter__(self) -> AsyncIterator[str]:
        return self._feed()

    async def write(self, text: str) -> int:
        line = text.rstrip("\n")
        try:
            ident = json.loads(line).get("id")
        except ValueError:
            ident = None
        if isinstance(ident, str):
            self.answers[ident] = line
            self._answered.set()
        return len(text)

    async def flush(self) -> None:
        return None


async def answers(server: SessionRunner, missed: Missed) -> dict[str, str]:
    """Request key -> answer line (id `ID_MARK`) for the initialize and every listing request in `missed`."""
    script: list[tuple[str | None, str]] = []
    keys: dict[str, str] = {}

    def ask(key: str, method: str, params: Any) -> None:
        ident = f"alecs-snapshot-id-{len(keys)}"
        keys[ident] = key
        script.append((ident, _line({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})))

    if missed.opening is not None:
        ask(request_key(None, INITIALIZE, missed.opening), INITIALIZE, missed.opening)
        script.append((None, _line({"jsonrpc": "2.0", "method": INITIALIZED})))
    for method, params in missed.to_record():
        ask(request_key(missed.opening, method, params), method, params)
    client = _Script(script)
    with anyio.fail_after(ANSWER_TIMEOUT):
        await serve_stdio(server, stdin=cast(Any, client), stdout=cast(Any, client))
    out: dict[str, str] = {}
    for ident, key in keys.items():
        head = '{"jsonrpc":"2.0","id":' + json.dumps(ident) + ","
        line = client.answers.get(ident, "")
        if line.startswith(head):
            out[key] = ANSWER_HEAD + line[len(head):]
    return out


async def record(server: SessionRunner, missed: Missed, store: SnapshotStore) -> None:
    """Answer what the front missed and keep it for the next launch; a failure only costs the next launch's speed."""
    try:
        kept = await answers(server, missed)
        await anyio.to_thread.run_sync(store.save, kept)
        log.debug("start-up snapshot: kept %d answers", len(kept))
    except Exception as exc:
        log.warning("start-up snapshot not kept (the next launch answers after loading): %s", exc)
