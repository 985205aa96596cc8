"""Testbed for the deployment tests: real systemd (nspawn), real sshd, real Ansible, certbot against pebble.

Everything these tests need is installed by `.ci/deploy-setup.sh` (run it as root). Its locations can be moved
with the same environment variables it reads (ALECS_DEPLOY_VENV, ALECS_DEPLOY_COLLECTIONS, ALECS_DEPLOY_PY311,
ALECS_DEPLOY_ROOTFS, ALECS_DEPLOY_ACNG_CACHE). A missing prerequisite fails the test when CI=true and skips it
with a message elsewhere: nothing is skipped silently.

Network: the container is 10.199.78.2, the host end of its veth 10.199.78.1 (a /30 with no route out). Every
process is stopped by PID; the veth goes away with the container. The host firewall is never touched.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.support.net import free_port, tcp_open
from tests.support.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
ANSIBLE_DIR = REPO / "ansible"
PREFIX = Path(os.environ.get("ALECS_DEPLOY_PREFIX", "/opt/alecs-ci"))
CACHE = Path(os.environ.get("ALECS_DEPLOY_CACHE", "/var/cache/alecs-ci"))
DEPLOY_VENV = Path(os.environ.get("ALECS_DEPLOY_VENV", PREFIX / "ansible-venv"))
COLLECTIONS = Path(os.environ.get("ALECS_DEPLOY_COLLECTIONS", PREFIX / "collections"))
PY311 = Path(os.environ.get("ALECS_DEPLOY_PY311", PREFIX / "py311"))
ROOTFS = Path(os.environ.get("ALECS_DEPLOY_ROOTFS", CACHE / "rootfs-bookworm"))
ACNG_CACHE = Path(os.environ.get("ALECS_DEPLOY_ACNG_CACHE", CACHE / "acng"))

HOST_IP = "10.199.78.1"
CT_IP = "10.199.78.2"
MACHINE = "alecsct"
VETH = f"ve-{MACHINE}"
TLS_DOMAIN = "alecs.test"
SETUP_HINT = "run `bash .ci/deploy-setup.sh` as root first"
MCP_PROTOCOL = "2025-06-18"

T = TypeVar("T")


# ------------------------------------------------------------------------------------------------------
# prerequisites, commands, polling


def require(ok: bool, what: str) -> None:
    """Fail in CI, skip with a message elsewhere."""
    if ok:
        return
    message = f"deploy test prerequisite missing: {what} ({SETUP_HINT})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def run(
    cmd: list[str],
    *,
    timeout: float = 120,
    check: bool = True,
    env: dict[str, str] | None = None,
    input_text: str | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        input=input_text,
        cwd=cwd,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"command failed ({proc.returncode}): {' '.join(cmd)}\n--- stdout\n{proc.stdout[-6000:]}"
            f"\n--- stderr\n{proc.stderr[-6000:]}"
        )
    return proc


def poll(probe: Callable[[], T | None], timeout: float, what: str, interval: float = 0.2) -> T:
    """Call probe until it returns something truthy, at most `timeout` seconds; errors count as "not yet"."""
    return wait_until(probe, timeout, what, interval=interval, retry_errors=True)


def tcp_probe(host: str, port: int, timeout: float = 2.0) -> str:
    """'open', 'refused' or 'filtered' (no answer within timeout)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return "open"
    except TimeoutError:
        return "filtered"
    except ConnectionRefusedError:
        return "refused"
    except OSError as exc:
        return f"error: {exc.strerror}"


