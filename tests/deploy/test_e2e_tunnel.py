"""End to end, tunnel mode (the default): one playbook run turns a fresh Debian bookworm host (systemd-nspawn,
real systemd, reached over SSH) into a hardened alecs service that is reachable only through SSH."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from deploytest import (
    CT_IP,
    AnsibleRun,
    Recap,
    StdioJsonRpc,
    generate_token,
    pick_read_only_tool,
    poll,
    tcp_probe,
    tunnel_check_until,
    tunnel_client,
)

pytestmark = pytest.mark.slow


@dataclass
class Provisioned:
    first: Recap
    second: Recap
    runner: AnsibleRun


@pytest.fixture(scope="module")
def provisioned(ansible_run: AnsibleRun, wheelhouse: Any) -> Provisioned:
    variables = ansible_run.base_vars(wheelhouse)  # alecs_mode defaults to tunnel
    first = ansible_run.playbook(variables)
    second = ansible_run.playbook(variables)
    return Provisioned(first, second, ansible_run)


def test_first_playbook_run_provisions_the_fresh_host(provisioned: Provisioned) -> None:
    assert provisioned.first.changed > 0
    assert provisioned.first.failed == 0


def test_second_playbook_run_changes_nothing(provisioned: Provisioned) -> None:
    assert provisioned.second.changed == 0, provisioned.second.output[-6000:]


def test_token_master_key_never_appears_in_ansible_output(provisioned: Provisioned) -> None:
    key = provisioned.runner.master_key
    assert key not in provisioned.first.output
    assert key not in provisioned.second.output


def test_alecs_is_active_as_its_own_user_under_systemd(provisioned: Provisioned) -> None:
    ct = provisioned.runner.container
    assert ct.ssh("systemctl is-active alecs").stdout.strip() == "active"
    assert ct.ssh("systemctl is-enabled alecs").stdout.strip() == "enabled"
    pid = ct.ssh("systemctl show -P MainPID alecs").stdout.strip()
    assert ct.ssh(f"stat -c %U /proc/{pid}").stdout.strip() == "alecs"
    status = ct.ssh(f"cat /proc/{pid}/status").stdout
    assert re.search(r"^NoNewPrivs:\s+1$", status, re.M), status
    assert re.search(r"^Seccomp:\s+2$", status, re.M), status
    assert re.search(r"^CapBnd:\s+0+$", status, re.M), status
    # bound to loopback only
    listening = ct.ssh("ss -Hltn").stdout
    assert re.search(r"127\.0\.0\.1:8082\b", listening), listening
    assert not re.search(r"(0\.0\.0\.0|\*|\[::\]):8082\b", listening), listening


def test_installed_unit_verifies_and_rates_at_most_2_0(provisioned: Provisioned) -> None:
    ct = provisioned.runner.container
    ct.ssh("systemd-analyze verify /etc/systemd/system/alecs.service")
    out = ct.ssh("systemd-analyze security --no-pager alecs.service").stdout
    score = float(re.search(r"Overall exposure level for alecs\.service: (\d+\.\d+)", out).group(1))
    assert score <= 2.0, out[-3000:]


def test_environment_file_and_edgerc_are_0600_and_owned_by_alecs(provisioned: Provisioned) -> None:
    ct = provisioned.runner.container
    out = ct.ssh("stat -c '%a %U %G %n' /etc/alecs/alecs.env /etc/alecs/edgerc").stdout.split("\n")
    assert out[0] == "600 alecs alecs /etc/alecs/alecs.env"
    assert out[1] == "600 alecs alecs /etc/alecs/edgerc"
    key_line = f"grep -c '^TOKEN_MASTER_KEY={provisioned.runner.master_key}$' /etc/alecs/alecs.env"
    assert ct.ssh(key_line).stdout.strip() == "1"
    remote = ct.ssh("cat /etc/alecs/edgerc").stdout
    assert remote == provisioned.runner.edgerc.read_text()


def test_firewall_denies_inbound_except_ssh(provisioned: Provisioned) -> None:
    ct = provisioned.runner.container
    status = ct.ssh("ufw status verbose").stdout
    assert "Status: active" in status
    assert "Default: deny (incoming)" in status
    allowed = {line.split()[0] for line in status.splitlines() if "ALLOW IN" in line}
    assert allowed == {"22/tcp"}, status


def test_alecs_port_is_not_reachable_from_the_host(provisioned: Provisioned) -> None:
    assert tcp_probe(CT_IP, 22) == "open"
    assert tcp_probe(CT_IP, 8082) != "open"


def _tunnel_check_until(provisioned: Provisioned, token: str, name: str, rc: int) -> None:
    tunnel_check_until(provisioned.runner.container, token, name, rc)


def _tunnel(provisioned: Provisioned, token: str, name: str) -> StdioJsonRpc:
    return tunnel_client(provisioned.runner.container, token, name)


def test_alecs_tunnel_over_ssh_lists_tools_and_calls_a_sandbox_tool(provisioned: Provisioned) -> None:
    token = generate_token(provisioned.runner.container, "tunnel-e2e")["token"]
    _tunnel_check_until(provisioned, token, "tunnel-check", 0)
    client = _tunnel(provisioned, token, "tunnel")
    try:
        info = client.initialize()
        assert info.get("serverInfo"), info
        listed = client.request("tools/list")
        tools = listed["result"]["tools"]
        assert len(tools) > 5, listed
        tool = pick_read_only_tool(tools)
        called = client.request("tools/call", {"name": tool["name"], "arguments": {}})
        assert "result" in called, called
        assert not called["result"].get("isError"), called
        assert called["result"]["content"], called
    finally:
        client.close()


def test_revoked_token_is_refused(provisioned: Provisioned) -> None:
    ct = provisioned.runner.container
    issued = generate_token(ct, "to-revoke")
    assert issued["id"] in ct.ssh("alecs-token list").stdout
    _tunnel_check_until(provisioned, issued["token"], "before-revoke", 0)
    ct.ssh(f"alecs-token revoke {issued['id']}")
    _tunnel_check_until(provisioned, issued["token"], "after-revoke", 4)  # 4: authentication refused
    client = _tunnel(provisioned, issued["token"], "revoked")
    try:
        with pytest.raises(AssertionError):
            client.initialize()
    finally:
        client.close()
    assert client.proc.returncode == 4, (ct.workdir / "revoked.stderr").read_text()  # 4: authentication refused


def test_reload_keeps_the_same_process_and_restart_brings_it_back(provisioned: Provisioned) -> None:
    ct = provisioned.runner.container
    pid = ct.ssh("systemctl show -P MainPID alecs").stdout.strip()
    ct.ssh("systemctl reload alecs")
    assert ct.ssh("systemctl is-active alecs").stdout.strip() == "active"
    assert ct.ssh("systemctl show -P MainPID alecs").stdout.strip() == pid
    ct.ssh("systemctl restart alecs")
    healthz = "python3 -c \"import urllib.request as u; u.urlopen('http://127.0.0.1:8082/healthz', timeout=2)\""
    poll(lambda: ct.ssh(healthz, check=False).returncode == 0, 60, "alecs /healthz after restart")
    assert ct.ssh("systemctl show -P MainPID alecs").stdout.strip() != pid


def test_alecs_logs_to_the_journal(provisioned: Provisioned) -> None:
    out = provisioned.runner.container.ssh("journalctl -u alecs --no-pager -o cat").stdout
    assert out.strip(), "journalctl -u alecs is empty"


def test_upgrade_by_rerunning_the_playbook_with_a_new_version(provisioned: Provisioned, upgrade_wheelhouse) -> None:
    """Day 2: set alecs_version to the new release and re-run the playbook (runs last: it changes the host)."""
    ct = provisioned.runner.container
    pid = ct.ssh("systemctl show -P MainPID alecs").stdout.strip()
    recap = provisioned.runner.playbook(provisioned.runner.base_vars(upgrade_wheelhouse))
    assert recap.changed > 0
    installed = ct.ssh("/opt/alecs/venv/bin/python -m pip show alecs").stdout
    assert f"Version: {upgrade_wheelhouse.version}" in installed, installed
    assert ct.ssh("systemctl is-active alecs").stdout.strip() == "active"
    assert ct.ssh("systemctl show -P MainPID alecs").stdout.strip() != pid  # restarted onto the new code
    again = provisioned.runner.playbook(provisioned.runner.base_vars(upgrade_wheelhouse))
    assert again.changed == 0, again.output[-6000:]
