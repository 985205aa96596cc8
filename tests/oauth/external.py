"""The real clients and browser the OAuth tests run: Node.js packages from `.ci/oauth-setup.sh` and Debian's
Chromium. Where one is missing, a test skips with the reason outside CI and fails in CI."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

NODE_DIR = Path(os.environ.get("ALECS_OAUTH_NODE", "/opt/alecs-ci/oauth-node"))
CLIENTS = Path(__file__).resolve().parent / "clients"
SETUP = "run `sudo bash .ci/oauth-setup.sh`"


def _missing(what: str) -> None:
    message = f"{what} is not installed: {SETUP}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def require_node_package(name: str) -> Path:
    """The installed package's folder (skip/fail without node or the package)."""
    if shutil.which("node") is None:
        _missing("Node.js")
    folder = NODE_DIR / "node_modules" / name
    if not (folder / "package.json").exists():
        _missing(f"npm package {name} (in {NODE_DIR})")
    return folder


def require_chromium() -> tuple[str, str]:
    """(chromium, chromedriver) paths (skip/fail without them or Selenium)."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        _missing("Debian's chromium and chromium-driver")
    try:
        import selenium  # noqa: F401, PLC0415
    except ImportError:
        _missing("selenium (pip install -e '.[test]')")
    assert chromium is not None and driver is not None
    return chromium, driver


class LineProcess:
    """A subprocess that talks JSON lines on stdout (events) and reads lines on stdin."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.events: list[dict[str, Any]] = []

    @classmethod
    async def start(cls, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> LineProcess:
        proc = await asyncio.create_subprocess_exec(*args, stdin=asyncio.subprocess.PIPE,
                                                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                                                    env={**os.environ, **(env or {})}, cwd=cwd)
        return cls(proc)

    async def event(self, name: str, timeout: float = 60) -> dict[str, Any]:
        """The next event with this name (earlier ones are kept in `events`)."""
        assert self.proc.stdout is not None
        async with asyncio.timeout(timeout):
            while True:
                line = await self.proc.stdout.readline()
                if not line:
                    raise AssertionError(f"the client exited before '{name}': {await self.stderr()}")
                try:
                    event = json.loads(line)
                except ValueError:
                    continue  # a library's own output
                self.events.append(event)
                if event.get("event") == name:
                    return event

    async def send(self, data: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(data).encode() + b"\n")
        await self.proc.stdin.drain()

    async def stderr(self) -> str:
        assert self.proc.stderr is not None
        if self.proc.returncode is None:
            try:
                async with asyncio.timeout(5):
                    await self.proc.wait()
            except TimeoutError:
                self.proc.kill()
        return (await self.proc.stderr.read()).decode(errors="replace")[-4000:]

    async def close(self) -> int:
        if self.proc.returncode is None:
            self.proc.terminate()
            try:
                async with asyncio.timeout(10):
                    await self.proc.wait()
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        return int(self.proc.returncode or 0)
