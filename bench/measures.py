"""Each measure runs real parts on loopback and returns rows: value, baseline measured in the same run, target.

Where a measure has a baseline, the measured path and its baseline run interleaved (in `Plan.rounds` rounds), so a
burst of load from elsewhere on the machine lands on both and the ratio stays honest.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bench.harness import INIT, PY, AlecsProcess, EchoServer, RawSession, Sshd, rss_bytes, tail, tunnel_command
from bench.stats import Row, median, percentile

CALL = {"name": "list-contracts", "arguments": {}}
Leg = Callable[[], Awaitable[Any]]


def roomy_limits(sessions: int) -> dict[str, str]:
    """Every limit on, but set so the bench's one token is never refused: what runs is the counting, not a refusal."""
    return {"ALECS_MAX_CONNECTIONS": str(sessions), "ALECS_MAX_SESSIONS_PER_TOKEN": str(sessions),
            "ALECS_RATE_PER_MINUTE": str(10**9)}


# Every limit that can be switched off (0: none), for the baseline of the limits' own cost.
NO_LIMITS = {name: "0" for name in ("ALECS_MAX_CONNECTIONS", "ALECS_MAX_SESSIONS_PER_TOKEN", "ALECS_RATE_PER_MINUTE",
                                    "ALECS_MAX_INFLIGHT", "ALECS_WRITE_TIMEOUT", "ALECS_IDLE_TIMEOUT_MINUTES",
                                    "ALECS_MAX_PENDING_CONNECTIONS")}


@dataclass
class Plan:
    """Repetition counts; smoke mode keeps them tiny so CI runs the whole bench in well under a minute."""

    rtt: int = 300  # round trips per path
    rounds: int = 6  # paths alternate this many times
    startups: int = 7
    sessions: int = 5000
    load_sessions: int = 200
    load_seconds: float = 20.0
    bulk_mib: int = 20
    bulk_runs: int = 3
    validation_passes: int = 20  # times every curated-tool-shaped request is checked

    @classmethod
    def smoke(cls) -> Plan:
        return cls(rtt=10, rounds=2, startups=1, sessions=50, load_sessions=5, load_seconds=1.0, bulk_mib=1,
                   bulk_runs=1, validation_passes=2)


