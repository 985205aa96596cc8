"""The one table from exceptions to the tunnel's outcomes: kind, exit code, retry or stop."""

from __future__ import annotations

import email.utils
import json
import socket
from datetime import UTC, datetime, timedelta

import paramiko
import pytest
from websockets.datastructures import Headers
from websockets.exceptions import InvalidStatus
from websockets.http11 import Response

from alecs_tunnel.diagnosis import RULES, Attempt, Stage, diagnose, retry_after
from alecs_tunnel.errors import OUTCOMES, ConfigError, Kind, TunnelError
from alecs_tunnel.ssh_config import HostSpec

SPEC = HostSpec(alias="mcp", hostname="10.0.0.5", port=2201, user="deploy", known_hosts=["/kh"])


def ssh(**more: object) -> Attempt:
    return Attempt(Stage.SSH, SPEC.hostname, SPEC.port, ssh=SPEC, **more)  # type: ignore[arg-type]


def handshake(token: str = "") -> Attempt:
    return Attempt(Stage.HANDSHAKE, "mcp1.example.com", 443, url="wss://mcp1.example.com/mcp", secure=True,
                   token=token)


def status(code: int, body: dict[str, str] | None = None, **headers: str) -> InvalidStatus:
    data = json.dumps(body).encode() if body else b""
    return InvalidStatus(Response(code, "", Headers({k.replace("_", "-"): v for k, v in headers.items()}), data))


def test_every_kind_has_one_outcome_and_every_rule_a_kind() -> None:
    assert set(OUTCOMES) == set(Kind)
    assert {rule.kind for rule in RULES} <= set(Kind)
    assert {rule.stage for rule in RULES} == set(Stage)


@pytest.mark.parametrize(
    ("exc", "attempt", "kind", "exit_code", "fatal", "words"),
    [
        (socket.gaierror(-2, "Name or service not known"), ssh(), Kind.DNS, 3, False, "cannot resolve SSH host"),
        (ConnectionRefusedError(111, "refused"), ssh(), Kind.TCP, 3, False, "is sshd running"),
        (TimeoutError(), ssh(), Kind.TCP, 3, False, "timed out connecting to SSH server 10.0.0.5:2201"),
        (paramiko.AuthenticationException("no"), ssh(keys=("/k/id",)), Kind.SSH_AUTH, 4, True, "tried /k/id"),
        (paramiko.PasswordRequiredException("x"), ssh(), Kind.SSH_AUTH, 4, True, "ssh-add"),
        (paramiko.SSHException("kex failed"), ssh(), Kind.SSH, 3, False, "kex failed"),
        (paramiko.ChannelException(1, "prohibited"), Attempt(Stage.FORWARD, "127.0.0.1", 8082, ssh=SPEC),
         Kind.FORWARD, 3, True, "AllowTcpForwarding"),
        (paramiko.ChannelException(2, "Connection refused"), Attempt(Stage.FORWARD, "127.0.0.1", 8082, ssh=SPEC),
         Kind.TCP, 3, False, "could not connect to 127.0.0.1:8082 for the alecs server"),
        (ConnectionRefusedError(111, "refused"), Attempt(Stage.TCP, "h", 1), Kind.TCP, 3, False,
         "is the alecs server running"),
        (status(401), handshake(), Kind.HTTP_401, 4, True, "rejected the token"),
        (status(403), handshake(), Kind.HTTP_403, 4, True, "Origin"),
        (status(404), handshake(), Kind.HTTP, 3, False, "check the path"),
        (status(502), handshake(), Kind.HTTP, 3, False, "HTTP 502"),
        (EOFError(), handshake(), Kind.TCP, 3, False, "dropped during the handshake"),
        (ValueError("odd"), handshake(), Kind.PROTOCOL, 3, False, "unexpected failure"),
    ],
)
def test_an_exception_at_a_stage_becomes_its_kind_exit_code_and_retry_decision(
    exc: BaseException, attempt: Attempt, kind: Kind, exit_code: int, fatal: bool, words: str
) -> None:
    error = diagnose(exc, attempt)
    assert (error.kind, error.exit_code, error.fatal) == (kind, exit_code, fatal)
    assert words in error.message


def test_the_same_exception_means_different_things_at_different_stages() -> None:
    refused = ConnectionRefusedError(111, "refused")
    assert "sshd" in diagnose(refused, ssh()).message
    assert "alecs server" in diagnose(refused, Attempt(Stage.TCP, "h", 1)).message


def test_the_servers_reason_is_shown_without_the_token() -> None:
    error = diagnose(status(401, {"error": "Invalid token alecs_secret."}), handshake(token="alecs_secret"))
    assert "HTTP 401: Invalid token ***." in error.message
    assert "alecs_secret" not in error.message


def test_a_429_carries_the_servers_reason_and_retry_after_and_is_retried_with_exit_code_7() -> None:
    error = diagnose(status(429, {"error": "Too many failed attempts."}, Retry_After="60"), handshake())
    assert (error.kind, error.exit_code, error.fatal, error.retry_after) == (Kind.HTTP_429, 7, False, 60.0)
    assert "HTTP 429: Too many failed attempts." in error.message and "Retry after 60 s" in error.message
    silent = diagnose(status(429), handshake())
    assert silent.retry_after is None and "did not say when to retry" in silent.message


def test_retry_after_takes_seconds_or_an_http_date() -> None:
    soon = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    assert retry_after("120") == 120.0
    assert 80 < (retry_after(soon) or 0) <= 90
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: now
    assert retry_after("soon") is None and retry_after(None) is None and retry_after("-5") is None


def test_a_tunnel_error_passes_through_and_a_config_kind_is_a_config_error() -> None:
    mine = TunnelError(Kind.SSH, "already diagnosed")
    assert diagnose(mine, ssh()) is mine
    from websockets.exceptions import InvalidURI

    error = diagnose(InvalidURI("ws://", "no host"), handshake())
    assert isinstance(error, ConfigError) and error.exit_code == 2
