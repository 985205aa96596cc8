"""End to end, tunnel mode (the default), reached by following README.md's "Deploy with Ansible" to the letter: its
commands, read from the README and typed one by one in a terminal, from a clone on a control node with Debian 12's
Python to `alecs-tunnel check` passing against a fresh Debian 12 host (a booted container dressed like a cloud image:
a sudo user `admin`, reached by its host name).

Nothing in the commands is changed but what the README says to replace (the token). The host name resolves through
the operator's /etc/hosts, as it would through DNS, and ssh uses the operator's ~/.ssh (both in a private mount
namespace, readme_steps.OperatorMachine); the .edgerc in the operator's home holds dummy credentials
(`alecs-tunnel check` lists tools and pings; it calls no Akamai API).

Then, on that host: a second run changes nothing, the service is hardened and reachable only through SSH, tokens
work and are revoked, systemd knows when alecs is ready and restarts it when its event loop hangs, and an upgrade
the way the README says (rebuild the wheelhouse from the newer checkout, run the playbook again) lands and restarts
alecs (a version bump is pip's own business; a rebuild of the same version is the role's). The other modes start
from the role run directly (deploytest.AnsibleRun)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from deploytest import (
    CT_IP,
    REPO,
    Container,
    StdioJsonRpc,
    generate_token,
    pick_read_only_tool,
    poll,
    require,
    run,
    tcp_probe,
    tunnel_check,
    tunnel_check_until,
    tunnel_client,
)
from readme_steps import OperatorMachine, Step, TerminalSession, Typed, first_match, readme_steps

pytestmark = pytest.mark.slow

HOST = "mcp1.example.com"
USER = "admin"
DEBIAN_PYTHON = "/usr/bin/python3"
TOKEN_RE = r"\balecs_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\b"
HEALTHZ_ONCE = "python3 -c \"import urllib.request as u; u.urlopen('http://127.0.0.1:8082/healthz', timeout=5)\""


@dataclass
class Operator:
    """The person at the control node: a home with ssh settings and an .edgerc, a clone, a terminal."""

    container: Container
    home: Path
    clone: Path
    terminal: TerminalSession
    vault_password: str
    master_key_file: Path
    typed: list[Typed] = field(default_factory=list)
    skipped_wheelhouse: Typed | None = None
    host_without_wheelhouse: tuple[str, str] = ("", "")  # what the role creates, before and after that run

    def type(self, command: str) -> Typed:
        result = self.terminal.type(command, password=self.vault_password)
        self.typed.append(result)
        return result

    def ssh(self, command: str) -> subprocess.CompletedProcess[str]:
        return self.terminal.run(["ssh", "-o", "BatchMode=yes", f"{USER}@{HOST}", command])

    @property
    def master_key(self) -> str:
        return self.master_key_file.read_text().strip()


def _dress_like_a_cloud_image(ct: Container) -> None:
    """A sudo user `admin` with the test key, as on Debian's cloud images (apt through the container's proxy)."""
    ct.ssh("DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends sudo", timeout=300)
    ct.ssh(f"useradd --create-home --shell /bin/bash --groups sudo {USER} && "
           f"install -d -m 0700 -o {USER} -g {USER} /home/{USER}/.ssh && "
           f"install -m 0600 -o {USER} -g {USER} /root/.ssh/authorized_keys /home/{USER}/.ssh/authorized_keys && "
           f"echo '{USER} ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/90-cloud-init-users && "
           "chmod 0440 /etc/sudoers.d/90-cloud-init-users")  # fmt: skip


def _operator_home(ct: Container, home: Path) -> None:
    """The operator's key (the one the host's admin accepts) and the host's key in known_hosts, by name."""
    ssh = home / ".ssh"
    ssh.mkdir(parents=True, mode=0o700)
    shutil.copy2(ct.key, ssh / "id_ed25519")
    keys = [line.split(" ", 1)[1] for line in ct.known_hosts.read_text().splitlines() if line.strip()]
    (ssh / "known_hosts").write_text("".join(f"{HOST} {key}\n" for key in keys))
    (home / ".edgerc").write_text(
        "[default]\nclient_secret = ZHVtbXktc2VjcmV0LWZvci1yZWFkbWUtdGVzdA==\nhost = akab-readme.luna.akamaiapis.net\n"
        "access_token = akab-access-readme\nclient_token = akab-client-readme\n"
    )
    (home / ".edgerc").chmod(0o600)


