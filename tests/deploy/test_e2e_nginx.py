"""End to end, nginx mode: nginx terminates TLS (certificate from pebble through certbot's webroot) in front of
alecs on loopback; a WebSocket client reaches alecs through nginx with a token and is refused without one; Prometheus
scrapes /metrics through nginx as ansible/README.md says; with `alecs_transport: http` and `alecs_oauth: true` nginx
passes OAuth discovery and the OAuth endpoints to alecs."""

from __future__ import annotations

import asyncio
import http.client
import json
import re
import shlex
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploytest import (
    ANSIBLE_DIR,
    CT_IP,
    MCP_PROTOCOL,
    TLS_DOMAIN,
    AnsibleRun,
    Pebble,
    Recap,
    generate_token,
    poll,
    run,
    tcp_probe,
    ws_initialize,
    ws_mcp_session,
    ws_request,
)
from websockets.exceptions import InvalidStatus

from tests.transports.test_prometheus_scrape import Prometheus, require_prometheus

pytestmark = pytest.mark.slow

URL = f"wss://{CT_IP}:443/mcp"


@dataclass
class NginxHost:
    first: Recap
    second: Recap
    runner: AnsibleRun
    trust: ssl.SSLContext
    issuing_ca: str  # PEM of the root that signed nginx' certificate
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
    return NginxHost(first, second, ansible_run, pebble.issued_trust(), pebble.root_ca_pem(), variables)


def test_nginx_mode_playbook_is_idempotent(nginx_host: NginxHost) -> None:
    assert nginx_host.first.changed > 0
    assert nginx_host.second.changed == 0, nginx_host.second.output[-6000:]


def test_websocket_client_reaches_alecs_through_nginx_with_a_token(nginx_host: NginxHost) -> None:
    ct = nginx_host.runner.container
    token = generate_token(ct, "nginx-e2e")["token"]
    try:  # the token made a moment ago is accepted on its first connection
        session = ws_mcp_session(URL, token, ssl=nginx_host.trust, server_hostname=TLS_DOMAIN)
    except Exception as exc:
        journal = ct.ssh("journalctl -u alecs -u nginx --no-pager -n 40", check=False).stdout
        raise AssertionError(f"{exc!r}\n--- journal\n{journal}") from exc
    with session as ws:
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


METRICS_SECTION = "\n## Scraping /metrics\n"
DOCUMENTED_HOST = "admin@mcp1.example.com"


def ansible_readme_metrics_recipe() -> tuple[str, dict[str, Any]]:
    """ansible/README.md's command that writes a metrics token to a file, and its Prometheus scrape configuration."""
    text = (ANSIBLE_DIR / "README.md").read_text()
    section = text.split(METRICS_SECTION, 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    commands = [line for line in re.findall(r"```bash\n(.*?)```", section, re.S)[0].splitlines()
                if "alecs-token generate --scope metrics" in line]  # fmt: skip
    configs = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", section, re.S)]
    assert len(commands) == 1 and len(configs) == 1, section
    return commands[0].partition("  # ")[0].strip(), configs[0]


@dataclass
class Reply:
    status: int
    headers: Any  # http.client.HTTPMessage
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


def _https(host: NginxHost, method: str, path: str, body: bytes | str | None = None,
           headers: dict[str, str] | None = None) -> Reply:
    """One request to https://DOMAIN<path> through nginx (SNI and Host are the domain; the address the container's)."""
    raw = socket.create_connection((CT_IP, 443), timeout=30)
    conn = http.client.HTTPConnection(TLS_DOMAIN, timeout=30)
    conn.sock = host.trust.wrap_socket(raw, server_hostname=TLS_DOMAIN)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read().decode(errors="replace"))
    finally:
        conn.close()


def _post_mcp(host: NginxHost, body: dict[str, Any], token: str | None) -> Reply:
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return _https(host, "POST", "/mcp", json.dumps(body), headers)


INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": MCP_PROTOCOL, "capabilities": {}, "clientInfo": {"name": "nginx-http", "version": "0"}}}


def test_a_metrics_token_made_as_documented_lets_prometheus_scrape_through_nginx(nginx_host: NginxHost,
                                                                                  tmp_path: Path) -> None:
    """ansible/README.md's command makes the token and its scrape configuration (nginx mode) is run by a real
    Prometheus, as written but for the target's address, the CA and the credentials file's place."""
    ct = nginx_host.runner.container
    command, config = ansible_readme_metrics_recipe()
    # run as written, in bash on this machine; only the ssh destination is the container's (root: no sudo there)
    ssh = f"ssh {DOCUMENTED_HOST} sudo "
    assert command.startswith(ssh) and command.endswith("> alecs-metrics.token"), command
    run(["bash", "-c", shlex.join(ct.ssh_base()) + " " + command.removeprefix(ssh)], cwd=tmp_path)
    token = (tmp_path / "alecs-metrics.token").read_text().strip()
    assert re.fullmatch(r"alecs_\S+", token), "the file should hold the token alone"
    assert _https(nginx_host, "GET", "/metrics").status == 401
    mcp_token = generate_token(ct, "not-for-metrics")["token"]
    assert _https(nginx_host, "GET", "/metrics", headers={"Authorization": f"Bearer {mcp_token}"}).status == 403

    job = config["scrape_configs"][0]
    assert job["scheme"] == "https" and job["static_configs"][0]["targets"] == ["mcp1.example.com"], job
    credentials = tmp_path / "alecs-metrics.token"
    credentials.chmod(0o600)
    ca = tmp_path / "issuer.pem"
    ca.write_text(nginx_host.issuing_ca)
    job["authorization"]["credentials_file"] = str(credentials)
    job["static_configs"] = [{"targets": [f"{CT_IP}:443"]}]  # mcp1.example.com is alecs.test at this address
    job["tls_config"] = {**job.get("tls_config", {}), "ca_file": str(ca), "server_name": TLS_DOMAIN}
    config["global"] = {"scrape_interval": "1s", "scrape_timeout": "1s"}
    prometheus = Prometheus(require_prometheus(), config, tmp_path / "prometheus")
    try:
        up = poll(lambda: asyncio.run(prometheus.target()), 60, "Prometheus to scrape alecs through nginx")
        assert up["health"] == "up", up["lastError"]
        built = poll(lambda: asyncio.run(prometheus.query("alecs_build_info")), 30, "alecs_build_info in Prometheus")
        assert built[0]["metric"]["version"], built
    finally:
        prometheus.stop()


