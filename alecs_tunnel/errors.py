"""Errors with a diagnosis, and the one table from a kind of failure to what the tunnel does about it.

Every failure to reach the server becomes a ``TunnelError`` of one ``Kind``; ``OUTCOMES`` says, for
each kind, the process's exit code and whether retrying can help (``fatal`` kinds are not retried:
retrying cannot fix them and would lock accounts or spam logs). ``diagnosis.py`` turns the
exceptions of paramiko, websockets, ssl and the OS into these errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

# Exit codes (documented in ``alecs-tunnel --help`` and README.md).
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_AUTH = 4
EXIT_HOST_KEY = 5
EXIT_TLS = 6
EXIT_RATE_LIMITED = 7


# Where a token comes from, for every message that asks for one: the CLI, or on a host installed by the
# Ansible role the root-only wrapper (the CLI is not on PATH there and lacks TOKEN_MASTER_KEY).
TOKEN_COMMANDS = "`alecs token generate` (or `sudo alecs-token generate` on a host installed by the Ansible role)"


class Kind(Enum):
    """What failed, as shown to the user (``alecs-tunnel check: FAILED (<kind>)``)."""

    DNS = "dns"
    TCP = "tcp"
    SSH = "ssh"
    SSH_AUTH = "ssh-auth"
    HOST_KEY = "host-key"
    FORWARD = "forward"
    TLS = "tls"
    HTTP_401 = "http-401"
    HTTP_403 = "http-403"
    HTTP_429 = "http-429"
    HTTP = "http"
    PROTOCOL = "protocol"
    CONFIG = "config"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Outcome:
    """What a kind of failure means for the process: its exit code, and whether to stop retrying."""

    exit_code: int
    fatal: bool


OUTCOMES: dict[Kind, Outcome] = {
    Kind.DNS: Outcome(EXIT_UNREACHABLE, fatal=False),
    Kind.TCP: Outcome(EXIT_UNREACHABLE, fatal=False),
    Kind.SSH: Outcome(EXIT_UNREACHABLE, fatal=False),
    Kind.SSH_AUTH: Outcome(EXIT_AUTH, fatal=True),
    Kind.HOST_KEY: Outcome(EXIT_HOST_KEY, fatal=True),
    Kind.FORWARD: Outcome(EXIT_UNREACHABLE, fatal=True),  # sshd forbids forwarding: asking again will not help
    Kind.TLS: Outcome(EXIT_TLS, fatal=True),
    Kind.HTTP_401: Outcome(EXIT_AUTH, fatal=True),
    Kind.HTTP_403: Outcome(EXIT_AUTH, fatal=True),
    Kind.HTTP_429: Outcome(EXIT_RATE_LIMITED, fatal=False),  # retried, no sooner than the server's Retry-After
    Kind.HTTP: Outcome(EXIT_UNREACHABLE, fatal=False),
    Kind.PROTOCOL: Outcome(EXIT_UNREACHABLE, fatal=False),
    Kind.CONFIG: Outcome(EXIT_USAGE, fatal=True),
}


class TunnelError(Exception):
    """A failure to reach the server, classified by ``kind``; its message never contains the token.

    ``retry_after``: seconds the server asked us to wait before trying again (its ``Retry-After``).
    """

    def __init__(self, kind: Kind, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after

    @property
    def exit_code(self) -> int:
        return OUTCOMES[self.kind].exit_code

    @property
    def fatal(self) -> bool:
        return OUTCOMES[self.kind].fatal

    def __str__(self) -> str:
        return f"[{self.kind}] {self.message}"


class ConfigError(TunnelError):
    """The command line, the environment or a file it names is wrong (exit 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(Kind.CONFIG, message)