def stop_pid(proc: subprocess.Popen[Any], sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def find_console_script(name: str) -> Path | None:
    here = Path(sys.executable).parent / name
    if here.exists():
        return here
    found = shutil.which(name)
    return Path(found) if found else None


# ------------------------------------------------------------------------------------------------------
# session-wide tools


@dataclass(frozen=True)
class DeployTools:
    venv: Path
    collections: Path

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
        env.update(
            PATH=f"{self.venv / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}",
            ANSIBLE_COLLECTIONS_PATH=str(self.collections),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            # task durations at the end of each run's log (playbook-*.log next to the run's inventory)
            ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks",
            PROFILE_TASKS_TASK_OUTPUT_LIMIT="15",
            PY_COLORS="0",
        )
        env.update(extra)
        return env


@pytest.fixture(scope="session")
def deploy_tools() -> DeployTools:
    tools = DeployTools(DEPLOY_VENV, COLLECTIONS)
    for exe in ("ansible-playbook", "ansible-lint", "ansible-vault", "hadolint"):
        require(Path(tools.bin(exe)).exists(), f"{tools.bin(exe)}")
    for coll in ("community/general", "ansible/posix"):
        require((COLLECTIONS / "ansible_collections" / coll).is_dir(), f"collection {coll} under {COLLECTIONS}")
    return tools


def require_e2e() -> None:
    require(os.geteuid() == 0, "root (systemd-nspawn, veth)")
    require(shutil.which("systemd-nspawn") is not None, "systemd-nspawn (apt: systemd-container)")
    require((ROOTFS / "lib/systemd/systemd").exists(), f"bookworm rootfs at {ROOTFS}")
    require(Path("/usr/sbin/apt-cacher-ng").exists(), "apt-cacher-ng")
    require((PY311 / "bin/pip").exists(), f"Python 3.11 venv at {PY311}")


@dataclass(frozen=True)
class Wheelhouse:
    path: Path
    version: str


def _copy_sources(dest: Path) -> None:
    """What building the alecs wheel needs, copied: building in the work tree leaves build/ and *.egg-info."""
    dest.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "*.pyc")
    for item in REPO.iterdir():
        if item.name in {"alecs", "alecs_tunnel"}:
            shutil.copytree(item, dest / item.name, ignore=ignore)
        elif item.is_file() and (item.name in {"pyproject.toml", "README.md"} or item.name.startswith("LICENSE")):
            shutil.copy2(item, dest / item.name)


def _pip_wheel(*args: str) -> None:
    pip = str(PY311 / "bin/pip")
    run([pip, "wheel", "--quiet", "--disable-pip-version-check", *args], timeout=600)


def _alecs_version(wheels: Path) -> str:
    found = sorted(wheels.glob("alecs-*.whl"))
    assert found, f"no alecs wheel in {wheels}"
    return found[-1].name.split("-")[1]


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Wheelhouse:
    """alecs from this checkout plus all its dependencies, as wheels for the target's Python 3.11."""
    require_e2e()
    prebuilt = os.environ.get("ALECS_DEPLOY_WHEELHOUSE")
    if prebuilt:  # a wheelhouse built beforehand (same layout), to iterate on the role without rebuilding
        return Wheelhouse(Path(prebuilt), _alecs_version(Path(prebuilt)))
    require((REPO / "pyproject.toml").exists(), "pyproject.toml at the repository root")
    base = tmp_path_factory.mktemp("wheelhouse")
    _copy_sources(base / "src")
    _pip_wheel("--wheel-dir", str(base / "wheels"), str(base / "src"))
    return Wheelhouse(base / "wheels", _alecs_version(base / "wheels"))


# ------------------------------------------------------------------------------------------------------
# the container: Debian bookworm booted by systemd-nspawn, reached over ssh