@pytest.fixture(scope="module")
def oauth_host(nginx_host: NginxHost) -> NginxHost:
    """The nginx host switched (one playbook run) to Streamable HTTP with OAuth and JSON logs. Used by the tests
    after the WebSocket ones; only the switch to tunnel mode comes after them."""
    switched = nginx_host.runner.playbook({**nginx_host.variables, "alecs_transport": "http", "alecs_oauth": True,
                                           "alecs_log_format": "json"})  # fmt: skip
    assert switched.changed > 0
    return nginx_host


def test_alecs_transport_http_with_oauth_serves_streamable_http_and_oauth_through_nginx(oauth_host: NginxHost) -> None:
    """MCP's Streamable HTTP with OAuth behind the same nginx: discovery and the OAuth endpoints reach alecs, a bearer
    token still works, a request without one is pointed at the resource metadata."""
    nginx_host = oauth_host
    ct = nginx_host.runner.container
    assert "--transport http" in ct.ssh("systemctl show -P ExecStart alecs").stdout
    env = ct.ssh("cat /etc/alecs/alecs.env").stdout.splitlines()
    assert {"ALECS_OAUTH=1", f"ALECS_PUBLIC_URL=https://{TLS_DOMAIN}/mcp"} <= set(env), env

    resource = _https(nginx_host, "GET", "/.well-known/oauth-protected-resource/mcp")
    assert resource.status == 200, resource
    assert resource.json()["resource"] == f"https://{TLS_DOMAIN}/mcp"
    assert [s.rstrip("/") for s in resource.json()["authorization_servers"]] == [f"https://{TLS_DOMAIN}"]
    server = _https(nginx_host, "GET", "/.well-known/oauth-authorization-server")
    assert server.status == 200, server
    issuer = server.json()
    assert issuer["issuer"].rstrip("/") == f"https://{TLS_DOMAIN}"
    for endpoint in ("authorization_endpoint", "token_endpoint", "registration_endpoint", "revocation_endpoint"):
        assert issuer[endpoint].startswith(f"https://{TLS_DOMAIN}/"), issuer

    refused = _post_mcp(nginx_host, INITIALIZE, None)
    assert refused.status == 401
    challenge = refused.headers.get("WWW-Authenticate", "")
    assert challenge.startswith("Bearer ")
    assert f'resource_metadata="https://{TLS_DOMAIN}/.well-known/oauth-protected-resource/mcp"' in challenge

    # every OAuth endpoint answers as alecs (its JSON errors, the sign-in page), not as nginx' catch-all 404
    for method, path, body, content_type in [
        ("POST", "/register", "{}", "application/json"),
        ("POST", "/token", "grant_type=authorization_code", "application/x-www-form-urlencoded"),
        ("POST", "/revoke", "token=x", "application/x-www-form-urlencoded"),
        ("GET", "/authorize?client_id=unknown", None, None),
        ("GET", "/authorize/consent", None, None),
    ]:  # fmt: skip
        reply = _https(nginx_host, method, path, body, {"Content-Type": content_type} if content_type else {})
        assert reply.status != 404 and "<center>nginx</center>" not in reply.text, (path, reply)
    stylesheet = _https(nginx_host, "GET", "/authorize/consent.css")
    assert stylesheet.status == 200 and stylesheet.headers.get("Content-Type", "").startswith("text/css")
    # a body larger than the OAuth locations allow stops at nginx
    big = _https(nginx_host, "POST", "/register", "x" * (17 * 1024), {"Content-Type": "application/json"})
    assert big.status == 413, big

    token = generate_token(ct, "nginx-http")["token"]
    answered = _post_mcp(nginx_host, INITIALIZE, token)  # a new token works on its first request
    assert answered.status == 200, answered
    content_type = answered.headers.get("Content-Type", "")
    payloads = [line.removeprefix("data:").strip() for line in answered.text.splitlines() if line.startswith("data:")]
    message = json.loads(payloads[0] if content_type.startswith("text/event-stream") else answered.text)
    assert message["id"] == 1 and message["result"]["serverInfo"], message


def test_alecs_log_format_json_writes_one_json_object_per_journal_line(oauth_host: NginxHost) -> None:
    ct = oauth_host.runner.container
    assert "ALECS_LOG_FORMAT=json" in ct.ssh("cat /etc/alecs/alecs.env").stdout.splitlines()
    pid = ct.ssh("systemctl show -P MainPID alecs").stdout.strip()
    lines = ct.ssh(f"journalctl -u alecs _PID={pid} -o cat --no-pager").stdout.splitlines()
    assert lines, "alecs logged nothing since it started with JSON logs"
    records = [json.loads(line) for line in lines]  # every line, not just some
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records), records[:3]


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
