"""The SSH connection of the tunnel: strict known_hosts, agent and keys, ProxyJump, direct-tcpip.

Everything here blocks (paramiko); the connector runs it on the event loop's thread pool. A
forwarded channel is then read and written by the event loop itself (``chan_transport``).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from concurrent.futures import Executor, Future
from typing import Any, Literal

# ssh_config first: it defers paramiko's optional `invoke` import before paramiko is imported
from .ssh_config import HostSpec, SshSettings, SshTarget, UnknownHostKey, fingerprint, load_ssh_config, resolve

# isort: split
import paramiko

from .errors import ConfigError, Kind, TunnelError
from .tcp import QuickAckSocket, tcp_connect

log = logging.getLogger("alecs-tunnel")

CONNECT_TIMEOUT = 10.0
MAX_JUMPS = 8
_Sock = paramiko.Channel | paramiko.ProxyCommand | socket.socket  # what an SSH connection runs over


class _StrictPolicy(paramiko.MissingHostKeyPolicy):
    """Never accept a host key that is not already in known_hosts."""

    def __init__(self, spec: HostSpec) -> None:
        self.spec = spec

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        raise UnknownHostKey(hostname, key, self.spec)


class _Transport(paramiko.Transport):
    """paramiko's algorithms, with AES-GCM preferred: its MAC is computed in C, not per packet in Python."""

    _preferred_ciphers = tuple(
        sorted(
            paramiko.Transport._preferred_ciphers,  # type: ignore[attr-defined]  # not in types-paramiko
            key=lambda name: not name.startswith("aes128-gcm"),
        )
    )


def _client_for(spec: HostSpec) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    loaded = False
    for path in spec.known_hosts:
        if os.path.isfile(path):
            try:
                client.load_system_host_keys(path)  # read-only: paramiko never writes these back
                loaded = True
            except (OSError, paramiko.SSHException) as e:
                raise ConfigError(f"cannot read known_hosts file {path}: {e}") from None
    if not loaded:
        log.debug("no known_hosts file among %s", spec.known_hosts)
    client.set_missing_host_key_policy(_StrictPolicy(spec))
    return client


def _failure(
    exc: Exception, stage: Literal["SSH", "FORWARD"], spec: HostSpec, host: str, port: int, **more: Any
) -> TunnelError:
    """``diagnosis.diagnose`` for a failure at an SSH stage.

    Imported here, on failure only: the diagnosis table names websockets' exceptions, and importing
    websockets before the first SSH connection has started would delay it.
    """
    from .diagnosis import Attempt, Stage, diagnose

    return diagnose(exc, Attempt(Stage[stage], host, port, ssh=spec, **more))


