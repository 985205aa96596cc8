"""Test helpers for alecs-tunnel: a throwaway OpenSSH sshd, the alecs server, the tunnel process."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from tests.support.net import free_port
from tests.support.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
PY = sys.executable
SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
STANDIN = Path(__file__).with_name("standin_server.py")


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


def children_of(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            out.append(int(entry))
    return out


def stop_process(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGCONT)
            proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)


class Sshd:
    """OpenSSH sshd on 127.0.0.1:<free port>, own host key, config and authorized_keys (key-only, root)."""

    def __init__(self, base: Path) -> None:
        self.dir = base
        self.port = free_port()
        self.host_key = base / "host_ed25519"
        self.client_key = base / "client_ed25519"
        self.other_key = base / "other_ed25519"
        self.known_hosts = base / "known_hosts"
        self.ssh_config = base / "ssh_config"
        self.log = base / "sshd.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Sshd:
        for key, comment in ((self.host_key, "testhost"), (self.client_key, "client"), (self.other_key, "other")):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key), "-C", comment], check=True)
        auth = self.dir / "authorized_keys"
        shutil.copy(f"{self.client_key}.pub", auth)
        auth.chmod(0o600)
        cfg = self.dir / "sshd_config"
        cfg.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {self.host_key}\n"
            f"PidFile {self.dir}/sshd.pid\nAuthorizedKeysFile {auth}\n"
            "PermitRootLogin prohibit-password\nPubkeyAuthentication yes\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nAllowTcpForwarding local\n"
            "X11Forwarding no\nLogLevel VERBOSE\nMaxStartups 100\n"
        )
        os.makedirs("/run/sshd", exist_ok=True)
        subprocess.run([SSHD, "-t", "-f", str(cfg)], check=True)
        self.proc = subprocess.Popen([SSHD, "-D", "-f", str(cfg), "-E", str(self.log)])
        wait_until(lambda: port_open(self.port), 10, "sshd to listen")
        host_pub = self.host_key.with_suffix(".pub").read_text().split()[:2]
        self.known_hosts_line = f"[127.0.0.1]:{self.port} {' '.join(host_pub)}\n"
        self.known_hosts.write_text(self.known_hosts_line)
        self.ssh_config.write_text(
            f"Host alecs-test\n  HostName 127.0.0.1\n  Port {self.port}\n  User root\n"
            f"  IdentityFile {self.client_key}\n  ServerAliveInterval 5\n"
        )
        return self

    def cut(self) -> list[int]:
        """Kill every per-connection sshd process: established SSH connections drop at once."""
        assert self.proc is not None
        kids = children_of(self.proc.pid)
        for pid in kids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not children_of(self.proc.pid), 10, "sshd connection processes to exit")
        return kids

    def stop(self) -> None:
        if self.proc is None:
            return
        kids = children_of(self.proc.pid)
        stop_process(self.proc)
        for pid in kids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


class Server:
    """`alecs serve --transport websocket --sandbox` (or the stand-in) on a fixed loopback port."""

    def __init__(
        self, base: Path, *, standin: bool = False, tls: tuple[str, str] | None = None, args: tuple[str, ...] = ()
    ) -> None:
        self.dir = base
        self.args = args  # more `serve` options, e.g. --dynamic-toolsets
        base.mkdir(parents=True, exist_ok=True)
        self.standin = standin
        self.tls = tls
        self.port = free_port()
        self.path = "/mcp"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ALECS_")},
            "TOKEN_MASTER_KEY": "tunnel-tests-master-key",
            "ALECS_TOKEN_STORE": str(base / "tokens.json"),
            "PYTHONPATH": str(REPO),
            "HOME": str(base),
        }
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def base_cmd(self) -> list[str]:
        return [PY, str(STANDIN)] if self.standin else [PY, "-m", "alecs"]

    @property
    def url(self) -> str:
        scheme = "wss" if self.tls else "ws"
        return f"{scheme}://127.0.0.1:{self.port}{self.path}"

    def token(self, scope: str = "write") -> dict[str, str]:
        out = subprocess.run(
            [*self.base_cmd, "token", "generate", "--scope", scope, "--json"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=self.dir,
        )
        assert out.returncode == 0, f"token generate failed: {out.stderr}"
        return json.loads(out.stdout)

    def start(self) -> Server:
        cmd = [*self.base_cmd, "serve", "--transport", "websocket", "--sandbox"]
        cmd += ["--host", "127.0.0.1", "--port", str(self.port), "--path", self.path, *self.args]
        if self.tls:
            cmd += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]]
        self.starts += 1
        self.log = self.dir / f"server-{self.starts}.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=self.dir)
        try:
            wait_until(self.healthy, 60, f"the server on port {self.port} (/healthz)")
        except AssertionError:
            raise AssertionError(f"server did not come up; log:\n{self.log.read_text()[-3000:]}") from None
        return self

    def healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
        if self.tls:
            return port_open(self.port)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            conn.request("GET", "/healthz")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def freeze(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)


def upgrade_attempt(port: int, token: str, path: str = "/mcp") -> tuple[int, dict[str, str], bytes]:
    """One WebSocket upgrade request with a bearer token, as a client would send it: (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={
            "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol": "mcp",
            "Authorization": f"Bearer {token}",
        })
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def tunnel_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALECS_", "SSH_"))}
    env.update({"HOME": str(home), "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def ssh_args(sshd: Sshd, target: str | None = None, known_hosts: Path | None = None) -> list[str]:
    return [
        "--ssh",
        target or f"root@127.0.0.1:{sshd.port}",
        "--ssh-config",
        str(sshd.ssh_config),
        "--known-hosts",
        str(known_hosts or sshd.known_hosts),
        "--identity",
        str(sshd.client_key),
    ]


def run_cli(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    argv = [PY, "-m", "alecs_tunnel", *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


class TunnelProc:
    """alecs-tunnel in run mode, driven with raw JSON-RPC lines."""

    def __init__(self, args: list[str], env: dict[str, str], stderr_path: Path) -> None:
        self.stderr_path = stderr_path
        self._err = open(stderr_path, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [PY, "-m", "alecs_tunnel", *args], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._err
        )
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        self.notifications: list[dict[str, Any]] = []  # notifications seen while waiting for answers
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def send(self, msg: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(msg).encode() + b"\n")
        self.proc.stdin.flush()

    def recv(self, timeout: float = 30) -> dict[str, Any]:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no line from alecs-tunnel within {timeout} s; stderr:\n{self.stderr()}") from None
        assert line is not None, f"alecs-tunnel closed stdout; stderr:\n{self.stderr()}"
        return json.loads(line)

    def request(self, msg_id: int, method: str, params: dict[str, Any] | None = None, timeout: float = 30) -> Any:
        """Send a request and return its answer; notifications before it are kept in ``notifications``."""
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params or {}})
        while "id" not in (answer := self.recv(timeout)):
            self.notifications.append(answer)
        assert answer.get("id") == msg_id, answer
        return answer

    def initialize(self) -> dict[str, Any]:
        answer = self.request(
            0,
            "initialize",
            {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
        )
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return answer

    def stderr(self) -> str:
        if not self._err.closed:
            self._err.flush()
        return self.stderr_path.read_text(errors="replace")

    def close(self, timeout: float = 15) -> int:
        if self.proc.stdin and not self.proc.stdin.closed:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise AssertionError(f"alecs-tunnel did not exit after stdin closed; stderr:\n{self.stderr()}") from None
        self._err.close()
        return code


class TlsProxy:
    """TLS terminator on 127.0.0.1:<free port> forwarding to a plain TCP port (for wss:// tests)."""

    def __init__(self, ctx: Any, target_port: int) -> None:
        self.ctx = ctx
        self.target = target_port
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            tls = self.ctx.wrap_socket(conn, server_side=True)
        except OSError:
            conn.close()
            return
        up = socket.create_connection(("127.0.0.1", self.target))

        def pump(a: socket.socket, b: socket.socket) -> None:
            try:
                while data := a.recv(65536):
                    b.sendall(data)
            except OSError:
                pass
            finally:
                for s in (a, b):
                    with contextlib.suppress(OSError):
                        s.shutdown(socket.SHUT_RDWR)

        threading.Thread(target=pump, args=(up, tls), daemon=True).start()
        pump(tls, up)

    def close(self) -> None:
        self._stop.set()
        self.sock.close()
