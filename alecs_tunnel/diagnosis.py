"""From an exception raised while connecting to a ``TunnelError`` a user can act on: one table.

Connecting has four stages (an SSH hop, a forwarded channel, a direct TCP connection, the
TLS/HTTP/WebSocket handshake). ``RULES`` lists, in order, which exception at which stage is which
``Kind`` of failure and how to word it; ``diagnose`` applies the first rule that matches. What a
kind means for the process (exit code, retry or stop) is ``errors.OUTCOMES``.
"""

from __future__ import annotations

import email.utils
import ipaddress
import json
import math
import os
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum, auto
from typing import Any

import paramiko
from websockets.exceptions import InvalidHandshake, InvalidMessage, InvalidStatus, InvalidURI

from .errors import TOKEN_COMMANDS, ConfigError, Kind, TunnelError
from .ssh_config import DEFAULT_KNOWN_HOSTS, HostSpec, UnknownHostKey, fingerprint


class Stage(Enum):
    """Where in connecting the exception was raised."""

    SSH = auto()  # connecting and authenticating to one SSH hop
    FORWARD = auto()  # opening a direct-tcpip channel through an SSH hop
    TCP = auto()  # a direct TCP connection to the alecs server
    HANDSHAKE = auto()  # TLS, HTTP upgrade and WebSocket handshake with the alecs server


@dataclass(frozen=True)
class Attempt:
    """What was being connected to, for the messages."""

    stage: Stage
    host: str
    port: int
    url: str = ""  # the alecs server's URL
    ssh: HostSpec | None = None  # the SSH hop (SSH and FORWARD stages)
    keys: tuple[str, ...] = ()  # key files offered (SSH stage)
    purpose: str = "the alecs server"  # what a forwarded channel is for (FORWARD stage)
    secure: bool = False  # wss://
    token: str = field(default="", repr=False)  # removed from anything the server sends back


def keyscan_hint(spec: HostSpec) -> str:
    """How to add a host key to known_hosts after checking it."""
    port = f"-p {spec.port} " if spec.port != 22 else ""
    kh = spec.known_hosts[0] if spec.known_hosts else DEFAULT_KNOWN_HOSTS
    return (
        f"After checking the fingerprint with the server's administrator, add the key with\n"
        f"    ssh-keyscan {port}{spec.hostname} >> {kh}\n"
        f"or connect once with OpenSSH and accept it: ssh {port}{spec.user}@{spec.hostname}"
    )


def _hop(a: Attempt) -> HostSpec:
    assert a.ssh is not None, "SSH-stage attempts carry their hop"
    return a.ssh


def _host_key_mismatch(e: paramiko.BadHostKeyException, a: Attempt) -> str:
    spec = _hop(a)
    return (
        f"HOST KEY MISMATCH for {spec.address}: known_hosts has {e.expected_key.get_name()} "
        f"{fingerprint(e.expected_key)} but the server presented {e.key.get_name()} "
        f"{fingerprint(e.key)}. Someone may be intercepting the connection; refusing to connect.\n"
        f"If the server's key was legitimately changed, remove the old entry with "
        f"`ssh-keygen -R '{spec.address}'` and add the new one.\n" + keyscan_hint(spec)
    )


def _unknown_host_key(e: UnknownHostKey, a: Attempt) -> str:
    files = ", ".join(e.spec.known_hosts) or "(none)"
    return (
        f"the host key of {e.hostname} ({e.key.get_name()} {fingerprint(e.key)}) is not in known_hosts "
        f"({files}); refusing to connect to an unknown host.\n" + keyscan_hint(e.spec)
    )


def _where(a: Attempt) -> str:
    spec = _hop(a)
    return f"{spec.user}@{spec.hostname}:{spec.port}"


def _auth_failed(e: paramiko.AuthenticationException, a: Attempt) -> str:
    spec = _hop(a)
    tried = ", ".join(a.keys) if a.keys else "default keys in ~/.ssh"
    agent = "SSH agent and " if spec.use_agent and os.environ.get("SSH_AUTH_SOCK") else ""
    return (
        f"SSH authentication as {_where(a)} failed ({e}); tried {agent}{tried}. "
        f"Check that your public key is in ~{spec.user}/.ssh/authorized_keys on the server, "
        "or name the key with --identity / IdentityFile."
    )


