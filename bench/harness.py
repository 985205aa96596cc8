"""Real parts for the bench: an alecs server process on the sandbox, a token, an sshd, an echo server, raw clients."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
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
from typing import IO, Any

import websockets

PY = sys.executable
INIT = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}
MAX_MESSAGE = 64 * 2**20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check: Callable[[], bool], timeout: float, what: str, max_delay: float = 0.2) -> None:
    """Poll `check` with a growing delay (at most `max_delay`) until it holds; TimeoutError after `timeout`."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(delay)
        delay = min(delay * 1.5, max_delay)
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


def tail(path: Path, chars: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def tunnel_command() -> list[str]:
    """alecs-tunnel as users launch it: the console script next to this interpreter, else `python -m alecs_tunnel`."""
    script = Path(PY).with_name("alecs-tunnel")
    return [str(script)] if script.exists() else [PY, "-m", "alecs_tunnel"]


class AlecsProcess:
    """`alecs serve --transport websocket` on the sandbox, with its own token store."""

    def __init__(self, workdir: Path, extra_env: dict[str, str] | None = None, token: str | None = None) -> None:
        self.dir = workdir
        self.port = free_port()
        self.env = os.environ | {"TOKEN_MASTER_KEY": "bench-master-key-not-secret", "ALECS_SANDBOX": "1",
                                 "ALECS_TOKEN_STORE": str(workdir / "tokens.store"),
                                 "ALECS_SANDBOX_ACTIVATION_SECONDS": "0.5", "ALECS_LOG_LEVEL": "warning"}
        self.env |= extra_env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.token = token or self._token()
        self.started_in = 0.0

    def _token(self) -> str:
        out = subprocess.run([PY, "-m", "alecs", "token", "generate", "--scope", "write", "--json",
                              "--description", "bench"], env=self.env, capture_output=True, check=True, timeout=60)
        return str(json.loads(out.stdout)["token"])

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/mcp"

    @property
    def log_path(self) -> Path:
        return self.dir / f"alecs-{self.port}.log"

    def start(self) -> AlecsProcess:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        t0 = time.perf_counter()
        self.proc = subprocess.Popen([PY, "-m", "alecs", "serve", "--transport", "websocket", "--port",
                                      str(self.port)], env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: self._up(), 60, "alecs /healthz", max_delay=0.01)
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"alecs did not start:\n{tail(self.log_path)}") from None
        self.started_in = time.perf_counter() - t0
        return self

    def _up(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"alecs exited with {self.proc.returncode}:\n{tail(self.log_path)}")
        return healthy(self.port)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self._log is not None:
            self._log.close()
            self._log = None


