"""The role's preflight, run by Ansible on the controller itself: every bad input stops the run with its own message,
before any task that changes a host; controller paths are taken relative to where ansible-playbook runs.

Only the role's preflight tasks run here (facts, asserts, `printenv`): nothing on this machine is changed."""

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
  hosts: localhost
  connection: local
  gather_facts: true
  gather_subset: [min]
  tasks:
    - name: Preflight
      ansible.builtin.include_role:
        name: alecs
        tasks_from: preflight
    - name: Report the choice
      ansible.builtin.debug:
        msg: "chosen version={{ alecs_install_version }} wheel={{ alecs_install_wheel | default('-') }}"
"""


@dataclass
class Outcome:
    rc: int
    output: str


@pytest.fixture
def preflight(deploy_tools: DeployTools, tmp_path: Path) -> Any:
    """preflight(**vars) runs the role's preflight with valid inputs overridden by `vars`, in tmp_path."""
    playbook = tmp_path / "preflight.yml"
    playbook.write_text(PLAYBOOK)
    (tmp_path / "wheelhouse").mkdir()
    (tmp_path / "wheelhouse" / "alecs-0.1.0-py3-none-any.whl").write_bytes(b"")

    def go(**overrides: Any) -> Outcome:
        variables = {"alecs_token_master_key": secrets.token_urlsafe(32), "alecs_sandbox": True, **overrides}
        extra = tmp_path / "vars.json"
        extra.write_text(json.dumps(variables))
        env = deploy_tools.env(ANSIBLE_ROLES_PATH=str(ANSIBLE_DIR / "roles"), ANSIBLE_LOCALHOST_WARNING="False")
        proc = run([deploy_tools.bin("ansible-playbook"), str(playbook), "-e", f"@{extra}"],
                   env=env, cwd=tmp_path, check=False, timeout=180)  # fmt: skip
        return Outcome(proc.returncode, proc.stdout + proc.stderr)

    return go


def _failed_with(outcome: Outcome, *fragments: str) -> None:
    assert outcome.rc != 0, outcome.output[-3000:]
    flat = " ".join(outcome.output.split())
    for fragment in fragments:
        assert fragment in flat, outcome.output[-3000:]


def test_valid_inputs_pass_and_the_wheelhouse_is_found_relative_to_the_working_directory(preflight) -> None:
    outcome = preflight()
    assert outcome.rc == 0, outcome.output[-3000:]
    assert "chosen version=0.1.0 wheel=alecs-0.1.0-py3-none-any.whl" in outcome.output


def test_the_newest_alecs_wheel_is_chosen_by_version_not_by_name(preflight, tmp_path: Path) -> None:
    for name in ("alecs-0.9.0-py3-none-any.whl", "alecs-0.10.0-py3-none-any.whl", "alecs_tools-9.0-py3-none-any.whl"):
        (tmp_path / "wheelhouse" / name).write_bytes(b"")
    outcome = preflight()
    assert outcome.rc == 0, outcome.output[-3000:]
    assert "chosen version=0.10.0 wheel=alecs-0.10.0-py3-none-any.whl" in outcome.output
    pinned = preflight(alecs_version="0.9.0")
    assert "chosen version=0.9.0 wheel=alecs-0.9.0-py3-none-any.whl" in pinned.output


def test_a_missing_wheelhouse_says_where_it_looked_and_how_to_build_it(preflight, tmp_path: Path) -> None:
    outcome = preflight(alecs_wheelhouse_src="build/wheels")
    _failed_with(outcome, f"no alecs-*.whl in {tmp_path}/build/wheels",
                 f"from 'build/wheels', taken relative to {tmp_path}, the directory ansible-playbook runs in",
                 "pip wheel --wheel-dir wheelhouse .")
    assert "Check that the wheelhouse holds an alecs wheel" in outcome.output


def test_a_pinned_version_missing_from_the_wheelhouse_is_named(preflight, tmp_path: Path) -> None:
    _failed_with(preflight(alecs_version="9.9"),
                 f"alecs_version 9.9 is not in {tmp_path}/wheelhouse, which holds alecs-0.1.0-py3-none-any.whl")


def test_a_short_master_key_is_refused_without_showing_it(preflight) -> None:
    key = "short-" + secrets.token_hex(4)
    outcome = preflight(alecs_token_master_key=key)
    _failed_with(outcome, "alecs_token_master_key is empty or shorter than 32 characters",
                 "ansible-vault create ansible/group_vars/alecs/vault.yml")
    assert key not in outcome.output


def test_an_edgerc_is_required_unless_sandbox(preflight) -> None:
    _failed_with(preflight(alecs_sandbox=False), "alecs_edgerc_src is required")


def test_a_missing_edgerc_is_named_with_its_resolved_path(preflight, tmp_path: Path) -> None:
    _failed_with(preflight(alecs_sandbox=False, alecs_edgerc_src="secrets/edgerc"),
                 f"alecs_edgerc_src: no file at {tmp_path}/secrets/edgerc")


def test_tls_and_nginx_modes_need_a_domain(preflight) -> None:
    _failed_with(preflight(alecs_mode="nginx"), "alecs_tls_domain is required in nginx mode")


def test_a_missing_acme_ca_file_is_named(preflight, tmp_path: Path) -> None:
    _failed_with(preflight(alecs_mode="tls", alecs_tls_domain="mcp.example.com", alecs_acme_ca_cert_src="ca.pem"),
                 f"alecs_acme_ca_cert_src: no file at {tmp_path}/ca.pem")


def test_an_endpoint_path_without_a_leading_slash_is_refused(preflight) -> None:
    _failed_with(preflight(alecs_ws_path="mcp"), "alecs_ws_path must start with /", "(got 'mcp')")


def test_extra_environment_names_and_values_are_checked_one_by_one(preflight) -> None:
    _failed_with(preflight(alecs_extra_env={"alecs-log": "debug"}), "variable names are upper case",
                 "(not alecs-log)")
    _failed_with(preflight(alecs_extra_env={"ALECS_LOG_LEVEL": "debug", "ALECS_X": "a b"}),
                 "values must not contain whitespace", "check ALECS_X.")
