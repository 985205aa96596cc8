"""SSH side of the tunnel: ~/.ssh/config, strict known_hosts, agent and keys, direct-tcpip.

Everything here is blocking (paramiko); the relay calls it through ``asyncio.to_thread``.
A forwarded connection is handed to asyncio either as the paramiko channel itself
(``chan_transport``, on POSIX) or as a real socket: one end of a ``socket.socketpair()``,
the other end pumped to and from the channel by two small threads (Windows, wss://).
"""

from __future__ import annotations

import base64
import contextlib
import getpass
import hashlib
import logging
import os
import shlex
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

from . import lazy_invoke  # noqa: F401 - before paramiko: defers its optional `invoke` import

# isort: split
import paramiko

from .errors import AuthError, ConfigError, HostKeyError, TunnelError
from .tcp import QuickAckSocket, tcp_connect

log = logging.getLogger("alecs-tunnel")

DEFAULT_SSH_CONFIG = "~/.ssh/config"
DEFAULT_KNOWN_HOSTS = "~/.ssh/known_hosts"
GLOBAL_KNOWN_HOSTS = "/etc/ssh/ssh_known_hosts"
DEFAULT_KEEPALIVE = 15
CONNECT_TIMEOUT = 10.0
MAX_JUMPS = 8


@dataclass(frozen=True)
class SshTarget:
    user: str | None
    host: str
    port: int | None

    @classmethod
    def parse(cls, spec: str) -> SshTarget:
        """Parse ``[user@]host[:port]`` (IPv6 as ``[addr]:port``)."""
        spec = spec.strip()
        if not spec or any(c.isspace() for c in spec):
            raise ConfigError(f"invalid SSH destination {spec!r}: expected [user@]host[:port]")
        user, _, hostport = spec.rpartition("@")
        port: int | None = None
        if hostport.startswith("["):
            host, _, rest = hostport[1:].partition("]")
            if rest.startswith(":"):
                port = _port(rest[1:], spec)
        elif hostport.count(":") == 1:
            host, _, p = hostport.partition(":")
            port = _port(p, spec)
        else:
            host = hostport
        if not host:
            raise ConfigError(f"invalid SSH destination {spec!r}: no host")
        return cls(user or None, host, port)

    def __str__(self) -> str:
        user = f"{self.user}@" if self.user else ""
        return f"{user}{self.host}" + (f":{self.port}" if self.port else "")


