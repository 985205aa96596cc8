"""`alecs serve` launched as Claude Desktop launches it, spoken to in raw JSON-RPC lines (the bytes on the wire)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
ANSWER_TIMEOUT = 120.0  # seconds for one answer on a loaded 2-core machine (the first launch loads everything)
LINE_LIMIT = 64 * 2**20
HANDSHAKE_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
MODERN_VERSION = "2026-07-28"
CLIENT = {"name": "claude-ai", "version": "0.1.0"}
READY_LINE = b"the server was ready after"  # alecs.launch.stdio logs it when the SDK takes the session over
FRONT_LINE = b"from the start-up snapshot"
FRONT_ANSWERED = (b"answered initialize, tools/list from", b"answered server/discover, tools/list from")


def environment(cache: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A clean environment (nothing of the caller's ALECS_* or .edgerc) with its own snapshot cache."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "PYTHONPATH")}
    return keep | {"HOME": str(cache), "ALECS_CACHE_DIR": str(cache / "cache"), "ALECS_LOG_LEVEL": "info",
                   "PYTHONPATH": os.pathsep.join([str(REPO), *sys.path])} | dict(extra or {})


def initialize(ident: int | str, version: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": ident, "method": "initialize",
            "params": {"protocolVersion": version, "capabilities": {}, "clientInfo": CLIENT}}


def modern(ident: int | str, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """A 2026-07-28 request: the per-request envelope instead of a handshake."""
    meta = {"io.modelcontextprotocol/protocolVersion": MODERN_VERSION, "io.modelcontextprotocol/clientInfo": CLIENT,
            "io.modelcontextprotocol/clientCapabilities": {}}
    return {"jsonrpc": "2.0", "id": ident, "method": method, "params": (params or {}) | {"_meta": meta}}


INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}


class Launched:
    """One `alecs serve` process: raw lines in and out; stderr collected with the time each line arrived."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.stderr: list[tuple[float, bytes]] = []
        self._stderr_task = asyncio.create_task(self._collect())

    @classmethod
    async def start(cls, *flags: str, env: Mapping[str, str]) -> Launched:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "alecs", "serve", *flags, env=dict(env), cwd=REPO, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, limit=LINE_LIMIT)
        return cls(proc)

    async def _collect(self) -> None:
        assert self.proc.stderr is not None
        while line := await self.proc.stderr.readline():
            self.stderr.append((time.monotonic(), line))

    def logged(self, text: bytes) -> float | None:
        """When a stderr line containing `text` arrived, if one did."""
        return next((at for at, line in self.stderr if text in line), None)

    def stderr_text(self) -> str:
        return b"".join(line for _, line in self.stderr).decode(errors="replace")

    async def send(self, *messages: dict[str, Any]) -> float:
        """Write the messages (one line each); returns when they were written."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"".join(json.dumps(m).encode() + b"\n" for m in messages))
        await self.proc.stdin.drain()
        return time.monotonic()

    async def line(self) -> bytes:
        """The next line on stdout, exactly as sent."""
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), ANSWER_TIMEOUT)
        if not line:
            raise AssertionError(f"alecs closed stdout:\n{self.stderr_text()[-3000:]}")
        return line

    async def answer(self, ident: int | str) -> bytes:
        """The line answering request `ident` (lines before it, notifications, are skipped)."""
        for _ in range(100):
            line = await self.line()
            if json.loads(line).get("id") == ident:
                return line
        raise AssertionError(f"no answer to {ident}")

    async def answers(self, *idents: int | str) -> list[dict[str, Any]]:
        """The answers to these requests, in the order asked for (the server may answer in any order)."""
        got: dict[int | str, dict[str, Any]] = {}
        for _ in range(100 + len(idents)):
            if all(i in got for i in idents):
                return [got[i] for i in idents]
            message = json.loads(await self.line())
            if message.get("id") in idents:
                got[message["id"]] = message
        raise AssertionError(f"no answers to {[i for i in idents if i not in got]}")

    async def close(self) -> int:
        """Close stdin and wait for the process to exit; returns its exit code."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            code = await asyncio.wait_for(self.proc.wait(), ANSWER_TIMEOUT)
        finally:
            if self.proc.returncode is None:
                self.proc.kill()
                await self.proc.wait()
        await self._stderr_task
        return code


async def opening(flags: tuple[str, ...], env: Mapping[str, str], version: str) -> tuple[list[bytes], Launched]:
    """Launch, open a session at `version` and list the tools, as a client does first; returns the answer lines
    (initialize and tools/list, or server/discover and tools/list in the 2026-07-28 era) and the finished launch."""
    launched = await Launched.start(*flags, env=env)
    try:
        if version == MODERN_VERSION:
            await launched.send(modern(1, "server/discover"))
            first = await launched.answer(1)
            await launched.send(modern(2, "tools/list"))
        else:
            await launched.send(initialize(1, version))
            first = await launched.answer(1)
            await launched.send(INITIALIZED, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        lines = [first, await launched.answer(2)]
    finally:
        code = await launched.close()
    assert code == 0, launched.stderr_text()[-3000:]
    return lines, launched
