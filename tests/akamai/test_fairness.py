"""Fair turns between callers, through the MCP SDK's client against the sandbox over HTTPS: one token's backlog
of slow or rate-limited Akamai calls does not hold up another token's calls, and a cancelled call leaves at once."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator

import anyio
import pytest
from mcp.types import CallToolResult

from alecs.akamai.limits import Rate
from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from alecs.tools.registry import Registry
from tests.akamai.sessions import server_with, session_of
from tests.akamai.slowlink import SlowLink
from tests.support.waiting import poll

DIG = {"hostname": "www.example.com", "edgeLocationId": "seattle-wa-unitedstates"}


@pytest.fixture
def slow_server(fresh_sandbox: Sandbox, registry: Registry) -> Iterator[AlecsServer]:
    """A server whose every Akamai call crosses a link that adds 0.25 s to each chunk sent (a far-away API)."""
    with SlowLink(("127.0.0.1", fresh_sandbox.port), delay=0.25) as link:
        server = server_with(fresh_sandbox, registry, host=f"localhost:{link.port}")
        yield server
        server.client.close()


def _dig_requests(sandbox: Sandbox) -> int:
    return sum(1 for r in sandbox.requests if r.path.endswith("/dig"))


async def test_a_readers_backlog_of_16_slow_diagnostics_calls_does_not_delay_another_callers_list_zones(
        slow_server: AlecsServer) -> None:
    durations: list[float] = []

    async def dig(reader: object) -> None:
        started = time.monotonic()
        result: CallToolResult = await reader.call_tool("run-edge-dig", DIG)  # type: ignore[attr-defined]
        assert not result.is_error, result.content
        durations.append(time.monotonic() - started)

    async with session_of(slow_server, "tok_reader") as reader, \
            session_of(slow_server, "tok_admin", "admin") as admin:
        started = time.monotonic()
        assert not (await admin.call_tool("list-zones", {})).is_error
        quiet = time.monotonic() - started  # list-zones over the same slow link with nobody else calling
        async with anyio.create_task_group() as tg:
            for _ in range(16):
                tg.start_soon(dig, reader)
            await poll(lambda: slow_server.client.queue.busy >= 14, timeout=10, what="the reader's calls running")
            started = time.monotonic()
            zones = await admin.call_tool("list-zones", {})
            busy = time.monotonic() - started
        assert not zones.is_error
    one_call = statistics.median(durations)
    assert len(durations) == 16
    assert busy <= quiet + one_call, (busy, quiet, one_call)  # never more than one call's time


async def test_cancelled_calls_leave_the_queue_at_once_and_are_never_sent(slow_server: AlecsServer,
                                                                         fresh_sandbox: Sandbox) -> None:
    queue = slow_server.client.queue
    async with session_of(slow_server, "tok_reader") as reader:
        with anyio.CancelScope() as agent_loop:
            async with anyio.create_task_group() as tg:
                for _ in range(24):
                    tg.start_soon(reader.call_tool, "run-edge-dig", DIG)
                await poll(lambda: queue.busy >= 14 and queue.queued_for("tok_reader") >= 8, timeout=10,
                           what="the reader's calls running and queued")
                sent = queue.busy + _dig_requests(fresh_sandbox)  # in flight, and answered already
                agent_loop.cancel()  # the client gives up on all 24 calls
        started = time.monotonic()
        await poll(lambda: queue.queued_for("tok_reader") == 0, timeout=2.0, interval=0.005,
                   what="the cancelled calls leaving the queue")
        assert time.monotonic() - started < 0.25
        await poll(lambda: queue.busy == 0, timeout=10, what="the calls already sent to finish")
    assert _dig_requests(fresh_sandbox) == sent  # nothing that was still queued was sent


async def test_dig_calls_past_the_used_up_diagnostics_limit_hold_no_worker_and_list_zones_stays_fast(
        fresh_sandbox: Sandbox, registry: Registry) -> None:
    # The case: the account's dig limit is used up (Akamai lowered here to 2 a minute, which this server's
    # published table does not know), a read token sends 16 dig calls, an admin lists zones meanwhile.
    fresh_sandbox.settings.rate_limits = {"diagnostics-dig": Rate.per_minute(2)}
    fresh_sandbox.reset()
    server = server_with(fresh_sandbox, registry, max_wait=3.0)
    try:
        async with session_of(server, "tok_reader") as reader, session_of(server, "tok_admin", "admin") as admin:
            outcomes: list[CallToolResult] = []

            async def dig() -> None:
                outcomes.append(await reader.call_tool("run-edge-dig", DIG))

            timings = []
            async with anyio.create_task_group() as tg:
                for _ in range(16):
                    tg.start_soon(dig)
                await poll(lambda: fresh_sandbox.server.limits.refused >= 1, timeout=10, what="Akamai's first 429")
                for _ in range(5):
                    started = time.monotonic()
                    zones = await admin.call_tool("list-zones", {})
                    timings.append(time.monotonic() - started)
                    assert not zones.is_error
                assert server.client.queue.busy <= 2  # the waiting digs hold no worker
    finally:
        fresh_sandbox.settings.rate_limits = {}
        server.client.close()
    assert statistics.median(timings) < 0.1, timings
    assert len(outcomes) == 16
    refused = [o for o in outcomes if o.is_error]
    assert all("Retry in" in o.content[0].text for o in refused)  # type: ignore[union-attr]
    assert len(outcomes) - len(refused) >= 2
    assert fresh_sandbox.server.limits.refused <= 4  # waits follow the limit: no 429 storm
