"""The role's preflight, run by Ansible on the controller itself: every bad input stops the run with its own message,
before any task that changes a host; controller paths are taken relative to where ansible-playbook runs.

Only the role's preflight tasks run here (facts, asserts, `printenv`): nothing on this machine is changed. Every case
is one host of one inventory (all of them this machine, `connection: local`, each with its own variables), so one
`ansible-playbook` run answers them all: a host that fails an assert stops alone, with its own message."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from deploytest import ANSIBLE_DIR, DeployTools, run

PLAYBOOK = """\
- name: The alecs role's preflight only
  hosts: all
  connection: local
  gather_facts: true
  gather_subset: [min]
  tasks:
    - name: Preflight
      ansible.builtin.include_role:
        name: alecs
        tasks_from: preflight
        public: true
    - name: Report the choice
      ansible.builtin.debug:
        msg: "chosen version={{ alecs_install_version }} wheel={{ alecs_install_wheel | default('-') }}"
    - name: Render the environment file
      ansible.builtin.debug:
        msg: "{{ lookup('ansible.builtin.template', '@TEMPLATES@/alecs.env.j2')
          | regex_replace('(?m)^TOKEN_MASTER_KEY=.*$', 'TOKEN_MASTER_KEY=(not shown)') }}"
      when: alecs_oauth or alecs_notify_emails | length > 0
