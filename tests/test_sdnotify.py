"""systemd readiness and watchdog: what `alecs serve` sends to $NOTIFY_SOCKET, received on a real datagram socket.

The deployment tests (tests/deploy) prove the same under a real systemd; these run anywhere, in seconds."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from alecs.sdnotify import STALL_SIGNAL_ENV, SystemdNotifier, socket_address, watchdog_interval
from tests.support.waiting import wait_until

MASTER_KEY = "sdnotify-tests-master-key"


class NotifySocket:
    """What systemd listens on: an AF_UNIX datagram socket, by path or in the abstract namespace."""

    def __init__(self, address: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(socket_address(address))
        self.address = address

    def receive(self, timeout: float) -> str | None:
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(4096).decode()
        except TimeoutError:
            return None

    def wait_for(self, state: str, timeout: float = 60) -> list[str]:
        """Every message until one that contains the line `state` (bounded)."""
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.receive(max(0.05, deadline - time.monotonic()))
            if message is not None:
                seen.append(message)
                if state in message.splitlines():
                    return seen
        raise AssertionError(f"no {state} within {timeout} s; got {seen}")

    def drain(self) -> list[str]:
        messages = []
        while (message := self.receive(0.01)) is not None:
            messages.append(message)
        return messages

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[NotifySocket]:
    sock = NotifySocket(str(tmp_path / "notify.sock"))
    yield sock
    sock.close()


class Served:
    """`python -m alecs serve --sandbox --port 0` with systemd's environment variables; always stopped."""

    def __init__(self, tmp_path: Path, transport: str, env: dict[str, str]) -> None:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("ALECS_", "NOTIFY_", "WATCHDOG_"))}
        base.update(TOKEN_MASTER_KEY=MASTER_KEY, ALECS_TOKEN_STORE=str(tmp_path / "state" / "tokens.json"),
                    PYTHONPATH=os.pathsep.join(p for p in sys.path if p), HOME=str(tmp_path), **env)
        self.log = tmp_path / "serve.log"
        self._out = self.log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "alecs", "serve", "--transport", transport, "--sandbox", "--port", "0"],
            env=base, cwd=tmp_path, stdout=self._out, stderr=subprocess.STDOUT)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def healthz_url(self) -> str:
        for line in self.text().splitlines():
            if line.startswith("alecs: listening on "):
                url = line.split("alecs: listening on ", 1)[1].strip()
                scheme, rest = url.split("://", 1)
                return "http://" + rest.split("/", 1)[0] + "/healthz"
        raise AssertionError(f"no 'listening on' line yet:\n{self.text()[-3000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(20)
        self._out.close()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[type]:
    started: list[Served] = []

    class Starter:
        @staticmethod
        def start(transport: str = "websocket", **env: str) -> Served:
            served = Served(tmp_path, transport, env)
            started.append(served)
            return served

    yield Starter
    for served in started:
        served.stop()


def _healthz_answers(url: str, timeout: float = 5.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


# -- the protocol pieces --------------------------------------------------------------------------------


def test_notify_socket_addresses_are_paths_or_abstract_names() -> None:
    assert socket_address("/run/systemd/notify") == "/run/systemd/notify"
    assert socket_address("@/org/freedesktop/systemd1/notify/1") == "\0/org/freedesktop/systemd1/notify/1"
    assert socket_address("") is None
    assert socket_address("vsock:2:1234") is None


def test_the_watchdog_pings_three_times_per_timeout_and_only_for_the_watched_pid() -> None:
    assert watchdog_interval({"WATCHDOG_USEC": "30000000"}) == pytest.approx(10.0)
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}) == pytest.approx(10.0)
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid() + 1)}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "0"}) is None
    assert watchdog_interval({}) is None


def test_without_notify_socket_nothing_is_sent() -> None:
    notifier = SystemdNotifier({})
    assert not notifier.active
    assert notifier.send("READY=1") is False


def test_an_abstract_namespace_socket_receives_the_message() -> None:
    name = f"@alecs-sdnotify-test-{os.getpid()}"
    receiver = NotifySocket(name)
    try:
        notifier = SystemdNotifier({"NOTIFY_SOCKET": name})
        assert notifier.send("READY=1")
        assert receiver.receive(5) == "READY=1"
        notifier.stopping()
        assert receiver.receive(5) == "STOPPING=1"
        assert not notifier.active
    finally:
        receiver.close()


def test_an_unreachable_notify_socket_is_reported_and_ignored(tmp_path: Path) -> None:
    notifier = SystemdNotifier({"NOTIFY_SOCKET": str(tmp_path / "missing.sock")})
    assert not notifier.active
    assert notifier.send("READY=1") is False


# -- alecs serve under a simulated systemd ----------------------------------------------------------------


@pytest.mark.parametrize("transport", ["websocket", "http"])
def test_ready_is_sent_only_once_healthz_answers(serve, notify_socket: NotifySocket, transport: str) -> None:
    served = serve.start(transport, NOTIFY_SOCKET=notify_socket.address)
    messages = notify_socket.wait_for("READY=1")
    assert len(messages) == 1, messages  # nothing before READY=1
    # READY=1 means listening: the very first request answers, no retry
    assert _healthz_answers(served.healthz_url()), served.text()[-3000:]
    assert "STATUS=serving " in messages[0]
    served.proc.send_signal(signal.SIGTERM)
    notify_socket.wait_for("STOPPING=1")
    assert served.proc.wait(60) == 0


def test_watchdog_pings_come_from_the_event_loop_and_stop_when_it_stalls(
    serve, notify_socket: NotifySocket
) -> None:
    served = serve.start(NOTIFY_SOCKET=notify_socket.address, WATCHDOG_USEC="600000",  # a ping every 0.2 s
                         **{STALL_SIGNAL_ENV: "USR2"})
    notify_socket.wait_for("READY=1")
    for _ in range(3):
        notify_socket.wait_for("WATCHDOG=1", timeout=30)
    url = served.healthz_url()
    served.proc.send_signal(signal.SIGUSR2)
    # the loop is stuck once /healthz stops answering (the kernel still accepts the connection)
    wait_until(lambda: not _healthz_answers(url, timeout=1.0), 30, "the event loop to stall")
    notify_socket.drain()
    assert notify_socket.receive(2.0) is None, "a watchdog ping arrived from a stalled event loop"
    assert served.proc.poll() is None  # alive but hung: exactly what the watchdog is for
    assert "blocking the event loop now" in served.text()


def test_the_stall_signal_is_not_armed_unless_the_test_variable_is_set(serve, notify_socket: NotifySocket) -> None:
    served = serve.start(NOTIFY_SOCKET=notify_socket.address)
    notify_socket.wait_for("READY=1")
    served.proc.send_signal(signal.SIGUSR2)
    assert served.proc.wait(30) == -signal.SIGUSR2  # the default action: the signal ends the process
    assert "blocking the event loop" not in served.text()
