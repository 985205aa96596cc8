"""End to end, tls mode: certbot gets a certificate from pebble (real http-01 validation into the container,
through its firewall), alecs serves wss:// with it, and a forced renewal reloads alecs without dropping an open
session."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography import x509
from deploytest import (
    CT_IP,
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

URL = f"wss://{CT_IP}:8082/mcp"


@dataclass
class TlsHost:
    first: Recap
    second: Recap
    runner: AnsibleRun
    pebble: Pebble
    trust: ssl.SSLContext


@pytest.fixture(scope="module")
def tls_host(ansible_run: AnsibleRun, wheelhouse: Any, pebble: Pebble) -> TlsHost:
    variables = ansible_run.base_vars(
        wheelhouse,
        alecs_mode="tls",
        alecs_tls_domain=TLS_DOMAIN,
        alecs_acme_server=pebble.directory,
        alecs_acme_ca_cert_src=str(pebble.https_ca),
        alecs_acme_challenge="standalone",
    )
    first, second = ansible_run.provision_twice(variables)
    return TlsHost(first, second, ansible_run, pebble, pebble.issued_trust())


def _served_certificate(host: TlsHost) -> x509.Certificate:
    import socket

    with socket.create_connection((CT_IP, 8082), timeout=10) as raw:
        with host.trust.wrap_socket(raw, server_hostname=TLS_DOMAIN) as tls:
            der = tls.getpeercert(binary_form=True)
    assert der is not None
    return x509.load_der_x509_certificate(der)


def test_tls_mode_playbook_is_idempotent(tls_host: TlsHost) -> None:
    assert tls_host.first.changed > 0
    assert tls_host.second.changed == 0, tls_host.second.output[-6000:]


def test_certificate_is_issued_by_the_acme_server_for_the_domain(tls_host: TlsHost) -> None:
    cert = _served_certificate(tls_host)  # verified against pebble's root with hostname check
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert TLS_DOMAIN in names.get_values_for_type(x509.DNSName)
    assert "Pebble" in cert.issuer.rfc4514_string()


def test_wss_answers_mcp_with_a_token_and_refuses_without(tls_host: TlsHost) -> None:
    token = generate_token(tls_host.runner.container, "tls-e2e")["token"]
    with ws_mcp_session_when_token_loaded(URL, token, ssl=tls_host.trust, server_hostname=TLS_DOMAIN) as ws:
        ws_initialize(ws)
        assert ws_request(ws, 2, "tools/list")["result"]["tools"]
    with pytest.raises(InvalidStatus) as refused:
        with ws_mcp_session(URL, None, ssl=tls_host.trust, server_hostname=TLS_DOMAIN):
            pass
    assert refused.value.response.status_code == 401


def test_firewall_opens_ssh_80_and_the_alecs_port_only(tls_host: TlsHost) -> None:
    status = tls_host.runner.container.ssh("ufw status verbose").stdout
    assert "Default: deny (incoming)" in status
    allowed = {line.split()[0] for line in status.splitlines() if "ALLOW IN" in line}
    assert allowed == {"22/tcp", "80/tcp", "8082/tcp"}, status
    assert tcp_probe(CT_IP, 8082) == "open"
    assert tcp_probe(CT_IP, 443) == "filtered"


def test_renewal_runs_on_the_distribution_timer(tls_host: TlsHost) -> None:
    ct = tls_host.runner.container
    assert ct.ssh("systemctl is-enabled certbot.timer").stdout.strip() == "enabled"
    assert ct.ssh("systemctl is-active certbot.timer").stdout.strip() == "active"
    conf = ct.ssh(f"cat /etc/letsencrypt/renewal/{TLS_DOMAIN}.conf").stdout
    assert "renew_hook = /usr/local/lib/alecs/certbot-deploy-hook" in conf
    assert f"server = {tls_host.pebble.directory}" in conf


def test_forced_renewal_reloads_alecs_without_dropping_an_open_session(tls_host: TlsHost) -> None:
    ct = tls_host.runner.container
    before = _served_certificate(tls_host)
    pid = ct.ssh("systemctl show -P MainPID alecs").stdout.strip()
    token = generate_token(ct, "renewal")["token"]
    with ws_mcp_session_when_token_loaded(URL, token, ssl=tls_host.trust, server_hostname=TLS_DOMAIN) as ws:
        ws_initialize(ws)
        assert ws_request(ws, 2, "tools/list")["result"]["tools"]
        ct.ssh("certbot renew --force-renewal --no-random-sleep-on-renew --non-interactive", timeout=180)
        after = poll(
            lambda: (c := _served_certificate(tls_host)).serial_number != before.serial_number and c,
            60, "alecs to serve the renewed certificate",
        )  # fmt: skip
        assert after.not_valid_before_utc >= before.not_valid_before_utc
        # the session opened before the renewal is still served
        assert ws_request(ws, 3, "tools/list")["result"]["tools"]
    assert ct.ssh("systemctl show -P MainPID alecs").stdout.strip() == pid
    assert ct.ssh("systemctl show -P NRestarts alecs").stdout.strip() == "0"
    assert "Reloaded alecs.service" in ct.ssh("journalctl -u alecs --no-pager -o cat").stdout


def test_certificate_copy_for_alecs_is_group_readable_only(tls_host: TlsHost) -> None:
    out = tls_host.runner.container.ssh("stat -c '%a %U %G' /etc/alecs/tls/privkey.pem /etc/alecs/tls").stdout
    assert out.split("\n")[:2] == ["640 root alecs", "750 root alecs"]
