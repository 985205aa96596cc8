"""Each measure runs real parts on loopback and returns rows: value, baseline measured in the same run, target."""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import websockets

from bench.harness import INIT, PY, AlecsProcess, RawSession, Sshd, rss_bytes
from bench.stats import Row, median, percentile

CALL = {"name": "list-contracts", "arguments": {}}


@dataclass
class Plan:
    """Repetition counts; smoke mode keeps them tiny so CI runs the whole bench in seconds."""

    rtt: int = 300
    startups: int = 5
    sessions: int = 5000
    load_sessions: int = 200
    load_seconds: float = 20.0
    bulk_mib: int = 20
    bulk_runs: int = 3

    @classmethod
    def smoke(cls) -> Plan:
        return cls(rtt=10, startups=1, sessions=50, load_sessions=5, load_seconds=1.0, bulk_mib=1, bulk_runs=1)


async def _rtts(session: RawSession, method: str, params: dict[str, Any], n: int) -> list[float]:
    await session.request(method, params)  # warm: the first call fills the read cache
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        await session.request(method, params)
        out.append((time.perf_counter() - t0) * 1000)
    return out


async def _echo_rtts(request: str, response: str, n: int) -> list[float]:
    """The floor: a bare websockets server answering the same request with a message of the same size."""
    async def handler(ws: Any) -> None:
        async for _ in ws:
            await ws.send(response)

    async with websockets.serve(handler, "127.0.0.1", 0, max_size=None) as server:
        port = server.sockets[0].getsockname()[1]
        async with websockets.connect(f"ws://127.0.0.1:{port}", max_size=None) as ws:
            out = []
            for _ in range(n + 1):
                t0 = time.perf_counter()
                await ws.send(request)
                await ws.recv()
                out.append((time.perf_counter() - t0) * 1000)
    return out[1:]


def _wire(method: str, params: dict[str, Any], result: Any) -> tuple[str, str]:
    req = json.dumps({"jsonrpc": "2.0", "id": 7, "method": method, "params": params})
    resp = json.dumps({"jsonrpc": "2.0", "id": 7, "result": result}, separators=(",", ":"))
    return req, resp


async def server_overhead(alecs: AlecsProcess, plan: Plan) -> tuple[list[Row], float]:
    session = await RawSession.open(alecs.url, alecs.token)
    rows = []
    direct_call = 0.0
    for label, method, params in (("tools/call over WebSocket", "tools/call", CALL),
                                  ("tools/list over WebSocket", "tools/list", {})):
        result = await session.request(method, params)
        rtts = await _rtts(session, method, params, plan.rtt)
        floor = await _echo_rtts(*_wire(method, params, result), plan.rtt)
        rows.append(Row(label, median(rtts), "ms", median(floor), "websockets echo, same sizes", "<= 2.5x",
                        {"p99_ms": percentile(rtts, 99), "response_bytes": len(_wire(method, params, result)[1])}))
        if method == "tools/call":
            direct_call = median(rtts)
    await session.close()
    return rows, direct_call


