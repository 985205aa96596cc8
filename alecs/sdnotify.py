"""systemd readiness and watchdog for `Type=notify` units: datagrams to `$NOTIFY_SOCKET`, no dependency.

- `READY=1` once alecs listens, so `systemctl start alecs` returns only when `/healthz` answers.
- `WATCHDOG=1` from the event loop every third of `WatchdogSec=` (`$WATCHDOG_USEC`): a loop that stops turning stops
  the pings, and systemd kills and restarts the service (`Restart=on-failure` covers a watchdog timeout).
- `STOPPING=1` when a graceful shutdown begins.

Without `NOTIFY_SOCKET` (not under systemd, or `Type=exec`) every call is a no-op. Sends never block the loop: a
datagram systemd cannot take right now is dropped (a missed ping is retried a third of the timeout later).

Test hook: when `ALECS_TEST_STALL_SIGNAL` names a signal (e.g. `USR2`), that signal blocks the event loop forever,
which is what a hung server looks like to systemd. It is honoured only when set; unset, the signal keeps its
default action.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import threading
from collections.abc import Mapping

log = logging.getLogger(__name__)

STALL_SIGNAL_ENV = "ALECS_TEST_STALL_SIGNAL"
PINGS_PER_TIMEOUT = 3  # systemd advises at least two; three leaves room on a loaded machine


def socket_address(value: str) -> str | None:
    """The AF_UNIX address of a NOTIFY_SOCKET value: a path, or `@name` for the abstract namespace."""
    if value.startswith("/"):
        return value
    if value.startswith("@") and len(value) > 1:
        return "\0" + value[1:]
    return None  # e.g. systemd's vsock: addresses, which a service on the host never gets


def watchdog_interval(env: Mapping[str, str], pid: int | None = None) -> float | None:
    """Seconds between pings when systemd watches this process (WATCHDOG_USEC, and WATCHDOG_PID if set)."""
    usec, owner = env.get("WATCHDOG_USEC", ""), env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if owner and (not owner.isdigit() or int(owner) != (os.getpid() if pid is None else pid)):
        return None
    return int(usec) / 1_000_000 / PINGS_PER_TIMEOUT


class SystemdNotifier:
    """Tells systemd how the service is doing; every method is a no-op when systemd did not ask."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        self.interval = watchdog_interval(env)
        self.stall_signal = _signal_named(env.get(STALL_SIGNAL_ENV, ""))
        self._watchdog: asyncio.Task[None] | None = None
        self._sock: socket.socket | None = None
        address = socket_address(env.get("NOTIFY_SOCKET", ""))
        if address is not None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            try:
                sock.connect(address)
            except OSError as exc:
                sock.close()
                log.warning("NOTIFY_SOCKET %s unreachable, systemd will not hear from alecs: %s", address, exc)
            else:
                sock.setblocking(False)
                self._sock = sock

    @property
    def active(self) -> bool:
        """True when systemd gave a notification socket."""
        return self._sock is not None

    def send(self, state: str) -> bool:
        """One sd_notify message (`KEY=VALUE` lines); False when there is no socket or systemd cannot take it."""
        if self._sock is None:
            return False
        try:
            self._sock.send(state.encode())
        except OSError as exc:  # BlockingIOError (queue full) included: never wait on the event loop
            log.debug("sd_notify %r not sent: %s", state, exc)
            return False
        return True

    def ready(self, status: str = "") -> None:
        """READY=1, then WATCHDOG=1 pings from the running event loop (when a watchdog is set)."""
        self.send("READY=1" + (f"\nSTATUS={status}" if status else ""))
        loop = asyncio.get_running_loop()
        if self.active and self.interval is not None and self._watchdog is None:
            self._watchdog = loop.create_task(self._ping(self.interval))
        if self.stall_signal is not None:
            log.warning("test hook %s is set: signal %s will block the event loop", STALL_SIGNAL_ENV,
                        self.stall_signal.name)
            loop.add_signal_handler(self.stall_signal, _stall_forever)

    def stopping(self) -> None:
        """STOPPING=1, then no more messages: systemd now waits for the exit (TimeoutStopSec)."""
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        self.send("STOPPING=1")
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
            self._sock = None

    async def _ping(self, interval: float) -> None:
        while True:
            self.send("WATCHDOG=1")
            await asyncio.sleep(interval)


def _signal_named(name: str) -> signal.Signals | None:
    name = name.strip().upper()
    if not name:
        return None
    try:
        return signal.Signals[name if name.startswith("SIG") else "SIG" + name]
    except KeyError:
        log.warning("%s=%s is not a signal name; the test hook stays off", STALL_SIGNAL_ENV, name)
        return None


def _stall_forever() -> None:
    log.warning("test hook: blocking the event loop now (systemd's watchdog should restart alecs)")
    threading.Event().wait()
