"""alecs-tunnel against the real `alecs serve --transport websocket --sandbox`.

Claude Desktop's role is played by the MCP SDK's stdio client, which launches alecs-tunnel;
the tunnel goes through a real OpenSSH sshd on loopback (own host key, own config).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import trustme
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.session import MessageHandlerFnT
from mcp.shared.exceptions import MCPError
from mcp_types import ToolListChangedNotification
from tunnel_helpers import (
    PY,
    REPO,
    Server,
    Sshd,
    TlsProxy,
    TunnelProc,
    run_cli,
    ssh_args,
    tunnel_env,
    upgrade_attempt,
)

from tests.support.waiting import poll

TOOL = "list-contracts"
BOTH_TOKEN_COMMANDS = ("`alecs token generate`", "`sudo alecs-token generate`")


@contextlib.asynccontextmanager
async def desktop(
    args: list[str], env: dict[str, str], errlog: Path, message_handler: MessageHandlerFnT | None = None
) -> AsyncIterator[ClientSession]:
    """What Claude Desktop does: launch alecs-tunnel over stdio and open an MCP session."""
    params = StdioServerParameters(command=PY, args=["-m", "alecs_tunnel", *args], env=env, cwd=str(REPO))
    with open(errlog, "w") as err:
        async with (
            stdio_client(params, errlog=err) as (read, write),
            ClientSession(read, write, message_handler=message_handler) as session,
        ):
            yield session


def env_for(server: Server, home: Path, **extra: str) -> dict[str, str]:
    return tunnel_env(home, ALECS_WS_URL=server.url, ALECS_TOKEN=server.tok["token"], **extra)


async def call_ok(session: ClientSession) -> None:
    result = await asyncio.wait_for(session.call_tool(TOOL, {}), 60)
    assert not result.is_error, result
    assert result.content or result.structured_content


# ---- the Claude Desktop session over SSH -------------------------------------------------------


async def test_desktop_session_over_ssh_alias(alecs: Server, sshd: Sshd, home: Path, tmp_path: Path) -> None:
    """initialize, tools/list and a tool call; the SSH destination is a Host alias from ssh_config."""
    args = ["--ssh", "alecs-test", "--ssh-config", str(sshd.ssh_config), "--known-hosts", str(sshd.known_hosts)]
    async with desktop(args, env_for(alecs, home), tmp_path / "tunnel.err") as session:
        init = await asyncio.wait_for(session.initialize(), 60)
        assert init.server_info.name
        tools = await asyncio.wait_for(session.list_tools(), 30)
        names = {t.name for t in tools.tools}
        assert TOOL in names, names
        await call_ok(session)
    log = (tmp_path / "tunnel.err").read_text()
    assert "connected to ssh root@127.0.0.1" in log
    assert alecs.tok["token"] not in log


async def test_direct_ws_session(alecs: Server, home: Path, tmp_path: Path) -> None:
    async with desktop([], env_for(alecs, home), tmp_path / "tunnel.err") as session:
        await asyncio.wait_for(session.initialize(), 60)
        assert (await session.list_tools()).tools
        await call_ok(session)


@contextlib.contextmanager
def tls_front(alecs: Server, tmp_path: Path, name: str = "127.0.0.1") -> Iterator[tuple[str, Path]]:
    """A TLS terminator before the server, its certificate issued for ``name`` by a private CA: (wss URL, CA file)."""
    ca = trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(ctx)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    proxy = TlsProxy(ctx, alecs.port)
    try:
        yield f"wss://127.0.0.1:{proxy.port}/mcp", ca_file
    finally:
        proxy.close()


async def test_direct_wss_session_with_private_ca(alecs: Server, home: Path, tmp_path: Path) -> None:
    with tls_front(alecs, tmp_path) as (url, ca_file):
        env = env_for(alecs, home) | {"ALECS_WS_URL": url}
        async with desktop(["--ca-file", str(ca_file)], env, tmp_path / "tunnel.err") as session:
            await asyncio.wait_for(session.initialize(), 60)
            await call_ok(session)
        # Without the private CA the system store does not trust it: a TLS diagnosis, exit 6.
        out = await asyncio.to_thread(run_cli, ["check"], env)
    assert out.returncode == 6, out
    assert "FAILED (tls)" in out.stderr and "private CA, pass --ca-file" in out.stderr
    assert ".." not in out.stderr


def test_a_tls_name_mismatch_says_to_use_the_certified_name_not_a_ca_file(
    alecs: Server, home: Path, tmp_path: Path
) -> None:
    """issue 13.9: a certificate for another name, from a CA we trust: fix the URL or the certificate."""
    with tls_front(alecs, tmp_path, name="mcp1.example.test") as (url, ca_file):
        out = run_cli(["check", "--ca-file", str(ca_file)], env_for(alecs, home) | {"ALECS_WS_URL": url})
    assert out.returncode == 6, out
    message = out.stderr
    assert "FAILED (tls)" in message and "not valid for '127.0.0.1'. It was issued for other names" in message
    assert "put the name it was issued for in the URL" in message and "-ext subjectAltName" in message
    assert ".." not in message and "--ca-file" not in message


async def test_wss_through_ssh_is_tls_over_the_channel(alecs: Server, sshd: Sshd, home: Path, tmp_path: Path) -> None:
    """wss:// as seen from the SSH server: TLS runs over the forwarded channel (loop.start_tls), verified."""
    with tls_front(alecs, tmp_path) as (url, ca_file):
        env = env_for(alecs, home) | {"ALECS_WS_URL": url}
        async with desktop(["--ca-file", str(ca_file), *ssh_args(sshd)], env, tmp_path / "tunnel.err") as session:
            await asyncio.wait_for(session.initialize(), 60)
            await call_ok(session)
        out = await asyncio.to_thread(run_cli, ["check", *ssh_args(sshd)], env)  # the system store: refused
    assert out.returncode == 6 and "FAILED (tls)" in out.stderr, out