class Sshd:
    """A throwaway OpenSSH server on loopback with its own host key (TESTBED recipe 1)."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir / "sshd"
        self.dir.mkdir(exist_ok=True)
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.forwards: list[subprocess.Popen[bytes]] = []

    @staticmethod
    def available() -> bool:
        return Path("/usr/sbin/sshd").exists() and shutil.which("ssh") is not None

    def start(self) -> Sshd:
        d = self.dir
        for name in ("host", "client"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / name)], check=True, timeout=30)
        (d / "authorized_keys").write_text((d / "client.pub").read_text())
        (d / "sshd_config").write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {d}/host\nPidFile {d}/sshd.pid\n"
            f"AuthorizedKeysFile {d}/authorized_keys\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nAllowTcpForwarding local\n"
            "MaxStartups 100:30:200\nMaxSessions 100\n")
        host_key = " ".join((d / "host.pub").read_text().split()[:2])
        (d / "known_hosts").write_text(f"[127.0.0.1]:{self.port} {host_key}\n")
        os.makedirs("/run/sshd", exist_ok=True)
        self.proc = subprocess.Popen(["/usr/sbin/sshd", "-D", "-f", str(d / "sshd_config"), "-E", str(d / "log")])
        wait_until(lambda: _port_open(self.port), 20, "sshd")
        return self

    @property
    def user(self) -> str:
        return getpass.getuser()

    def tunnel_args(self) -> list[str]:
        return ["--ssh", f"{self.user}@127.0.0.1:{self.port}", "--ssh-config", os.devnull,
                "--known-hosts", str(self.dir / "known_hosts"), "--identity", str(self.dir / "client")]

    def forward(self, remote_port: int) -> int:
        """OpenSSH's own `ssh -L` (the baseline for the tunnel); returns the local port. Stopped by stop()."""
        local = free_port()
        proc = subprocess.Popen(["ssh", "-N", "-F", os.devnull, "-o", "BatchMode=yes",
                                 "-o", f"UserKnownHostsFile={self.dir}/known_hosts", "-o", "StrictHostKeyChecking=yes",
                                 "-o", "ExitOnForwardFailure=yes", "-i", str(self.dir / "client"), "-p", str(self.port),
                                 "-L", f"127.0.0.1:{local}:127.0.0.1:{remote_port}", f"{self.user}@127.0.0.1"],
                                stdin=subprocess.DEVNULL)
        self.forwards.append(proc)
        wait_until(lambda: _port_open(local), 20, "ssh -L")
        return local

    def stop(self) -> None:
        for proc in [*self.forwards, *([self.proc] if self.proc else [])]:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
        self.forwards.clear()


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class RawSession:
    """An MCP session over a raw WebSocket: the lightest client, so the server's cost is what shows.

    The echo floor uses the same class (`echo=True`: any reply answers the request), so the client does the same
    work (JSON out, JSON in) on both sides of a ratio.
    """

    def __init__(self, ws: Any, echo: bool = False) -> None:
        self.ws = ws
        self.echo = echo
        self.next_id = 0

    @classmethod
    async def open(cls, url: str, token: str, **kw: Any) -> RawSession:
        ws = await websockets.connect(url, subprotocols=["mcp"],  # type: ignore[list-item]
                                      additional_headers={"Authorization": f"Bearer {token}"},
                                      max_size=MAX_MESSAGE, **kw)
        session = cls(ws)
        try:
            await session.request("initialize", INIT)
            await ws.send(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        except BaseException:
            await ws.close()
            raise
        return session

    @classmethod
    async def open_echo(cls, url: str) -> RawSession:
        return cls(await websockets.connect(url, max_size=MAX_MESSAGE), echo=True)

    @property
    def compressed(self) -> bool:
        return bool(self.ws.protocol.extensions)

    async def request(self, method: str, params: dict[str, Any] | None = None) -> Any:
        self.next_id += 1
        await self.ws.send(json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params or {}}))
        for _ in range(10_000):  # bounded: notifications may come before the answer
            msg = json.loads(await self.ws.recv())
            if self.echo or msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(msg["error"])
                return msg["result"]
        raise RuntimeError(f"no answer to {method}")

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close()


class EchoServer:
    """`python -m bench.echo` in its own process, like the alecs server is: the floor for the server's overhead."""

    def __init__(self, workdir: Path, replies: dict[str, str], compression: bool) -> None:
        self.dir, self.replies, self.compression = workdir, replies, compression
        self.proc: asyncio.subprocess.Process | None = None
        self.port = 0

    async def start(self) -> EchoServer:
        path = self.dir / f"echo-{time.time_ns()}.json"
        path.write_text(json.dumps(self.replies))
        self.proc = await asyncio.create_subprocess_exec(
            PY, "-m", "bench.echo", str(path), *([] if self.compression else ["--no-compression"]),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=Path(__file__).parent.parent)
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), 30)
        if not line.strip():
            await self.stop()
            raise RuntimeError("echo server did not start")
        self.port = int(line)
        return self

    def url(self, name: str) -> str:
        return f"ws://127.0.0.1:{self.port}/{name}"

    async def stop(self) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


def tempdir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="alecs-bench-")
