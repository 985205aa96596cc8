"""Many sessions against one account's PAPI limit, through the MCP SDK's client and the sandbox over HTTPS:
Akamai never has to refuse a call, every call succeeds or is refused with a retry time, other APIs stay fast, and
a session that gives up frees its places at once."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import anyio
import pytest
from mcp.types import CallToolResult, TextContent

from alecs.akamai.budget import Budget
from alecs.akamai.limits import Rate
from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from alecs.tools.registry import Registry
from tests.akamai.sessions import server_with, session_of
from tests.support.waiting import poll

SESSIONS, CALLS = 20, 15  # 300 PAPI calls
LOWERED = {"papi": Rate.per_minute(120, burst=30)}  # the same test in less time: 30 at once, then 2 a second


def _text(result: CallToolResult) -> str:
    first = result.content[0]
    return first.text if isinstance(first, TextContent) else ""


@pytest.fixture(params=["published", "lowered"])
def at_the_limit(request: pytest.FixtureRequest, fresh_sandbox: Sandbox,
                 registry: Registry) -> Iterator[tuple[Sandbox, AlecsServer]]:
    """The sandbox at its PAPI limit: the published one with the burst nearly used up by the account's other API
    clients (only 20 calls left, then 100 a minute), or a lowered one that alecs is configured for."""
    if request.param == "published":
        fresh_sandbox.server.limits.use("papi", 980)
        server = server_with(fresh_sandbox, registry, max_wait=8.0)
    else:
        fresh_sandbox.settings.rate_limits = dict(LOWERED)
        fresh_sandbox.reset()
        server = server_with(fresh_sandbox, registry, max_wait=8.0, budget=Budget({"": dict(LOWERED)}))
    yield fresh_sandbox, server
    server.client.close()
    fresh_sandbox.settings.rate_limits = {}


async def test_twenty_sessions_making_300_papi_calls_at_the_limit_get_no_429_from_akamai(
        at_the_limit: tuple[Sandbox, AlecsServer]) -> None:
    sandbox, server = at_the_limit
    queue = server.client.queue
    results: list[CallToolResult] = []
    dns_timings: list[float] = []

    async def agent(token: str) -> None:
        async with session_of(server, token) as session:
            async def call() -> None:
                results.append(await session.call_tool("list-groups", {}))

            async with anyio.create_task_group() as tg:
                for _ in range(CALLS):
                    tg.start_soon(call)

    async def dns_user() -> None:
        """Another token's Edge DNS calls while PAPI calls wait for their budget."""
        async with session_of(server, "tok_dns") as session:
            await session.list_tools()  # the SDK's client lists tools before its first call; not what is measured
            # Once every PAPI call has reached the server (in this one process the 300 arrive in the same instant,
            # and the MCP SDK's handling of them is what the loop does first), some wait for the budget, and then:
            await poll(lambda: len(results) + queue.queued + queue.busy >= SESSIONS * CALLS, timeout=30,
                       what="every PAPI call answered or waiting in the server")
            while queue.queued and len(dns_timings) < 5:
                started = time.monotonic()
                zones = await session.call_tool("list-zones", {})
                dns_timings.append(time.monotonic() - started)
                assert not zones.is_error, _text(zones)

    # First a session that gives up: its first call is out (Akamai holds it), the others wait for its answer;
    # cancelling them takes them out of the queue at once and they are never sent.
    async with session_of(server, "tok_quitter") as session:
        with sandbox.lock:
            with anyio.CancelScope() as gave_up:
                async with anyio.create_task_group() as tg:
                    for _ in range(CALLS):
                        tg.start_soon(session.call_tool, "list-groups", {})
                    await poll(lambda: queue.queued_for("tok_quitter") == CALLS - 1, timeout=10,
                               what="the quitter's calls queued behind its first")
                    gave_up.cancel()
            started = time.monotonic()
            await poll(lambda: queue.queued_for("tok_quitter") == 0, timeout=2, interval=0.005,
                       what="the quitter's calls leaving the queue")
            freed_in = time.monotonic() - started
    await poll(lambda: queue.busy == 0, timeout=10, what="the quitter's first call to finish")
    assert freed_in < 0.25
    assert len([r for r in sandbox.requests if r.path == "/papi/v1/groups"]) == 1

    async with anyio.create_task_group() as tg:
        for i in range(SESSIONS):
            tg.start_soon(agent, f"tok_agent{i}")
        tg.start_soon(dns_user)

    # Akamai never had to refuse: the server kept every session inside the account's limit.
    assert sandbox.server.limits.refused == 0
    assert not [r for r in sandbox.requests if r.status == 429]
    # Every call succeeded or was refused with the time to retry.
    assert len(results) == SESSIONS * CALLS
    ok = [r for r in results if not r.is_error]
    refused = [r for r in results if r.is_error]
    assert ok and refused
    assert all(re.search(r"Retry in \d+ s\.", _text(r)) for r in refused), _text(refused[0])
    assert all("PAPI (Property Manager) rate limit" in _text(r) for r in refused)
    papi_sent = [r for r in sandbox.requests if r.path == "/papi/v1/groups"]
    assert len(papi_sent) == len(ok) + 1  # each success one request, plus the quitter's first call
    # Another token's DNS calls answered fast meanwhile.
    assert len(dns_timings) >= 3, dns_timings  # made while PAPI calls waited for their budget
    assert max(dns_timings) < 0.1, dns_timings


async def test_a_call_waiting_for_room_tells_the_mcp_client_what_it_waits_for(fresh_sandbox: Sandbox,
                                                                              registry: Registry) -> None:
    slow = {"papi": Rate.per_minute(60, burst=2)}
    fresh_sandbox.settings.rate_limits = dict(slow)
    fresh_sandbox.reset()
    server = server_with(fresh_sandbox, registry, max_wait=5.0, budget=Budget({"": dict(slow)}))
    server.client.queue.progress_every = 0.2
    seen: list[str | None] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append(message)

    try:
        async with session_of(server, "tok_agent") as session:
            for _ in range(2):
                assert not (await session.call_tool("list-groups", {})).is_error
            result = await session.call_tool("list-groups", {}, progress_callback=progress)
    finally:
        server.client.close()
        fresh_sandbox.settings.rate_limits = {}
    assert not result.is_error, _text(result)
    assert seen and all(m and m.startswith("Waiting for the PAPI (Property Manager) rate limit") for m in seen)