async def interleaved(legs: dict[str, Leg], n: int, rounds: int, warm: int = 3) -> dict[str, list[float]]:
    """Milliseconds per call of each leg: `warm` untimed calls each, then `rounds` rounds of n/rounds calls each."""
    for leg in legs.values():
        for _ in range(warm):
            await leg()
    out: dict[str, list[float]] = {name: [] for name in legs}
    per = max(1, n // rounds)
    for _ in range(rounds):
        for name, leg in legs.items():
            for _ in range(per):
                t0 = time.perf_counter()
                await leg()
                out[name].append((time.perf_counter() - t0) * 1000)
    return out


def _wire(result: Any) -> str:
    """The response as the server puts it on the wire (compact JSON), for an echo reply of the same size."""
    return json.dumps({"jsonrpc": "2.0", "id": 7, "result": result}, separators=(",", ":"))


# -- server overhead ---------------------------------------------------------------------------------------------
async def server_overhead(alecs: AlecsProcess, workdir: Path, plan: Plan) -> list[Row]:
    session = await RawSession.open(alecs.url, alecs.token)
    echo: EchoServer | None = None
    echoes: list[RawSession] = []
    try:
        replies = {"call": _wire(await session.request("tools/call", CALL)),
                   "list": _wire(await session.request("tools/list", {}))}
        echo = await EchoServer(workdir, replies, compression=session.compressed).start()
        echo_call, echo_list = echoes = [await RawSession.open_echo(echo.url(n)) for n in ("call", "list")]
        t = await interleaved({
            "call": lambda: session.request("tools/call", CALL),
            "echo call": lambda: echo_call.request("tools/call", CALL),
            "list": lambda: session.request("tools/list", {}),
            "echo list": lambda: echo_list.request("tools/list", {}),
        }, plan.rtt, plan.rounds)
    finally:
        for s in (session, *echoes):
            await s.close()
        if echo is not None:
            await echo.stop()
    floor = f"websockets echo, same sizes{', deflate' if session.compressed else ''}"
    return [Row("tools/call over WebSocket", median(t["call"]), "ms", median(t["echo call"]), floor, "<= 2.5x",
                {"p99_ms": percentile(t["call"], 99), "response_bytes": len(replies["call"]), "n": len(t["call"])}),
            Row("tools/list over WebSocket", median(t["list"]), "ms", median(t["echo list"]), floor, "<= 2.5x",
                {"p99_ms": percentile(t["list"], 99), "response_bytes": len(replies["list"]), "n": len(t["list"])})]


# -- the cost of the limits --------------------------------------------------------------------------------------
async def limits_overhead(workdir: Path, plan: Plan, token: str) -> list[Row]:
    """tools/call over WebSocket on two servers alike but for the limits: all on (roomy) against all off."""
    servers = {"on": AlecsProcess(workdir, roomy_limits(1000), token=token),
               "off": AlecsProcess(workdir, NO_LIMITS, token=token)}
    sessions: dict[str, RawSession] = {}
    try:
        for name, server in servers.items():
            server.start()
            sessions[name] = await RawSession.open(server.url, token)
        t = await interleaved({name: (lambda s=s: s.request("tools/call", CALL)) for name, s in sessions.items()},
                              2 * plan.rtt, 2 * plan.rounds, warm=20)
    finally:
        for session in sessions.values():
            await session.close()
        for server in servers.values():
            server.stop()
    return [Row("tools/call over WebSocket, limits and queues on", median(t["on"]), "ms", median(t["off"]),
                "the same server with every limit off", "<= 1.05x",
                {"p99_ms": percentile(t["on"], 99), "p99_off_ms": percentile(t["off"], 99), "n": len(t["on"])})]


# -- the tunnel --------------------------------------------------------------------------------------------------
class TunnelProcess:
    """alecs-tunnel as Claude Desktop runs it: JSON-RPC lines on stdin/stdout; its stderr goes to a log file."""

    def __init__(self, proc: asyncio.subprocess.Process, log: IO[bytes], log_path: Path) -> None:
        self.proc = proc
        self.log, self.log_path = log, log_path
        self.next_id = 100

    @classmethod
    async def start(cls, alecs: AlecsProcess, sshd: Sshd) -> TunnelProcess:
        env = os.environ | {"ALECS_WS_URL": alecs.url, "ALECS_TOKEN": alecs.token}
        log_path = alecs.dir / f"tunnel-{time.time_ns()}.log"
        log = open(log_path, "wb")  # noqa: SIM115 - closed in close()
        proc = await asyncio.create_subprocess_exec(*tunnel_command(), *sshd.tunnel_args(), env=env,
                                                    stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                                                    stderr=log, limit=256 * 2**20)
        return cls(proc, log, log_path)

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method,
                                          "params": params}).encode() + b"\n")
        await self.proc.stdin.drain()
        for _ in range(10_000):  # bounded: notifications may come before the answer
            line = await asyncio.wait_for(self.proc.stdout.readline(), 120)
            if not line:
                raise RuntimeError(f"alecs-tunnel closed stdout:\n{tail(self.log_path)}")
            msg = json.loads(line)
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{msg['error']}\n{tail(self.log_path)}")
                return msg["result"]
        raise RuntimeError(f"no answer to {method}")

    async def initialize(self) -> None:
        await self.request("initialize", INIT)
        assert self.proc.stdin
        self.proc.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
        await self.proc.stdin.drain()

    async def close(self) -> None:
        if self.proc.returncode is None:
            assert self.proc.stdin
            self.proc.stdin.close()
            try:
                await asyncio.wait_for(self.proc.wait(), 20)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        self.log.close()


