"""Settings both remote transports share: neutral names, ALECS_WS_* aliases, no silent WebSocket names on HTTP."""

from __future__ import annotations

import argparse
import logging

import pytest

from alecs.errors import ConfigError
from alecs.transports.settings import ALIASES, Limits, resolve_settings


def args(transport: str = "websocket", **flags: object) -> argparse.Namespace:
    base = {"transport": transport, "host": None, "port": None, "path": None, "insecure_bind": False,
            "tls_cert": None, "tls_key": None}
    return argparse.Namespace(**(base | flags))


def test_defaults_without_environment():
    s = resolve_settings(args(), {})
    assert (s.host, s.port, s.path, s.limits) == ("127.0.0.1", 8082, "/mcp", Limits())


@pytest.mark.parametrize("transport", ["websocket", "http"])
def test_neutral_names_govern_both_transports(transport, caplog):
    env = {"ALECS_HOST": "::1", "ALECS_PORT": "9000", "ALECS_PATH": "rpc", "ALECS_MAX_CONNECTIONS": "7",
           "ALECS_MAX_INFLIGHT": "3", "ALECS_MAX_MESSAGE_BYTES": "1024", "ALECS_HANDSHAKE_TIMEOUT": "2.5",
           "ALECS_ALLOWED_ORIGINS": "https://a.example, https://b.example"}
    s = resolve_settings(args(transport), env)
    assert (s.host, s.port, s.path) == ("::1", 9000, "/rpc")
    assert (s.limits.max_connections, s.limits.max_inflight, s.limits.max_message) == (7, 3, 1024)
    assert s.limits.handshake_timeout == 2.5
    assert s.allowed_origins == {"https://a.example", "https://b.example"}
    assert not caplog.records


def test_websocket_aliases_still_work_for_websocket_and_the_neutral_name_wins():
    s = resolve_settings(args(), {"ALECS_WS_MAX_CONNECTIONS": "5", "ALECS_WS_PORT": "9001", "ALECS_PORT": "9002"})
    assert s.limits.max_connections == 5 and s.port == 9002


def test_a_websocket_alias_on_http_applies_but_is_named_in_a_warning(caplog):
    caplog.set_level(logging.WARNING)
    s = resolve_settings(args("http"), {"ALECS_WS_MAX_CONNECTIONS": "5"})
    assert s.limits.max_connections == 5
    assert any("ALECS_WS_MAX_CONNECTIONS" in r.getMessage() and "ALECS_MAX_CONNECTIONS" in r.getMessage()
               for r in caplog.records)


def test_every_alias_is_a_websocket_spelling_of_its_neutral_name():
    assert all(alias == name.replace("ALECS_", "ALECS_WS_", 1) for name, alias in ALIASES.items())


def test_flags_win_over_the_environment():
    s = resolve_settings(args(host="0.0.0.0", port=0, path="/x"), {"ALECS_HOST": "::1", "ALECS_PORT": "9"})
    assert (s.host, s.port, s.path) == ("0.0.0.0", 0, "/x")


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "ten", "1e400"])
def test_a_bad_number_is_refused_with_the_setting_name(value):
    with pytest.raises(ConfigError, match="ALECS_HANDSHAKE_TIMEOUT"):
        resolve_settings(args(), {"ALECS_HANDSHAKE_TIMEOUT": value})