def _port(text: str, spec: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ConfigError(f"invalid port in SSH destination {spec!r}")
    return int(text)


@dataclass(frozen=True)
class SshSettings:
    target: SshTarget
    ssh_config: str = DEFAULT_SSH_CONFIG
    known_hosts: str | None = None  # None: ~/.ssh/known_hosts (or UserKnownHostsFile) + the global file
    identities: tuple[str, ...] = ()


@dataclass
class HostSpec:
    """One hop, resolved through ssh_config."""

    alias: str
    hostname: str
    port: int
    user: str
    identity_files: list[str] = field(default_factory=list)
    identities_only: bool = False
    use_agent: bool = True
    proxy_jump: list[str] = field(default_factory=list)
    proxy_command: str | None = None
    keepalive: int = DEFAULT_KEEPALIVE
    known_hosts: list[str] = field(default_factory=list)

    @property
    def address(self) -> str:
        return _known_hosts_name(self.hostname, self.port)


def _known_hosts_name(host: str, port: int) -> str:
    return host if port == 22 else f"[{host}]:{port}"


def load_ssh_config(path: str) -> paramiko.SSHConfig:
    p = Path(path).expanduser()
    if not p.exists():
        if path != DEFAULT_SSH_CONFIG:
            raise ConfigError(f"SSH config file {p} does not exist")
        return paramiko.SSHConfig()
    try:
        return paramiko.SSHConfig.from_path(str(p))
    except (OSError, paramiko.SSHException, ValueError) as e:
        raise ConfigError(f"cannot read SSH config {p}: {e}") from None


def resolve(target: SshTarget, settings: SshSettings, config: paramiko.SSHConfig) -> HostSpec:
    opts = config.lookup(target.host)
    port = target.port or int(opts.get("port", 22))
    user = target.user or opts.get("user") or getpass.getuser()
    identities = [str(Path(p).expanduser()) for p in settings.identities]
    identities += [str(Path(p).expanduser()) for p in opts.get("identityfile", [])]
    jumps = [j.strip() for j in opts.get("proxyjump", "").split(",") if j.strip() and j.strip() != "none"]
    proxy_cmd = opts.get("proxycommand")
    if proxy_cmd and proxy_cmd.strip().lower() == "none":
        proxy_cmd = None
    if settings.known_hosts:
        known = [settings.known_hosts]
    else:
        known = shlex.split(opts.get("userknownhostsfile", DEFAULT_KNOWN_HOSTS))
        known.append(opts.get("globalknownhostsfile", GLOBAL_KNOWN_HOSTS))
    try:
        keepalive = int(opts.get("serveraliveinterval", DEFAULT_KEEPALIVE)) or DEFAULT_KEEPALIVE
    except ValueError:
        keepalive = DEFAULT_KEEPALIVE
    return HostSpec(
        alias=target.host,
        hostname=opts.get("hostname", target.host),
        port=port,
        user=user,
        identity_files=identities,
        identities_only=opts.get("identitiesonly", "no").lower() == "yes",
        use_agent=opts.get("identityagent", "").lower() != "none",
        proxy_jump=jumps,
        proxy_command=proxy_cmd,
        keepalive=keepalive,
        known_hosts=[str(Path(k).expanduser()) for k in known],
    )


def fingerprint(key: paramiko.PKey) -> str:
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def _keyscan_hint(spec: HostSpec) -> str:
    port = f"-p {spec.port} " if spec.port != 22 else ""
    sshport = f"-p {spec.port} " if spec.port != 22 else ""
    kh = spec.known_hosts[0] if spec.known_hosts else DEFAULT_KNOWN_HOSTS
    return (
        f"After checking the fingerprint with the server's administrator, add the key with\n"
        f"    ssh-keyscan {port}{spec.hostname} >> {kh}\n"
        f"or connect once with OpenSSH and accept it: ssh {sshport}{spec.user}@{spec.hostname}"
    )


class _StrictPolicy(paramiko.MissingHostKeyPolicy):
    """Never accept a host key that is not already in known_hosts."""

    def __init__(self, spec: HostSpec) -> None:
        self.spec = spec

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        files = ", ".join(self.spec.known_hosts) or "(none)"
        raise HostKeyError(
            f"the host key of {hostname} ({key.get_name()} {fingerprint(key)}) is not in known_hosts "
            f"({files}); refusing to connect to an unknown host.\n" + _keyscan_hint(self.spec)
        )


class _Transport(paramiko.Transport):
    """paramiko's algorithms, with AES-GCM preferred: its MAC is computed in C, not per packet in Python."""

    _preferred_ciphers = tuple(
        sorted(paramiko.Transport._preferred_ciphers, key=lambda name: not name.startswith("aes128-gcm"))
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


class SshConnection:
    """A paramiko connection (through ProxyJump hops if configured) that forwards TCP."""

    def __init__(self, settings: SshSettings) -> None:
        self.settings = settings
        self._clients: list[paramiko.SSHClient] = []
        self._lock = threading.Lock()
        self.spec: HostSpec | None = None
        self.host_key: str = ""
        self._early: threading.Thread | None = None
        self._early_error: BaseException | None = None

    def describe(self) -> str:
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

    def start(self) -> None:
        """Begin ``connect()`` in a thread, so it overlaps the rest of start-up; see ``join_start``."""
        self._early = threading.Thread(target=self._connect_early, name="ssh-connect", daemon=True)
        self._early.start()

    def _connect_early(self) -> None:
        try:
            self.connect()
        except BaseException as e:  # noqa: BLE001 - re-raised by join_start
            self._early_error = e

    @property
    def starting(self) -> bool:
        return self._early is not None

    def join_start(self) -> None:
        """Wait for the connection begun by ``start()``; raise its failure, as ``connect()`` would have."""
        if self._early is None:
            return
        self._early.join()
        self._early = None
        error, self._early_error = self._early_error, None
        if error is not None:
            raise error

    def connect(self) -> None:
        """Connect (blocking). Raises TunnelError with a diagnosis."""
        with self._lock:
            self._close_locked()
            config = load_ssh_config(self.settings.ssh_config)
            spec = resolve(self.settings.target, self.settings, config)
            self.spec = spec
            if len(spec.proxy_jump) > MAX_JUMPS:
                raise ConfigError(f"too many ProxyJump hops for {spec.alias}")
            sock: paramiko.Channel | paramiko.ProxyCommand | None = None
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

    def _connect_one(self, spec: HostSpec, sock: paramiko.Channel | paramiko.ProxyCommand | None) -> paramiko.SSHClient:
        client = _client_for(spec)
        keys = [p for p in spec.identity_files if os.path.isfile(p)]
        where = f"{spec.user}@{spec.hostname}:{spec.port}"
        try:
            if sock is None and QuickAckSocket.supported:
                sock = tcp_connect(spec.hostname, spec.port, CONNECT_TIMEOUT)
            client.connect(
                spec.hostname,
                spec.port,
                username=spec.user,
                key_filename=keys or None,
                allow_agent=spec.use_agent and not (spec.identities_only and keys),
                look_for_keys=not (spec.identities_only and keys),
                timeout=CONNECT_TIMEOUT,
                banner_timeout=CONNECT_TIMEOUT,
                auth_timeout=CONNECT_TIMEOUT,
                channel_timeout=CONNECT_TIMEOUT,
                sock=sock,
                transport_factory=_Transport,
            )
        except TunnelError:
            client.close()
            raise
        except paramiko.BadHostKeyException as e:
            client.close()
            raise HostKeyError(
                f"HOST KEY MISMATCH for {spec.address}: known_hosts has {e.expected_key.get_name()} "
                f"{fingerprint(e.expected_key)} but the server presented {e.key.get_name()} "
                f"{fingerprint(e.key)}. Someone may be intercepting the connection; refusing to connect.\n"
                f"If the server's key was legitimately changed, remove the old entry with "
                f"`ssh-keygen -R '{spec.address}'` and add the new one.\n" + _keyscan_hint(spec)
            ) from None
        except paramiko.PasswordRequiredException as e:
            client.close()
            raise AuthError(
                "ssh-auth",
                f"SSH key for {where} is passphrase-protected ({e}); alecs-tunnel cannot prompt for it. "
                "Load it into your SSH agent (ssh-add <key>) and try again.",
            ) from None
        except paramiko.AuthenticationException as e:
            client.close()
            tried = ", ".join(keys) if keys else "default keys in ~/.ssh"
            agent = "SSH agent and " if spec.use_agent and os.environ.get("SSH_AUTH_SOCK") else ""
            raise AuthError(
                "ssh-auth",
                f"SSH authentication as {where} failed ({e}); tried {agent}{tried}. "
                f"Check that your public key is in ~{spec.user}/.ssh/authorized_keys on the server, "
                "or name the key with --identity / IdentityFile.",
            ) from None
        except socket.gaierror as e:
            client.close()
            raise TunnelError("dns", f"cannot resolve SSH host {spec.hostname!r}: {e.strerror or e}") from None
        except paramiko.ssh_exception.NoValidConnectionsError as e:
            client.close()
            errs = list(e.errors.values())
            if errs and all(isinstance(x, ConnectionRefusedError) for x in errs):
                detail = "connection refused: is sshd running on that port?"
            else:
                detail = "; ".join(sorted({x.strerror or str(x) for x in errs})) or str(e)
            raise TunnelError("tcp", f"cannot connect to SSH server {spec.hostname}:{spec.port}: {detail}") from None
        except TimeoutError:
            client.close()
            raise TunnelError("tcp", f"timed out connecting to SSH server {spec.hostname}:{spec.port}") from None
        except ConnectionRefusedError:
            client.close()
            raise TunnelError(
                "tcp", f"connection refused by {spec.hostname}:{spec.port}: is sshd running on that port?"
            ) from None
        except paramiko.SSHException as e:
            client.close()
            raise TunnelError("ssh", f"SSH connection to {spec.hostname}:{spec.port} failed: {e}") from None
        except OSError as e:
            client.close()
            raise TunnelError(
                "tcp", f"cannot connect to SSH server {spec.hostname}:{spec.port}: {e.strerror or e}"
            ) from None
        transport = client.get_transport()
        assert transport is not None
        transport.set_keepalive(spec.keepalive)
        key = transport.get_remote_server_key()
        self.host_key = f"{key.get_name()} {fingerprint(key)}"
        self._clients.append(client)
        log.debug("ssh: connected to %s (%s)", where, self.host_key)
        return client

    def open_channel(self, host: str, port: int) -> paramiko.Channel:
        """Open a direct-tcpip channel to host:port (as seen from the SSH server)."""
        if not self._clients:
            raise TunnelError("ssh", "SSH connection is not open")
        assert self.spec is not None
        return _open_channel(self._clients[-1], self.spec, host, port, purpose="the alecs server")

    def open_socket(self, host: str, port: int) -> socket.socket:
        """Open a direct-tcpip channel to host:port, as a local socket."""
        return bridge(self.open_channel(host, port))

    def close(self) -> None:
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
        raise TunnelError("ssh", f"SSH connection to {spec.hostname}:{spec.port} was lost")
    try:
        return transport.open_channel("direct-tcpip", (host, port), ("127.0.0.1", 0), timeout=CONNECT_TIMEOUT)
    except paramiko.ChannelException as e:
        if e.code == 1:
            raise TunnelError(
                "forward",
                f"the SSH server {spec.hostname} refused to forward to {host}:{port} "
                f"(administratively prohibited): sshd needs AllowTcpForwarding yes or local "
                f"(and PermitOpen must allow {host}:{port}).",
                fatal=True,
            ) from None
        raise TunnelError(
            "tcp",
            f"the SSH server {spec.hostname} could not connect to {host}:{port} for {purpose} "
            f"({e.text or 'connect failed'}): is it running there and listening on that port?",
        ) from None
    except (paramiko.SSHException, EOFError, OSError) as e:
        raise TunnelError("ssh", f"SSH connection to {spec.hostname}:{spec.port} failed: {e}") from None


def bridge(chan: paramiko.Channel) -> socket.socket:
    """Return a socket connected to ``chan`` through a socketpair and two pump threads."""
    ours, theirs = socket.socketpair()
    done = threading.Event()

    def shut() -> None:
        if done.is_set():
            return
        done.set()
        try:
            theirs.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        with contextlib.suppress(Exception):  # the transport may already be gone
            chan.close()

    def chan_to_sock() -> None:
        try:
            while True:
                data = chan.recv(65536)
                if not data:
                    break
                theirs.sendall(data)
        except (OSError, EOFError, paramiko.SSHException):
            pass
        finally:
            shut()

    def sock_to_chan() -> None:
        try:
            while True:
                data = theirs.recv(65536)
                if not data:
                    break
                chan.sendall(data)
        except (OSError, EOFError, paramiko.SSHException):
            pass
        finally:
            shut()
            theirs.close()

    threading.Thread(target=chan_to_sock, name="ssh-bridge-rx", daemon=True).start()
    threading.Thread(target=sock_to_chan, name="ssh-bridge-tx", daemon=True).start()
    return ours
