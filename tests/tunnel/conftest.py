"""Fixtures: a throwaway OpenSSH sshd, the real alecs server (and a stand-in for unit cases), tokens."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tunnel_helpers import SSHD, Server, Sshd, TunnelProc


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    if not os.path.exists(SSHD):
        pytest.fail("OpenSSH sshd is missing: run .ci/tunnel-setup.sh (apt-get install openssh-server)")
    server = Sshd(tmp_path_factory.mktemp("sshd")).start()
    try:
        yield server
    finally:
        server.stop()


# Development aid only: ALECS_TUNNEL_TEST_STANDIN=1 runs the end-to-end tests against the stand-in
# instead of the real server. CI never sets it: the Must-show tests run against `alecs serve`.
STANDIN_ONLY = os.environ.get("ALECS_TUNNEL_TEST_STANDIN") == "1"


def _server(base: Path, standin: bool = False) -> Server:
    return Server(base, standin=standin or STANDIN_ONLY)


@pytest.fixture(scope="module")
def alecs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The real `alecs serve --transport websocket --sandbox`, shared by a module's read-only tests."""
    server = _server(tmp_path_factory.mktemp("alecs"))
    server.tok = server.token("write")  # type: ignore[attr-defined]
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fresh_alecs(tmp_path: Path) -> Iterator[Server]:
    """A real alecs server of its own, for tests that kill or restart it."""
    server = _server(tmp_path / "alecs")
    server.tok = server.token("write")  # type: ignore[attr-defined]
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[Server]:
    """The stand-in server (tests/tunnel/standin_server.py), for unit-level relay behaviour only."""
    server = _server(tmp_path / "standin", standin=True)
    server.tok = server.token("write")  # type: ignore[attr-defined]
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty HOME, so no test reads the real ~/.ssh or Claude config."""
    h = tmp_path / "home"
    h.mkdir()
    return h


@pytest.fixture
def tunnels(tmp_path: Path) -> Iterator[list[TunnelProc]]:
    procs: list[TunnelProc] = []
    yield procs
    for p in procs:
        if p.proc.poll() is None:
            p.proc.kill()
            p.proc.wait(5)
