"""`GET /metrics` on both remote transports: scraped during a real session, it shows that session's calls, their
durations, the Akamai requests they made and the refusals around them; it never shows a secret; and only a token of
scope `metrics` may read it (which may read nothing else)."""

from __future__ import annotations

import gzip

import httpx2
import pytest

from alecs.transports.remote import Remote
from tests.support.metrics import Samples, metrics_url, samples, scrape
from tests.transports.conftest import MASTER_KEY
from tests.transports.handshakes import attempt
from tests.transports.test_log_secrets import client_for

TRANSPORTS = ["websocket", "http"]


async def a_session(remote: Remote, transport: str, token: str, metrics_token: str) -> Samples:
    """A session that succeeds, fails its own validation, fails at Akamai and calls a tool that does not exist;
    returns a scrape taken while it is still open."""
    async with client_for(transport, remote.url, token) as client:
        ok = await client.call_tool("list-contracts", {})
        invalid = await client.call_tool("get-property", {})  # propertyId missing: refused before any request
        akamai = await client.call_tool("get-property", {"propertyId": "prp_999999999"})  # Akamai answers 404
        unknown = await client.call_tool("no-such-tool-3f9c1e", {})
        during = await samples(remote.url, metrics_token)
    assert not ok.is_error and invalid.is_error and akamai.is_error and unknown.is_error
    assert "404" in akamai.content[0].text or "not found" in akamai.content[0].text.lower()
    return during


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_scrape_during_a_session_shows_its_calls_durations_akamai_requests_and_refusals(
        serve, mint, fresh_sandbox, transport):
    token_id, token = mint("write")
    metrics_id, metrics_token = mint("metrics", description="prometheus")
    async with serve(transport=transport) as remote:
        before = await samples(remote.url, metrics_token)
        during = await a_session(remote, transport, token, metrics_token)
        assert await attempt(remote.url, transport, f"Bearer {token[:-4]}AAAA") == 401  # a wrong secret
        assert await attempt(remote.url, transport, None) == 401
        after = await samples(remote.url, metrics_token)

    calls = "alecs_tool_calls_total"
    assert after.since(before, calls, tool="list-contracts", outcome="ok") == 1
    assert after.since(before, calls, tool="get-property", outcome="error") == 2
    assert after.since(before, calls, tool="unknown", outcome="error") == 1
    assert not [s for s in after.labels_of(calls) if "no-such-tool" in s["tool"]]  # client names never become labels
    seconds = "alecs_tool_call_duration_seconds"
    assert after.since(before, f"{seconds}_count", tool="list-contracts") == 1
    assert 0 < after.since(before, f"{seconds}_sum", tool="list-contracts") < 30
    assert after.since(before, f"{seconds}_bucket", tool="list-contracts", le="+Inf") == 1

    requests = "alecs_akamai_requests_total"
    assert after.since(before, requests, api="papi", method="GET", status="200") >= 1
    assert after.since(before, requests, api="papi", method="GET", status="404") == 1
    assert after.since(before, "alecs_akamai_request_duration_seconds_count", api="papi") >= 2

    assert during.since(before, "alecs_sessions_opened_total", transport=transport) == 1
    assert during.value("alecs_sessions_open", transport=transport) >= 1  # other tests' sessions may still be ending
    refusals = "alecs_auth_refusals_total"
    assert after.since(before, refusals, transport=transport, reason="unknown_token") == 1
    assert after.since(before, refusals, transport=transport, reason="no_header") == 1

    creds = fresh_sandbox.credentials()
    for secret in (token, metrics_token, token.rsplit("_", 1)[1], creds.client_secret, creds.access_token,
                   creds.client_token, MASTER_KEY):
        assert secret not in after.text
    assert token_id not in after.text and metrics_id not in after.text and "tok_" not in after.text


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_only_a_metrics_token_may_scrape_and_it_may_do_nothing_else(serve, mint, store, transport):
    tokens = {scope: mint(scope)[1] for scope in ("read", "write", "admin", "metrics")}
    revoked_id, revoked = mint("metrics")
    store.revoke(revoked_id)
    async with serve(transport=transport) as remote:
        refused = {"none": await scrape(remote.url, None),
                   "garbage": await scrape(remote.url, "alecs_0123456789abcdef_" + "A" * 43),
                   "revoked": await scrape(remote.url, revoked),
                   **{scope: await scrape(remote.url, tokens[scope]) for scope in ("read", "write", "admin")}}
        allowed = await scrape(remote.url, tokens["metrics"])
        mcp = await attempt(remote.url, transport, f"Bearer {tokens['metrics']}")
        async with httpx2.AsyncClient(timeout=10) as http:
            in_url = await http.get(metrics_url(remote.url) + f"?token={tokens['metrics']}",
                                    headers={"Authorization": f"Bearer {tokens['metrics']}"})
            post = await http.post(metrics_url(remote.url), headers={"Authorization": f"Bearer {tokens['metrics']}"})

    assert {k: r.status_code for k, r in refused.items()} == {
        "none": 401, "garbage": 401, "revoked": 401, "read": 403, "write": 403, "admin": 403}
    for scope in ("read", "write", "admin"):
        assert "scope metrics" in refused[scope].json()["error"]
        assert 'error="insufficient_scope"' in refused[scope].headers["www-authenticate"]
        assert "alecs_" not in refused[scope].text
    assert allowed.status_code == 200 and "alecs_tool_calls_total" in allowed.text
    assert mcp == 403  # a metrics token opens no MCP session
    assert in_url.status_code == 401 and post.status_code == 405


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_scrape_is_answered_in_openmetrics_or_gzip_when_asked(serve, mint, transport):
    _, token = mint("metrics")
    async with serve(transport=transport) as remote:
        openmetrics = await scrape(remote.url, token)  # Prometheus' own Accept header: OpenMetrics first
        compressed = await scrape(remote.url, token, **{"Accept-Encoding": "gzip"})
    assert openmetrics.status_code == 200
    assert openmetrics.headers["content-type"].startswith("application/openmetrics-text; version=1.0.0")
    assert openmetrics.text.rstrip().endswith("# EOF")
    assert compressed.headers["content-encoding"] == "gzip" and compressed.headers["cache-control"] == "no-store"
    assert b"alecs_sessions_opened_total" in (compressed.content if compressed.content.startswith(b"#")
                                              else gzip.decompress(compressed.content))