"""

SHORT_KEY = "short-" + secrets.token_hex(4)

# case -> variables over the valid ones (a master key, the sandbox, ./wheelhouse holding alecs 0.1.0)
CASES: dict[str, dict[str, Any]] = {
    "valid": {},
    "several_wheels": {"alecs_wheelhouse_src": "several"},
    "several_wheels_pinned": {"alecs_wheelhouse_src": "several", "alecs_version": "0.9.0"},
    "missing_wheelhouse": {"alecs_wheelhouse_src": "build/wheels"},
    "pinned_version_missing": {"alecs_version": "9.9"},
    "short_master_key": {"alecs_token_master_key": SHORT_KEY},
    "no_edgerc": {"alecs_sandbox": False},
    "missing_edgerc": {"alecs_sandbox": False, "alecs_edgerc_src": "secrets/edgerc"},
    "nginx_without_domain": {"alecs_mode": "nginx"},
    "missing_acme_ca": {"alecs_mode": "tls", "alecs_tls_domain": "mcp.example.com", "alecs_acme_ca_cert_src": "ca.pem"},
    "path_without_slash": {"alecs_path": "mcp"},
    "path_taken": {"alecs_path": "/metrics"},
    "extra_env_name": {"alecs_extra_env": {"alecs-log": "debug"}},
    "extra_env_value": {"alecs_extra_env": {"ALECS_LOG_LEVEL": "debug", "ALECS_X": "a b"}},
    "former_names": {"alecs_ws_port": 9000, "alecs_ws_allowed_origins": ["https://a.example"]},
    "oauth_in_tunnel_mode": {"alecs_oauth": True, "alecs_transport": "http"},
    "oauth_over_websocket": {"alecs_oauth": True, "alecs_mode": "nginx", "alecs_tls_domain": "mcp.example.com"},
    "oauth_in_nginx_mode": {"alecs_oauth": True, "alecs_mode": "nginx", "alecs_tls_domain": "mcp.example.com",
                            "alecs_transport": "http"},
    "oauth_in_tls_mode": {"alecs_oauth": True, "alecs_mode": "tls", "alecs_tls_domain": "mcp.example.com",
                          "alecs_transport": "http"},
    "json_logs": {"alecs_log_format": "json"},
    "notify_emails": {"alecs_notify_emails": ["noc@example.com", "web-ops@example.com"]},
    "notify_not_an_address": {"alecs_notify_emails": ["noc@example.com", "web ops"]},
}


@dataclass
class Outcome:
    """How the preflight ended for one case: failed or not, the message of the assert that stopped it (or what the
    last task reported), and the name of that task."""

    failed: bool
    message: str
    task: str


@dataclass
class Preflight:
    outcomes: dict[str, Outcome]
    output: str  # everything ansible-playbook printed
    workdir: Path

    def __getitem__(self, case: str) -> Outcome:
        return self.outcomes[case]


def _outcomes(report: dict[str, Any]) -> dict[str, Outcome]:
    """Per host: the first failed task's message, else the last task's (the json callback's report)."""
    found: dict[str, Outcome] = {}
    for play in report["plays"]:
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                if host in found and found[host].failed:
                    continue
                if result.get("skipped"):
                    continue
                name = task["task"]["name"].removeprefix("alecs : ")  # the role's tasks are named "role : task"
                found[host] = Outcome(bool(result.get("failed")), str(result.get("msg", "")), name)
    return found


@pytest.fixture(scope="module")
def preflight(deploy_tools: DeployTools, tmp_path_factory: pytest.TempPathFactory) -> Preflight:
    """Every case of CASES through the role's preflight, in one ansible-playbook run in a fresh directory."""
    workdir = tmp_path_factory.mktemp("preflight")
    (workdir / "preflight.yml").write_text(PLAYBOOK.replace("@TEMPLATES@", str(ANSIBLE_DIR / "roles/alecs/templates")))
    for folder, versions in {"wheelhouse": ["0.1.0"], "several": ["0.9.0", "0.10.0"]}.items():
        (workdir / folder).mkdir()
        for version in versions:
            (workdir / folder / f"alecs-{version}-py3-none-any.whl").write_bytes(b"")
    # a wheel of another distribution whose name starts like alecs' is not an alecs wheel
    (workdir / "several" / "alecs_tools-9.0-py3-none-any.whl").write_bytes(b"")
    valid = {"alecs_token_master_key": secrets.token_urlsafe(32), "alecs_sandbox": True}
    hosts = {case: {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                    **valid, **overrides} for case, overrides in CASES.items()}  # fmt: skip
    (workdir / "inventory.json").write_text(json.dumps({"all": {"hosts": hosts}}))
    env = deploy_tools.env(ANSIBLE_ROLES_PATH=str(ANSIBLE_DIR / "roles"), ANSIBLE_LOCALHOST_WARNING="False",
                           ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_FORKS="8")  # fmt: skip
    env.pop("ANSIBLE_CALLBACKS_ENABLED")  # profile_tasks would print its table into the JSON report
    inventory, playbook = str(workdir / "inventory.json"), str(workdir / "preflight.yml")
    command = [deploy_tools.bin("ansible-playbook"), "-i", inventory, playbook]
    proc = run(command, env=env, cwd=workdir, check=False, timeout=300)  # fmt: skip
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        output = f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        raise AssertionError(f"no JSON report (rc={proc.returncode}):\n{output}") from None
    outcomes = _outcomes(report)
    assert set(outcomes) == set(CASES), (sorted(outcomes), proc.stderr[-3000:])
    return Preflight(outcomes, proc.stdout + proc.stderr, workdir)


def _failed_with(outcome: Outcome, *fragments: str) -> None:
    assert outcome.failed, outcome
    flat = " ".join(outcome.message.split())
    for fragment in fragments:
        assert fragment in flat, outcome


def _passed_with(outcome: Outcome, report: str) -> None:
    assert not outcome.failed, outcome
    assert outcome.message == report, outcome


def test_valid_inputs_pass_and_the_wheelhouse_is_found_relative_to_the_working_directory(preflight) -> None:
    _passed_with(preflight["valid"], "chosen version=0.1.0 wheel=alecs-0.1.0-py3-none-any.whl")


def test_the_newest_alecs_wheel_is_chosen_by_version_not_by_name(preflight) -> None:
    _passed_with(preflight["several_wheels"], "chosen version=0.10.0 wheel=alecs-0.10.0-py3-none-any.whl")
    _passed_with(preflight["several_wheels_pinned"], "chosen version=0.9.0 wheel=alecs-0.9.0-py3-none-any.whl")


def test_a_missing_wheelhouse_says_where_it_looked_and_how_to_build_it(preflight) -> None:
    outcome = preflight["missing_wheelhouse"]
    _failed_with(outcome, f"no alecs-*.whl in {preflight.workdir}/build/wheels",
                 f"from 'build/wheels', taken relative to {preflight.workdir}, the directory ansible-playbook runs in",
                 "pip wheel --wheel-dir wheelhouse .")  # fmt: skip
    assert outcome.task == "Check that the wheelhouse holds an alecs wheel"


def test_a_pinned_version_missing_from_the_wheelhouse_is_named(preflight) -> None:
    missing = f"alecs_version 9.9 is not in {preflight.workdir}/wheelhouse"
    _failed_with(preflight["pinned_version_missing"], missing, "which holds alecs-0.1.0-py3-none-any.whl")


def test_a_short_master_key_is_refused_without_showing_it(preflight) -> None:
    _failed_with(preflight["short_master_key"], "alecs_token_master_key is empty or shorter than 32 characters",
                 "ansible-vault create ansible/group_vars/alecs/vault.yml")  # fmt: skip
    assert SHORT_KEY not in preflight.output


def test_an_edgerc_is_required_unless_sandbox(preflight) -> None:
    _failed_with(preflight["no_edgerc"], "alecs_edgerc_src is required")


def test_a_missing_edgerc_is_named_with_its_resolved_path(preflight) -> None:
    _failed_with(preflight["missing_edgerc"], f"alecs_edgerc_src: no file at {preflight.workdir}/secrets/edgerc")


def test_tls_and_nginx_modes_need_a_domain(preflight) -> None:
    _failed_with(preflight["nginx_without_domain"], "alecs_tls_domain is required in nginx mode")


def test_a_missing_acme_ca_file_is_named(preflight) -> None:
    _failed_with(preflight["missing_acme_ca"], f"alecs_acme_ca_cert_src: no file at {preflight.workdir}/ca.pem")


def test_an_endpoint_path_without_a_leading_slash_or_taken_by_alecs_is_refused(preflight) -> None:
    _failed_with(preflight["path_without_slash"], "alecs_path must start with /", "(got 'mcp')")
    _failed_with(preflight["path_taken"], "/healthz and /metrics are taken", "(got '/metrics')")


def test_extra_environment_names_and_values_are_checked_one_by_one(preflight) -> None:
    _failed_with(preflight["extra_env_name"], "variable names are upper case", "(not alecs-log)")
    _failed_with(preflight["extra_env_value"], "values must not contain whitespace", "check ALECS_X.")


def test_a_variable_under_its_former_name_is_refused_naming_the_new_one(preflight) -> None:
    _failed_with(preflight["former_names"], "alecs_ws_allowed_origins is now called alecs_allowed_origins; "
                 "alecs_ws_port is now called alecs_port", "rename it where you set it")


def test_oauth_needs_tls_or_nginx_mode(preflight) -> None:
    outcome = preflight["oauth_in_tunnel_mode"]
    _failed_with(outcome, "alecs_oauth needs alecs_mode tls or nginx (got tunnel)")
    assert outcome.task == "Check that OAuth has a public HTTPS address (tls and nginx modes)"


def test_oauth_needs_the_streamable_http_transport(preflight) -> None:
    outcome = preflight["oauth_over_websocket"]
    _failed_with(outcome, "alecs_oauth needs alecs_transport: http (got websocket)")
    assert outcome.task == "Check that OAuth is served on Streamable HTTP"


def _environment(outcome: Outcome) -> set[str]:
    assert not outcome.failed and outcome.task == "Render the environment file", outcome
    return set(outcome.message.splitlines())


def test_oauth_sets_the_public_url_from_the_domain_in_tls_and_nginx_modes(preflight) -> None:
    """The role's environment file for OAuth: tls mode's URL carries alecs' port, nginx mode's is on 443 and names
    nginx as the trusted proxy."""
    nginx = _environment(preflight["oauth_in_nginx_mode"])
    assert {"ALECS_OAUTH=1", "ALECS_PUBLIC_URL=https://mcp.example.com/mcp", "ALECS_TRUSTED_PROXIES=127.0.0.1,::1",
            "ALECS_HOST=127.0.0.1", "ALECS_PORT=8082", "ALECS_PATH=/mcp"} <= nginx, nginx  # fmt: skip
    assert "TOKEN_MASTER_KEY=(not shown)" in nginx  # the rendered file is printed, never the key in it
    tls = _environment(preflight["oauth_in_tls_mode"])
    assert {"ALECS_OAUTH=1", "ALECS_PUBLIC_URL=https://mcp.example.com:8082/mcp"} <= tls, tls
    assert not any(line.startswith("ALECS_TRUSTED_PROXIES=") for line in tls), tls


def test_json_logs_pass(preflight) -> None:
    _passed_with(preflight["json_logs"], "chosen version=0.1.0 wheel=alecs-0.1.0-py3-none-any.whl")


def test_notify_emails_become_the_servers_default_recipients(preflight) -> None:
    rendered = _environment(preflight["notify_emails"])
    assert "ALECS_NOTIFY_EMAILS=noc@example.com,web-ops@example.com" in rendered, rendered


def test_a_notify_entry_that_is_not_one_address_is_refused(preflight) -> None:
    _failed_with(preflight["notify_not_an_address"], "alecs_notify_emails: each entry is one e-mail address "
                 "(not web ops)")