@dataclass
class Container:
    workdir: Path
    key: Path = field(init=False)
    known_hosts: Path = field(init=False)
    procs: dict[str, subprocess.Popen[Any]] = field(default_factory=dict)
    logs: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.key = self.workdir / "id_ed25519"
        self.known_hosts = self.workdir / "known_hosts"

    # -- lifecycle
    def boot(self) -> None:
        require_e2e()
        if run(["ip", "link", "show", VETH], check=False).returncode == 0:
            pytest.fail(f"{VETH} already exists: a previous test container is still running", pytrace=False)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "alecs-deploy-test", "-f", str(self.key)])
        lines = []
        for pub in sorted((ROOTFS / "etc/ssh").glob("ssh_host_*_key.pub")):
            kind, blob = pub.read_text().split()[:2]
            lines.append(f"{CT_IP} {kind} {blob}\n")
        self.known_hosts.write_text("".join(lines))
        console = (self.workdir / "console.log").open("w")
        self.logs.append(console)
        # -x: throwaway copy of the cached rootfs, removed when the container stops
        self.procs["nspawn"] = subprocess.Popen(
            [
                "systemd-nspawn", "-x", "-b", "-D", str(ROOTFS), "-M", MACHINE,
                "--register=no", "--keep-unit", "--network-veth", "--console=read-only", "--timezone=off",
                f"--bind-ro={self.key}.pub:/root/.ssh/authorized_keys",
            ],
            stdout=console, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        poll(lambda: self._nspawn_alive() and run(["ip", "link", "show", VETH], check=False).returncode == 0,
             60, f"veth {VETH}")  # fmt: skip
        run(["ip", "addr", "add", f"{HOST_IP}/30", "dev", VETH])
        run(["ip", "link", "set", VETH, "up"])
        self._start_apt_proxy()
        # booted: sshd answers and systemd reached multi-user.target (a late cosmetic job such as
        # systemd-update-utmp-runlevel may still be queued; is-system-running would then say "starting")
        poll(lambda: self._nspawn_alive() and self.ssh("systemctl is-active multi-user.target", check=False,
                                                       timeout=10).stdout.strip() == "active",
             120, "container ssh + multi-user.target")  # fmt: skip
        # This throwaway copy is discarded when the test ends: dpkg need not fsync every file it unpacks (on ext4
        # that is most of an apt install's time). What the role installs and how is unchanged.
        self.ssh("echo force-unsafe-io > /etc/dpkg/dpkg.cfg.d/alecs-ci-unsafe-io")

    def _nspawn_alive(self) -> bool:
        proc = self.procs["nspawn"]
        if proc.poll() is not None:
            raise AssertionError(f"systemd-nspawn exited ({proc.returncode}): {self.console_tail()}")
        return True

    def _start_apt_proxy(self) -> None:
        """apt-cacher-ng on the veth's host end: the container's only way to Debian's mirror."""
        acng = self.workdir / "acng"
        (acng / "log").mkdir(parents=True)
        ACNG_CACHE.mkdir(parents=True, exist_ok=True)
        (acng / "acng.conf").write_text(
            f"CacheDir: {ACNG_CACHE}\nLogDir: {acng / 'log'}\nSupportDir: /usr/lib/apt-cacher-ng\n"
            f"Port: 3142\nBindAddress: {HOST_IP}\nPidFile: {acng / 'pid'}\nSocketPath: {acng / 'socket'}\n"
            "ForeGround: 1\n"
        )
        out = (acng / "out.log").open("w")
        self.logs.append(out)
        self.procs["acng"] = subprocess.Popen(
            ["/usr/sbin/apt-cacher-ng", "-c", str(acng)], stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        poll(lambda: tcp_open(HOST_IP, 3142), 30, "apt-cacher-ng on 3142")

    def stop(self) -> None:
        for name in list(self.procs):
            if name != "nspawn":
                stop_pid(self.procs.pop(name))
        nspawn = self.procs.pop("nspawn", None)
        if nspawn is not None:
            # nspawn forwards SIGTERM as SIGRTMIN+3: a clean poweroff of the container
            stop_pid(nspawn, signal.SIGTERM, timeout=60)
        for log in self.logs:
            log.close()
        poll(lambda: run(["ip", "link", "show", VETH], check=False).returncode != 0, 30, f"{VETH} removed")

    def console_tail(self) -> str:
        path = self.workdir / "console.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    # -- access
    def ssh_base(self) -> list[str]:
        return [
            "ssh", "-i", str(self.key), "-o", f"UserKnownHostsFile={self.known_hosts}",
            "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=3",
            "-o", "IdentitiesOnly=yes", "-F", "/dev/null", f"root@{CT_IP}",
        ]  # fmt: skip

    def ssh(self, command: str, *, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return run([*self.ssh_base(), command], check=check, timeout=timeout)

    def ssh_config(self) -> Path:
        """An OpenSSH client config for alecs-tunnel (paramiko honours it)."""
        path = self.workdir / "ssh_config"
        path.write_text(
            f"Host alecs-ct\n  HostName {CT_IP}\n  User root\n  Port 22\n  IdentityFile {self.key}\n"
            f"  IdentitiesOnly yes\n  UserKnownHostsFile {self.known_hosts}\n  StrictHostKeyChecking yes\n"
        )
        return path


@pytest.fixture(scope="module")
def container(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    ct = Container(tmp_path_factory.mktemp("ct"))
    try:
        ct.boot()
        yield ct
    finally:
        ct.stop()


# ------------------------------------------------------------------------------------------------------
# Ansible against the container


@dataclass
class Recap:
    ok: int
    changed: int
    unreachable: int
    failed: int
    output: str


@dataclass
class AnsibleRun:
    tools: DeployTools
    container: Container
    workdir: Path
    master_key: str = field(default_factory=lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())

    def __post_init__(self) -> None:
        cp = Path("/tmp") / f"acp-{secrets.token_hex(3)}"  # ControlPath sockets need a short path
        cp.mkdir()
        self.control_dir = cp
        (self.workdir / "ansible.cfg").write_text(
            "[defaults]\n"
            f"collections_path = {self.tools.collections}\n"
            "host_key_checking = True\n"
            "interpreter_python = /usr/bin/python3\n"
            "retry_files_enabled = False\n"
            "stdout_callback = default\n"
            "[ssh_connection]\n"
            "ssh_args = -F /dev/null -o ControlMaster=auto -o ControlPersist=60s "
            f"-o UserKnownHostsFile={self.container.known_hosts} -o StrictHostKeyChecking=yes "
            "-o IdentitiesOnly=yes\n"
            f"control_path_dir = {cp}\n"
            "pipelining = True\n"
        )
        (self.workdir / "inventory.ini").write_text(
            "[alecs]\n"
            f"ct ansible_host={CT_IP} ansible_user=root ansible_become=false "
            f"ansible_ssh_private_key_file={self.container.key}\n"
        )
        # TOKEN_MASTER_KEY comes from an Ansible Vault file, as the operator's would
        self.vault_password = self.workdir / "vault-pass"
        self.vault_password.write_text(secrets.token_hex(16) + "\n")
        vault = self.workdir / "vault.yml"
        vault.write_text(f"vault_alecs_token_master_key: {self.master_key}\n")
        run([self.tools.bin("ansible-vault"), "encrypt", "--vault-password-file", str(self.vault_password),
             str(vault)], env=self.tools.env(), timeout=60)  # fmt: skip
        assert self.master_key not in vault.read_text()
        self.edgerc = self.workdir / "edgerc"
        self.edgerc.write_text(
            "[default]\nclient_secret = c2VjcmV0LWZvci10ZXN0cw==\nhost = akab-test.luna.akamaiapis.net\n"
            "access_token = akab-access-test\nclient_token = akab-client-test\n"
        )

    def base_vars(self, wheelhouse: Wheelhouse, **extra: Any) -> dict[str, Any]:
        return {
            "alecs_install_source": "wheelhouse",
            "alecs_wheelhouse_src": str(wheelhouse.path),
            "alecs_version": wheelhouse.version,
            "alecs_sandbox": True,
            "alecs_edgerc_src": str(self.edgerc),
            "alecs_token_master_key": "{{ vault_alecs_token_master_key }}",
            **extra,
        }

    def provision_twice(self, variables: dict[str, Any]) -> tuple[Recap, Recap]:
        """The first run and the second (which must change nothing)."""
        return self.playbook(variables), self.playbook(variables)

    def playbook(self, variables: dict[str, Any], *, timeout: float = 900, expect_failure: bool = False) -> Recap:
        """Run site.yml with `variables`; a failure raises (with alecs' journal), unless `expect_failure`, when
        success raises instead."""
        extra = self.workdir / "vars.json"
        extra.write_text(json.dumps(variables))
        env = self.tools.env(ANSIBLE_CONFIG=str(self.workdir / "ansible.cfg"))
        proc = run(
            [
                self.tools.bin("ansible-playbook"), "-i", str(self.workdir / "inventory.ini"),
                str(ANSIBLE_DIR / "site.yml"), "-e", f"@{self.workdir / 'vault.yml'}", "-e", f"@{extra}",
                "--vault-password-file", str(self.vault_password),
            ],
            env=env, timeout=timeout, check=False, cwd=self.workdir,
        )  # fmt: skip
        output = proc.stdout + proc.stderr
        (self.workdir / f"playbook-{time.time_ns()}.log").write_text(output)
        for line in proc.stdout.splitlines():
            if line.startswith("ct ") and "ok=" in line:
                fields = dict(part.split("=") for part in line.split() if "=" in part)
                recap = Recap(int(fields["ok"]), int(fields["changed"]), int(fields["unreachable"]),
                              int(fields["failed"]), output)  # fmt: skip
                break
        else:
            raise AssertionError(f"no PLAY RECAP (rc={proc.returncode}):\n{output[-8000:]}")
        if expect_failure:
            assert proc.returncode != 0 and recap.failed, f"the run was expected to fail:\n{output[-6000:]}"
            return recap
        if proc.returncode != 0 or recap.failed or recap.unreachable:
            journal = self.container.ssh("journalctl -u alecs --no-pager -n 60", check=False).stdout
            raise AssertionError(
                f"ansible-playbook failed (rc={proc.returncode}):\n{output[-8000:]}\n--- journalctl -u alecs\n{journal}"
            )
        return recap

    def close(self) -> None:
        # stop the ControlPersist masters (daemonised ssh processes) through their sockets
        for sock in self.control_dir.iterdir():
            run(["ssh", "-F", "/dev/null", "-o", f"ControlPath={sock}", "-O", "exit", CT_IP], check=False, timeout=10)
        shutil.rmtree(self.control_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def ansible_run(
    deploy_tools: DeployTools, container: Container, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AnsibleRun]:
    runner = AnsibleRun(deploy_tools, container, tmp_path_factory.mktemp("ansible"))
    try:
        yield runner
    finally:
        runner.close()


def generate_token(container: Container, description: str = "deploy-test") -> dict[str, str]:
    """`alecs-token generate` on the host (the documented day-2 wrapper around `alecs token`)."""
    out = container.ssh(f"alecs-token generate --scope write --description {description} --json").stdout
    data = json.loads(out)
    assert data["id"] and data["token"], out
    return data


# ------------------------------------------------------------------------------------------------------
# pebble (ACME test server) on the host end of the veth


@dataclass
class Pebble:
    """pebble and its challenge DNS server. `prepare()` makes the addresses and the HTTPS CA (what the role is
    given), `start()` runs the servers; a test may run the role before `start()` to see an unreachable ACME server."""

    workdir: Path
    procs: dict[str, subprocess.Popen[Any]] = field(default_factory=dict)
    logs: list[Any] = field(default_factory=list)

    def prepare(self) -> None:
        import trustme

        require(shutil.which("pebble") is not None, "pebble (apt: pebble)")
        require(shutil.which("pebble-challtestsrv") is not None, "pebble-challtestsrv (apt: pebble)")
        ca = trustme.CA()
        cert = ca.issue_cert(HOST_IP, "127.0.0.1", "localhost")
        self.https_ca = self.workdir / "pebble-https-ca.pem"
        ca.cert_pem.write_to_path(str(self.https_ca))
        self._cert_pem, self._key_pem = self.workdir / "pebble.pem", self.workdir / "pebble.key"
        cert.cert_chain_pems[0].write_to_path(str(self._cert_pem))
        cert.private_key_pem.write_to_path(str(self._key_pem))
        self.directory = f"https://{HOST_IP}:14000/dir"

    @property
    def running(self) -> bool:
        return "pebble" in self.procs

    def start(self) -> None:
        if not hasattr(self, "https_ca"):
            self.prepare()
        self.mgmt_port = free_port()
        dns_port, chall_mgmt = free_port(), free_port()
        config = self.workdir / "pebble.json"
        config.write_text(json.dumps({"pebble": {
            "listenAddress": f"{HOST_IP}:14000", "managementListenAddress": f"127.0.0.1:{self.mgmt_port}",
            "certificate": str(self._cert_pem), "privateKey": str(self._key_pem), "httpPort": 80, "tlsPort": 5001,
            "ocspResponderURL": "", "externalAccountBindingRequired": False,
        }}))  # fmt: skip
        self._spawn("challtestsrv", [
            "pebble-challtestsrv", "-dns01", f"127.0.0.1:{dns_port}", "-defaultIPv4", CT_IP,
            "-defaultIPv6", "", "-http01", "", "-https01", "", "-tlsalpn01", "",
            "-management", f"127.0.0.1:{chall_mgmt}",
        ], {})  # fmt: skip
        poll(lambda: tcp_open("127.0.0.1", chall_mgmt), 20, "pebble-challtestsrv")
        self._spawn("pebble", ["pebble", "-config", str(config), "-dnsserver", f"127.0.0.1:{dns_port}"],
                    {"PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"})  # fmt: skip
        poll(lambda: tcp_open(HOST_IP, 14000), 20, "pebble on 14000")

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str]) -> None:
        log = (self.workdir / f"{name}.log").open("w")
        self.logs.append(log)
        self.procs[name] = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env={**os.environ, **env}
        )

    def root_ca_pem(self) -> str:
        """The root that signs the certificates pebble issues (random per pebble run)."""
        import ssl
        import urllib.request

        ctx = ssl.create_default_context(cafile=str(self.https_ca))
        with urllib.request.urlopen(f"https://127.0.0.1:{self.mgmt_port}/roots/0", context=ctx, timeout=10) as r:
            return r.read().decode()

    def issued_trust(self) -> Any:
        """A client TLS context that trusts the certificates this pebble run issues."""
        import ssl

        return ssl.create_default_context(cadata=self.root_ca_pem())

    def stop(self) -> None:
        for name in list(self.procs):
            stop_pid(self.procs.pop(name))
        for log in self.logs:
            log.close()


def _pebble(tmp_path_factory: pytest.TempPathFactory, *, running: bool) -> Iterator[Pebble]:
    server = Pebble(tmp_path_factory.mktemp("pebble"))
    try:
        if running:
            server.start()
        else:
            server.prepare()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def pebble(container: Container, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pebble]:
    # depends on `container`: pebble listens on the veth's host end
    yield from _pebble(tmp_path_factory, running=True)


@pytest.fixture(scope="module")
def pebble_stopped(container: Container, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pebble]:
    """pebble prepared but not running: the test starts it when the ACME server should become reachable."""
    yield from _pebble(tmp_path_factory, running=False)


# ------------------------------------------------------------------------------------------------------
# a minimal line-delimited JSON-RPC driver for alecs-tunnel (stdin/stdout), bounded waits only


class StdioJsonRpc:
    def __init__(self, cmd: list[str], env: dict[str, str], stderr_path: Path) -> None:
        self._stderr = stderr_path.open("w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                                     env=env, text=True, bufsize=1)  # fmt: skip
        self._lines: queue.Queue[str] = queue.Queue()
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)

    def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        self._send({"jsonrpc": "2.0", "method": method, **({"params": params} if params is not None else {})})

    def request(self, method: str, params: dict[str, Any] | None = None, timeout: float = 60) -> dict[str, Any]:
        self._next_id += 1
        msg_id = self._next_id
        self._send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params or {}})
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no answer to {method} within {timeout}s (exit={self.proc.poll()})")
            try:
                line = self._lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                if self.proc.poll() is not None and self._lines.empty():
                    code = self.proc.returncode
                    raise AssertionError(f"alecs-tunnel exited ({code}) without answering {method}") from None
                continue
            if not line.strip():
                continue
            msg = json.loads(line)
            if msg.get("id") == msg_id and ("result" in msg or "error" in msg):
                return msg

    def _send(self, msg: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()

    def initialize(self) -> dict[str, Any]:
        reply = self.request("initialize", {
            "protocolVersion": MCP_PROTOCOL, "capabilities": {},
            "clientInfo": {"name": "alecs-deploy-test", "version": "0"},
        })  # fmt: skip
        assert "result" in reply, reply
        self.notify("notifications/initialized")
        return reply["result"]

    def close(self) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            stop_pid(self.proc)
        self._stderr.close()


def pick_read_only_tool(tools: list[dict[str, Any]]) -> dict[str, Any]:
    """An argument-free sandbox tool: list-contracts if present, else a list tool without required args."""
    for tool in tools:
        if tool["name"].replace("_", "-").endswith("list-contracts"):
            return tool
    for tool in tools:
        if "list" in tool["name"] and not tool.get("inputSchema", {}).get("required"):
            return tool
    raise AssertionError(f"no argument-free list tool among {[t['name'] for t in tools]}")


# ------------------------------------------------------------------------------------------------------
# alecs-tunnel over SSH into the container (tunnel mode)


def tunnel_command(container: Container, token: str, name: str, *sub: str) -> tuple[list[str], dict[str, str]]:
    """The alecs-tunnel command line and environment for `token`, reaching the container's loopback alecs."""
    exe = find_console_script("alecs-tunnel")
    require(exe is not None, "the alecs-tunnel console script (pip install -e . in the test venv)")
    assert exe is not None
    token_file = container.workdir / f"{name}.token"
    token_file.write_text(token + "\n")
    token_file.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALECS_")}
    env.update(ALECS_WS_URL="ws://127.0.0.1:8082/mcp", ALECS_TOKEN_FILE=str(token_file), HOME=str(container.workdir))
    cmd = [
        str(exe), *sub, "--ssh", "alecs-ct", "--ssh-config", str(container.ssh_config()),
        "--known-hosts", str(container.known_hosts), "--identity", str(container.key),
    ]  # fmt: skip
    return cmd, env


def tunnel_check(container: Container, token: str, name: str) -> None:
    """`alecs-tunnel check` once, which must pass: a token made by `alecs-token generate` a moment ago is accepted
    on its first connection (the server re-reads a changed token store when it meets a token it does not know)."""
    cmd, env = tunnel_command(container, token, name, "check")
    proc = run(cmd, env=env, check=False, timeout=60)
    output = proc.stdout[-2000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, f"alecs-tunnel check exited {proc.returncode}:\n{output}"


def tunnel_check_until(container: Container, token: str, name: str, rc: int) -> None:
    """`alecs-tunnel check` until it exits with rc. For a revoked token: the server still knows it as active until
    its next periodic re-read of the token store (ALECS_TOKEN_RELOAD_SECONDS, 1 s), a real delay of about a second."""
    cmd, env = tunnel_command(container, token, name, "check")
    last: list[str] = []

    def probe() -> bool:
        proc = run(cmd, env=env, check=False, timeout=60)
        last[:] = [str(proc.returncode), proc.stdout[-2000:], proc.stderr[-2000:]]
        return proc.returncode == rc

    try:
        poll(probe, 30, f"alecs-tunnel check to exit {rc}", interval=1.0)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last run: {last}") from None


def tunnel_client(container: Container, token: str, name: str) -> StdioJsonRpc:
    """alecs-tunnel as a stdio MCP client (its stderr goes to <workdir>/<name>.stderr)."""
    cmd, env = tunnel_command(container, token, name)
    return StdioJsonRpc(cmd, env, container.workdir / f"{name}.stderr")


# ------------------------------------------------------------------------------------------------------
# WebSocket MCP client (direct, for the tls and nginx modes)


def ws_mcp_session(url: str, token: str | None, **connect_kw: Any) -> Any:
    """Open a WebSocket MCP session (subprotocol mcp, bearer token in the handshake)."""
    from websockets.sync.client import connect

    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return connect(url, additional_headers=headers, subprotocols=["mcp"], open_timeout=15, **connect_kw)


def ws_request(ws: Any, msg_id: int, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    ws.send(json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params or {}}))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        msg = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        if msg.get("id") == msg_id:
            return msg
    raise AssertionError(f"no answer to {method}")


def ws_initialize(ws: Any) -> dict[str, Any]:
    reply = ws_request(ws, 1, "initialize", {
        "protocolVersion": MCP_PROTOCOL, "capabilities": {},
        "clientInfo": {"name": "alecs-deploy-test", "version": "0"},
    })  # fmt: skip
    assert "result" in reply, reply
    ws.send(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))
    return reply["result"]
