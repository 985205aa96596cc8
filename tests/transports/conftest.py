"""Remote serving fixtures: a token store in tmp, an in-process remote server on port 0, raw handshakes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from alecs.auth.live import LiveTokens
from alecs.auth.tokens import TokenStore
from alecs.oauth.settings import OAuthSettings
from alecs.sandbox.server import Sandbox
from alecs.tools.registry import Registry
from alecs.transports.guard import FailureLimiter
from alecs.transports.remote import Remote
from alecs.transports.settings import Limits, RemoteSettings
from tests.support.mcp import make_server
from tests.support.sandbox_api import new_property_version
from tests.support.tokens import KNOWN_TOOLSETS
from tests.support.waiting import wait_until

MASTER_KEY = "remote-tests-master-key"
REPO = Path(__file__).resolve().parents[2]


def _oauth_for(transport: str) -> OAuthSettings | None:
    """ALECS_TEST_OAUTH=1 (set by tests/oauth/test_coexistence.py) runs these tests with OAuth on, on HTTP."""
    on = transport == "http" and os.environ.get("ALECS_TEST_OAUTH") == "1"
    return OAuthSettings(enabled=True, public_url="https://alecs.test/mcp") if on else None


@pytest.fixture
def store(tmp_path: Path) -> TokenStore:
    return TokenStore(tmp_path / "state" / "tokens.json", MASTER_KEY)


@pytest.fixture
def mint(store: TokenStore) -> Callable[..., tuple[str, str]]:
    """mint(scope=..., customers=..., toolsets=..., expires_in_days=...) -> (token id, token)."""
    def make(scope: str = "write", **kw: Any) -> tuple[str, str]:
        record, token = store.generate(scope=scope, known_toolsets=KNOWN_TOOLSETS, **kw)
        return record.id, token
    return make


@pytest.fixture
def serve(fresh_sandbox: Sandbox, registry: Registry, store: TokenStore) -> Callable[..., Any]:
    """`async with serve(transport="websocket", **settings) as remote:` an in-process server on port 0, its sandbox
    holding a version 2 of prp_100001 ready to activate (`tests.transports.wire.ACTIVATE`)."""
    new_property_version(fresh_sandbox)
    fresh_sandbox.server.request_log.clear()  # the set-up's request is none of the test's business

    @asynccontextmanager
    async def run(limits: Limits | None = None, ssl_context: Any = None, **settings: Any) -> AsyncIterator[Remote]:
        server = make_server(fresh_sandbox, registry, services={"tokens": store})
        s = RemoteSettings(port=0, reload_seconds=0.05, limiter=settings.pop("limiter", FailureLimiter()),
                           **settings)
        if limits is not None:
            s = replace(s, limits=limits)
        remote = Remote(server, s, LiveTokens(store), ssl_context, _oauth_for(s.transport))
        await remote.start()
        try:
            yield remote
        finally:
            await remote.shutdown(0.5)
            server.client.close()
    return run


class ServerProcess:
    """`python -m alecs serve ...` as a real subprocess, for signal tests; always cleaned up."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = open(log, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "alecs", "serve", *args], env=env, cwd=log.parent,
                                     stdout=self._out, stderr=subprocess.STDOUT)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def url(self, timeout: float = 60.0) -> str:
        def listening() -> str | None:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.text()[-3000:]}")
            for line in self.text().splitlines():
                if line.startswith("alecs: listening on "):
                    return line.split("alecs: listening on ", 1)[1].strip()
            return None
        return wait_until(listening, timeout, "the 'listening on' line")

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._out.close()


@pytest.fixture
def subprocess_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALECS_")}
    env.update(TOKEN_MASTER_KEY=MASTER_KEY, ALECS_TOKEN_STORE=str(tmp_path / "state" / "tokens.json"),
               ALECS_TOKEN_RELOAD_SECONDS="0.1", PYTHONPATH=os.pathsep.join(p for p in sys.path if p),
               HOME=str(tmp_path))
    return env


@pytest.fixture
def spawn(tmp_path: Path, subprocess_env: dict[str, str]) -> Iterator[Callable[..., ServerProcess]]:
    procs: list[ServerProcess] = []

    def start(*args: str, env: dict[str, str] | None = None) -> ServerProcess:
        oauth = {"ALECS_OAUTH": "1", "ALECS_PUBLIC_URL": "https://alecs.test/mcp"} if _oauth_for(
            "http" if "http" in args else "websocket") else {}
        proc = ServerProcess(list(args), {**subprocess_env, **oauth, **(env or {})},
                             tmp_path / f"server-{len(procs)}.log")
        procs.append(proc)
        return proc
    yield start
    for proc in procs:
        proc.stop()
