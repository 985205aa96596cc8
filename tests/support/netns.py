"""A network namespace joined to the root namespace by a veth pair: a second host with addresses of its own.

The host side of the veth gets `host_ip`; the namespace gets one or more addresses of the same small subnet, so a
server bound to `host_ip` sees clients from non-loopback addresses. Needs root and iproute2: without them a test
skips with the reason outside CI and fails in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def require_namespaces() -> None:
    """Skip (fail in CI) where network namespaces cannot be made."""
    missing = None
    if os.geteuid() != 0:
        missing = "network namespaces need root"
    elif shutil.which("ip") is None:
        missing = "iproute2 (`ip`) is not installed"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30, check=check)


@dataclass(frozen=True)
class Namespace:
    """A namespace `name` holding `addresses`, reached from the root namespace at `host_ip`."""

    name: str
    host_ip: str
    addresses: tuple[str, ...]

    def python(self, args: Sequence[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run `python <args>` inside the namespace (the repository importable), and return what it printed."""
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), *(p for p in sys.path if p)])}
        return subprocess.run(["ip", "netns", "exec", self.name, sys.executable, *args], capture_output=True,
                              text=True, timeout=timeout, env=env, cwd=REPO)


@contextmanager
def namespace(name: str, host_ip: str, addresses: Sequence[str], prefix: int = 29) -> Iterator[Namespace]:
    """Create the namespace and its veth (removing leftovers of an earlier run of the same name) and remove both."""
    require_namespaces()
    host_if, ns_if = f"{name[:11]}-h", f"{name[:11]}-n"
    _ip("netns", "del", name, check=False)
    _ip("link", "del", host_if, check=False)
    try:
        _ip("netns", "add", name)
        _ip("link", "add", host_if, "type", "veth", "peer", "name", ns_if)
        _ip("link", "set", ns_if, "netns", name)
        _ip("addr", "add", f"{host_ip}/{prefix}", "dev", host_if)
        _ip("link", "set", host_if, "up")
        for address in addresses:
            _ip("-n", name, "addr", "add", f"{address}/{prefix}", "dev", ns_if)
        _ip("-n", name, "link", "set", ns_if, "up")
        _ip("-n", name, "link", "set", "lo", "up")
        yield Namespace(name, host_ip, tuple(addresses))
    finally:
        _ip("netns", "del", name, check=False)
        _ip("link", "del", host_if, check=False)
