"""Secrets never reach the log, at any level: a full debug-level session of `alecs serve` (Akamai calls signed
with a real .edgerc against the sandbox, tool calls over a remote transport with a bearer token, a new token made
by the token tool, refused attempts) and a grep of everything it wrote for every secret involved."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import subprocess
import sys
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from alecs.sandbox.server import Sandbox
from tests.transports.handshakes import attempt
from tests.transports.ws_client import WebSocketTransport

EG1 = re.compile(r"timestamp=([^;]+);.*signature=([^;\s]+)")


def edgerc_for(sandbox: Sandbox, path: Path) -> Path:
    c = sandbox.credentials()
    path.write_text(f"[default]\nhost = {c.host}\nclient_token = {c.client_token}\nclient_secret = {c.client_secret}\n"
                    f"access_token = {c.access_token}\nca_bundle = {c.ca_bundle}\n")
    path.chmod(0o600)
    return path


def admin_token(env: dict[str, str]) -> str:
    out = subprocess.run([sys.executable, "-m", "alecs", "token", "generate", "--scope", "admin", "--json"], env=env,
                         capture_output=True, text=True, timeout=60, check=True)
    token: str = json.loads(out.stdout)["token"]
    return token


def client_for(transport: str, url: str, token: str) -> Client:
    if transport == "websocket":
        return Client(WebSocketTransport(url, token), mode="legacy")
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return Client(streamable_http_client(url, http_client=http), mode="legacy")


async def a_session(transport: str, url: str, token: str) -> list[str]:
    """Tool calls that sign Akamai requests, fail at Akamai, and mint a token; returns the new token."""
    async with client_for(transport, url, token) as client:
        for name, args in (("list-contracts", {}), ("list-groups", {}), ("list-zones", {}),
                           ("get-property", {"propertyId": "prp_999999999"}),
                           ("purge-invalidate", {"by": "url", "objects": ["https://www.example.com/a"]})):
            await client.call_tool(name, args)
        made = await client.call_tool("generate-api-token", {"scope": "read", "description": "minted in the log test"})
    assert not made.is_error, made.content
    minted: str = made.structured_content["token"]  # type: ignore[index]
    await attempt(url, transport, f"Bearer {token[:-4]}AAAA")  # a wrong secret for a real token id
    await attempt(f"{url}?access_token={token}", transport, f"Bearer {token}")  # a token in the URL
    await attempt(url, transport, f"Bearer {minted}")
    return [minted]


def signing_secrets(sandbox: Sandbox) -> list[str]:
    """Every signature the sandbox received and the signing key behind it (HMAC of the timestamp)."""
    secret = sandbox.credentials().client_secret.encode()
    found = []
    for request in sandbox.requests:
        match = EG1.search(request.headers.get("Authorization", ""))
        assert match, request.headers
        timestamp, signature = match.groups()
        key = base64.b64encode(hmac.new(secret, timestamp.encode(), hashlib.sha256).digest()).decode()
        found += [signature, key]
    return found


@pytest.mark.parametrize("transport", ["websocket", "http"])
async def test_a_debug_level_session_logs_no_secret(spawn, subprocess_env, fresh_sandbox, tmp_path, transport):
    edgerc = edgerc_for(fresh_sandbox, tmp_path / "edgerc")
    token = admin_token(subprocess_env)
    server = spawn("--transport", transport, "--edgerc", str(edgerc), "--port", "0", "--log-level", "debug")
    url = server.url()
    minted = await a_session(transport, url, token)
    server.stop()
    logged = server.text()
    creds = fresh_sandbox.credentials()
    secrets = {"client secret": creds.client_secret, "access token": creds.access_token,
               "client token": creds.client_token, "bearer token": token, "bearer secret": token.split("_", 2)[2],
               "master key": subprocess_env["TOKEN_MASTER_KEY"]}
    secrets |= {f"minted token {i}": t.split("_", 2)[2] for i, t in enumerate(minted)}
    signed = signing_secrets(fresh_sandbox)
    secrets |= {f"signature or signing key {i}": s for i, s in enumerate(signed)}
    assert len(signed) >= 8 and " DEBUG " in logged and "alecs.audit" in logged, logged[-3000:]
    leaks = sorted(name for name, value in secrets.items() if value in logged)
    assert not leaks, f"{leaks} found in the log:\n{logged[-4000:]}"
    assert not re.search(r"(?i)(signature|client_secret|access_token|client_token)=(?!\[redacted\])", logged)
