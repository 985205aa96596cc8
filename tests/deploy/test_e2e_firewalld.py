"""End to end, the firewalld branch: tunnel mode with `alecs_firewall: firewalld` on the Debian bookworm container
(firewalld is packaged in Debian; RHEL-family hosts pick this branch by default). The host answers on SSH only: the
public zone's target is DROP, proven from the host with a listener that firewalld, not the bind address, keeps out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from deploytest import (
    CT_IP,
    AnsibleRun,
    Container,
    Recap,
    generate_token,
    poll,
    tcp_probe,
    tunnel_check,
    tunnel_client,
)

pytestmark = pytest.mark.slow

PROBE_PORT = 8099  # a throwaway listener on the container's veth address (no alecs mode opens it)
PROBE_UNIT = "alecs-fw-probe"


@dataclass
class FirewalldHost:
    first: Recap
    second: Recap
    runner: AnsibleRun

    @property
    def ct(self) -> Container:
        return self.runner.container


@pytest.fixture(scope="module")
def firewalld_host(ansible_run: AnsibleRun, wheelhouse: Any) -> FirewalldHost:
    variables = ansible_run.base_vars(wheelhouse, alecs_firewall="firewalld")  # alecs_mode defaults to tunnel
    first = ansible_run.playbook(variables)
    second = ansible_run.playbook(variables)
    return FirewalldHost(first, second, ansible_run)


def _firewall_cmd(ct: Container, *args: str, check: bool = True) -> str:
    return ct.ssh("firewall-cmd " + " ".join(args), check=check, timeout=30).stdout.strip()


def _runtime_public_zone(ct: Container) -> dict[str, str]:
    """`firewall-cmd --zone=public --list-all` (the runtime configuration) as {"target": "DROP", ...}."""
    listed = _firewall_cmd(ct, "--zone=public", "--list-all", check=False)
    pairs = (line.strip().partition(":") for line in listed.splitlines()[1:])
    return {key: value.strip() for key, sep, value in pairs if sep}


def test_playbook_succeeds_and_the_second_run_changes_nothing(firewalld_host: FirewalldHost) -> None:
    assert firewalld_host.first.changed > 0
    assert firewalld_host.first.failed == 0
    assert firewalld_host.second.changed == 0, firewalld_host.second.output[-6000:]
    assert "Install firewalld" in firewalld_host.first.output
    assert "Install ufw" not in firewalld_host.first.output


def test_alecs_and_firewalld_are_running_and_ufw_is_not_installed(firewalld_host: FirewalldHost) -> None:
    ct = firewalld_host.ct
    assert ct.ssh("systemctl is-active alecs").stdout.strip() == "active"
    assert ct.ssh("systemctl is-active firewalld").stdout.strip() == "active"
    assert ct.ssh("systemctl is-enabled firewalld").stdout.strip() == "enabled"
    assert _firewall_cmd(ct, "--state") == "running"
    assert ct.ssh("dpkg-query -W -f '${Status}' ufw", check=False).stdout.strip() != "install ok installed"


def test_public_zone_drops_by_default_and_opens_only_ssh(firewalld_host: FirewalldHost) -> None:
    ct = firewalld_host.ct
    assert _firewall_cmd(ct, "--get-default-zone") == "public"
    assert _firewall_cmd(ct, "--permanent", "--zone=public", "--get-target") == "DROP"
    # --get-target reads the permanent configuration only; --list-all shows the runtime one. The role applies the
    # target with a reload (SIGHUP), which firewalld completes asynchronously.
    poll(lambda: _runtime_public_zone(ct).get("target") == "DROP", 30, "runtime target DROP of the public zone")
    assert _firewall_cmd(ct, "--zone=public", "--query-port=22/tcp") == "yes"
    for opts in (("--zone=public",), ("--permanent", "--zone=public")):
        assert _firewall_cmd(ct, *opts, "--list-ports").split() == ["22/tcp"], opts
    # the alecs and other modes' ports are not open, neither as ports nor as services
    services = _firewall_cmd(ct, "--zone=public", "--list-services").split()
    assert not {"http", "https"} & set(services), services
    for port in (80, 443, 8082):
        assert _firewall_cmd(ct, "--zone=public", f"--query-port={port}/tcp", check=False) == "no", port


def test_from_the_host_ssh_answers_and_the_alecs_port_does_not(firewalld_host: FirewalldHost) -> None:
    assert tcp_probe(CT_IP, 22) == "open"
    # alecs binds 127.0.0.1 (unfiltered, that would be "refused"); DROP sends nothing back at all
    assert tcp_probe(CT_IP, 8082) == "filtered"


def test_firewalld_itself_drops_a_listener_on_the_container_address(firewalld_host: FirewalldHost) -> None:
    ct = firewalld_host.ct
    local_connect = (
        f"python3 -c \"import socket; socket.create_connection(('{CT_IP}', {PROBE_PORT}), timeout=2).close()\""
    )
    ct.ssh(f"systemd-run --quiet --collect --unit={PROBE_UNIT} -p DynamicUser=yes "
           f"python3 -m http.server --bind {CT_IP} {PROBE_PORT}")  # fmt: skip
    try:
        # listening: reachable from inside the container (loopback traffic is not filtered)
        poll(lambda: ct.ssh(local_connect, check=False, timeout=15).returncode == 0, 30,
             f"the probe listener on {CT_IP}:{PROBE_PORT} inside the container")  # fmt: skip
        assert tcp_probe(CT_IP, PROBE_PORT) == "filtered"
        # control: opened in firewalld's runtime configuration, the same listener answers the host ...
        _firewall_cmd(ct, "--zone=public", f"--add-port={PROBE_PORT}/tcp")
        poll(lambda: tcp_probe(CT_IP, PROBE_PORT) == "open", 30, "the opened probe port from the host")
        # ... and closed again, it is dropped again
        _firewall_cmd(ct, "--zone=public", f"--remove-port={PROBE_PORT}/tcp")
        poll(lambda: tcp_probe(CT_IP, PROBE_PORT) == "filtered", 30, "the closed probe port to be dropped")
    finally:
        _firewall_cmd(ct, "--zone=public", f"--remove-port={PROBE_PORT}/tcp", check=False)
        ct.ssh(f"systemctl stop {PROBE_UNIT}", check=False, timeout=30)
    assert ct.ssh(f"systemctl is-active {PROBE_UNIT}", check=False).stdout.strip() != "active"
    assert _firewall_cmd(ct, "--zone=public", f"--query-port={PROBE_PORT}/tcp", check=False) == "no"


def test_alecs_tunnel_over_ssh_still_lists_tools(firewalld_host: FirewalldHost) -> None:
    ct = firewalld_host.ct
    token = generate_token(ct, "firewalld-e2e")["token"]
    tunnel_check(ct, token, "firewalld-check")
    client = tunnel_client(ct, token, "firewalld-tunnel")
    try:
        assert client.initialize().get("serverInfo")
        listed = client.request("tools/list")
        assert len(listed["result"]["tools"]) > 5, listed
    finally:
        client.close()


def test_switching_back_to_the_debian_default_ufw_turns_firewalld_off(
    firewalld_host: FirewalldHost, wheelhouse: Any
) -> None:
    """Runs last: it changes the host. alecs_firewall "" is the OS family's default, ufw on Debian."""
    ct, runner = firewalld_host.ct, firewalld_host.runner
    variables = runner.base_vars(wheelhouse, alecs_firewall="")
    switched = runner.playbook(variables)
    assert switched.changed > 0
    assert "Stop and disable firewalld" in switched.output
    again = runner.playbook(variables)
    assert again.changed == 0, again.output[-6000:]
    assert ct.ssh("systemctl is-active firewalld", check=False).stdout.strip() == "inactive"
    assert ct.ssh("systemctl is-enabled firewalld", check=False).stdout.strip() == "disabled"
    status = ct.ssh("ufw status verbose").stdout
    assert "Status: active" in status and "Default: deny (incoming)" in status, status
    assert {line.split()[0] for line in status.splitlines() if "ALLOW IN" in line} == {"22/tcp"}, status
    assert ct.ssh("systemctl is-active alecs").stdout.strip() == "active"
    assert tcp_probe(CT_IP, 22) == "open"
    assert tcp_probe(CT_IP, 8082) == "filtered"