class SshConnection:
    """A paramiko connection (through ProxyJump hops if configured) that forwards TCP."""

    def __init__(self, settings: SshSettings) -> None:
        self.settings = settings
        self._clients: list[paramiko.SSHClient] = []
        self._lock = threading.Lock()
        self.spec: HostSpec | None = None
        self.host_key: str = ""
        self.connecting: Future[None] | None = None  # a connect() begun by connect_on()

    def describe(self) -> str:
        """``ssh user@host:port via jumps`` once resolved, else the destination as given."""
        if self.spec is None:
            return f"ssh {self.settings.target}"
        via = f" via {','.join(self.spec.proxy_jump)}" if self.spec.proxy_jump else ""
        return f"ssh {self.spec.user}@{self.spec.hostname}:{self.spec.port}{via}"

    @property
    def transport(self) -> paramiko.Transport | None:
        return self._clients[-1].get_transport() if self._clients else None

    def is_active(self) -> bool:
        t = self.transport
        return bool(t is not None and t.is_active())

    def connect_on(self, pool: Executor) -> None:
        """Begin ``connect()`` on ``pool`` (the event loop's thread pool to be), so it overlaps start-up."""
        self.connecting = pool.submit(self.connect)

    def connect(self) -> None:
        """Connect (blocking), replacing any previous connection. Raises TunnelError with a diagnosis."""
        with self._lock:
            self._close_locked()
            config = load_ssh_config(self.settings.ssh_config)
            spec = resolve(self.settings.target, self.settings, config)
            self.spec = spec
            if len(spec.proxy_jump) > MAX_JUMPS:
                raise ConfigError(f"too many ProxyJump hops for {spec.alias}")
            sock: _Sock | None = None
            if spec.proxy_jump:
                hops = [resolve(SshTarget.parse(j), self.settings, config) for j in spec.proxy_jump]
                for i, hop in enumerate(hops):
                    hop.known_hosts = spec.known_hosts
                    client = self._connect_one(hop, sock)
                    nxt = hops[i + 1] if i + 1 < len(hops) else spec
                    sock = _open_channel(client, hop, nxt.hostname, nxt.port, purpose="ProxyJump")
            elif spec.proxy_command:
                sock = paramiko.ProxyCommand(spec.proxy_command)
            self._connect_one(spec, sock)

    def _connect_one(self, spec: HostSpec, sock: _Sock | None) -> paramiko.SSHClient:
        client = _client_for(spec)
        keys = [p for p in spec.identity_files if os.path.isfile(p)]
        try:
            if sock is None and QuickAckSocket.supported:
                sock = tcp_connect(spec.hostname, spec.port, CONNECT_TIMEOUT)
            client.connect(
                spec.hostname,
                spec.port,
                username=spec.user,
                key_filename=keys or None,  # type: ignore[arg-type]  # a list is documented; the stubs say str
                allow_agent=spec.use_agent and not (spec.identities_only and keys),
                look_for_keys=not (spec.identities_only and keys),
                timeout=CONNECT_TIMEOUT,
                banner_timeout=CONNECT_TIMEOUT,
                auth_timeout=CONNECT_TIMEOUT,
                channel_timeout=CONNECT_TIMEOUT,
                sock=sock,
                # paramiko 5 calls it as (sock, disabled_algorithms=...); the stubs expect gss_kex too
                transport_factory=_Transport,  # type: ignore[arg-type]
            )
        except Exception as e:
            client.close()
            raise _failure(e, "SSH", spec, spec.hostname, spec.port, keys=tuple(keys)) from None
        transport = client.get_transport()
        assert transport is not None
        transport.set_keepalive(spec.keepalive)
        key = transport.get_remote_server_key()
        self.host_key = f"{key.get_name()} {fingerprint(key)}"
        self._clients.append(client)
        log.debug("ssh: connected to %s@%s:%s (%s)", spec.user, spec.hostname, spec.port, self.host_key)
        return client

    def open_channel(self, host: str, port: int) -> paramiko.Channel:
        """Open a direct-tcpip channel to host:port (as seen from the SSH server)."""
        if not self._clients or self.spec is None:
            raise TunnelError(Kind.SSH, "SSH connection is not open")
        return _open_channel(self._clients[-1], self.spec, host, port, purpose="the alecs server")

    def close(self) -> None:
        """Close every hop's connection (and with them their channels)."""
        with self._lock:
            self._close_locked()

    def _close_locked(self) -> None:
        for client in reversed(self._clients):
            try:
                client.close()
            except Exception:  # noqa: BLE001 - closing must not raise
                pass
        self._clients = []


def _open_channel(
    client: paramiko.SSHClient, spec: HostSpec, host: str, port: int, *, purpose: str
) -> paramiko.Channel:
    transport = client.get_transport()
    if transport is None or not transport.is_active():
        raise TunnelError(Kind.SSH, f"SSH connection to {spec.hostname}:{spec.port} was lost")
    try:
        return transport.open_channel("direct-tcpip", (host, port), ("127.0.0.1", 0), timeout=CONNECT_TIMEOUT)
    except Exception as e:
        raise _failure(e, "FORWARD", spec, host, port, purpose=purpose) from None