# ---- host keys ----------------------------------------------------------------------------------


def test_unknown_host_key_is_refused(alecs: Server, sshd: Sshd, home: Path, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts.empty"
    empty.write_text("")
    out = run_cli(["check", *ssh_args(sshd, known_hosts=empty)], env_for(alecs, home))
    assert out.returncode == 5, out
    assert "FAILED (host-key)" in out.stderr
    assert "not in known_hosts" in out.stderr
    assert f"ssh-keyscan -p {sshd.port} 127.0.0.1" in out.stderr
    assert empty.read_text() == ""  # never written to


def test_changed_host_key_is_refused(alecs: Server, sshd: Sshd, home: Path, tmp_path: Path) -> None:
    wrong = tmp_path / "known_hosts.wrong"
    other = sshd.other_key.with_suffix(".pub").read_text().split()[:2]
    wrong.write_text(f"[127.0.0.1]:{sshd.port} {' '.join(other)}\n")
    out = run_cli(["check", *ssh_args(sshd, known_hosts=wrong)], env_for(alecs, home))
    assert out.returncode == 5, out
    assert "HOST KEY MISMATCH" in out.stderr
    assert f"ssh-keygen -R '[127.0.0.1]:{sshd.port}'" in out.stderr


def test_unknown_host_key_in_run_mode_answers_and_exits(
    alecs: Server, sshd: Sshd, home: Path, tmp_path: Path, tunnels: list[TunnelProc]
) -> None:
    empty = tmp_path / "known_hosts.empty"
    empty.write_text("")
    t = TunnelProc(ssh_args(sshd, known_hosts=empty), env_for(alecs, home), tmp_path / "err")
    tunnels.append(t)
    t.send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}})
    answer = t.recv()
    assert answer["id"] == 1 and "not in known_hosts" in answer["error"]["message"]
    assert t.close() == 5
    assert t.stderr().count("not in known_hosts") == 1


