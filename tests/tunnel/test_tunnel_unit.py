"""Unit-level tests of alecs-tunnel: parsing, ssh_config, tokens, Claude config, and relay
behaviour the real server cannot easily provoke (stand-in server from standin_server.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from tunnel_helpers import Server, Sshd, TunnelProc, run_cli, ssh_args, tunnel_env

from alecs_tunnel.claude_config import build_entry, default_config_path, merge
from alecs_tunnel.errors import ConfigError
from alecs_tunnel.settings import load_token
from alecs_tunnel.ssh_config import SshSettings, SshTarget, load_ssh_config, resolve
from tests.support.net import free_port


@pytest.mark.parametrize(
    ("spec", "user", "host", "port"),
    [
        ("host", None, "host", None),
        ("deploy@mcp.example.net", "deploy", "mcp.example.net", None),
        ("deploy@mcp.example.net:2222", "deploy", "mcp.example.net", 2222),
        ("[::1]:2200", None, "::1", 2200),
        ("u@[fe80::1]", "u", "fe80::1", None),
    ],
)
def test_ssh_target_parse(spec: str, user: str | None, host: str, port: int | None) -> None:
    t = SshTarget.parse(spec)
    assert (t.user, t.host, t.port) == (user, host, port)


@pytest.mark.parametrize("spec", ["", "a b", "host:99999", "host:x", "@"])
def test_ssh_target_parse_rejects(spec: str) -> None:
    with pytest.raises(ConfigError):
        SshTarget.parse(spec)


def test_ssh_config_alias_is_resolved(tmp_path: Path) -> None:
    cfg = tmp_path / "config"
    cfg.write_text(
        "Host mcp\n  HostName 10.0.0.5\n  User deploy\n  Port 2201\n  IdentityFile ~/.ssh/alecs\n"
        "  ProxyJump bastion,jump2:2222\n  ServerAliveInterval 7\n  UserKnownHostsFile ~/kh1 ~/kh2\n"
    )
    settings = SshSettings(SshTarget.parse("mcp"), ssh_config=str(cfg), identities=("/k/extra",))
    spec = resolve(settings.target, settings, load_ssh_config(str(cfg)))
    assert (spec.hostname, spec.port, spec.user) == ("10.0.0.5", 2201, "deploy")
    assert spec.identity_files[0] == "/k/extra" and spec.identity_files[1].endswith("/.ssh/alecs")
    assert spec.proxy_jump == ["bastion", "jump2:2222"]
    assert spec.keepalive == 7
    assert [Path(k).name for k in spec.known_hosts[:2]] == ["kh1", "kh2"]
    # the command line wins over the config
    settings = SshSettings(SshTarget.parse("root@mcp:22"), ssh_config=str(cfg), known_hosts="/x/kh")
    spec = resolve(settings.target, settings, load_ssh_config(str(cfg)))
    assert (spec.user, spec.port, spec.known_hosts) == ("root", 22, ["/x/kh"])


def test_missing_explicit_ssh_config_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_ssh_config(str(tmp_path / "nope"))


def test_load_token(tmp_path: Path) -> None:
    assert load_token({"ALECS_TOKEN": " abc \n"}) == "abc"
    f = tmp_path / "t"
    f.write_text("from-file\n")
    assert load_token({"ALECS_TOKEN_FILE": str(f)}) == "from-file"
    for env in ({}, {"ALECS_TOKEN": "a b"}, {"ALECS_TOKEN_FILE": str(tmp_path / "missing")}):
        with pytest.raises(ConfigError):
            load_token(env)


def test_token_is_never_taken_from_argv(home: Path) -> None:
    out = run_cli(["--token", "x"], tunnel_env(home))
    assert out.returncode == 2 and "unrecognized arguments" in out.stderr


def test_claude_config_paths_and_entry(tmp_path: Path) -> None:
    assert (
        default_config_path("darwin")
        .as_posix()
        .endswith("Library/Application Support/Claude/claude_desktop_config.json")
    )
    assert default_config_path("win32", {"APPDATA": "C:/Users/me/AppData/Roaming"}).as_posix() == (
        "C:/Users/me/AppData/Roaming/Claude/claude_desktop_config.json"
    )
    assert default_config_path("linux", {"XDG_CONFIG_HOME": "/x"}).as_posix() == "/x/Claude/claude_desktop_config.json"
    entry = build_entry(url="ws://127.0.0.1:8082/mcp", ssh="h", token=None, token_file=None, paths={}, command=["c"])
    assert entry["env"]["ALECS_TOKEN"].startswith("<paste")
    assert (entry["command"], entry["args"]) == ("c", ["--ssh", "h"])
    cfg = tmp_path / "new" / "claude_desktop_config.json"
    assert merge(cfg, "alecs", entry) is None  # no file yet: nothing to back up
    assert json.loads(cfg.read_text())["mcpServers"]["alecs"] == entry


# ---- relay behaviour against the stand-in server -----------------------------------------------


def _stats(server: Server) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/stats", timeout=5) as r:  # noqa: S310
        return json.load(r)


def test_requests_wait_for_reconnect_then_fail_clearly(home: Path, tmp_path: Path, tunnels: list[TunnelProc]) -> None:
    env = tunnel_env(home, ALECS_WS_URL=f"ws://127.0.0.1:{free_port()}/mcp", ALECS_TOKEN="x")
    t = TunnelProc(["--queue-timeout", "1"], env, tmp_path / "err")
    tunnels.append(t)
    answer = t.request(1, "tools/list", timeout=20)
    assert answer["error"]["code"] == -32051
    assert "gave up after waiting 1 s" in answer["error"]["message"]
    assert "connection refused" in answer["error"]["message"]
    assert t.close() == 0


def test_queued_request_is_sent_once_the_server_is_up(
    standin: Server, home: Path, tmp_path: Path, tunnels: list[TunnelProc]
) -> None:
    standin.stop()
    env = tunnel_env(home, ALECS_WS_URL=standin.url, ALECS_TOKEN=standin.tok["token"])
    t = TunnelProc([], env, tmp_path / "err")
    tunnels.append(t)
    t.send({"jsonrpc": "2.0", "id": 7, "method": "tools/list"})
    standin.start()
    answer = t.recv(30)
    assert answer["id"] == 7 and "result" in answer
    assert t.close() == 0


def test_replay_happens_once_per_reconnect(
    standin: Server, home: Path, tmp_path: Path, tunnels: list[TunnelProc]
) -> None:
    env = tunnel_env(home, ALECS_WS_URL=standin.url, ALECS_TOKEN=standin.tok["token"])
    t = TunnelProc([], env, tmp_path / "err")
    tunnels.append(t)
    t.initialize()
    standin.stop()
    standin.start()
    assert "result" in t.request(1, "tools/call", {"name": "list-contracts", "arguments": {}})
    assert _stats(standin)["initialize"] == 1  # the replay, on the new server process
    assert [n["method"] for n in t.notifications] == ["notifications/tools/list_changed"]
    assert t.close() == 0
    assert t.lines.get(timeout=5) is None


def test_a_429_is_retried_no_sooner_than_retry_after_and_queued_requests_then_go_out(
    home: Path, tmp_path: Path, tunnels: list[TunnelProc]
) -> None:
    """A per-token session cap answers 429 with Retry-After: 1 twice; the third attempt connects."""
    server = Server(tmp_path / "standin", standin=True)
    server.env["STANDIN_REFUSE"] = "2"
    token = server.token("write")["token"]
    server.start()
    try:
        t = TunnelProc([], tunnel_env(home, ALECS_WS_URL=server.url, ALECS_TOKEN=token), tmp_path / "err")
        tunnels.append(t)
        assert "result" in t.request(1, "tools/list", timeout=30)  # waited through both refusals
        stats = _stats(server)
        attempts = [*stats["refused_at"], stats["upgrades_at"][0]]
        assert len(attempts) == 3, stats
        gaps = [later - earlier for earlier, later in zip(attempts, attempts[1:], strict=False)]
        assert all(gap >= 0.95 for gap in gaps), gaps  # backoff alone would have retried after 0.2-0.6 s
        assert t.close() == 0  # connected in the end
        err = t.stderr()
        assert "HTTP 429: This token already has 5 open sessions, its limit." in err and "retrying in 1 s" in err

        server.stop()
        server.env["STANDIN_REFUSE"] = "1"
        server.start()
        check = run_cli(["check"], tunnel_env(home, ALECS_WS_URL=server.url, ALECS_TOKEN=token))
        assert check.returncode == 7 and "FAILED (http-429)" in check.stderr, check
        assert "Retry after 1 s (the server's Retry-After)" in check.stderr
    finally:
        server.stop()


def test_oversized_message_close_is_named(
    standin: Server, home: Path, tmp_path: Path, tunnels: list[TunnelProc]
) -> None:
    env = tunnel_env(home, ALECS_WS_URL=standin.url, ALECS_TOKEN=standin.tok["token"])
    t = TunnelProc([], env, tmp_path / "err")
    tunnels.append(t)
    t.initialize()
    answer = t.request(1, "tools/call", {"name": "list-contracts", "arguments": {"blob": "x" * (2 << 20)}})
    assert answer["error"]["code"] == -32050
    assert "1009 message too big" in answer["error"]["message"]
    assert "result" in t.request(2, "tools/list")  # reconnected, session replayed
    assert t.close() == 0


def test_stdin_close_exits_zero_without_a_server(home: Path, tmp_path: Path, tunnels: list[TunnelProc]) -> None:
    env = tunnel_env(home, ALECS_WS_URL=f"ws://127.0.0.1:{free_port()}/mcp", ALECS_TOKEN="x")
    t = TunnelProc([], env, tmp_path / "err")
    tunnels.append(t)
    assert t.close() == 0
    assert t.lines.get(timeout=5) is None  # nothing on stdout


def test_proxyjump_through_ssh_config(standin: Server, sshd: Sshd, home: Path, tmp_path: Path) -> None:
    """ProxyJump: hop 1 is the alias alecs-test, hop 2 is the same sshd reached through it."""
    cfg = tmp_path / "ssh_config"
    cfg.write_text(
        sshd.ssh_config.read_text() + f"Host behind\n  HostName 127.0.0.1\n  Port {sshd.port}\n  User root\n"
        f"  IdentityFile {sshd.client_key}\n  ProxyJump alecs-test\n"
    )
    env = tunnel_env(home, ALECS_WS_URL=standin.url, ALECS_TOKEN=standin.tok["token"])
    args = ["check", "--ssh", "behind", "--ssh-config", str(cfg), "--known-hosts", str(sshd.known_hosts)]
    out = run_cli(args, env)
    assert out.returncode == 0, out
    assert "via alecs-test" in out.stdout


def test_forwarding_refused_by_sshd_is_diagnosed(standin: Server, sshd: Sshd, home: Path) -> None:
    env = tunnel_env(home, ALECS_WS_URL="ws://127.0.0.1:1/mcp", ALECS_TOKEN=standin.tok["token"])
    out = run_cli(["check", *ssh_args(sshd)], env)
    assert out.returncode == 3, out
    assert "could not connect to 127.0.0.1:1" in out.stderr


def test_stdio_from_files_relays_through_ssh(standin: Server, sshd: Sshd, home: Path, tmp_path: Path) -> None:
    """stdin and stdout that are files, not pipes: the thread fallback (as on Windows) still relays."""
    requests = [
        {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": "two", "method": "tools/list"},
    ]
    stdin = tmp_path / "in.jsonl"
    stdin.write_text("".join(json.dumps(m) + "\n" for m in requests))
    stdout = tmp_path / "out.jsonl"
    env = tunnel_env(home, ALECS_WS_URL=standin.url, ALECS_TOKEN=standin.tok["token"])
    with stdin.open("rb") as fin, stdout.open("wb") as fout, (tmp_path / "err").open("wb") as ferr:
        argv = [sys.executable, "-m", "alecs_tunnel", *ssh_args(sshd)]
        proc = subprocess.run(argv, env=env, stdin=fin, stdout=fout, stderr=ferr, timeout=60)
    assert proc.returncode == 0, (tmp_path / "err").read_text()
    answers = [json.loads(line) for line in stdout.read_text().splitlines()]
    assert [a["id"] for a in answers] == [1, "two"]
    assert all("result" in a for a in answers)


def test_invoke_import_is_deferred_but_match_exec_still_has_it() -> None:
    code = (
        "import sys, alecs_tunnel.ssh, paramiko.config as c\n"
        "assert type(sys.modules['invoke']).__name__ == '_Deferred', sys.modules['invoke']\n"
        "assert callable(c.invoke.run)\n"  # what paramiko calls for `Match exec`
        "assert type(sys.modules['invoke']).__name__ == 'module'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60, cwd=Path(__file__).resolve().parents[2])


def test_the_command_and_python_dash_m_alecs_tunnel_both_start(home: Path) -> None:
    script = Path(sys.executable).with_name("alecs-tunnel")
    for argv in ([str(script)], [sys.executable, "-m", "alecs_tunnel"]):
        out = subprocess.run([*argv, "--version"], capture_output=True, text=True, timeout=60, env=tunnel_env(home))
        assert out.returncode == 0 and out.stdout.startswith("alecs-tunnel "), (argv, out)