def _clone(dest: Path) -> None:
    """The checkout as `git clone` would give it, with this working tree's content (tracked and new files); outside
    a git checkout, the tree without what builds and runs leave behind."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO, check=False)
    if listed.returncode != 0:
        leftovers = shutil.ignore_patterns(".git", ".venv", "build", "dist", "wheelhouse", "*.egg-info", "__pycache__",
                                           ".pytest_cache", ".ruff_cache", ".mypy_cache")  # fmt: skip
        shutil.copytree(REPO, dest, ignore=leftovers, dirs_exist_ok=True)
        return
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def _editor(path: Path, key_file: Path) -> Path:
    """What the operator does in ansible-vault's editor: the line the README names, with a fresh key."""
    path.write_text(
        "#!/bin/sh\nkey=$(openssl rand -base64 32)\n"
        f'printf "%s\\n" "$key" > "{key_file}"\n'
        'printf "vault_alecs_token_master_key: %s\\n" "$key" > "$1"\n'
    )
    path.chmod(0o755)
    return path


def _operator_env(home: Path, editor: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items()
            if k.startswith(("PIP_", "LANG", "LC_")) or k.lower().endswith("_proxy") or k in ("TMPDIR", "USER")}
    pip_cache = Path(os.environ.get("PIP_CACHE_DIR", Path.home() / ".cache" / "pip"))
    return {
        **keep,
        "HOME": str(home), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",  # python3 is Debian's /usr/bin/python3
        "EDITOR": str(editor), "TERM": "dumb", "ANSIBLE_NOCOLOR": "1", "PIP_CACHE_DIR": str(pip_cache),
        "PIP_PROGRESS_BAR": "off",
    }  # fmt: skip


def _host_state(ct: Container) -> str:
    """Which of the things the role creates exist: its user, directories and files, the packages it installs."""
    paths = "/opt/alecs /etc/alecs /var/lib/alecs /usr/local/lib/alecs /usr/local/bin/alecs-token"
    return ct.ssh(f"for p in {paths}; do [ -e $p ] && echo $p; done; id alecs >/dev/null 2>&1 && echo user; "
                  "for p in ufw python3-venv; do dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q 'ok installed' "
                  "&& echo $p; done; true").stdout.strip()  # fmt: skip


@pytest.fixture(scope="module")
def operator(container: Container, tmp_path_factory: pytest.TempPathFactory) -> Operator:
    require(shutil.which("unshare") is not None, "unshare (apt: util-linux)")
    require(Path(DEBIAN_PYTHON).exists(), f"{DEBIAN_PYTHON} (Debian 12's Python, with python3-venv)")
    base = tmp_path_factory.mktemp("operator")
    _dress_like_a_cloud_image(container)
    home, clone = base / "home", base / "alecs"
    _operator_home(container, home)
    _clone(clone)
    key_file = base / "master-key"
    env = _operator_env(home, _editor(base / "editor", key_file))
    machine = OperatorMachine({HOST: CT_IP}, home / ".ssh", base)
    op = Operator(container, home, clone, TerminalSession(machine, clone, env, base / "shell-state"),
                  vault_password="readme-vault-" + os.urandom(8).hex(), master_key_file=key_file)
    token = ""
    for step in readme_steps(REPO / "README.md", "## Deploy with Ansible"):
        command = step.command
        if "alecs_..." in command:
            command = step.substituted("alecs_...", token)
        if command.startswith("ansible-playbook") and op.skipped_wheelhouse is None:
            _run_without_the_wheelhouse(op, command)
        typed = op.type(command)  # once: the token made by the command before is accepted on its first connection
        assert typed.rc == 0, f"README command failed ({typed.rc}): {command}\n{typed.output[-6000:]}"
        if "alecs-token generate" in command:
            token = first_match(TOKEN_RE, typed.output, "token in the output of alecs-token generate")
    return op