# ---- reconnects ---------------------------------------------------------------------------------


async def test_server_restart_between_calls(fresh_alecs: Server, sshd: Sshd, home: Path, tmp_path: Path) -> None:
    async with desktop(ssh_args(sshd), env_for(fresh_alecs, home), tmp_path / "tunnel.err") as session:
        await asyncio.wait_for(session.initialize(), 60)
        await call_ok(session)
        await asyncio.to_thread(fresh_alecs.stop)
        await asyncio.to_thread(fresh_alecs.start)
        await call_ok(session)  # same session, no restart of the client
        assert (await session.list_tools()).tools
    log = (tmp_path / "tunnel.err").read_text()
    assert "session re-initialized on the new connection" in log


async def test_ssh_cut_between_calls(alecs: Server, sshd: Sshd, home: Path, tmp_path: Path) -> None:
    err = tmp_path / "tunnel.err"
    async with desktop(ssh_args(sshd), env_for(alecs, home), err) as session:
        await asyncio.wait_for(session.initialize(), 60)
        await call_ok(session)
        killed = await asyncio.to_thread(sshd.cut)
        assert killed
        await call_ok(session)
    assert "the SSH connection was lost" in err.read_text()


async def test_call_in_flight_during_ssh_cut_gets_an_error(
    fresh_alecs: Server, sshd: Sshd, home: Path, tmp_path: Path
) -> None:
    err = tmp_path / "tunnel.err"
    async with desktop(["-vv", *ssh_args(sshd)], env_for(fresh_alecs, home), err) as session:
        await asyncio.wait_for(session.initialize(), 60)
        await call_ok(session)
        fresh_alecs.freeze()  # the server holds the call: it is in flight
        call = asyncio.create_task(session.call_tool(TOOL, {}))
        await poll(lambda: err.read_text().count("sent tools/call") >= 2, 20, "the second tools/call to go out")
        await asyncio.to_thread(sshd.cut)
        with pytest.raises(MCPError) as info:
            await asyncio.wait_for(call, 30)
        assert "lost while this request was in flight" in str(info.value)
        assert "SSH connection was lost" in str(info.value)
        await asyncio.to_thread(fresh_alecs.stop)  # SIGCONT + SIGTERM the frozen server
        await asyncio.to_thread(fresh_alecs.start)
        await call_ok(session)


async def test_call_in_flight_during_server_kill_gets_an_error(
    fresh_alecs: Server, sshd: Sshd, home: Path, tmp_path: Path
) -> None:
    err = tmp_path / "tunnel.err"
    async with desktop(["-vv", *ssh_args(sshd)], env_for(fresh_alecs, home), err) as session:
        await asyncio.wait_for(session.initialize(), 60)
        fresh_alecs.freeze()
        call = asyncio.create_task(session.call_tool(TOOL, {}))
        await poll(lambda: "sent tools/call" in err.read_text(), 20, "the tools/call to go out")
        await asyncio.to_thread(fresh_alecs.kill)
        with pytest.raises(MCPError) as info:
            await asyncio.wait_for(call, 30)
        assert "lost while this request was in flight" in str(info.value)
        await asyncio.to_thread(fresh_alecs.start)
        await call_ok(session)


