"""Real parts for the bench: an alecs server process on the sandbox, a token, an sshd, raw MCP clients."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import websockets

PY = sys.executable
INIT = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.01
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(delay)
        delay = min(delay * 1.5, 0.2)
    raise TimeoutError(f"timed out waiting for {what}")


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class AlecsProcess:
    """`alecs serve --transport websocket --sandbox` with its own token store."""

    def __init__(self, workdir: Path, extra_env: dict[str, str] | None = None) -> None:
        self.dir = workdir
        self.port = free_port()
        self.env = os.environ | {"TOKEN_MASTER_KEY": "bench-master-key-not-secret", "ALECS_SANDBOX": "1",
                                 "ALECS_TOKEN_STORE": str(workdir / "tokens.store"),
                                 "ALECS_SANDBOX_ACTIVATION_SECONDS": "0.5", "ALECS_LOG_LEVEL": "warning"}
        self.env |= extra_env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.token = self._token()
        self.started_in = 0.0

    def _token(self) -> str:
        out = subprocess.run([PY, "-m", "alecs", "token", "generate", "--scope", "write", "--json",
                              "--description", "bench"], env=self.env, capture_output=True, check=True, timeout=60)
        return json.loads(out.stdout)["token"]

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/mcp"

    def start(self) -> AlecsProcess:
        log = open(self.dir / f"alecs-{self.port}.log", "wb")  # noqa: SIM115 - closed with the process
        t0 = time.perf_counter()
        self.proc = subprocess.Popen([PY, "-m", "alecs", "serve", "--transport", "websocket", "--port",
                                      str(self.port)], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        wait_until(lambda: healthy(self.port), 60, "alecs /healthz")
        self.started_in = time.perf_counter() - t0
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


class Sshd:
    """A throwaway OpenSSH server on loopback with its own host key (TESTBED recipe 1)."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir / "sshd"
        self.dir.mkdir()
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        return Path("/usr/sbin/sshd").exists() and shutil.which("ssh") is not None

    def start(self) -> Sshd:
        d = self.dir
        for name in ("host", "client"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / name)], check=True)
        (d / "authorized_keys").write_text((d / "client.pub").read_text())
        (d / "sshd_config").write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {d}/host\nPidFile {d}/sshd.pid\n"
            f"AuthorizedKeysFile {d}/authorized_keys\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nAllowTcpForwarding local\n")
        (d / "known_hosts").write_text(f"[127.0.0.1]:{self.port} {' '.join((d / 'host.pub').read_text().split()[:2])}\n")
        os.makedirs("/run/sshd", exist_ok=True)
        self.proc = subprocess.Popen(["/usr/sbin/sshd", "-D", "-f", str(d / "sshd_config"), "-E", str(d / "log")])
        wait_until(lambda: _port_open(self.port), 20, "sshd")
        return self

    @property
    def user(self) -> str:
        import getpass

        return getpass.getuser()

    def tunnel_args(self) -> list[str]:
        return ["--ssh", f"{self.user}@127.0.0.1:{self.port}", "--ssh-config", os.devnull,
                "--known-hosts", str(self.dir / "known_hosts"), "--identity", str(self.dir / "client")]

    def forward(self, remote_port: int) -> tuple[subprocess.Popen[bytes], int]:
        """OpenSSH's own `ssh -L`, the baseline for the tunnel."""
        local = free_port()
        proc = subprocess.Popen(["ssh", "-N", "-o", "BatchMode=yes", "-o", f"UserKnownHostsFile={self.dir}/known_hosts",
                                 "-o", "StrictHostKeyChecking=yes", "-i", str(self.dir / "client"), "-p", str(self.port),
                                 "-L", f"127.0.0.1:{local}:127.0.0.1:{remote_port}", f"{self.user}@127.0.0.1"])
        wait_until(lambda: _port_open(local), 20, "ssh -L")
        return proc, local

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class RawSession:
    """An MCP session over a raw WebSocket: the lightest client, so the server's cost is what shows."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_id = 0

    @classmethod
    async def open(cls, url: str, token: str, **kw: Any) -> RawSession:
        ws = await websockets.connect(url, subprotocols=["mcp"], additional_headers={"Authorization": f"Bearer {token}"},
                                      max_size=64 * 2**20, **kw)
        session = cls(ws)
        await session.request("initialize", INIT)
        await ws.send(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        return session

    async def request(self, method: str, params: dict[str, Any] | None = None) -> Any:
        self.next_id += 1
        await self.ws.send(json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params or {}}))
        while True:
            msg = json.loads(await self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(msg["error"])
                return msg["result"]

    async def close(self) -> None:
        await self.ws.close()


def tempdir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="alecs-bench-")