def _run_without_the_wheelhouse(op: Operator, playbook_command: str) -> None:
    """A stranger who skipped the wheelhouse step: preflight stops the run before the host changes."""
    wheelhouse = op.clone / "wheelhouse"
    wheelhouse.rename(op.clone / "wheelhouse.aside")
    try:
        before = _host_state(op.container)
        op.skipped_wheelhouse = op.terminal.type(playbook_command, password=op.vault_password)
        op.host_without_wheelhouse = (before, _host_state(op.container))
    finally:
        (op.clone / "wheelhouse.aside").rename(wheelhouse)


def _recap(typed: Typed) -> dict[str, int]:
    line = first_match(rf"(?m)^{re.escape(HOST)}\s*:\s*ok=.*$", typed.output, "PLAY RECAP line")
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", line)}


def _steps_typed(op: Operator, prefix: str) -> list[Typed]:
    return [t for t in op.typed if t.command.startswith(prefix)]


def test_the_readme_commands_run_as_written_to_a_passing_alecs_tunnel_check(operator: Operator) -> None:
    steps = readme_steps(REPO / "README.md", "## Deploy with Ansible")
    assert len(operator.typed) == len(steps)
    for step, typed in zip(steps, operator.typed, strict=True):
        assert typed.rc == 0
        assert typed.command == step.command or "replace alecs_..." in step.comment, (step, typed.command)
    check = operator.typed[-1]
    assert check.command.startswith("alecs-tunnel check --ssh admin@mcp1.example.com"), check.command
    assert "alecs-tunnel check: OK" in check.output, check.output
    assert re.search(r"tools:\s+[1-9]\d*", check.output), check.output
    assert _recap(_steps_typed(operator, "ansible-playbook")[0])["changed"] > 0


def test_the_control_node_runs_debian_12s_python(operator: Operator) -> None:
    venv_python = operator.clone / ".venv" / "bin" / "python"
    probe = "import sys; print(sys.version_info[:2], sys.base_prefix)"
    out = run([str(venv_python), "-c", probe], env=operator.terminal.env).stdout.strip()
    assert out == f"(3, 11) {Path(DEBIAN_PYTHON).parent.parent}", out
    ansible = run([str(operator.clone / ".venv" / "bin" / "ansible-playbook"), "--version"],
                  env=operator.terminal.env).stdout  # fmt: skip
    assert "python version = 3.11" in ansible, ansible


def test_a_run_without_the_wheelhouse_stops_in_preflight_and_says_where_it_looked(operator: Operator) -> None:
    skipped = operator.skipped_wheelhouse
    assert skipped is not None
    assert skipped.rc != 0
    flat = " ".join(skipped.output.split())
    assert f"no alecs-*.whl in {operator.clone}/wheelhouse" in flat, skipped.output[-4000:]
    assert f"taken relative to {operator.clone}" in flat
    assert "pip wheel --wheel-dir wheelhouse ." in flat
    assert "changed=0" in skipped.output
    # nothing the role makes exists, before or after that run: no user, no directories, no packages
    assert operator.host_without_wheelhouse == ("", ""), operator.host_without_wheelhouse
    assert _host_state(operator.container)  # (the probe sees them once the README's run made them)


def test_running_the_playbook_again_changes_nothing(operator: Operator) -> None:
    command = _steps_typed(operator, "ansible-playbook")[0].command
    again = operator.type(command)
    assert again.rc == 0, again.output[-6000:]
    assert _recap(again)["changed"] == 0, again.output[-6000:]