async def test_enabled_toolsets_survive_a_server_restart_and_the_client_hears_list_changed(
    sshd: Sshd, home: Path, tmp_path: Path
) -> None:
    """issue 11: dynamic toolsets behind sshd; enable gtm, restart the server, gtm's tools still work."""
    server = Server(tmp_path / "alecs", args=("--dynamic-toolsets",))
    server.tok = server.token("write")  # type: ignore[attr-defined]
    server.start()
    changes: list[ToolListChangedNotification] = []

    async def on_message(message: object) -> None:
        if isinstance(message, ToolListChangedNotification):
            changes.append(message)

    err = tmp_path / "tunnel.err"
    try:
        async with desktop(ssh_args(sshd), env_for(server, home), err, on_message) as session:
            await asyncio.wait_for(session.initialize(), 60)
            names = {t.name for t in (await session.list_tools()).tools}
            assert "enable-toolset" in names and "list-gtm-domains" not in names, names
            enabled = await asyncio.wait_for(session.call_tool("enable-toolset", {"toolset": "gtm"}), 60)
            assert not enabled.is_error, enabled
            await poll(lambda: len(changes) == 1, 20, "the server's list_changed for enabling gtm")
            assert "list-gtm-domains" in {t.name for t in (await session.list_tools()).tools}

            await asyncio.to_thread(server.stop)
            await asyncio.to_thread(server.start)
            result = await asyncio.wait_for(session.call_tool("list-gtm-domains", {}), 60)
            assert not result.is_error, result  # the new server session has gtm enabled again
            await poll(lambda: len(changes) == 2, 20, "the tunnel's list_changed after reconnecting")
            assert "list-gtm-domains" in {t.name for t in (await session.list_tools()).tools}
    finally:
        server.stop()
    log = err.read_text()
    assert "session re-initialized on the new connection" in log
    assert "toolset gtm restored on the new connection" in log


def test_replayed_initialize_answer_is_swallowed(
    fresh_alecs: Server, sshd: Sshd, home: Path, tmp_path: Path, tunnels: list[TunnelProc]
) -> None:
    """Raw stdio: after a restart the client sees the answers to its own requests and one list_changed."""
    t = TunnelProc(ssh_args(sshd), env_for(fresh_alecs, home), tmp_path / "err")
    tunnels.append(t)
    init = t.initialize()
    assert "result" in init
    assert "result" in t.request(1, "tools/list")
    fresh_alecs.stop()
    fresh_alecs.start()
    answer = t.request(2, "tools/call", {"name": TOOL, "arguments": {}})
    assert "result" in answer, answer
    assert t.notifications == [{"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}]
    assert t.close() == 0
    assert t.lines.get(timeout=5) is None  # nothing else was written to stdout


# ---- authentication -----------------------------------------------------------------------------


def test_wrong_token_one_clear_error_and_exit_code(
    alecs: Server, sshd: Sshd, home: Path, tmp_path: Path, tunnels: list[TunnelProc]
) -> None:
    env = env_for(alecs, home) | {"ALECS_TOKEN": "not-the-token"}
    t = TunnelProc(ssh_args(sshd), env, tmp_path / "err")
    tunnels.append(t)
    t.send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}})
    answer = t.recv()
    assert "HTTP 401" in answer["error"]["message"]
    assert all(command in answer["error"]["message"] for command in BOTH_TOKEN_COMMANDS)
    assert t.close() == 4
    assert t.stderr().count("HTTP 401") == 1
    assert "not-the-token" not in t.stderr()
    check = run_cli(["check"], env)  # direct mode too
    assert check.returncode == 4
    assert "FAILED (http-401)" in check.stderr
    assert all(command in check.stderr for command in BOTH_TOKEN_COMMANDS)


def test_no_token_names_both_ways_to_create_one(alecs: Server, home: Path) -> None:
    out = run_cli(["check"], tunnel_env(home, ALECS_WS_URL=alecs.url))
    assert out.returncode == 2, out
    assert "no token: set ALECS_TOKEN" in out.stderr
    assert all(command in out.stderr for command in BOTH_TOKEN_COMMANDS), out.stderr


