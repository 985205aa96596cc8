"""End to end, tls mode, reached the way operators get there: a host serving in tunnel mode is switched to tls while
the ACME server is down (the run fails at certbot), then again once it is up: the retry converges with no manual step
and alecs serves wss:// with the new certificate; a third run changes nothing. certbot gets the certificate from
pebble (real http-01 validation into the container, through its firewall), a forced renewal reloads alecs without
dropping an open session, and the README's dry-run renewal works. Last, tls -> tunnel removes what TLS needed, and
tunnel -> tls works again."""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography import x509
from deploytest import (
    CT_IP,
    REPO,
    TLS_DOMAIN,
    AnsibleRun,
    Container,
    Pebble,
    Recap,
    generate_token,
    pick_read_only_tool,
    poll,
    tcp_probe,
    ws_initialize,
    ws_mcp_session,
    ws_request,
)
from readme_steps import readme_steps
from websockets.exceptions import InvalidStatus

pytestmark = pytest.mark.slow

URL = f"wss://{CT_IP}:8082/mcp"
DEPLOY_HOOK = "/usr/local/lib/alecs/certbot-deploy-hook"


@dataclass
class TlsHost:
    tunnel: Recap
    failed: Recap
    second: Recap
    third: Recap
    runner: AnsibleRun
    pebble: Pebble
    trust: ssl.SSLContext
    tunnel_vars: dict[str, Any]
    tls_vars: dict[str, Any]

    @property
    def ct(self) -> Container:
        return self.runner.container


@pytest.fixture(scope="module")
def tls_host(ansible_run: AnsibleRun, wheelhouse: Any, pebble_stopped: Pebble) -> TlsHost:
    pebble = pebble_stopped
    tunnel_vars = ansible_run.base_vars(wheelhouse)
    tls_vars = ansible_run.base_vars(
        wheelhouse,
        alecs_mode="tls",
        alecs_tls_domain=TLS_DOMAIN,
        alecs_acme_server=pebble.directory,
        alecs_acme_ca_cert_src=str(pebble.https_ca),
        alecs_acme_challenge="standalone",
    )
    tunnel = ansible_run.playbook(tunnel_vars)
    assert not pebble.running
    failed = ansible_run.playbook(tls_vars, expect_failure=True)  # the ACME server is unreachable
    assert "Obtain the certificate (http-01)" in failed.output.split("fatal:")[0].rsplit("TASK [", 1)[-1], (
        failed.output[-4000:]
    )
    pebble.start()
    second = ansible_run.playbook(tls_vars)
    third = ansible_run.playbook(tls_vars)
    return TlsHost(tunnel, failed, second, third, ansible_run, pebble, pebble.issued_trust(), tunnel_vars, tls_vars)


def _served_certificate(host: TlsHost) -> x509.Certificate:
    with socket.create_connection((CT_IP, 8082), timeout=10) as raw:
        with host.trust.wrap_socket(raw, server_hostname=TLS_DOMAIN) as tls:
            der = tls.getpeercert(binary_form=True)
    assert der is not None
    return x509.load_der_x509_certificate(der)


def test_a_failed_switch_to_tls_is_completed_by_the_next_run_with_no_manual_step(tls_host: TlsHost) -> None:
    assert tls_host.failed.failed == 1
    assert tls_host.second.changed > 0
    # the retry restarted alecs onto tls: wss:// with the certificate pebble just issued (verified against its root)
    cert = _served_certificate(tls_host)
    assert TLS_DOMAIN in cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName
    )
    listening = tls_host.ct.ssh("ss -Hltn").stdout
    assert "0.0.0.0:8082" in listening and "127.0.0.1:8082" not in listening, listening


def test_a_third_run_changes_nothing(tls_host: TlsHost) -> None:
    assert tls_host.third.changed == 0, tls_host.third.output[-6000:]


def test_certificate_is_issued_by_the_acme_server_for_the_domain(tls_host: TlsHost) -> None:
    cert = _served_certificate(tls_host)  # verified against pebble's root with hostname check
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert TLS_DOMAIN in names.get_values_for_type(x509.DNSName)
    assert "Pebble" in cert.issuer.rfc4514_string()


def test_wss_answers_mcp_and_calls_a_sandbox_tool_with_a_token_and_refuses_without(tls_host: TlsHost) -> None:
    token = generate_token(tls_host.ct, "tls-e2e")["token"]
    with ws_mcp_session(URL, token, ssl=tls_host.trust, server_hostname=TLS_DOMAIN) as ws:
        ws_initialize(ws)
        tools = ws_request(ws, 2, "tools/list")["result"]["tools"]
        tool = pick_read_only_tool(tools)
        called = ws_request(ws, 3, "tools/call", {"name": tool["name"], "arguments": {}})
        assert not called["result"].get("isError") and called["result"]["content"], called
    with pytest.raises(InvalidStatus) as refused:
        with ws_mcp_session(URL, None, ssl=tls_host.trust, server_hostname=TLS_DOMAIN):
            pass
    assert refused.value.response.status_code == 401