def test_the_master_key_never_appears_in_what_the_operator_saw(operator: Operator) -> None:
    key = operator.master_key
    assert len(key) >= 32
    for typed in [*operator.typed, operator.skipped_wheelhouse]:
        assert typed is not None and key not in typed.output, typed.command if typed else None


def test_alecs_token_without_sudo_says_to_run_it_as_root(operator: Operator) -> None:
    proc = operator.ssh("alecs-token list")
    assert proc.returncode == 1, proc
    assert "alecs-token: run as root (sudo alecs-token" in proc.stderr, proc.stderr
    assert "command not found" not in proc.stderr
    listed = operator.ssh("sudo alecs-token list")
    assert listed.returncode == 0 and "laptop" in listed.stdout, listed


def test_the_installed_unit_verifies_and_rates_what_the_readmes_state(operator: Operator) -> None:
    operator.container.ssh("systemd-analyze verify /etc/systemd/system/alecs.service")
    out = operator.container.ssh("systemd-analyze security --no-pager alecs.service").stdout
    measured = first_match(r"Overall exposure level for alecs\.service: \d+\.\d+", out, "exposure level").split()[-1]
    assert float(measured) <= 2.0, out[-3000:]
    for readme in (REPO / "README.md", REPO / "ansible" / "README.md"):
        stated = re.findall(r"`systemd-analyze security(?: alecs)?` rates (?:it )?(\d+\.\d+)", readme.read_text())
        assert stated and set(stated) == {measured}, (readme.name, stated, measured)


def test_alecs_is_active_as_its_own_user_under_systemd(operator: Operator) -> None:
    ct = operator.container
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


def test_environment_file_and_edgerc_are_0600_and_owned_by_alecs(operator: Operator) -> None:
    ct = operator.container
    out = ct.ssh("stat -c '%a %U %G %n' /etc/alecs/alecs.env /etc/alecs/edgerc").stdout.split("\n")
    assert out[0] == "600 alecs alecs /etc/alecs/alecs.env"
    assert out[1] == "600 alecs alecs /etc/alecs/edgerc"
    key_line = f"grep -c '^TOKEN_MASTER_KEY={operator.master_key}$' /etc/alecs/alecs.env"
    assert ct.ssh(key_line).stdout.strip() == "1"
    remote = ct.ssh("cat /etc/alecs/edgerc").stdout
    assert remote == (operator.home / ".edgerc").read_text()


def test_firewall_denies_inbound_except_ssh(operator: Operator) -> None:
    ct = operator.container
    status = ct.ssh("ufw status verbose").stdout
    assert "Status: active" in status
    assert "Default: deny (incoming)" in status
    allowed = {line.split()[0] for line in status.splitlines() if "ALLOW IN" in line}
    assert allowed == {"22/tcp"}, status


def test_alecs_port_is_not_reachable_from_the_host(operator: Operator) -> None:
    assert tcp_probe(CT_IP, 22) == "open"
    assert tcp_probe(CT_IP, 8082) != "open"


def _tunnel_check_until(operator: Operator, token: str, name: str, rc: int) -> None:
    tunnel_check_until(operator.container, token, name, rc)


def _tunnel_check(operator: Operator, token: str, name: str) -> None:
    tunnel_check(operator.container, token, name)


def _tunnel(operator: Operator, token: str, name: str) -> StdioJsonRpc:
    return tunnel_client(operator.container, token, name)


