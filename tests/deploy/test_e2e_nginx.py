"""End to end, nginx mode: nginx terminates TLS (certificate from pebble through certbot's webroot) in front of
alecs on loopback; a WebSocket client reaches alecs through nginx with a token and is refused without one."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any

import pytest
from deploytest import (
    CT_IP,
    TLS_DOMAIN,
    AnsibleRun,
    Pebble,
    Recap,
    generate_token,
    tcp_probe,
    ws_initialize,
    ws_mcp_session,
    ws_mcp_session_when_token_loaded,
    ws_request,
)
from websockets.exceptions import InvalidStatus

pytestmark = pytest.mark.slow

URL = f"wss://{CT_IP}:443/mcp"


@dataclass
class NginxHost:
    first: Recap
    second: Recap
    runner: AnsibleRun
    trust: ssl.SSLContext


@pytest.fixture(scope="module")
def nginx_host(ansible_run: AnsibleRun, wheelhouse: Any, pebble: Pebble) -> NginxHost:
    variables = ansible_run.base_vars(
        wheelhouse,
        alecs_mode="nginx",
        alecs_tls_domain=TLS_DOMAIN,
        alecs_acme_server=pebble.directory,
        alecs_acme_ca_cert_src=str(pebble.https_ca),
    )
    first, second = ansible_run.provision_twice(variables)
    return NginxHost(first, second, ansible_run, pebble.issued_trust())


def test_nginx_mode_playbook_is_idempotent(nginx_host: NginxHost) -> None:
    assert nginx_host.first.changed > 0
    assert nginx_host.second.changed == 0, nginx_host.second.output[-6000:]


def test_websocket_client_reaches_alecs_through_nginx_with_a_token(nginx_host: NginxHost) -> None:
    token = generate_token(nginx_host.runner.container, "nginx-e2e")["token"]
    with ws_mcp_session_when_token_loaded(URL, token, ssl=nginx_host.trust, server_hostname=TLS_DOMAIN) as ws:
        assert ws.subprotocol == "mcp"
        assert ws.response.headers.get("Access-Control-Allow-Origin") != "*"
        ws_initialize(ws)
        assert ws_request(ws, 2, "tools/list")["result"]["tools"]


def test_websocket_client_without_a_token_is_refused_through_nginx(nginx_host: NginxHost) -> None:
    with pytest.raises(InvalidStatus) as refused:
        with ws_mcp_session(URL, None, ssl=nginx_host.trust, server_hostname=TLS_DOMAIN):
            pass
    assert refused.value.response.status_code == 401
    assert refused.value.response.headers.get("Access-Control-Allow-Origin") != "*"
    with pytest.raises(InvalidStatus) as wrong:
        with ws_mcp_session(URL, "not-a-token", ssl=nginx_host.trust, server_hostname=TLS_DOMAIN):
            pass
    assert wrong.value.response.status_code == 401


def test_alecs_stays_on_loopback_and_the_firewall_opens_ssh_80_443_only(nginx_host: NginxHost) -> None:
    ct = nginx_host.runner.container
    status = ct.ssh("ufw status verbose").stdout
    assert "Default: deny (incoming)" in status
    allowed = {line.split()[0] for line in status.splitlines() if "ALLOW IN" in line}
    assert allowed == {"22/tcp", "80/tcp", "443/tcp"}, status
    assert tcp_probe(CT_IP, 8082) != "open"
    assert tcp_probe(CT_IP, 443) == "open"


def test_nginx_proxy_keeps_long_idle_websockets_and_passes_authorization(nginx_host: NginxHost) -> None:
    conf = nginx_host.runner.container.ssh("cat /etc/nginx/conf.d/alecs.conf").stdout
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert "proxy_read_timeout 3600s;" in conf
    assert "proxy_set_header Authorization $http_authorization;" in conf
    assert "Access-Control-Allow-Origin" not in conf
