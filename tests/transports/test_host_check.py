"""DNS-rebinding guard: a request naming a foreign Host is refused like a foreign Origin, on both transports."""

from __future__ import annotations

import asyncio

import pytest

from alecs.auth.hosts import host_allow_list
from alecs.transports.guard import Refusal
from tests.transports.handshakes import attempt
from tests.transports.test_signals import token

ADMITTED = {"websocket": 101, "http": 200}


@pytest.mark.parametrize("transport", ["websocket", "http"])
async def test_a_foreign_host_is_refused_before_the_token_is_looked_at(serve, mint, transport):
    _, tok = mint("write")
    async with serve(transport=transport) as remote:
        port = remote.transport.port

        async def status(*hosts: str) -> int:
            return await attempt(remote.url, transport, f"Bearer {tok}", hosts=list(hosts))
        assert await status("evil.example") == 403
        assert await status(f"evil.example:{port}") == 403
        assert await status(f"localhost.evil.example:{port}") == 403
        assert await status(f"0.0.0.0:{port}") == 403
        assert await status(f"127.0.0.1:{port}", "evil.example") in (400, 403)  # two Host headers
        assert await status() in (400, 403)  # none
        for served in (f"127.0.0.1:{port}", f"localhost:{port}", "LOCALHOST", f"[::1]:{port}", f"10.1.2.3:{port}"):
            assert await status(served) == ADMITTED[transport], served
        refusal = remote.transport.guard.check("127.0.0.1", "", lambda n: ["evil.example"] if n == "host" else [])
        assert isinstance(refusal, Refusal) and refusal.reason == "host" and "ALECS_ALLOWED_HOSTS" in refusal.error


@pytest.mark.parametrize("transport", ["websocket", "http"])
async def test_the_public_name_and_allowed_hosts_are_served(serve, mint, transport):
    _, tok = mint("write")
    hosts = host_allow_list(public_url="https://mcp.example.com/mcp", allowed="*.corp.example")
    async with serve(transport=transport, allowed_hosts=hosts) as remote:
        statuses = await asyncio.gather(*(attempt(remote.url, transport, f"Bearer {tok}", hosts=[h]) for h in (
            "mcp.example.com", "mcp.example.com:443", "ops.corp.example", "corp.example", "mcp.example.com.evil")))
    assert statuses == [ADMITTED[transport]] * 3 + [403, 403]


def test_alecs_serve_reads_the_public_url_and_allowed_hosts_from_its_environment(spawn, subprocess_env):
    tok = token(subprocess_env)
    proc = spawn("--transport", "http", "--sandbox", "--port", "0",
                 env={"ALECS_PUBLIC_URL": "https://mcp.example.com/mcp", "ALECS_ALLOWED_HOSTS": "ops.example.net"})
    url = proc.url()

    def status(host: str) -> int:
        return asyncio.run(attempt(url, "http", f"Bearer {tok}", hosts=[host]))
    assert [status(h) for h in ("mcp.example.com", "ops.example.net", "127.0.0.1", "evil.example")] == [
        200, 200, 200, 403]
    bad = spawn("--transport", "http", "--sandbox", "--port", "0", env={"ALECS_ALLOWED_HOSTS": "not a host"})
    assert bad.proc.wait(60) == 2 and "ALECS_ALLOWED_HOSTS: 'not a host' is not a host name" in bad.text()
