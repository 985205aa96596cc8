"""Launch measures: how soon a freshly launched server answers, as Claude Desktop and systemd see it.

- `alecs serve` over stdio, from exec to the `tools/list` answer (initialize, initialized, tools/list, as Claude
  Desktop sends them): the default selection and `--toolsets all`, with `--sandbox` and with an `.edgerc`; the
  baseline is the interpreter itself (`python -c pass`). Each configuration is launched once untimed first, so the
  start-up snapshot exists (what every launch but the very first after an install or upgrade finds); the very
  first launch is measured too, with an empty cache.
- ALECS, the TypeScript server alecs replaces (`node dist/index.js` of `acedergren/alecs-mcp-server-akamai`), the
  same way, when `node` and a built copy are there (`ALECS_BENCH_TS_SERVER`, default
  `~/.cache/alecs-bench/alecs-ts/dist/index.js`; docs/performance.md says how to build it outside
  the repository). Otherwise its rows are left out with a note.
- The first tool call once the server is loaded, against the same call warm; and one sent right after the
  `tools/list` answer (it waits for the server to finish loading: reported, no target).
- `alecs serve --transport websocket` from exec to `/healthz` answering 200.

Every launch waits for the previous process to exit, so no loader still running competes with the next launch on
the machine's two cores; the configurations alternate within each round.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.harness import PY, AlecsProcess
from bench.stats import Row, median

TS_SERVER_ENV = "ALECS_BENCH_TS_SERVER"
TS_DEFAULT = Path.home() / ".cache" / "alecs-bench" / "alecs-ts" / "dist" / "index.js"
INIT = {"protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "claude-ai", "version": "0.1.0"}}
EXIT_TIMEOUT = 120.0
EDGERC = """[default]
host = akab-bench-not-a-real-host.luna.akamaiapis.net
client_token = akab-bench-client-token
client_secret = bench-client-secret-not-real=
access_token = akab-bench-access-token
"""
CONFIGS: dict[str, tuple[str, ...]] = {
    "default, sandbox": ("--sandbox",),
    "all, sandbox": ("--sandbox", "--toolsets", "all"),
    "default, .edgerc": (),
    "all, .edgerc": ("--toolsets", "all"),
}


def ts_server() -> Path | None:
    """ALECS's built entry point, if `node` and a build are there."""
    path = Path(os.environ.get(TS_SERVER_ENV) or TS_DEFAULT)
    return path if shutil.which("node") and path.is_file() else None


class Stdio:
    """One launched stdio server: raw JSON-RPC lines in and out; stderr kept in a file."""

    def __init__(self, proc: asyncio.subprocess.Process, started: float) -> None:
        self.proc, self.started = proc, started
        self.next_id = 0

    @classmethod
    async def launch(cls, argv: list[str], env: dict[str, str], log: Path) -> Stdio:
        with open(log, "ab") as err:
            started = time.perf_counter()
            proc = await asyncio.create_subprocess_exec(*argv, env=env, stdin=asyncio.subprocess.PIPE,
                                                        stdout=asyncio.subprocess.PIPE, stderr=err,
                                                        limit=64 * 2**20)
        return cls(proc, started)

    async def request(self, method: str, params: dict[str, Any] | None = None, *notify: str) -> Any:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.next_id += 1
        lines = [{"jsonrpc": "2.0", "method": n} for n in notify]
        lines.append({"jsonrpc": "2.0", "id": self.next_id, "method": method, **({"params": params} if params else {})})
        self.proc.stdin.write(b"".join(json.dumps(m).encode() + b"\n" for m in lines))
        await self.proc.stdin.drain()
        for _ in range(1000):
            line = await asyncio.wait_for(self.proc.stdout.readline(), EXIT_TIMEOUT)
            if not line:
                raise RuntimeError(f"{method}: the server closed stdout")
            message = json.loads(line)
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
        raise RuntimeError(f"no answer to {method}")

    async def listed(self) -> float:
        """initialize, initialized, tools/list as Claude Desktop sends them; seconds from exec to the list."""
        await self.request("initialize", INIT)
        result = await self.request("tools/list", None, "notifications/initialized")
        if not result.get("tools"):
            raise RuntimeError("tools/list answered no tools")
        return time.perf_counter() - self.started

    async def close(self, terminate: bool = False) -> None:
        """Close stdin and wait for the exit (`terminate`: SIGTERM too, for a server that ignores the end of its
        input, as ALECS does; Claude Desktop sends SIGTERM when it quits)."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        if terminate and self.proc.returncode is None:
            self.proc.terminate()
        try:
            await asyncio.wait_for(self.proc.wait(), EXIT_TIMEOUT)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


async def _timed(run: Callable[[], Awaitable[float]]) -> float:
    return await run()


async def _python_pass() -> float:
    t0 = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(PY, "-c", "pass")
    await proc.wait()
    return time.perf_counter() - t0


class Launches:
    """The environments and commands of every launch (its own cache, token store and .edgerc)."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir / "launch"
        self.dir.mkdir(exist_ok=True)
        (self.dir / "edgerc").write_text(EDGERC)
        os.chmod(self.dir / "edgerc", 0o600)
        self.log = self.dir / "stderr.log"
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "PYTHONPATH")}
        self.env = keep | {"HOME": str(self.dir), "ALECS_CACHE_DIR": str(self.dir / "cache"),
                           "AKAMAI_EDGERC": str(self.dir / "edgerc"), "ALECS_LOG_LEVEL": "info"}

    def alecs(self, flags: tuple[str, ...]) -> list[str]:
        return [PY, "-m", "alecs", "serve", *flags]

    async def listed(self, argv: list[str], env: dict[str, str] | None = None, terminate: bool = False) -> float:
        server = await Stdio.launch(argv, env or self.env, self.log)
        try:
            return await server.listed()
        finally:
            await server.close(terminate)

    def cold_env(self, n: int) -> dict[str, str]:
        return self.env | {"ALECS_CACHE_DIR": str(self.dir / f"cold-{n}")}

    def ts_env(self) -> dict[str, str]:
        return self.env | {"MCP_TRANSPORT": "stdio", "EDGERC_PATH": str(self.dir / "edgerc")}


