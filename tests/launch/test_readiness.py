"""How soon a launched server answers, against what it used to wait for: importing the MCP SDK.

The bench (`python -m bench --only launch`) has the real figures; these bounds are loose enough for a loaded CI
machine, and compare with a baseline measured in the same test (the time `python -c "import mcp.server.lowlevel"`
takes, which the server waited for before answering anything until the front and the early listener).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from alecs.auth.tokens import TokenStore
from bench.harness import RawSession
from tests.support.net import free_port
from tests.support.stdio import REPO, environment, opening
from tests.support.waiting import wait_until

MASTER_KEY = "readiness-test-master-key"
ROUNDS = 3


def _sdk_import_seconds() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import mcp.server.lowlevel"], check=True, timeout=120)
    return time.perf_counter() - t0


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


async def test_stdio_lists_the_tools_before_the_sdk_alone_could_have_loaded(tmp_path: Path) -> None:
    env = environment(tmp_path)
    await opening(("--sandbox",), env, "2025-11-25")  # the first launch keeps the snapshot
    listed, sdk = [], []
    for _ in range(ROUNDS):  # alternating, so a burst of load from elsewhere lands on both
        sdk.append(await asyncio.to_thread(_sdk_import_seconds))
        listed.append(await _first_answer(env))
    assert sorted(listed)[ROUNDS // 2] < sorted(sdk)[ROUNDS // 2], (listed, sdk)


async def _first_answer(env: dict[str, str]) -> float:
    """Seconds from exec to the tools/list answer (not to the exit)."""
    t0 = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "alecs", "serve", "--sandbox", env=env, cwd=REPO, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, limit=2**26)
    assert proc.stdin is not None and proc.stdout is not None
    init = {"protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "claude-ai", "version": "0.1.0"}}
    proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": init}).encode() + b"\n")
    await proc.stdin.drain()
    await asyncio.wait_for(proc.stdout.readline(), 120)
    proc.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n{"jsonrpc":"2.0","id":2,'
                     b'"method":"tools/list"}\n')
    await proc.stdin.drain()
    answer = json.loads(await asyncio.wait_for(proc.stdout.readline(), 120))
    seconds = time.perf_counter() - t0
    assert answer["id"] == 2 and answer["result"]["tools"]
    proc.stdin.close()
    assert await asyncio.wait_for(proc.wait(), 120) == 0
    return seconds


async def test_the_websocket_server_is_healthy_before_the_sdk_alone_could_have_loaded_and_serves_at_once(
        tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json", MASTER_KEY)
    _, token = store.generate(scope="read")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALECS_")} | {
        "TOKEN_MASTER_KEY": MASTER_KEY, "ALECS_TOKEN_STORE": str(tmp_path / "tokens.json"), "HOME": str(tmp_path),
        "PYTHONPATH": os.pathsep.join([str(REPO), *sys.path])}
    ready, sdk, listed = [], [], []
    for _ in range(ROUNDS):
        sdk.append(_sdk_import_seconds())
        port = free_port()
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "alecs", "serve", "--transport", "websocket", "--sandbox",
                                 "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until(lambda p=proc, n=port: p.poll() is None and _healthy(n), 120, "/healthz",  # type: ignore[misc]
                       interval=0.005)
            ready.append(time.perf_counter() - t0)
            # A session opened at once waits for the server and is then served in full.
            session = await RawSession.open(f"ws://127.0.0.1:{port}/mcp", token)
            try:
                tools = (await session.request("tools/list"))["tools"]
                listed.append(len(tools))
                groups = await session.request("tools/call", {"name": "list-groups", "arguments": {}})
                assert not groups["isError"] and "grp_10001" in groups["content"][0]["text"]
            finally:
                await session.close()
        finally:
            proc.terminate()
            assert proc.wait(60) == 0
    assert all(n > 50 for n in listed)
    assert sorted(ready)[ROUNDS // 2] < sorted(sdk)[ROUNDS // 2], (ready, sdk)


def test_a_websocket_server_that_cannot_be_built_stops_with_its_sentence(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALECS_")} | {
        "TOKEN_MASTER_KEY": MASTER_KEY, "ALECS_TOKEN_STORE": str(tmp_path / "tokens.json"), "HOME": str(tmp_path),
        "PYTHONPATH": os.pathsep.join([str(REPO), *sys.path])}
    proc = subprocess.run([sys.executable, "-m", "alecs", "serve", "--transport", "websocket", "--sandbox",
                           "--port", str(free_port()), "--toolsets", "nonsense"], env=env, capture_output=True,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert b"Unknown toolset(s): nonsense" in proc.stderr and b"Traceback" not in proc.stderr
