"""A client that never reads its socket cannot grow the server, hold it, or slow anyone else down.

The server runs as a real process (`alecs serve --transport websocket --sandbox`, default limits) so that its memory
can be measured; the attacker completes the handshake and then only writes; a second token's session keeps calling.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from mcp import Client

from alecs.transports.settings import Limits
from tests.support.waiting import poll
from tests.transports.raw_ws import SilentClient, text_frame
from tests.transports.wire import answer_to, raw_session, request, slow_call
from tests.transports.ws_client import WebSocketTransport


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


@pytest.mark.parametrize("ids", ["the same id", "distinct ids"])
async def test_a_client_that_never_reads_is_cut_off_and_frees_what_it_held_while_others_keep_working(
        spawn, mint, store, ids):
    attacker_id, attacker = mint("read")
    victim_id, victim = mint("read")
    # the victim calls back to back for up to 30 s: more than the default 300 calls a minute
    store.update(lambda records: records.__setitem__(victim_id, replace(records[victim_id], rate_per_minute=0)))
    proc = spawn("--transport", "websocket", "--sandbox", "--port", "0")
    url = await asyncio.to_thread(proc.url)
    pid = proc.proc.pid
    frames = [text_frame(json.dumps({"jsonrpc": "2.0", "id": 7 if ids == "the same id" else n,
                                     "method": "tools/list"})) for n in range(3000)]
    latencies: list[float] = []
    async with Client(WebSocketTransport(url, victim), mode="legacy") as client:
        warm: list[float] = []
        for _ in range(30):  # warm: caches, pools, the first answers; the last 20 are this machine's pace now
            t = time.perf_counter()
            await client.call_tool("list-contracts", {})
            warm.append(time.perf_counter() - t)
        before = rss_mb(pid)
        peak = before
        silent = await asyncio.to_thread(SilentClient, url, attacker)
        silent.sock.sendall(text_frame(json.dumps({
            "jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "x", "version": "1"}}
        })) + text_frame(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})))
        started = time.monotonic()
        sender = threading.Thread(target=silent.send_all, args=(frames, 60), daemon=True)
        sender.start()

        def closed() -> bool:
            return f"token={attacker_id} outcome=closed" in proc.text()

        while not closed():
            assert time.monotonic() - started < 30, "the never-reading client was not cut off within 30 s"
            t = time.perf_counter()
            result = await client.call_tool("list-contracts", {})
            latencies.append(time.perf_counter() - t)
            assert not result.is_error
            peak = max(peak, rss_mb(pid))
            await asyncio.sleep(0.02)
        cut_after = time.monotonic() - started
        after = rss_mb(pid)
        await client.call_tool("list-contracts", {})  # still served after the cut
    await asyncio.to_thread(sender.join, 30)
    silent.close()
    assert cut_after < 30
    assert peak - before < 50, f"RSS grew from {before:.0f} MB to {peak:.0f} MB"
    assert after - before < 50
    # 100 ms, or ten times the same call's median before the attack on a machine loaded by other work
    bound = max(0.1, 10 * statistics.median(warm[10:]))
    assert len(latencies) >= 10 and p99(latencies) < bound, f"p99 {p99(latencies) * 1000:.0f} ms, bound " \
        f"{bound * 1000:.0f} ms"
    line = next(li for li in proc.text().splitlines() if f"token={attacker_id} outcome=closed" in li)
    print(f"\n{ids}: cut after {cut_after:.1f} s; RSS {before:.0f} -> peak {peak:.0f} MB -> {after:.0f} MB; "
          f"{len(latencies)} calls, p99 {p99(latencies) * 1000:.1f} ms, worst {sorted(latencies)[-5:]}; "
          f"{line.split('outcome=')[1]}")




async def test_a_duplicate_in_flight_id_is_refused_and_requests_are_counted_one_by_one(
        serve, mint, monkeypatch, fresh_sandbox):
    monkeypatch.setattr(fresh_sandbox.settings, "activation_seconds", 3600.0)
    _, token = mint("write")
    async with serve(limits=Limits(max_inflight=2)) as remote:
        ws = await raw_session(remote.url, token)
        await ws.send(slow_call(5))
        for _ in range(3):  # the same id again: refused as a duplicate, never counted
            await ws.send(request(5, "tools/list"))
            refusal = json.loads(await asyncio.wait_for(ws.recv(), 20))
            assert refusal["id"] == 5 and refusal["error"]["code"] == -32600
            assert "already in flight" in refusal["error"]["message"]
        await ws.send(request("5", "tools/list"))  # "5" and 5 are one id, as for the SDK
        assert "already in flight" in json.loads(await asyncio.wait_for(ws.recv(), 20))["error"]["message"]
        await ws.send(slow_call(6))  # the second place
        await ws.send(request(7, "tools/list"))  # a third request: over the limit of 2
        busy = await answer_to(ws, 7)
        assert busy["error"]["code"] == -32000 and "in flight" in busy["error"]["message"]
        for rid in (5, 6):  # cancelled requests give their place back, and their ids are free again
            await ws.send(json.dumps({"jsonrpc": "2.0", "method": "notifications/cancelled",
                                      "params": {"requestId": rid}}))

        async def reused() -> bool:
            await ws.send(request(5, "tools/list"))
            return "result" in await answer_to(ws, 5)
        await poll(reused, 10, "the cancelled id to be usable again")
        await ws.send(request(8, "tools/list"))
        assert "result" in await answer_to(ws, 8)
        await ws.close()


async def test_a_blocked_write_closes_the_connection_within_the_write_timeout_and_frees_everything(serve, mint):
    attacker_id, attacker = mint("read")
    _, other = mint("read")
    limits = Limits(write_timeout=1.0, ping_interval=60, ping_timeout=60)  # the keepalive alone would take minutes
    async with serve(limits=limits) as remote:
        transport = remote.transport
        bystander = await raw_session(remote.url, other)
        tasks_before = len(asyncio.all_tasks())
        silent = await asyncio.to_thread(SilentClient, remote.url, attacker)
        frames = [text_frame(request(0, "initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                                       "clientInfo": {"name": "x", "version": "1"}}))]
        frames += [text_frame(request(n, "tools/list")) for n in range(1, 200)]
        sender = threading.Thread(target=silent.send_all, args=(frames, 30), daemon=True)
        sender.start()
        await poll(lambda: len(transport.sessions) == 2, 10, "the silent client's session")
        started = time.monotonic()
        await poll(lambda: len(transport.sessions) == 1, 20, "the silent client to be cut off")
        assert time.monotonic() - started < 10
        await poll(lambda: transport.occupancy.count == 1, 10, "its slot to be given back")
        await poll(lambda: len(asyncio.all_tasks()) <= tasks_before, 10, "its tasks to end")
        await bystander.send(request(2, "tools/call", {"name": "list-contracts", "arguments": {}}))
        assert "result" in await answer_to(bystander, 2)
        await bystander.close()
        await asyncio.to_thread(sender.join, 30)
        silent.close()