def _no_valid_connections(e: paramiko.ssh_exception.NoValidConnectionsError, a: Attempt) -> str:
    errs = list(e.errors.values())
    if errs and all(isinstance(x, ConnectionRefusedError) for x in errs):
        detail = "connection refused: is sshd running on that port?"
    else:
        detail = "; ".join(sorted({getattr(x, "strerror", None) or str(x) for x in errs})) or str(e)
    return f"cannot connect to SSH server {a.host}:{a.port}: {detail}"


def _forward_prohibited(e: paramiko.ChannelException) -> bool:
    return e.code == 1  # SSH_OPEN_ADMINISTRATIVELY_PROHIBITED


def _status(code: int) -> Callable[[Any], bool]:
    return lambda e: e.response.status_code == code


def _server_said(e: InvalidStatus, a: Attempt) -> str:
    """The server's own ``{"error": ...}`` text, without the token, for ``(HTTP 401: <text>)``."""
    body = e.response.body
    if not body:
        return ""
    try:
        text = str(json.loads(body).get("error", ""))
    except (ValueError, AttributeError):
        text = body.decode("utf-8", "replace")
    if a.token:
        text = text.replace(a.token, "***")
    text = text[:200].strip()
    return f": {text}" if text else ""


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delay-seconds or an HTTP date); None if absent or invalid."""
    value = (value or "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def seconds(value: float) -> str:
    """``60 s``: a wait as shown to the user (whole seconds, rounded up)."""
    return f"{math.ceil(value)} s"


def _rate_limited(e: InvalidStatus, a: Attempt) -> str:
    wait = retry_after(e.response.headers.get("Retry-After"))
    when = f"Retry after {seconds(wait)} (the server's Retry-After)." if wait is not None else (
        "The server did not say when to retry.")
    return (
        f"the server refused the connection for now (HTTP 429{_server_said(e, a)}). {when} alecs answers 429 "
        "after repeated failed attempts, or when a token has as many connections or sessions as it may open."
    )


# OpenSSL's X509_V_ERR_* codes, by what the user must do about them.
_NAME_CODES = {62, 64}  # hostname mismatch, IP address mismatch
_ISSUER_CODES = {2, 18, 19, 20, 21}  # issuer unknown, self-signed (leaf or in chain), cannot verify the leaf
_DATES_CODES = {9, 10}  # not yet valid, expired


def _verify_failure(e: ssl.SSLCertVerificationError) -> str:
    """``name``, ``issuer``, ``dates`` or ``other``: by OpenSSL's code, else (OS trust stores) by its words."""
    code, words = getattr(e, "verify_code", None), _verify_message(e).lower()
    if code in _NAME_CODES or "mismatch" in words or "not valid for" in words:
        return "name"
    if code in _ISSUER_CODES or any(w in words for w in ("issuer", "self signed", "self-signed", "untrusted")):
        return "issuer"
    if code in _DATES_CODES or "expired" in words or "not yet valid" in words:
        return "dates"
    return "other"


def _verify_message(e: ssl.SSLCertVerificationError) -> str:
    """OpenSSL's reason, without its final period (ours follow)."""
    return str(getattr(e, "verify_message", None) or e.reason or e).strip().rstrip(".")


def _name_mismatch(e: ssl.SSLCertVerificationError, a: Attempt) -> str:
    try:
        ipaddress.ip_address(a.host)
        sni = ""  # no SNI for an address
    except ValueError:
        sni = f" -servername {a.host}"
    show = f"openssl s_client -connect {a.host}:{a.port}{sni} </dev/null | openssl x509 -noout -ext subjectAltName"
    return (
        f"the TLS certificate of {a.host} was not accepted: {_verify_message(e)}. It was issued for other names: "
        f"put the name it was issued for in the URL (ALECS_WS_URL or --url; `{show}` lists them), "
        f"or give the server a certificate that names {a.host}."
    )