def test_check_piped_into_head_ends_quietly(alecs: Server, sshd: Sshd, home: Path) -> None:
    """issue 13.10: `alecs-tunnel check ... | head -3`, as an operator types it: three lines, no traceback."""
    env = env_for(alecs, home)
    command = " ".join([PY, "-m", "alecs_tunnel", "check", *ssh_args(sshd)]) + " | head -3"
    piped = subprocess.run(["bash", "-o", "pipefail", "-c", command], env=env, capture_output=True, text=True,
                           timeout=120)
    assert piped.stdout.splitlines()[0] == "alecs-tunnel check: OK" and len(piped.stdout.splitlines()) == 3, piped
    assert "Traceback" not in piped.stderr and "BrokenPipeError" not in piped.stderr, piped.stderr
    # The same with a reader that is gone before anything is written (what `head` does at its own pace).
    read, write = os.pipe()
    os.close(read)
    try:
        gone = subprocess.run([PY, "-m", "alecs_tunnel", "check"], env=env, stdout=write, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    finally:
        os.close(write)
    assert gone.returncode == 0, gone.stderr  # the check itself passed
    assert gone.stderr == "", gone.stderr


def test_a_429_shows_the_servers_reason_and_retry_after_with_its_own_exit_code(
    fresh_alecs: Server, home: Path, tmp_path: Path, tunnels: list[TunnelProc]
) -> None:
    """The real server's failure limiter, tripped by one bad token presented again and again, answers 429."""
    bad = "alecs_not-a-token-of-this-server"
    for _ in range(60):  # bounded: the limiter trips after its threshold of failures (10 today)
        status, headers, body = upgrade_attempt(fresh_alecs.port, bad)
        if status == 429:
            break
        assert status == 401, (status, body)
    assert status == 429, "the server never answered 429 to repeated bad tokens"
    reason, retry = json.loads(body)["error"], int(headers["Retry-After"])
    # The server's reason may count down ("try again in 60 s" then "59 s"): compare it with its numbers masked.
    said = re.compile(re.escape("HTTP 429: " + re.sub(r"\d+", "#", reason)).replace("\\#", r"\d+"))
    env = tunnel_env(home, ALECS_WS_URL=fresh_alecs.url, ALECS_TOKEN=bad)

    check = run_cli(["check"], env)
    assert check.returncode == 7, check
    assert "FAILED (http-429)" in check.stderr and said.search(check.stderr), check.stderr
    shown = re.search(r"Retry after (\d+) s \(the server's Retry-After\)", check.stderr)
    assert shown and 0 < int(shown[1]) <= retry, check.stderr

    # The stdio relay, as Claude Desktop runs it; a request that cannot wait out Retry-After is answered at once.
    t = TunnelProc(["--queue-timeout", "1"], env, tmp_path / "err")
    tunnels.append(t)
    answer = t.request(0, "initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                         "clientInfo": {"name": "t", "version": "1"}})
    assert answer["error"]["code"] == -32053 and answer["error"]["data"]["cause"] == "http-429", answer
    assert said.search(answer["error"]["message"]) and "Retry after" in answer["error"]["message"]
    assert t.close() == 7  # stdin closed while the server still refused
    assert len(said.findall(t.stderr())) == 1
    assert bad not in t.stderr() + check.stderr


def test_token_from_file(alecs: Server, home: Path, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(alecs.tok["token"] + "\n")
    env = tunnel_env(home, ALECS_WS_URL=alecs.url, ALECS_TOKEN_FILE=str(token_file))
    out = run_cli(["check"], env)
    assert out.returncode == 0, out


# ---- check and config claude --------------------------------------------------------------------


def test_check_over_ssh_reports(alecs: Server, sshd: Sshd, home: Path) -> None:
    out = run_cli(["check", *ssh_args(sshd)], env_for(alecs, home))
    assert out.returncode == 0, out
    text = out.stdout
    assert text.startswith("alecs-tunnel check: OK")
    assert f"route:      ssh root@127.0.0.1:{sshd.port} -> 127.0.0.1:{alecs.port}" in text
    assert "host key:   ssh-ed25519 SHA256:" in text
    assert "protocol:   2025-11-25" in text
    tools = int(text.split("tools:")[1].split()[0])
    assert tools > 0
    assert "round trip:" in text and " ms (ping)" in text
    assert f"token:      {alecs.tok['id']} scope write" in text
    assert alecs.tok["token"] not in text + out.stderr


def test_check_diagnoses_server_down(sshd: Sshd, home: Path, tmp_path: Path) -> None:
    from tests.support.net import free_port

    env = tunnel_env(home, ALECS_WS_URL=f"ws://127.0.0.1:{free_port()}/mcp", ALECS_TOKEN="x")
    out = run_cli(["check", *ssh_args(sshd)], env)
    assert out.returncode == 3, out
    assert "FAILED (tcp)" in out.stderr and "could not connect to 127.0.0.1" in out.stderr
    out = run_cli(["check"], env)
    assert out.returncode == 3 and "connection refused" in out.stderr


def test_check_diagnoses_ssh_auth_and_dns(alecs: Server, sshd: Sshd, home: Path) -> None:
    env = env_for(alecs, home)
    args = ssh_args(sshd)
    args[args.index("--identity") + 1] = str(sshd.other_key)  # not in authorized_keys
    out = run_cli(["check", *args], env)
    assert out.returncode == 4, out
    assert "FAILED (ssh-auth)" in out.stderr and "authorized_keys" in out.stderr
    out = run_cli(["check", "--ssh", "no-such-host.invalid", "--known-hosts", str(sshd.known_hosts)], env)
    assert out.returncode == 3, out
    assert "FAILED (dns)" in out.stderr


def test_config_claude_print_and_merge(sshd: Sshd, home: Path, tmp_path: Path) -> None:
    env = tunnel_env(home, ALECS_TOKEN="sekret-token")
    out = run_cli(["config", "claude", "--ssh", "deploy@mcp.example.net", "--url", "ws://127.0.0.1:8082/mcp"], env)
    assert out.returncode == 0, out
    entry = json.loads(out.stdout)["mcpServers"]["alecs"]
    assert entry["args"][-2:] == ["--ssh", "deploy@mcp.example.net"]
    assert entry["env"] == {"ALECS_WS_URL": "ws://127.0.0.1:8082/mcp", "ALECS_TOKEN": "sekret-token"}
    assert Path(entry["command"]).is_absolute()  # Claude Desktop's PATH is minimal
    launched = subprocess.run(
        [entry["command"], *entry["args"][:-2], "--version"], capture_output=True, text=True, timeout=30, env=env
    )
    assert launched.stdout.startswith("alecs-tunnel "), launched
    for where in ("macOS", "Library/Application Support/Claude", "Windows", "%APPDATA%", "Linux", ".config/Claude"):
        assert where in out.stderr

    cfg = tmp_path / "claude_desktop_config.json"
    existing = {"mcpServers": {"other": {"command": "other-server", "args": ["x"]}}, "theme": "dark"}
    cfg.write_text(json.dumps(existing))
    out = run_cli(["config", "claude", "--url", "wss://mcp.example.net/mcp", "--write", "--config-file", str(cfg)], env)
    assert out.returncode == 0, out
    merged = json.loads(cfg.read_text())
    assert merged["theme"] == "dark"
    assert merged["mcpServers"]["other"] == existing["mcpServers"]["other"]
    assert merged["mcpServers"]["alecs"]["env"]["ALECS_WS_URL"] == "wss://mcp.example.net/mcp"
    assert "--ssh" not in merged["mcpServers"]["alecs"]["args"]
    backups = list(tmp_path.glob("claude_desktop_config.json.bak-*"))
    assert len(backups) == 1 and json.loads(backups[0].read_text()) == existing
    assert (cfg.stat().st_mode & 0o077) == 0
    assert "backup" in out.stdout

    out = run_cli(["config", "claude", "--ssh", "deploy@mcp.example.net"], tunnel_env(home))  # no token yet
    placeholder = json.loads(out.stdout)["mcpServers"]["alecs"]["env"]["ALECS_TOKEN"]
    assert placeholder.startswith("<paste") and all(command in placeholder for command in BOTH_TOKEN_COMMANDS)

    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    out = run_cli(["config", "claude", "--write", "--config-file", str(broken)], env)
    assert out.returncode == 2 and "not valid JSON" in out.stderr
    assert broken.read_text() == "{not json"
