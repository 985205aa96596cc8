"""Where to connect over SSH: ``[user@]host[:port]``, ~/.ssh/config (aliases, ProxyJump, keys,
known_hosts files, keepalive) resolved into one ``HostSpec`` per hop. No network here."""

from __future__ import annotations

import base64
import getpass
import hashlib
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from . import lazy_invoke  # noqa: F401 - before paramiko: defers its optional `invoke` import

# isort: split
import paramiko

from .errors import ConfigError

DEFAULT_SSH_CONFIG = "~/.ssh/config"
DEFAULT_KNOWN_HOSTS = "~/.ssh/known_hosts"
GLOBAL_KNOWN_HOSTS = "/etc/ssh/ssh_known_hosts"
DEFAULT_KEEPALIVE = 15


@dataclass(frozen=True)
class SshTarget:
    """The SSH destination as given: ``[user@]host[:port]``, host possibly an ssh_config alias."""

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
    """How to reach the SSH server: the destination and the files that say how (command line or defaults)."""

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
    """The OpenSSH client config at ``path`` (empty if the default file does not exist)."""
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
    """One hop as OpenSSH would connect to it: ``config`` applied to ``target``, the command line winning."""
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
    """OpenSSH's ``SHA256:...`` fingerprint of a host key."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


class UnknownHostKey(paramiko.SSHException):
    """The server presented a host key that no known_hosts file lists (raised by our strict policy)."""

    def __init__(self, hostname: str, key: paramiko.PKey, spec: HostSpec) -> None:
        super().__init__(f"unknown host key for {hostname}")
        self.hostname, self.key, self.spec = hostname, key, spec