async def stdio_launches(workdir: Path, rounds: int) -> list[Row]:
    """Launch to tools/list, each configuration and the baselines alternating in every round."""
    launches = Launches(workdir)
    ts = ts_server()
    legs: dict[str, Callable[[], Awaitable[float]]] = {"python -c pass": _python_pass}
    for name, flags in CONFIGS.items():
        legs[name] = lambda flags=flags: launches.listed(launches.alecs(flags))  # type: ignore[misc]
    cold = iter(range(10**6))
    legs["first launch (no snapshot yet)"] = lambda: launches.listed(launches.alecs(CONFIGS["default, sandbox"]),
                                                                     launches.cold_env(next(cold)))
    if ts is not None:
        legs["ALECS"] = lambda: launches.listed(["node", str(ts)], launches.ts_env(), terminate=True)
    for name, leg in legs.items():  # warm-up: every snapshot exists, every file is in the page cache
        if name != "first launch (no snapshot yet)":
            await leg()
    t: dict[str, list[float]] = {name: [] for name in legs}
    for _ in range(rounds):
        for name, leg in legs.items():
            t[name].append(await _timed(leg))
    floor = median(t["python -c pass"])
    rows = [Row(f"stdio launch to tools/list ({name})", median(t[name]), "s", floor, "python -c pass", "<= 0.25",
                {"runs": t[name]}) for name in CONFIGS]
    rows.append(Row("stdio launch to tools/list, first launch after install (default, sandbox)",
                    median(t["first launch (no snapshot yet)"]), "s", floor, "python -c pass", "",
                    {"runs": t["first launch (no snapshot yet)"]}))
    if ts is not None:
        ours = median(t["default, sandbox"])
        rows += [Row("ALECS (TypeScript) launch to tools/list", median(t["ALECS"]), "s", floor, "python -c pass", "",
                     {"runs": t["ALECS"], "entry": str(ts)}),
                 Row("stdio launch to tools/list, alecs vs ALECS", ours, "s", median(t["ALECS"]),
                     "ALECS (TypeScript), same run", "<= 0.5x")]
    else:
        print(f"bench: ALECS (TypeScript) not measured: needs `node` and a build at {TS_DEFAULT} "
              f"(or {TS_SERVER_ENV}); see docs/performance.md", flush=True)
    return rows


async def first_call(workdir: Path, calls: int) -> list[Row]:
    """The first tool call once the server is loaded, against the same call warm (a write, never cached); and a
    call sent right after the tools/list answer, which waits for the server to finish loading."""
    launches = Launches(workdir)
    argv = launches.alecs(("--sandbox",))
    await launches.listed(argv)  # the snapshot exists: the front answers the list
    n = iter(range(10**6))

    def create() -> dict[str, Any]:
        return {"name": "create-property", "arguments": {
            "contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001", "productId": "prd_SPM",
            "propertyName": f"first{next(n)}-{time.time_ns()}.example.com"}}

    async def call(server: Stdio) -> float:
        t0 = time.perf_counter()
        result = await server.request("tools/call", create())
        if result.get("isError"):
            raise RuntimeError(f"create-property failed: {result}")
        return (time.perf_counter() - t0) * 1000

    server = await Stdio.launch(argv, launches.env, launches.log)
    try:
        await server.listed()
        immediate = await call(server)  # sent at once: waits for the loader
    finally:
        await server.close()
    server = await Stdio.launch(argv, launches.env, launches.log)
    try:
        await server.listed()
        await server.request("ping")  # answered by the SDK: the server is loaded
        first = await call(server)
        warm = [await call(server) for _ in range(calls)]
    finally:
        await server.close()
    return [Row("first tool call once loaded, over the same call warm", first - median(warm), "ms", None,
                "", "<= 50", {"first_ms": first, "warm_ms": median(warm), "warm_runs": warm}),
            Row("tool call sent right after the tools/list answer (waits for loading)", immediate, "ms",
                median(warm), "the same call warm", "", {})]


async def websocket_ready(workdir: Path, token: str, rounds: int) -> list[Row]:
    """`alecs serve --transport websocket` from exec to /healthz 200, beside `python -c pass`."""
    ready, floor = [], []
    for _ in range(rounds):
        floor.append(await _python_pass())
        server = AlecsProcess(workdir, token=token)
        try:
            server.start()
            ready.append(server.started_in)
        finally:
            server.stop()
    return [Row("alecs serve --transport websocket start to /healthz 200", median(ready), "s", median(floor),
                "python -c pass", "<= 0.5", {"runs": ready})]
