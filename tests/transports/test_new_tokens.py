"""A token generated while the server runs is accepted on its first connection, on both transports: an unknown
well-formed token makes the server re-read a changed store (off the event loop, bounded) before refusing."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from alecs.auth.live import LiveTokens
from alecs.auth.tokens import TokenStore
from alecs.transports.remote import Remote, RemoteSettings
from tests.support.mcp import make_server
from tests.transports.handshakes import attempt

ADMITTED = {"websocket": 101, "http": 200}


class CountingTokens(LiveTokens):
    """LiveTokens that notes each re-read of the store and the thread it ran on."""

    def __init__(self, store: TokenStore) -> None:
        super().__init__(store)
        self.refresh_threads: list[threading.Thread] = []

    def refresh(self, force: bool = False) -> bool:
        self.refresh_threads.append(threading.current_thread())
        return super().refresh(force)


@asynccontextmanager
async def quiet_server(sandbox, registry, store, transport: str) -> AsyncIterator[tuple[Remote, CountingTokens]]:
    """A remote server whose periodic store watch is too slow to matter (30 s): only a miss can re-read."""
    server = make_server(sandbox, registry, services={"tokens": store})
    tokens = CountingTokens(store)
    remote = Remote(server, RemoteSettings(transport=transport, port=0, reload_seconds=30), tokens)
    await remote.start()
    try:
        yield remote, tokens
    finally:
        await remote.shutdown(0.5)
        server.client.close()


async def _admission_seconds(url: str, transport: str, token: str) -> float:
    started = time.perf_counter()
    status = await attempt(url, transport, f"Bearer {token}")
    assert status == ADMITTED[transport]
    return time.perf_counter() - started


@pytest.mark.parametrize("transport", ["websocket", "http"])
async def test_a_token_generated_while_serving_is_accepted_within_100_ms(fresh_sandbox, registry, store, transport):
    _, known = store.generate(scope="write")
    async with quiet_server(fresh_sandbox, registry, store, transport) as (remote, tokens):
        baseline = [await _admission_seconds(remote.url, transport, known) for _ in range(5)]
        fresh = []
        for _ in range(5):
            _, token = await asyncio.to_thread(store.generate, scope="read")
            fresh.append(await _admission_seconds(remote.url, transport, token))
    assert statistics.median(fresh) - statistics.median(baseline) < 0.1, (fresh, baseline)
    assert tokens.refresh_threads and threading.main_thread() not in tokens.refresh_threads[1:]  # [0]: start-up


async def test_a_flood_of_unknown_tokens_rereads_the_store_a_bounded_number_of_times(fresh_sandbox, registry, store):
    async with quiet_server(fresh_sandbox, registry, store, "websocket") as (remote, tokens):
        before = len(tokens.refresh_threads)
        started = time.monotonic()
        unknown = [f"alecs_{i:016x}_{'A' * 43}" for i in range(200)]
        statuses = await asyncio.gather(*(attempt(remote.url, "websocket", f"Bearer {t}") for t in unknown))
        garbage = await asyncio.gather(*(attempt(remote.url, "websocket", f"Bearer junk{i}") for i in range(100)))
        elapsed = time.monotonic() - started
        rereads = len(tokens.refresh_threads) - before
    assert set(statuses) <= {401, 429} and set(garbage) <= {401, 429}
    assert 1 <= rereads <= elapsed / tokens.miss_interval + 2 and rereads < len(unknown), (rereads, elapsed)
