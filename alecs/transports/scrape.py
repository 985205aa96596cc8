"""`GET /metrics` on the remote transports: for tokens of scope `metrics` only, rendered off the event loop.

Both transports serve it on their own listener beside the MCP endpoint and `/healthz`. The Guard decides as for MCP
(Host, Origin, the bearer token, failure limits) but admits only metrics tokens, and a metrics token nothing else:
whoever scrapes learns how alecs runs, never anything of Akamai, and a leaked scraper credential opens no MCP
session. A scrape is not audited when it succeeds (Prometheus asks every 15 s); a refusal is, like any other.
"""

from __future__ import annotations

from dataclasses import dataclass

import anyio

from alecs import metrics
from alecs.transports.guard import METRICS_SCOPES, Guard, HeaderLookup, Refusal, audit_connection

METRICS_PATH = "/metrics"


@dataclass(frozen=True)
class Answer:
    """The HTTP answer to a scrape, for the transport to send in its own way."""

    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


async def scrape(guard: Guard, transport: str, address: str, method: str, query: str,
                 headers: HeaderLookup) -> Answer:
    """The answer to `method /metrics?query` from `address` (the peer's address; headers as a lookup)."""
    if method != "GET":
        return Answer(405, b'{"error": "GET /metrics only"}', "application/json", (("Allow", "GET"),))
    verdict = await guard.admit(address, query, headers, METRICS_SCOPES)
    if isinstance(verdict, Refusal):
        audit_connection(transport, verdict.address or address, "refused", reason=verdict.reason,
                         status=verdict.status, path=METRICS_PATH)
        return Answer(verdict.status, verdict.body(), "application/json", verdict.headers)
    accept, encoding = ", ".join(headers("accept")), ", ".join(headers("accept-encoding"))
    body, rendered = await anyio.to_thread.run_sync(metrics.render, accept, encoding)
    content_type = next(v for k, v in rendered if k == "Content-Type")
    return Answer(200, body, content_type, tuple((k, v) for k, v in rendered if k != "Content-Type"))