def test_firewall_opens_ssh_80_and_the_alecs_port_only(tls_host: TlsHost) -> None:
    status = tls_host.ct.ssh("ufw status verbose").stdout
    assert "Default: deny (incoming)" in status
    allowed = {line.split()[0] for line in status.splitlines() if "ALLOW IN" in line}
    assert allowed == {"22/tcp", "80/tcp", "8082/tcp"}, status
    assert tcp_probe(CT_IP, 8082) == "open"
    assert tcp_probe(CT_IP, 443) == "filtered"


def test_renewal_runs_on_the_distribution_timer(tls_host: TlsHost) -> None:
    ct = tls_host.ct
    assert ct.ssh("systemctl is-enabled certbot.timer").stdout.strip() == "enabled"
    assert ct.ssh("systemctl is-active certbot.timer").stdout.strip() == "active"
    conf = ct.ssh(f"cat /etc/letsencrypt/renewal/{TLS_DOMAIN}.conf").stdout
    assert f"renew_hook = {DEPLOY_HOOK}" in conf
    assert f"server = {tls_host.pebble.directory}" in conf


def test_the_documented_dry_run_renewal_uses_the_roles_acme_server(tls_host: TlsHost) -> None:
    (step,) = [s for s in readme_steps(REPO / "ansible" / "README.md", "## Day-2 operations", block=1)
               if "certbot renew --dry-run" in s.command]  # fmt: skip
    command = step.substituted("https://acme.example.com/directory", tls_host.pebble.directory, named="the URL")
    # over ssh without a terminal, as an operator's `ssh host sudo certbot ...` (root here: no sudo needed)
    out = tls_host.ct.ssh(command.removeprefix("sudo "), timeout=300)
    text = out.stdout + out.stderr
    assert "Congratulations, all simulated renewals succeeded" in text, text[-3000:]
    assert "staging" not in text.lower(), text[-3000:]


def test_forced_renewal_reloads_alecs_without_dropping_an_open_session(tls_host: TlsHost) -> None:
    ct = tls_host.ct
    before = _served_certificate(tls_host)
    pid = ct.ssh("systemctl show -P MainPID alecs").stdout.strip()
    restarts = ct.ssh("systemctl show -P NRestarts alecs").stdout.strip()
    token = generate_token(ct, "renewal")["token"]
    with ws_mcp_session(URL, token, ssl=tls_host.trust, server_hostname=TLS_DOMAIN) as ws:
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
    assert ct.ssh("systemctl show -P NRestarts alecs").stdout.strip() == restarts
    assert "Reloaded alecs.service" in ct.ssh("journalctl -u alecs --no-pager -o cat").stdout


def test_certificate_copy_for_alecs_is_group_readable_only(tls_host: TlsHost) -> None:
    out = tls_host.ct.ssh("stat -c '%a %U %G' /etc/alecs/tls/privkey.pem /etc/alecs/tls").stdout
    assert out.split("\n")[:2] == ["640 root alecs", "750 root alecs"]


def test_switching_to_tunnel_leaves_nothing_of_tls_enabled_and_back_to_tls_works(tls_host: TlsHost) -> None:
    """Runs last: it changes the host."""
    ct, runner = tls_host.ct, tls_host.runner
    to_tunnel = runner.playbook(tls_host.tunnel_vars)
    assert to_tunnel.changed > 0
    assert ct.ssh("systemctl is-enabled certbot.timer", check=False).stdout.strip() == "disabled"
    assert ct.ssh("systemctl is-active certbot.timer", check=False).stdout.strip() == "inactive"
    gone = f"{DEPLOY_HOOK} /etc/alecs/tls /etc/letsencrypt/renewal/{TLS_DOMAIN}.conf /etc/letsencrypt/live/{TLS_DOMAIN}"
    left = ct.ssh(f"for p in {gone}; do [ -e $p ] && echo $p; done; true").stdout.split()
    assert left == [], left
    assert "ALECS_SSL_" not in ct.ssh("cat /etc/alecs/alecs.env").stdout
    status = ct.ssh("ufw status verbose").stdout
    assert {line.split()[0] for line in status.splitlines() if "ALLOW IN" in line} == {"22/tcp"}, status
    assert tcp_probe(CT_IP, 80) == "filtered"
    assert tcp_probe(CT_IP, 8082) == "filtered"
    assert "127.0.0.1:8082" in ct.ssh("ss -Hltn").stdout

    back = runner.playbook(tls_host.tls_vars)
    assert back.changed > 0
    assert ct.ssh("systemctl is-enabled certbot.timer").stdout.strip() == "enabled"
    assert TLS_DOMAIN in _served_certificate(tls_host).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    ).value.get_values_for_type(x509.DNSName)
    token = generate_token(ct, "back-to-tls")["token"]
    with ws_mcp_session(URL, token, ssl=tls_host.trust, server_hostname=TLS_DOMAIN) as ws:
        ws_initialize(ws)
        assert ws_request(ws, 2, "tools/list")["result"]["tools"]
