"""Real remote-MCP clients complete OAuth against alecs over HTTPS with a test CA: discovery, registration,
authorization (the consent form submitted as a browser would), token, tools/list and tools/call, refresh."""

from __future__ import annotations

import asyncio
import os
import stat
import sys

import httpx2
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.oauth.browser import ConsentBrowser, query
from tests.oauth.external import CLIENTS, NODE_DIR, LineProcess, require_node_package
from tests.support.net import free_port
from tests.support.waiting import poll

FAKE_BROWSER = """#!{python}
# What mcp-remote opens as the user's browser: note the URL for the test, which plays the person.
import sys
with open({log!r}, "a") as f:
    f.write(sys.argv[1] + "\\n")
"""


async def test_the_typescript_sdk_oauth_client_completes_the_flow_and_refreshes(oauth_server, mint, test_ca,
                                                                                 audit_lines):
    require_node_package("@modelcontextprotocol/sdk")
    _, token = mint("write", description="ts sdk")
    redirect = f"http://localhost:{free_port()}/callback"
    async with oauth_server(tls=True, access_seconds=3) as served:
        assert served.url.startswith("https://127.0.0.1:")
        client = await LineProcess.start("node", str(CLIENTS / "ts_sdk_client.mjs"), served.url, redirect,
                                         env={"NODE_EXTRA_CA_CERTS": str(test_ca.ca_file),
                                              "ALECS_OAUTH_NODE": str(NODE_DIR)})
        try:
            registered = await client.event("registered")
            authorize = await client.event("authorize")
            assert authorize["url"].startswith(served.issuer + "/authorize?")
            asked = query(authorize["url"])
            assert asked["code_challenge_method"] == "S256" and asked["resource"] == served.url
            assert asked["client_id"] == registered["client_id"]
            async with httpx2.AsyncClient(timeout=30, verify=test_ca.context()) as http:
                back = await ConsentBrowser(http, served.issuer).authorize(authorize["url"], token)
            assert back.startswith(redirect)
            await client.send(query(back))
            tokens = await client.event("tokens")
            assert tokens["scope"] == "read write" and tokens["has_refresh"]
            tools = await client.event("tools")
            assert "list-contracts" in tools["names"] and "list-api-tokens" not in tools["names"]
            call = await client.event("call")
            assert not call["isError"] and "ctr_" in call["text"]
            refreshed = await client.event("refreshed", timeout=90)
            assert not refreshed["isError"] and refreshed["saves"] >= 2
            await client.event("done")
        finally:
            await client.close()
    actions = " ".join(audit_lines())
    for action in ("register", "approve", "token", "refresh"):
        assert f"action={action}" in actions


def _failed(task: asyncio.Future[int]) -> bool:
    return task.done() and not task.cancelled() and task.exception() is not None


def _refreshes(lines: list[str]) -> int:
    return sum("action=refresh" in line and "outcome=ok" in line for line in lines)


async def test_mcp_remote_in_oauth_mode_completes_the_flow_and_refreshes(oauth_server, mint, test_ca, tmp_path,
                                                                        audit_lines):
    package = require_node_package("mcp-remote")
    _, token = mint("write", description="mcp-remote")
    opened = tmp_path / "browser.log"
    browser = tmp_path / "fake-browser"
    browser.write_text(FAKE_BROWSER.format(python=sys.executable, log=str(opened)))
    browser.chmod(browser.stat().st_mode | stat.S_IEXEC)
    callback = f"http://localhost:{free_port()}/oauth/callback"
    async with oauth_server(tls=True, access_seconds=3) as served:

        async def person() -> int:
            """Signs in on the page mcp-remote opened, and lets the browser follow the redirect back to it."""
            url = await poll(lambda: opened.exists() and opened.read_text().split()[0], 60, "mcp-remote to open "
                             "the browser")
            async with httpx2.AsyncClient(timeout=30, verify=test_ca.context()) as http:
                back = await ConsentBrowser(http, served.issuer).authorize(url, token)
                assert back.startswith(callback + "?code="), back
                return (await http.get(back)).status_code

        env = {**os.environ, "NODE_EXTRA_CA_CERTS": str(test_ca.ca_file), "BROWSER": str(browser),
               "HOME": str(tmp_path), "DISPLAY": "", "WAYLAND_DISPLAY": ""}
        params = StdioServerParameters(command="node", args=[str(package / "dist" / "proxy.js"), served.url,
                                                             callback.split(":")[2].split("/")[0],
                                                             "--transport", "http-only"], env=env, cwd=str(tmp_path))
        signing_in = asyncio.ensure_future(person())
        try:
            # mcp-remote waits for the sign-in without a deadline: a failed sign-in ends the wait at once.
            async with asyncio.timeout(300) as deadline:
                signing_in.add_done_callback(lambda done: _failed(done) and deadline.reschedule(-1))
                with open(tmp_path / "mcp-remote.stderr", "w") as errlog:
                    async with Client(stdio_client(params, errlog=errlog), mode="legacy") as mcp:
                        assert await signing_in == 200
                        names = {t.name for t in (await mcp.list_tools()).tools}
                        call = await mcp.call_tool("list-contracts", {})
                        assert "list-contracts" in names and not call.is_error and "ctr_" in call.content[0].text
                        before = _refreshes(audit_lines())

                        async def refreshed() -> bool:
                            await mcp.list_tools()
                            return _refreshes(audit_lines()) > before
                        await poll(refreshed, 90, "mcp-remote to refresh its expired access token", interval=0.3)
                        again = await mcp.call_tool("list-contracts", {})
                        assert not again.is_error and "ctr_" in again.content[0].text
        except TimeoutError:
            if _failed(signing_in):
                raise AssertionError("the sign-in failed, so mcp-remote never connected") from signing_in.exception()
            raise
    actions = " ".join(audit_lines())
    for action in ("register", "approve", "token", "refresh"):
        assert f"action={action}" in actions