def test_alecs_tunnel_over_ssh_lists_tools_and_a_tool_call_reaches_the_akamai_client(operator: Operator) -> None:
    """The host serves the operator's .edgerc (dummy credentials, no route out): the call goes all the way to the
    Akamai client and comes back as a tool error naming the API host. (tls mode calls a sandbox tool for real.)"""
    token = generate_token(operator.container, "tunnel-e2e")["token"]
    _tunnel_check(operator, token, "tunnel-check")
    client = _tunnel(operator, token, "tunnel")
    try:
        info = client.initialize()
        assert info.get("serverInfo"), info
        listed = client.request("tools/list")
        tools = listed["result"]["tools"]
        assert len(tools) > 5, listed
        tool = pick_read_only_tool(tools)
        called = client.request("tools/call", {"name": tool["name"], "arguments": {}})
        assert "result" in called, called
        assert called["result"].get("isError") is True, called
        text = json.dumps(called["result"]["content"])
        assert "Akamai API unreachable" in text and "akab-readme.luna.akamaiapis.net" in text, text
    finally:
        client.close()


def test_revoked_token_is_refused(operator: Operator) -> None:
    ct = operator.container
    issued = generate_token(ct, "to-revoke")
    assert issued["id"] in ct.ssh("alecs-token list").stdout
    _tunnel_check(operator, issued["token"], "before-revoke")
    ct.ssh(f"alecs-token revoke {issued['id']}")
    _tunnel_check_until(operator, issued["token"], "after-revoke", 4)  # 4: authentication refused
    client = _tunnel(operator, issued["token"], "revoked")
    try:
        with pytest.raises(AssertionError):
            client.initialize()
    finally:
        client.close()
    assert client.proc.returncode == 4, (ct.workdir / "revoked.stderr").read_text()  # 4: authentication refused


def test_reload_keeps_the_same_process_and_restart_brings_it_back(operator: Operator) -> None:
    ct = operator.container
    pid = ct.ssh("systemctl show -P MainPID alecs").stdout.strip()
    ct.ssh("systemctl reload alecs")
    assert ct.ssh("systemctl is-active alecs").stdout.strip() == "active"
    assert ct.ssh("systemctl show -P MainPID alecs").stdout.strip() == pid
    ct.ssh("systemctl restart alecs")
    ct.ssh(HEALTHZ_ONCE)  # Type=notify: restart returns once alecs listens
    assert ct.ssh("systemctl show -P MainPID alecs").stdout.strip() != pid


def test_systemctl_start_returns_only_once_healthz_answers(operator: Operator) -> None:
    ct = operator.container
    assert ct.ssh("systemctl show -P Type alecs").stdout.strip() == "notify"
    for _ in range(2):
        ct.ssh("systemctl stop alecs")
        # one request, right after `systemctl start` returns: no retry, no wait
        started = ct.ssh(f"systemctl start alecs && {HEALTHZ_ONCE} && echo answered", check=False)
        assert started.stdout.strip() == "answered", started
    journal = ct.ssh("journalctl -u alecs --no-pager -o cat -n 20").stdout
    assert journal.index("alecs: listening on ") < journal.rindex("Started alecs.service"), journal


def test_a_stalled_event_loop_is_restarted_by_the_watchdog(operator: Operator) -> None:
    """The test hook (ALECS_TEST_STALL_SIGNAL, set in a runtime drop-in) blocks alecs' event loop on SIGUSR2: the
    process lives on but stops pinging, and systemd restarts it after WatchdogSec."""
    ct = operator.container
    dropin = "/run/systemd/system/alecs.service.d/stall-test.conf"
    ct.ssh(f"mkdir -p {dropin.rsplit('/', 1)[0]} && printf '[Service]\\nEnvironment=ALECS_TEST_STALL_SIGNAL=USR2\\n' "
           f"> {dropin} && systemctl daemon-reload && systemctl restart alecs")  # fmt: skip
    try:
        pid = ct.ssh("systemctl show -P MainPID alecs").stdout.strip()
        restarts = int(ct.ssh("systemctl show -P NRestarts alecs").stdout.strip())
        ct.ssh(f"{HEALTHZ_ONCE} && kill -USR2 {pid}")
        poll(lambda: ct.ssh(HEALTHZ_ONCE.replace("timeout=5", "timeout=1"), check=False).returncode != 0, 30,
             "the event loop to stall (healthz unanswered)")  # fmt: skip
        assert ct.ssh("systemctl show -P MainPID alecs").stdout.strip() == pid  # hung, not dead
        poll(lambda: ct.ssh("systemctl show -P MainPID alecs").stdout.strip() not in (pid, "0")
             and ct.ssh(HEALTHZ_ONCE, check=False).returncode == 0, 120, "the watchdog to restart alecs")  # fmt: skip
        assert int(ct.ssh("systemctl show -P NRestarts alecs").stdout.strip()) == restarts + 1
        journal = ct.ssh("journalctl -u alecs --no-pager -o cat -n 60").stdout
        assert "Watchdog timeout" in journal, journal
        assert "blocking the event loop now" in journal, journal
    finally:
        ct.ssh(f"rm -f {dropin} && systemctl daemon-reload && systemctl restart alecs", check=False)
    assert ct.ssh("systemctl show -P Environment alecs").stdout.find("ALECS_TEST_STALL_SIGNAL") == -1