class TunnelProcess:
    """alecs-tunnel as Claude Desktop runs it: JSON-RPC lines on stdin/stdout."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.next_id = 100

    @classmethod
    async def start(cls, alecs: AlecsProcess, sshd: Sshd) -> TunnelProcess:
        env = os.environ | {"ALECS_WS_URL": alecs.url, "ALECS_TOKEN": alecs.token}
        proc = await asyncio.create_subprocess_exec(PY, "-m", "tunnel", *sshd.tunnel_args(), env=env,
                                                    stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.DEVNULL, limit=256 * 2**20)
        return cls(proc)

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method,
                                          "params": params}).encode() + b"\n")
        await self.proc.stdin.drain()
        while True:
            line = await asyncio.wait_for(self.proc.stdout.readline(), 120)
            if not line:
                raise RuntimeError("alecs-tunnel closed stdout")
            msg = json.loads(line)
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(msg["error"])
                return msg["result"]

    async def initialize(self) -> None:
        await self.request("initialize", INIT)
        assert self.proc.stdin
        self.proc.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
        await self.proc.stdin.drain()

    async def close(self) -> None:
        assert self.proc.stdin
        self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 20)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


async def tunnel_overhead(alecs: AlecsProcess, sshd: Sshd, direct_ms: float, plan: Plan) -> list[Row]:
    tunnel = await TunnelProcess.start(alecs, sshd)
    await tunnel.initialize()
    await tunnel.request("tools/call", CALL)
    rtts = []
    for _ in range(plan.rtt):
        t0 = time.perf_counter()
        await tunnel.request("tools/call", CALL)
        rtts.append((time.perf_counter() - t0) * 1000)
    await tunnel.close()
    forward, port = sshd.forward(alecs.port)
    try:
        session = await RawSession.open(f"ws://127.0.0.1:{port}/mcp", alecs.token)
        ssh_l = await _rtts(session, "tools/call", CALL, plan.rtt)
        await session.close()
    finally:
        forward.terminate()
        forward.wait(10)
    return [Row("tools/call through alecs-tunnel (SSH)", median(rtts), "ms", direct_ms, "direct WebSocket",
                "<= 1.5x", {"p99_ms": percentile(rtts, 99)}),
            Row("tools/call through ssh -L (reference)", median(ssh_l), "ms", direct_ms, "direct WebSocket")]


async def _big_diff(session: RawSession, mib: int) -> dict[str, Any]:
    """Arguments of a diff whose result is about `mib` MiB: two versions whose rule trees differ everywhere."""
    created = await session.request("tools/call", {"name": "create-property", "arguments": {
        "contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001", "propertyName": f"bulk{time.time_ns()}.example.com",
        "productId": "prd_SPM"}})
    pid = created["structuredContent"]["propertyLink"].split("/")[-1].split("?")[0]
    chunk = 256 * 1024
    count = max(1, mib * 2**20 // (2 * chunk))

    def tree(letter: str) -> dict[str, Any]:
        return {"rules": {"name": "default", "criteria": [], "children": [], "behaviors": [
            {"name": "modifyOutgoingResponseHeader", "options": {"value": letter * chunk, "n": i}}
            for i in range(count)]}}

    for version, letter in ((1, "a"), (2, "b")):
        if version == 2:
            await session.request("tools/call", {"name": "create-property-version", "arguments": {
                "propertyId": pid, "createFromVersion": 1}})
        rules = await session.request("tools/call", {"name": "get-property-rules", "arguments": {
            "propertyId": pid, "propertyVersion": version}})
        await session.request("tools/call", {"name": "update-property-rules", "arguments": {
            "propertyId": pid, "propertyVersion": version, "etag": rules["structuredContent"]["etag"],
            "rules": tree(letter)}})
    return {"propertyId": pid, "fromVersion": 1, "toVersion": 2, "limit": 500}


async def bulk_transfer(alecs: AlecsProcess, sshd: Sshd, plan: Plan) -> list[Row]:
    setup = await RawSession.open(alecs.url, alecs.token)
    args = await _big_diff(setup, plan.bulk_mib)
    await setup.close()
    call = {"name": "diff-property-versions", "arguments": args}
    tunnel = await TunnelProcess.start(alecs, sshd)
    await tunnel.initialize()
    through_tunnel, size = [], 0
    for _ in range(plan.bulk_runs):
        t0 = time.perf_counter()
        result = await tunnel.request("tools/call", call)
        through_tunnel.append(time.perf_counter() - t0)
        size = len(json.dumps(result))
    await tunnel.close()
    forward, port = sshd.forward(alecs.port)
    try:
        session = await RawSession.open(f"ws://127.0.0.1:{port}/mcp", alecs.token)
        through_ssh = []
        for _ in range(plan.bulk_runs):
            t0 = time.perf_counter()
            await session.request("tools/call", call)
            through_ssh.append(time.perf_counter() - t0)
        await session.close()
    finally:
        forward.terminate()
        forward.wait(10)
    mib = size / 2**20
    return [Row(f"{mib:.0f} MiB tool result through alecs-tunnel", mib / median(through_tunnel), "MiB/s",
                mib / median(through_ssh), "ssh -L, same call", ">= 0.5x")]


async def startup(alecs: AlecsProcess, sshd: Sshd, plan: Plan) -> list[Row]:
    tunnel_times, import_times = [], []
    for _ in range(plan.startups):
        t0 = time.perf_counter()
        tunnel = await TunnelProcess.start(alecs, sshd)
        await tunnel.request("initialize", INIT)
        tunnel_times.append(time.perf_counter() - t0)
        await tunnel.close()
        t0 = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(PY, "-c", "import paramiko, websockets")
        await proc.wait()
        import_times.append(time.perf_counter() - t0)
    serve_times = []
    for _ in range(max(1, plan.startups // 2)):
        other = AlecsProcess(alecs.dir, {"ALECS_TOKEN_STORE": str(alecs.dir / "tokens.store")})
        other.start()
        serve_times.append(other.started_in)
        other.stop()
    return [Row("alecs-tunnel launch to initialize answer", median(tunnel_times), "s", median(import_times),
                "python -c 'import paramiko, websockets'", "<= 1.5x"),
            Row("alecs serve start to ready (/healthz)", median(serve_times), "s")]


async def capacity(workdir: Path, plan: Plan) -> list[Row]:
    alecs = AlecsProcess(workdir, {"ALECS_WS_MAX_CONNECTIONS": str(plan.sessions + 100)}).start()
    assert alecs.proc is not None
    try:
        before = rss_bytes(alecs.proc.pid)
        sessions: list[RawSession] = []
        failures = 0
        batch = 100
        for start in range(0, plan.sessions, batch):
            opened = await asyncio.gather(*(RawSession.open(alecs.url, alecs.token, ping_interval=None)
                                            for _ in range(min(batch, plan.sessions - start))),
                                          return_exceptions=True)
            sessions += [s for s in opened if isinstance(s, RawSession)]
            failures += sum(1 for s in opened if not isinstance(s, RawSession))
        alive = await asyncio.gather(*(s.request("ping") for s in sessions[:: max(1, len(sessions) // 50)]),
                                     return_exceptions=True)
        after = rss_bytes(alecs.proc.pid)
        await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
    finally:
        alecs.stop()
    per = (after - before) / max(1, len(sessions))
    return [Row("idle authenticated sessions held", len(sessions), "n", None, "", f">= {plan.sessions}",
                {"failed": failures, "pings_ok": sum(1 for a in alive if not isinstance(a, Exception))}),
            Row("server memory with those sessions", after / 2**20, "MiB", None, "", "<= 1024",
                {"per_session_kib": per / 1024, "before_mib": before / 2**20})]


async def load(alecs: AlecsProcess, plan: Plan) -> list[Row]:
    sessions = await asyncio.gather(*(RawSession.open(alecs.url, alecs.token) for _ in range(plan.load_sessions)))
    latencies: list[float] = []
    done = [0] * len(sessions)
    errors = 0
    stop_at = time.perf_counter() + plan.load_seconds
    calls = [CALL, {"name": "list-groups", "arguments": {}},
             {"name": "get-property", "arguments": {"propertyId": "prp_100001"}}]

    async def worker(i: int, s: RawSession) -> None:
        nonlocal errors
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            try:
                result = await s.request("tools/call", calls[(i + done[i]) % len(calls)])
                if result.get("isError"):
                    errors += 1
            except Exception:
                errors += 1
            latencies.append((time.perf_counter() - t0) * 1000)
            done[i] += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(i, s) for i, s in enumerate(sessions)))
    elapsed = time.perf_counter() - t0
    await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
    mean = sum(done) / len(done)
    starved = sum(1 for d in done if d < 0.25 * mean)
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    return [Row(f"load: {plan.load_sessions} sessions, throughput", sum(done) / elapsed, "/s"),
            Row("load: p99 latency", p99, "ms", p50, "p50 latency", "<= 10x"),
            Row("load: errors", errors, "n", None, "", "== 0"),
            Row("load: starved sessions (< 25% of mean calls)", starved, "n", None, "", "== 0")]


async def akamai_efficiency() -> list[Row]:
    """Akamai requests per job, counted at the sandbox, against the fewest the API allows."""
    from mcp import Client

    from alecs.app import AppConfig, build_app

    rows = []
    with build_app(AppConfig(sandbox=True, toolsets="all")) as app:
        assert app.sandbox is not None
        box = app.sandbox
        async with Client(app.server.lowlevel, mode="legacy") as client:
            async def count(job: Any) -> int:
                box.server.request_log.clear()
                app.client.cache.invalidate("default")
                await job()
                return len(box.requests)

            async def by_hostname() -> None:
                await client.call_tool("search-properties", {"hostname": "www.example.com"})

            async def every_property() -> None:
                groups = (await client.call_tool("list-groups", {})).structured_content["items"]
                for g in groups:
                    for contract in g["contractIds"]:
                        await client.call_tool("list-properties", {"contractId": contract, "groupId": g["groupId"]})

            async def rules_by_name() -> None:
                found = await client.call_tool("search-properties", {"propertyName": "www.example.com"})
                hit = found.structured_content["items"][0]
                await client.call_tool("get-property-rules", {"propertyId": hit["propertyId"],
                                                              "propertyVersion": hit["propertyVersion"]})

            async def repeated_read() -> None:
                for _ in range(5):
                    await client.call_tool("list-groups", {})

            pairs = sum(len(g["contractIds"]) for g in
                        (await client.call_tool("list-groups", {})).structured_content["items"])
            for label, job, floor in (("find a property by hostname", by_hostname, 1),
                                      ("list every property of the account", every_property, 1 + pairs),
                                      ("read a property's rule tree by name", rules_by_name, 2),
                                      ("the same read 5 times in a row", repeated_read, 1)):
                rows.append(Row(f"Akamai requests: {label}", await count(job), "n", floor,
                                "fewest the API allows", "<= 1x"))
    return rows
