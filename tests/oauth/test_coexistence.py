"""OAuth changes nothing for what worked before: bearer tokens on the same endpoint, alecs-tunnel (WebSocket, bearer
tokens only) on the same token store; and no secret of the whole flow reaches a log."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from alecs.auth.live import LiveTokens
from alecs.transports.remote import Remote, RemoteSettings
from tests.oauth.browser import ConsentBrowser, OAuthClient, Page, pkce, query
from tests.oauth.conftest import MASTER_KEY
from tests.support.mcp import make_server
from tests.support.net import free_port
from tests.support.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
BEARER_TESTS = ["tests/transports/test_http.py", "tests/transports/test_host_check.py",
                "tests/transports/test_guard.py", "tests/transports/test_new_tokens.py"]


def test_the_bearer_token_tests_of_the_http_transport_pass_with_oauth_on():
    env = {**os.environ, "ALECS_TEST_OAUTH": "1"}
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "http",
                          *BEARER_TESTS], cwd=REPO, env=env, capture_output=True, text=True, timeout=400)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert " passed" in out.stdout and " failed" not in out.stdout


def tunnel_check(url: str, token: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALECS_")}
    env.update(ALECS_WS_URL=url, ALECS_TOKEN=token, HOME=str(home),
               PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    return subprocess.run([sys.executable, "-m", "alecs_tunnel", "check"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


async def test_alecs_tunnel_and_bearer_tokens_are_unaffected_by_oauth(oauth_server, mint, store, fresh_sandbox,
                                                                      registry, tmp_path):
    _, bearer = mint("write")
    async with oauth_server() as served:
        _, tokens = await served.authorize(bearer)
        # the same token store behind a WebSocket server, which is what alecs-tunnel reaches
        ws_server = make_server(fresh_sandbox, registry, services={"tokens": store})
        ws = Remote(ws_server, replace(RemoteSettings(port=0, reload_seconds=0.05)), LiveTokens(store))
        await ws.start()
        try:
            ok = await anyio.to_thread.run_sync(tunnel_check, ws.url, bearer, tmp_path)
            assert ok.returncode == 0 and "alecs-tunnel check: OK" in ok.stdout + ok.stderr, ok.stderr
            refused = await anyio.to_thread.run_sync(tunnel_check, ws.url, tokens["access_token"], tmp_path)
            assert refused.returncode == 4  # OAuth tokens are for Streamable HTTP only
        finally:
            await ws.shutdown(0.5)
            ws_server.client.close()
        http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {bearer}"}, timeout=30)
        async with http, Client(streamable_http_client(served.url, http_client=http), mode="legacy") as client:
            result = await client.call_tool("list-contracts", {})
        assert not result.is_error and "ctr_" in result.content[0].text


def _server_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALECS_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # the venv's `alecs`
    env.update(TOKEN_MASTER_KEY=MASTER_KEY, ALECS_TOKEN_STORE=str(tmp_path / "state" / "tokens.json"),
               ALECS_TOKEN_RELOAD_SECONDS="0.1", PYTHONPATH=os.pathsep.join(p for p in sys.path if p),
               HOME=str(tmp_path))
    return env


async def test_no_secret_of_the_oauth_flow_appears_in_the_servers_debug_log(tmp_path):
    """The README's commands as written (the sandbox, port, public URL and log level from the environment)."""
    port = free_port()
    env = {**_server_env(tmp_path), "ALECS_SANDBOX": "1", "ALECS_WS_PORT": str(port), "ALECS_LOG_LEVEL": "debug",
           "ALECS_PUBLIC_URL": f"http://127.0.0.1:{port}/mcp"}
    made = subprocess.run(["alecs", "token", "generate", "--scope", "write", "--description", "alice",
                           "--sign-in-code"], env=env, capture_output=True, text=True, timeout=60, check=True)
    printed = dict(line.split(":", 1) for line in made.stdout.splitlines() if ":" in line)
    token, sign_in = printed["token"].strip(), printed["sign-in code"].split()[0]
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(["alecs", "serve", "--transport", "http", "--oauth"], env=env, cwd=tmp_path,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        url = wait_until(lambda: next((line.split("listening on ", 1)[1] for line in log.read_text().splitlines()
                                       if "listening on " in line), None) or proc.poll(), 60, "the server")
        assert url == f"http://127.0.0.1:{port}/mcp", log.read_text()[-2000:]
        secrets: list[str] = [token.split("_", 2)[2], sign_in, sign_in.replace("-", ""), MASTER_KEY]
        issuer = url.rsplit("/mcp", 1)[0]
        secrets: list[str] = [token.split("_", 2)[2], sign_in, sign_in.replace("-", ""), MASTER_KEY]
        async with httpx2.AsyncClient(timeout=30) as http:
            client = OAuthClient(http, issuer, url)
            assert (await client.register(token_endpoint_auth_method="client_secret_post")).status_code == 201
            assert client.client_secret
            secrets.append(client.client_secret)
            for credential in (token, sign_in):
                verifier, challenge = pkce()
                browser = ConsentBrowser(httpx2.AsyncClient(timeout=30), issuer)
                page = await browser.open(client.authorize_url(challenge))
                assert isinstance(page, Page)
                confirm = await browser.submit(page, "continue", credential=credential)
                assert isinstance(confirm, Page) and confirm.status == 200, confirm.errors
                secrets += [confirm.form()["fields"]["csrf"], confirm.form()["fields"]["approval"], verifier]
                code = query(await browser.submit(confirm, "approve"))["code"]
                tokens = (await client.exchange(code, verifier)).json()
                refreshed = (await client.refresh(tokens["refresh_token"])).json()
                issued = [tokens["access_token"], tokens["refresh_token"], refreshed["access_token"],
                          refreshed["refresh_token"]]
                secrets += [code, *issued, *(t[len("alecs_at_0123456789abcdef_"):] for t in issued)]
                call = await http.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                    "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}},
                    headers={"Accept": "application/json, text/event-stream",
                             "Authorization": f"Bearer {refreshed['access_token']}"})
                assert call.status_code == 200
                await http.post(f"{issuer}/revoke", data={"token": refreshed["refresh_token"],
                                                          "client_id": client.client_id,
                                                          "client_secret": client.client_secret})
                await browser.http.aclose()
            denied = await ConsentBrowser(http, issuer).open(client.authorize_url(pkce()[1]))
            assert isinstance(denied, Page)
            assert query(await ConsentBrowser(http, issuer).submit(denied, "deny"))["error"] == "access_denied"
            garbage = await http.post(url, json={}, headers={"Authorization": "Bearer alecs_at_0123456789abcdef_"
                                                                              + "B" * 43})
            assert garbage.status_code == 401
    finally:
        proc.terminate()
        proc.wait(30)
    text = log.read_text()
    for action in ("register", "approve", "deny", "token", "refresh", "revoke"):
        assert f"oauth action={action}" in text, action
    leaked = [s[:12] + "…" for s in secrets if s and s in text]
    assert not leaked, f"secrets in the log: {leaked}"
