"""End to end, nginx mode: nginx terminates TLS (certificate from pebble through certbot's webroot) in front of
alecs on loopback; a WebSocket client reaches alecs through nginx with a token and is refused without one."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
from dataclasses import dataclass
from typing import Any

import pytest
from deploytest import (
    CT_IP,
    MCP_PROTOCOL,
    TLS_DOMAIN,
    AnsibleRun,
    Pebble,
    Recap,
    generate_token,
    poll,
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
    variables: dict[str, Any]


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
    return NginxHost(first, second, ansible_run, pebble.issued_trust(), variables)


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


def _post_mcp(host: NginxHost, body: dict[str, Any], token: str | None) -> tuple[int, str, str]:
    """POST https://DOMAIN/mcp through nginx (SNI and Host are the domain; the address is the container's)."""
    raw = socket.create_connection((CT_IP, 443), timeout=30)
    conn = http.client.HTTPConnection(TLS_DOMAIN, timeout=30)
    conn.sock = host.trust.wrap_socket(raw, server_hostname=TLS_DOMAIN)
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request("POST", "/mcp", body=json.dumps(body), headers=headers)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read().decode()
    finally:
        conn.close()


def test_alecs_transport_http_serves_streamable_http_through_nginx(nginx_host: NginxHost) -> None:
    """Runs last: it changes the host. MCP's Streamable HTTP behind the same nginx, with a token and without."""
    ct = nginx_host.runner.container
    switched = nginx_host.runner.playbook({**nginx_host.variables, "alecs_transport": "http"})
    assert switched.changed > 0
    assert "--transport http" in ct.ssh("systemctl show -P ExecStart alecs").stdout
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": MCP_PROTOCOL, "capabilities": {}, "clientInfo": {"name": "nginx-http", "version": "0"}}}
    status, _, _ = _post_mcp(nginx_host, initialize, None)
    assert status == 401
    token = generate_token(ct, "nginx-http")["token"]
    answered = poll(lambda: (reply := _post_mcp(nginx_host, initialize, token))[0] == 200 and reply, 30,
                    "the new token to be accepted over Streamable HTTP")  # fmt: skip
    _, content_type, text = answered
    payloads = [line.removeprefix("data:").strip() for line in text.splitlines() if line.startswith("data:")]
    message = json.loads(payloads[0] if content_type.startswith("text/event-stream") else text)
    assert message["id"] == 1 and message["result"]["serverInfo"], message


def test_switching_to_tunnel_removes_the_nginx_site_and_the_certificate(nginx_host: NginxHost) -> None:
    """Runs last: nginx mode's files, certificate and renewal go; nginx itself stays, serving nothing of alecs."""
    ct = nginx_host.runner.container
    variables = {k: v for k, v in nginx_host.variables.items() if not k.startswith(("alecs_tls_", "alecs_acme_"))}
    switched = nginx_host.runner.playbook({**variables, "alecs_mode": "tunnel"})
    assert switched.changed > 0
    gone = (f"/etc/nginx/conf.d/alecs.conf /etc/nginx/conf.d/alecs-http.conf /usr/local/lib/alecs/certbot-deploy-hook "
            f"/etc/letsencrypt/renewal/{TLS_DOMAIN}.conf /etc/letsencrypt/live/{TLS_DOMAIN}")  # fmt: skip
    assert ct.ssh(f"for p in {gone}; do [ -e $p ] && echo $p; done; true").stdout.split() == []
    assert ct.ssh("systemctl is-enabled certbot.timer", check=False).stdout.strip() == "disabled"
    assert ct.ssh("systemctl is-active nginx").stdout.strip() == "active"
    assert ":443" not in ct.ssh("ss -Hltn").stdout  # the reloaded nginx no longer serves the alecs site
    status = ct.ssh("ufw status verbose").stdout
    assert {line.split()[0] for line in status.splitlines() if "ALLOW IN" in line} == {"22/tcp"}, status
    assert tcp_probe(CT_IP, 443) == "filtered"
