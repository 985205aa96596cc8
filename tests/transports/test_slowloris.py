"""HTTP slowloris: unfinished requests, trickling or silent, cannot keep an authenticated client from working.

No unauthenticated connection counts against what authenticated users need: connections that have not delivered
their request headers wait apart, are closed after the header timeout however slowly they trickle, and when too many
wait the oldest is closed to make room.
"""

from __future__ import annotations

import asyncio
import resource
import time
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from alecs.transports.settings import Limits
from tests.support.waiting import poll

UNFINISHED = b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"


@pytest.fixture(autouse=True)
def enough_descriptors() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < 4096:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard), hard))


class Attack:
    """`count` connections that start a request and never finish its headers: silent, or one byte at a time."""

    def __init__(self, port: int, count: int, trickle: bool) -> None:
        self.port, self.count, self.trickle = port, count, trickle
        self.streams: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        async def one() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            writer.write(UNFINISHED)
            return reader, writer
        self.streams = list(await asyncio.gather(*(one() for _ in range(self.count))))
        if self.trickle:
            self._task = asyncio.create_task(self._trickle())

    async def _trickle(self) -> None:
        header = b"X-Slow: " + b"a" * 10_000
        for byte in header:
            for _, writer in self.streams:
                if not writer.is_closing():
                    writer.write(bytes([byte]))
            await asyncio.sleep(0.2)

    async def closed_by_server(self) -> int:
        async def closed(reader: asyncio.StreamReader) -> bool:
            try:
                return await asyncio.wait_for(reader.read(1 << 16), 0.01) == b""
            except TimeoutError:
                return False
            except ConnectionError:  # reset: the server aborted it (a trickler writes after the close)
                return True
        return sum(await asyncio.gather(*(closed(r) for r, _ in self.streams)))

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        for _, writer in self.streams:
            writer.transport.abort()


def client_for(url: str, token: str) -> Client:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return Client(streamable_http_client(url, http_client=http), mode="legacy")


async def calls_while(client: Client, seconds: float) -> list[float]:
    """Calls a tool back to back for `seconds`; every call must succeed. Returns the latencies."""
    latencies = []
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        started = time.perf_counter()
        result = await client.call_tool("list-contracts", {})
        latencies.append(time.perf_counter() - started)
        assert not result.is_error and "ctr_" in result.content[0].text
        await asyncio.sleep(0.05)
    return latencies


@pytest.mark.parametrize("count", [100, 500])
@pytest.mark.parametrize("style", ["silent", "trickling"])
async def test_unfinished_requests_cannot_keep_an_authenticated_client_from_working(spawn, mint, count, style):
    _, token = mint("read")
    # A header timeout long enough that, even on a loaded machine, the first round of calls ends well before it.
    timeout = 8.0
    proc = spawn("--transport", "http", "--sandbox", "--port", "0", env={"ALECS_HANDSHAKE_TIMEOUT": str(timeout)})
    url = await asyncio.to_thread(proc.url)
    attack = Attack(int(url.rsplit(":", 1)[1].split("/")[0]), count, style == "trickling")
    started = time.monotonic()  # before the first unfinished request: none may close before started + timeout
    await attack.start()
    try:
        async with client_for(url, token) as client:  # connects and initializes while the attack holds
            latencies = await calls_while(client, 2.0)
            closed, checked = await attack.closed_by_server(), time.monotonic()
            assert closed == 0, f"{closed} closed {checked - started:.1f} s in, before the {timeout:g} s header timeout"
            latencies += await calls_while(client, max(1.0, started + timeout + 0.5 - time.monotonic()))
        async def all_closed() -> bool:
            return await attack.closed_by_server() == count
        await poll(all_closed, 15, f"all {count} unfinished requests to be closed")
        assert time.monotonic() - started < timeout + 20
    finally:
        attack.stop()
    assert len(latencies) >= 10 and max(latencies) < 2.0, f"slowest call {max(latencies):.2f} s"
    assert "Exceeded concurrency limit" not in proc.text()


async def test_when_too_many_connections_wait_for_headers_the_oldest_are_closed_first(serve, mint):
    _, token = mint("read")
    async with serve(transport="http", limits=Limits(max_pending=20, handshake_timeout=60)) as remote:
        older = Attack(remote.transport.port, 30, trickle=False)
        await older.start()
        await poll(lambda: older.closed_by_server(), 10, "room to be made")
        assert await older.closed_by_server() == 10  # 30 waited, 20 may: the first 10 went
        async with client_for(remote.url, token) as client:  # a new client is still read at once
            assert not (await client.call_tool("list-contracts", {})).is_error
        await poll(lambda: older.closed_by_server(), 10, "more room to be made")
        older.stop()


async def test_a_refused_request_does_not_keep_its_connection(serve):
    async with serve(transport="http") as remote:
        reader, writer = await asyncio.open_connection("127.0.0.1", remote.transport.port)
        writer.write(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert head.startswith(b"HTTP/1.1 401") and b"connection: close" in head.lower()
        rest: Any = await asyncio.wait_for(reader.read(), 10)  # the server closes after the answer
        assert rest.startswith(b"{")
        writer.close()