async def tunnel_overhead(alecs: AlecsProcess, sshd: Sshd, plan: Plan) -> list[Row]:
    tunnel = await TunnelProcess.start(alecs, sshd)
    sessions: list[RawSession] = []
    try:
        await tunnel.initialize()
        direct = await RawSession.open(alecs.url, alecs.token)
        sessions.append(direct)
        ssh_l = await RawSession.open(f"ws://127.0.0.1:{sshd.forward(alecs.port)}/mcp", alecs.token)
        sessions.append(ssh_l)
        t = await interleaved({
            "tunnel call": lambda: tunnel.request("tools/call", CALL),
            "direct call": lambda: direct.request("tools/call", CALL),
            "ssh -L call": lambda: ssh_l.request("tools/call", CALL),
            "tunnel list": lambda: tunnel.request("tools/list", {}),
            "direct list": lambda: direct.request("tools/list", {}),
            "ssh -L list": lambda: ssh_l.request("tools/list", {}),
        }, plan.rtt, plan.rounds)
    finally:
        for s in sessions:
            await s.close()
        await tunnel.close()
    m = {k: median(v) for k, v in t.items()}

    def detail(kind: str) -> dict[str, float]:
        return {"p99_ms": percentile(t[f"tunnel {kind}"], 99), "vs_ssh_L": m[f"tunnel {kind}"] / m[f"ssh -L {kind}"]}

    return [Row("tools/call through alecs-tunnel (SSH)", m["tunnel call"], "ms", m["direct call"], "direct WebSocket",
                "<= 1.5x", detail("call")),
            Row("tools/list through alecs-tunnel (SSH)", m["tunnel list"], "ms", m["direct list"], "direct WebSocket",
                "<= 1.5x", detail("list")),
            Row("tools/call through ssh -L (reference)", m["ssh -L call"], "ms", m["direct call"], "direct WebSocket"),
            Row("tools/list through ssh -L (reference)", m["ssh -L list"], "ms", m["direct list"], "direct WebSocket")]