def _strerror(e: OSError) -> str:
    return str(e.strerror or e)


@dataclass(frozen=True)
class Rule:
    """At ``stage``, an exception of type ``catches`` (for which ``when`` holds) is a ``kind`` failure."""

    stage: Stage
    catches: type[BaseException] | tuple[type[BaseException], ...]
    kind: Kind
    text: Callable[[Any, Attempt], str]
    when: Callable[[Any], bool] | None = None


S, F, T, H = Stage.SSH, Stage.FORWARD, Stage.TCP, Stage.HANDSHAKE
RULES: tuple[Rule, ...] = (
    # ---- an SSH hop ----------------------------------------------------------------------------
    Rule(S, UnknownHostKey, Kind.HOST_KEY, _unknown_host_key),
    Rule(S, paramiko.BadHostKeyException, Kind.HOST_KEY, _host_key_mismatch),
    Rule(S, paramiko.PasswordRequiredException, Kind.SSH_AUTH, lambda e, a: (
        f"SSH key for {_where(a)} is passphrase-protected ({e}); alecs-tunnel cannot prompt for it. "
        "Load it into your SSH agent (ssh-add <key>) and try again.")),
    Rule(S, paramiko.AuthenticationException, Kind.SSH_AUTH, _auth_failed),
    Rule(S, socket.gaierror, Kind.DNS, lambda e, a: f"cannot resolve SSH host {a.host!r}: {_strerror(e)}"),
    Rule(S, paramiko.ssh_exception.NoValidConnectionsError, Kind.TCP, _no_valid_connections),
    Rule(S, TimeoutError, Kind.TCP, lambda e, a: f"timed out connecting to SSH server {a.host}:{a.port}"),
    Rule(S, ConnectionRefusedError, Kind.TCP, lambda e, a: (
        f"connection refused by {a.host}:{a.port}: is sshd running on that port?")),
    Rule(S, paramiko.SSHException, Kind.SSH, lambda e, a: f"SSH connection to {a.host}:{a.port} failed: {e}"),
    Rule(S, OSError, Kind.TCP, lambda e, a: f"cannot connect to SSH server {a.host}:{a.port}: {_strerror(e)}"),
    # ---- a forwarded channel ---------------------------------------------------------------------
    Rule(F, paramiko.ChannelException, Kind.FORWARD, lambda e, a: (
        f"the SSH server {_hop(a).hostname} refused to forward to {a.host}:{a.port} "
        f"(administratively prohibited): sshd needs AllowTcpForwarding yes or local "
        f"(and PermitOpen must allow {a.host}:{a.port})."), when=_forward_prohibited),
    Rule(F, paramiko.ChannelException, Kind.TCP, lambda e, a: (
        f"the SSH server {_hop(a).hostname} could not connect to {a.host}:{a.port} for {a.purpose} "
        f"({e.text or 'connect failed'}): is it running there and listening on that port?")),
    Rule(F, (paramiko.SSHException, EOFError, OSError), Kind.SSH, lambda e, a: (
        f"SSH connection to {_hop(a).hostname}:{_hop(a).port} failed: {e}")),
    # ---- a direct TCP connection -----------------------------------------------------------------
    Rule(T, socket.gaierror, Kind.DNS, lambda e, a: f"cannot resolve {a.host!r}: {_strerror(e)}"),
    Rule(T, ConnectionRefusedError, Kind.TCP, lambda e, a: (
        f"connection refused by {a.host}:{a.port}: is the alecs server running?")),
    Rule(T, OSError, Kind.TCP, lambda e, a: f"cannot connect to {a.host}:{a.port}: {_strerror(e)}"),
    # ---- TLS, HTTP and WebSocket handshake -------------------------------------------------------
    Rule(H, InvalidStatus, Kind.HTTP_401, lambda e, a: (
        f"the server rejected the token (HTTP 401{_server_said(e, a)}). "
        "Check ALECS_TOKEN / ALECS_TOKEN_FILE; the token may be wrong, revoked or expired "
        f"(create a new one on the server with {TOKEN_COMMANDS})."), when=_status(401)),
    Rule(H, InvalidStatus, Kind.HTTP_403, lambda e, a: (
        f"the server refused the connection (HTTP 403{_server_said(e, a)}). "
        "alecs answers 403 when the Origin header is not in its allow-list; alecs-tunnel "
        "sends none, so a proxy in between may be adding one."), when=_status(403)),
    Rule(H, InvalidStatus, Kind.HTTP_429, _rate_limited, when=_status(429)),
    Rule(H, InvalidStatus, Kind.HTTP, lambda e, a: (
        f"no WebSocket endpoint at {a.url} (HTTP 404): check the path (usually /mcp)"), when=_status(404)),
    Rule(H, InvalidStatus, Kind.HTTP, lambda e, a: (
        f"the server answered HTTP {e.response.status_code} instead of a WebSocket upgrade{_server_said(e, a)}")),
    Rule(H, ssl.SSLCertVerificationError, Kind.TLS, _name_mismatch, when=lambda e: _verify_failure(e) == "name"),
    Rule(H, ssl.SSLCertVerificationError, Kind.TLS, lambda e, a: (
        f"the TLS certificate of {a.host} was not accepted: {_verify_message(e)}. It is not signed by a CA this "
        "machine trusts: if the server uses a private CA, pass --ca-file PATH (or ALECS_CA_FILE)."),
        when=lambda e: _verify_failure(e) == "issuer"),
    Rule(H, ssl.SSLCertVerificationError, Kind.TLS, lambda e, a: (
        f"the TLS certificate of {a.host} was not accepted: {_verify_message(e)}. It is outside its validity "
        "period: renew it on the server (the Ansible role's certbot timer does; then systemctl reload alecs), "
        "or check this machine's clock."), when=lambda e: _verify_failure(e) == "dates"),
    Rule(H, ssl.SSLCertVerificationError, Kind.TLS, lambda e, a: (
        f"the TLS certificate of {a.host} was not accepted: {_verify_message(e)}.")),
    Rule(H, ssl.SSLError, Kind.TLS, lambda e, a: (
        f"TLS handshake with {a.host}:{a.port} failed: {e.reason or e}. "
        "Does the server speak TLS on that port (wss:// vs ws://)?")),
    Rule(H, InvalidMessage, Kind.PROTOCOL, lambda e, a: (
        f"{a.host}:{a.port} did not answer with HTTP (is it the alecs WebSocket port, "
        f"and {'TLS' if a.secure else 'plain'} as the URL says?)")),
    Rule(H, InvalidURI, Kind.CONFIG, lambda e, a: f"invalid URL {a.url!r}"),
    Rule(H, InvalidHandshake, Kind.PROTOCOL, lambda e, a: f"WebSocket handshake with {a.url} failed: {e}"),
    Rule(H, TimeoutError, Kind.TCP, lambda e, a: f"timed out waiting for the WebSocket handshake with {a.url}"),
    Rule(H, (OSError, EOFError), Kind.TCP, lambda e, a: f"connection to {a.url} dropped during the handshake: {e}"),
)


def diagnose(exc: BaseException, attempt: Attempt) -> TunnelError:
    """The ``TunnelError`` for ``exc`` raised during ``attempt`` (a ``TunnelError`` is already one)."""
    if isinstance(exc, TunnelError):
        return exc
    for rule in RULES:
        if rule.stage is attempt.stage and isinstance(exc, rule.catches) and (rule.when is None or rule.when(exc)):
            text = rule.text(exc, attempt)
            if rule.kind is Kind.CONFIG:
                return ConfigError(text)
            wait = retry_after(exc.response.headers.get("Retry-After")) if isinstance(exc, InvalidStatus) else None
            return TunnelError(rule.kind, text, retry_after=wait)
    target = attempt.url or f"{attempt.host}:{attempt.port}"
    return TunnelError(Kind.PROTOCOL, f"unexpected failure connecting to {target}: {type(exc).__name__}: {exc}")
