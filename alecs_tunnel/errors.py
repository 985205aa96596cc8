"""Errors with a diagnosis: what failed, in words a user can act on."""

from __future__ import annotations

# Exit codes (documented in ``alecs-tunnel --help``).
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_AUTH = 4
EXIT_HOST_KEY = 5
EXIT_TLS = 6


class TunnelError(Exception):
    """A failure to reach the server, classified.

    ``kind`` is one of: dns, tcp, ssh, ssh-auth, host-key, forward, tls, http-401,
    http-403, http, protocol, config. ``fatal`` errors are not retried by the relay
    (retrying cannot fix them and would lock accounts or spam logs).
    Messages never contain the token.
    """

    exit_code = EXIT_UNREACHABLE

    def __init__(self, kind: str, message: str, *, fatal: bool = False, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.fatal = fatal
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return f"[{self.kind}] {self.message}"


class ConfigError(TunnelError):
    def __init__(self, message: str) -> None:
        super().__init__("config", message, fatal=True, exit_code=EXIT_USAGE)


class AuthError(TunnelError):
    """The server (HTTP 401/403) or the SSH server refused our credentials."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(kind, message, fatal=True, exit_code=EXIT_AUTH)


class HostKeyError(TunnelError):
    def __init__(self, message: str) -> None:
        super().__init__("host-key", message, fatal=True, exit_code=EXIT_HOST_KEY)


class TLSError(TunnelError):
    def __init__(self, message: str) -> None:
        super().__init__("tls", message, fatal=True, exit_code=EXIT_TLS)
