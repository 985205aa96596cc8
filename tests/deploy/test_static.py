"""Deployment artefacts checked without booting anything: ansible-lint, the systemd unit (verify, security score,
no drift between the role's template and systemd/alecs.service), the generated README table, the Dockerfile and
the compose file."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from deploytest import ANSIBLE_DIR, REPO, DeployTools, find_console_script, require, run

UNIT = REPO / "systemd" / "alecs.service"
ROLE = ANSIBLE_DIR / "roles" / "alecs"


def _systemd_analyze() -> str:
    exe = shutil.which("systemd-analyze")
    require(exe is not None, "systemd-analyze (apt: systemd)")
    assert exe is not None
    return exe


def test_ansible_lint_production_profile_passes(deploy_tools: DeployTools) -> None:
    proc = run(
        [deploy_tools.bin("ansible-lint"), "--offline", "--nocolor", "--profile", "production",
         "ansible/"],
        env=deploy_tools.env(), cwd=REPO, check=False, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    assert "Profile 'production' was required, and it passed" in proc.stdout + proc.stderr


def test_playbook_syntax_is_valid(deploy_tools: DeployTools, tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("[alecs]\nexample ansible_host=192.0.2.10\n")
    run(
        [deploy_tools.bin("ansible-playbook"), "--syntax-check", "-i", str(inventory), "ansible/site.yml"],
        env=deploy_tools.env(), cwd=REPO, timeout=120,
    )  # fmt: skip


def test_every_role_variable_is_prefixed_and_typed_in_the_argument_specs() -> None:
    defaults = yaml.safe_load((ROLE / "defaults/main.yml").read_text())
    specs = yaml.safe_load((ROLE / "meta/argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    assert all(name.startswith("alecs_") for name in defaults)
    assert all(name.startswith("alecs_") for name in specs)
    for path in (ROLE / "vars").glob("*.yml"):
        assert all(name.startswith("alecs_") for name in yaml.safe_load(path.read_text())), path
    # every default is a typed input, and every optional input has its default in defaults/main.yml
    assert set(defaults) <= set(specs)
    for name, spec in specs.items():
        assert "type" in spec and spec.get("description"), name
        if not spec.get("required"):
            assert name in defaults, f"{name} has no default in defaults/main.yml"
            assert spec.get("default") == defaults[name], f"{name}: spec default != defaults/main.yml"
    assert specs["alecs_token_master_key"].get("no_log") is True


def test_tasks_that_touch_secrets_are_no_log() -> None:
    for path in (ROLE / "tasks").glob("*.yml"):
        for task in yaml.safe_load(path.read_text()) or []:
            text = yaml.safe_dump(task)
            touches = "alecs.env.j2" in text or "alecs_edgerc_src" in text and "copy" in text
            touches = touches or "privkey.pem" in text
            if touches and "assert" not in text:
                assert task.get("no_log") is True, f"{path.name}: {task.get('name')}"


def test_readme_variable_table_is_generated_from_the_argument_specs() -> None:
    proc = subprocess.run(
        [sys.executable, str(ANSIBLE_DIR / "gen_readme_vars.py"), "--check"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


REGENERATE_UNIT = "ansible-playbook ansible/render_unit.yml"


def _render_unit(deploy_tools: DeployTools, dest: Path, **variables: str) -> str:
    """The role's unit template rendered by Ansible with the role's defaults: the command that makes
    systemd/alecs.service, writing elsewhere."""
    extra = [arg for name, value in {"alecs_unit_dest": str(dest), **variables}.items()
             for arg in ("-e", f"{name}={value}")]  # fmt: skip
    run([deploy_tools.bin("ansible-playbook"), str(ANSIBLE_DIR / "render_unit.yml"), *extra],
        env=deploy_tools.env(), cwd=REPO, timeout=120)  # fmt: skip
    return dest.read_text()


def test_systemd_unit_file_is_the_role_template_rendered_with_the_defaults(
    deploy_tools: DeployTools, tmp_path: Path
) -> None:
    rendered = _render_unit(deploy_tools, tmp_path / "alecs.service")
    assert rendered == UNIT.read_text(), (
        f"systemd/alecs.service differs from the role's template rendered with its defaults; regenerate it with "
        f"`{REGENERATE_UNIT}`"
    )


def test_the_unit_serves_the_transport_the_role_is_given(deploy_tools: DeployTools, tmp_path: Path) -> None:
    http = _render_unit(deploy_tools, tmp_path / "http.service", alecs_transport="http")
    assert "ExecStart=/opt/alecs/venv/bin/alecs serve --transport http" in http.splitlines()
    assert "ExecStart=/opt/alecs/venv/bin/alecs serve --transport websocket" in UNIT.read_text().splitlines()


def test_the_unit_tells_systemd_when_it_is_ready_and_is_watched() -> None:
    lines = UNIT.read_text().splitlines()
    assert "Type=notify" in lines and "NotifyAccess=main" in lines
    watchdog = [line for line in lines if line.startswith("WatchdogSec=")]
    assert watchdog and 10 <= int(watchdog[0].removeprefix("WatchdogSec=").removesuffix("s")) <= 120, watchdog


def test_unit_file_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    """verify against a root holding the unit, systemd's own units and the binaries the unit names."""
    exe = _systemd_analyze()
    alecs = find_console_script("alecs")
    require(alecs is not None, "the alecs console script (pip install -e . in the test venv)")
    assert alecs is not None
    root = tmp_path / "root"
    (root / "etc/systemd/system").mkdir(parents=True)
    shutil.copy2(UNIT, root / "etc/systemd/system/alecs.service")
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    exec_start = re.search(r"^ExecStart=(\S+)", UNIT.read_text(), re.M)
    exec_reload = re.search(r"^ExecReload=(\S+)", UNIT.read_text(), re.M)
    assert exec_start and exec_reload
    for target, source in ((exec_start.group(1), alecs), (exec_reload.group(1), Path("/bin/kill"))):
        dest = root / target.lstrip("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dest)
    proc = run([exe, "verify", f"--root={root}", "/etc/systemd/system/alecs.service"], check=False)
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr


def test_unit_file_rates_2_0_or_lower_in_systemd_analyze_security() -> None:
    exe = _systemd_analyze()
    proc = run([exe, "security", "--offline=true", "--no-pager", str(UNIT)], check=False)
    found = re.search(r"Overall exposure level for alecs\.service: (\d+\.\d+)", proc.stdout)
    assert found, proc.stdout + proc.stderr
    assert float(found.group(1)) <= 2.0, proc.stdout


@pytest.mark.parametrize(
    "setting",
    [
        "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes",
        "CapabilityBoundingSet=", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "SystemCallFilter=@system-service", "MemoryDenyWriteExecute=yes", "Restart=on-failure",
        "StateDirectory=alecs", "ExecReload=/bin/kill -HUP $MAINPID", "User=alecs",
    ],
)  # fmt: skip
def test_unit_file_sets_the_required_hardening(setting: str) -> None:
    assert setting in UNIT.read_text().splitlines()


def test_dockerfile_passes_hadolint(deploy_tools: DeployTools) -> None:
    proc = run([deploy_tools.bin("hadolint"), "--no-color", str(REPO / "Dockerfile")], check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dockerfile_runs_as_non_root_with_a_healthz_check_and_no_baked_secrets() -> None:
    text = (REPO / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim", text, re.M)
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert re.search(r"^HEALTHCHECK .*?/healthz", text, re.M | re.S)
    code = re.sub(r"(?m)^\s*#.*$", "", text)
    assert "TOKEN_MASTER_KEY" not in code and "edgerc" not in code.replace("AKAMAI_EDGERC=/run/alecs/edgerc", "")
    assert not re.search(r"^(ENV|ARG)\b.*(SECRET|PASSWORD|MASTER_KEY|client_secret)", code, re.M | re.I)
    ignored = (REPO / ".dockerignore").read_text()
    assert ".edgerc" in ignored and "*.env" in ignored


def test_compose_file_wires_port_secret_edgerc_and_token_volume() -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    service = compose["services"]["alecs"]
    assert any(str(p).endswith(":8082") for p in service["ports"])
    assert service["environment"]["TOKEN_MASTER_KEY"].startswith("${TOKEN_MASTER_KEY")
    volumes = service["volumes"]
    assert any(v.endswith(":ro") and "edgerc" in v for v in volumes)
    named = [v.split(":")[0] for v in volumes if not v.startswith(("/", ".", "$", "~"))]
    assert named and all(n in compose["volumes"] for n in named)
    assert any(v.split(":")[1] == "/var/lib/alecs" for v in volumes)


def test_shipped_shell_scripts_parse() -> None:
    for path in [REPO / ".ci/deploy-setup.sh", ROLE / "files/alecs-check"]:
        run(["bash", "-n", str(path)])


def test_the_env_template_dockerfile_and_compose_use_the_neutral_setting_names() -> None:
    """ALECS_HOST/PORT/PATH/ALLOWED_ORIGINS serve both transports; the ALECS_WS_* aliases would draw a warning under
    --transport http (alecs.transports.settings.ALIASES)."""
    from alecs.transports.settings import ALIASES

    template = (ROLE / "templates/alecs.env.j2").read_text()
    dockerfile = (REPO / "Dockerfile").read_text()
    compose = (REPO / "compose.yaml").read_text()
    for name, text in {"alecs.env.j2": template, "Dockerfile": dockerfile, "compose.yaml": compose}.items():
        text = re.sub(r"(?m)^\s*#.*$", "", text)  # what is set, not what comments say
        for alias in ALIASES.values():
            assert alias not in text, f"{name} still names {alias}"
    for name in ("ALECS_HOST", "ALECS_PORT", "ALECS_PATH", "ALECS_ALLOWED_ORIGINS", "ALECS_LOG_FORMAT"):
        assert f"{name}=" in template, name
    assert {"ALECS_HOST=0.0.0.0", "ALECS_PORT=8082", "ALECS_PATH=/mcp"} <= set(re.findall(r"ALECS_\w+=\S+", dockerfile))
    assert "os.environ.get('ALECS_PORT'" in dockerfile  # the HEALTHCHECK follows the port alecs listens on