def test_alecs_logs_to_the_journal(operator: Operator) -> None:
    out = operator.container.ssh("journalctl -u alecs --no-pager -o cat").stdout
    assert out.strip(), "journalctl -u alecs is empty"


def _rebuild_wheelhouse(operator: Operator) -> None:
    """The README's wheelhouse command again, in the (changed) checkout."""
    steps = readme_steps(REPO / "README.md", "## Deploy with Ansible")
    (step,) = [s for s in steps if s.command.startswith("pip wheel")]
    typed = operator.type(step.command)
    assert typed.rc == 0, typed.output[-4000:]


def _installed(operator: Operator) -> tuple[str, str]:
    """The installed alecs version, and the main PID of the service."""
    ct = operator.container
    version = ct.ssh("/opt/alecs/venv/bin/python -c 'import importlib.metadata as m; print(m.version(\"alecs\"))'")
    return version.stdout.strip(), ct.ssh("systemctl show -P MainPID alecs").stdout.strip()


def test_a_rebuilt_checkout_lands_the_way_the_readme_says_and_restarts_alecs(operator: Operator) -> None:
    """Day 2 (runs last: it changes the host): new code without a version bump, as a `git pull` of a checkout gives;
    the wheelhouse command and the playbook command from the README install it (pip alone would see the same
    version as installed already) and restart alecs onto it."""
    ct = operator.container
    playbook = _steps_typed(operator, "ansible-playbook")[0].command
    version, pid = _installed(operator)
    marker = "rebuilt-" + os.urandom(4).hex()
    init = operator.clone / "alecs" / "__init__.py"
    init.write_text(init.read_text() + f"\n# {marker}\n")
    _rebuild_wheelhouse(operator)
    rebuilt = operator.type(playbook)
    assert rebuilt.rc == 0 and _recap(rebuilt)["changed"] > 0, rebuilt.output[-6000:]
    assert "Reinstall alecs from the rebuilt wheel of the same version" in rebuilt.output
    assert marker in ct.ssh("cat /opt/alecs/venv/lib/python3*/site-packages/alecs/__init__.py").stdout
    same_version, rebuilt_pid = _installed(operator)
    assert same_version == version and rebuilt_pid != pid
    assert ct.ssh(HEALTHZ_ONCE).returncode == 0
    # (that the recorded checksum stops a second reinstall is what every mode's second run shows)


def test_readme_steps_only_substitute_what_the_readme_says_to_replace() -> None:
    step = Step("export ALECS_TOKEN=alecs_...", "replace alecs_... with the token printed above")
    assert step.substituted("alecs_...", "alecs_x") == "export ALECS_TOKEN=alecs_x"
    with pytest.raises(AssertionError):
        Step("ssh admin@mcp1.example.com true", "").substituted("mcp1.example.com", "10.0.0.1")