# -- bulk transfer -----------------------------------------------------------------------------------------------
async def _big_diff(session: RawSession, mib: int) -> dict[str, Any]:
    """Arguments of a diff whose result is about `mib` MiB: two versions whose rule trees differ everywhere.

    The values are random hex, so WebSocket compression cannot shrink the transfer to nothing.
    """
    created = await session.request("tools/call", {"name": "create-property", "arguments": {
        "contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001", "propertyName": f"bulk{time.time_ns()}.example.com",
        "productId": "prd_SPM"}})
    pid = created["structuredContent"]["propertyId"]
    chunk = 256 * 1024
    count = max(1, mib * 2**20 // (2 * chunk))

    def tree() -> dict[str, Any]:
        return {"rules": {"name": "default", "criteria": [], "children": [], "behaviors": [
            {"name": "modifyOutgoingResponseHeader", "options": {"value": os.urandom(chunk // 2).hex(), "n": i}}
            for i in range(count)]}}

    for version in (1, 2):
        if version == 2:
            await session.request("tools/call", {"name": "create-property-version", "arguments": {
                "propertyId": pid, "createFromVersion": 1}})
        rules = await session.request("tools/call", {"name": "get-property-rules", "arguments": {
            "propertyId": pid, "propertyVersion": version}})
        await session.request("tools/call", {"name": "update-property-rules", "arguments": {
            "propertyId": pid, "propertyVersion": version, "etag": rules["structuredContent"]["etag"],
            "rules": tree()}})
    return {"propertyId": pid, "fromVersion": 1, "toVersion": 2, "limit": 500}


async def bulk_transfer(alecs: AlecsProcess, sshd: Sshd, plan: Plan) -> list[Row]:
    direct = await RawSession.open(alecs.url, alecs.token)
    tunnel: TunnelProcess | None = None
    ssh_l: RawSession | None = None
    try:
        call = {"name": "diff-property-versions", "arguments": await _big_diff(direct, plan.bulk_mib)}
        tunnel = await TunnelProcess.start(alecs, sshd)
        await tunnel.initialize()
        ssh_l = await RawSession.open(f"ws://127.0.0.1:{sshd.forward(alecs.port)}/mcp", alecs.token)
        size = len(_wire(await direct.request("tools/call", call)))
        legs: dict[str, Leg] = {"tunnel": lambda: tunnel.request("tools/call", call),  # type: ignore[union-attr]
                                "ssh -L": lambda: ssh_l.request("tools/call", call),  # type: ignore[union-attr]
                                "direct": lambda: direct.request("tools/call", call)}
        t = await interleaved(legs, plan.bulk_runs, plan.bulk_runs, warm=1)
    finally:
        await direct.close()
        if ssh_l is not None:
            await ssh_l.close()
        if tunnel is not None:
            await tunnel.close()
    mib = size / 2**20
    rate = {k: mib / (median(v) / 1000) for k, v in t.items()}
    return [Row(f"{mib:.0f} MiB tool result through alecs-tunnel", rate["tunnel"], "MiB/s", rate["ssh -L"],
                "ssh -L, same call", ">= 0.5x",
                {"direct_mib_s": rate["direct"], "seconds": {k: median(v) / 1000 for k, v in t.items()},
                 "bytes": size})]


# -- start-up ----------------------------------------------------------------------------------------------------
async def _run_seconds(*argv: str) -> float:
    t0 = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(*argv)
    if await asyncio.wait_for(proc.wait(), 60) != 0:
        raise RuntimeError(f"{argv} failed")
    return time.perf_counter() - t0


async def startup(alecs: AlecsProcess, sshd: Sshd, plan: Plan) -> list[Row]:
    tunnel_times, import_times, client_imports = [], [], []
    for _ in range(plan.startups):
        t0 = time.perf_counter()
        tunnel = await TunnelProcess.start(alecs, sshd)
        try:
            await tunnel.request("initialize", INIT)
            tunnel_times.append(time.perf_counter() - t0)
        finally:
            await tunnel.close()
        import_times.append(await _run_seconds(PY, "-c", "import paramiko, websockets"))
        # `import websockets` is lazy: a client also needs asyncio and websockets' asyncio client (reported only)
        client_imports.append(await _run_seconds(PY, "-c", "import paramiko, websockets.asyncio.client"))
    return [Row("alecs-tunnel launch to initialize answer", median(tunnel_times), "s", median(import_times),
                "python -c 'import paramiko, websockets'", "<= 1.5x",
                {"runs": tunnel_times, "import_paramiko_websockets_asyncio_client_s": median(client_imports)})]


# -- capacity ----------------------------------------------------------------------------------------------------
async def capacity(workdir: Path, plan: Plan, token: str) -> list[Row]:
    alecs = AlecsProcess(workdir, roomy_limits(plan.sessions + 100), token=token).start()
    assert alecs.proc is not None
    sessions: list[RawSession] = []
    failures: list[str] = []
    try:
        before = rss_bytes(alecs.proc.pid)
        t0 = time.perf_counter()
        batch = 100
        for start in range(0, plan.sessions, batch):
            opened = await asyncio.gather(*(RawSession.open(alecs.url, alecs.token, ping_interval=None)
                                            for _ in range(min(batch, plan.sessions - start))),
                                          return_exceptions=True)
            sessions += [s for s in opened if isinstance(s, RawSession)]
            failures += [repr(s)[:200] for s in opened if not isinstance(s, RawSession)]
        opened_in = time.perf_counter() - t0
        alive = 0
        for start in range(0, len(sessions), 500):  # every session must still answer
            pongs = await asyncio.gather(*(s.request("ping") for s in sessions[start:start + 500]),
                                         return_exceptions=True)
            alive += sum(1 for p in pongs if not isinstance(p, BaseException))
        after = rss_bytes(alecs.proc.pid)
    finally:
        for start in range(0, len(sessions), 500):
            await asyncio.gather(*(s.close() for s in sessions[start:start + 500]), return_exceptions=True)
        alecs.stop()
    per = (after - before) / max(1, len(sessions))
    return [Row("idle authenticated sessions held", alive, "n", None, "", f">= {plan.sessions}",
                {"opened": len(sessions), "failed": len(failures), "first_failures": failures[:3],
                 "open_seconds": opened_in}),
            Row("server memory with those sessions", after / 2**20, "MiB", None, "", "<= 1024",
                {"per_session_kib": per / 1024, "before_mib": before / 2**20})]


# -- load --------------------------------------------------------------------------------------------------------
async def load(alecs: AlecsProcess, plan: Plan) -> list[Row]:
    opened = await asyncio.gather(*(RawSession.open(alecs.url, alecs.token) for _ in range(plan.load_sessions)),
                                  return_exceptions=True)
    sessions = [s for s in opened if isinstance(s, RawSession)]
    open_errors = len(opened) - len(sessions)
    latencies: list[float] = []
    done = [0] * len(sessions)
    errors = 0
    calls = [CALL, {"name": "list-groups", "arguments": {}},
             {"name": "get-property", "arguments": {"propertyId": "prp_100001"}}]

    async def worker(i: int, s: RawSession) -> None:
        nonlocal errors
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            try:
                result = await asyncio.wait_for(s.request("tools/call", calls[(i + done[i]) % len(calls)]), 60)
                if result.get("isError"):
                    errors += 1
            except Exception:
                errors += 1
            latencies.append((time.perf_counter() - t0) * 1000)
            done[i] += 1

    t0 = time.perf_counter()
    stop_at = t0 + plan.load_seconds
    try:
        await asyncio.gather(*(worker(i, s) for i, s in enumerate(sessions)))
    finally:
        elapsed = time.perf_counter() - t0
        await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
    mean = sum(done) / max(1, len(done))
    starved = sum(1 for d in done if d < 0.25 * mean) + open_errors
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    return [Row(f"load: {plan.load_sessions} sessions, throughput", sum(done) / elapsed, "/s", None, "", "",
                {"calls": sum(done), "seconds": elapsed}),
            Row("load: p99 latency", p99, "ms", p50, "p50 latency", "<= 10x", {"max_ms": max(latencies, default=0)}),
            Row("load: errors", errors + open_errors, "n", None, "", "== 0", {"sessions_not_opened": open_errors}),
            Row("load: starved sessions (< 25% of mean calls)", starved, "n", None, "", "== 0",
                {"min_calls": min(done, default=0), "mean_calls": mean, "max_calls": max(done, default=0)})]


# -- Akamai efficiency -------------------------------------------------------------------------------------------
async def akamai_efficiency() -> list[Row]:
    """Akamai requests per job, counted at the sandbox, against the fewest the API allows."""
    from mcp import Client

    from alecs.app import AppConfig, build_app

    rows = []
    with build_app(AppConfig(sandbox=True, toolsets="all")) as app:
        assert app.sandbox is not None
        box = app.sandbox
        async with Client(app.server.lowlevel, mode="legacy") as client:
            async def count(job: Callable[[], Awaitable[None]]) -> int:
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

            async def read_write_read() -> None:
                await client.call_tool("list-groups", {})
                made = await client.call_tool("create-property", {
                    "contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001", "productId": "prd_SPM",
                    "propertyName": f"eff{time.time_ns()}.example.com"})
                assert not made.is_error, made.content
                await client.call_tool("list-groups", {})

            pairs = sum(len(g["contractIds"]) for g in
                        (await client.call_tool("list-groups", {})).structured_content["items"])
            for label, job, floor, target in (
                    ("find a property by hostname", by_hostname, 1, "<= 1x"),
                    ("list every property of the account", every_property, 1 + pairs, "<= 1x"),
                    ("read a property's rule tree by name", rules_by_name, 2, "<= 1x"),
                    ("the same read 5 times in a row", repeated_read, 1, "<= 1x"),
                    # exactly 3: fewer would mean the write did not invalidate the cached read
                    ("read, write, read again (cache invalidated)", read_write_read, 3, "== 1x")):
                rows.append(Row(f"Akamai requests: {label}", await count(job), "n", floor,
                                "fewest the API allows", target))
    return rows


# -- request validation ------------------------------------------------------------------------------------------
def request_validation(plan: Plan) -> list[Row]:
    """What the pre-send check costs each request a tool sends (`alecs.openapi.outgoing.problems`, which
    `ToolCall.send` awaits): look the operation up by (API, method, concrete path) and validate path values,
    query, headers and body. Requests are shaped like the curated tools' (the operations they call, with Akamai's
    published example values); the median is over every request and pass, after one warm pass (validators are
    built on first use)."""
    from alecs.openapi.calls import prepare
    from alecs.openapi.index import load
    from alecs.openapi.outgoing import problems
    from alecs.tools.registry import Registry

    index = load()
    by_route = {(op.api, op.method, _shape(op.path)): op for op in index}
    requests = []
    for spec in Registry.load():
        op = by_route.get((spec.api, spec.method, _shape(spec.path)))
        if spec.local or spec.any_operation or op is None or op.example is None:
            continue
        call = prepare(op, op.example.get("parameters"), op.example.get("body"))
        requests.append((op.api, call.request))
    timings: list[float] = []
    for n in range(plan.validation_passes + 1):
        for api, request in requests:
            t0 = time.perf_counter()
            problems(api, request.method, request.path, params=request.query, headers=request.headers,
                     json_body=request.body)
            if n:
                timings.append((time.perf_counter() - t0) * 1000)
    return [Row("request validation per call (pre-send check)", median(timings), "ms", None, "", "<= 1",
                {"requests": len(requests), "p90_ms": percentile(timings, 90), "max_ms": max(timings, default=0)})]


def _shape(path: str) -> str:
    """A path template without its placeholder names: /a/{x}/b and /a/{id}/b are the same route."""
    return re.sub(r"{[^}]*}", "{}", path)
