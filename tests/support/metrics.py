"""Scraping `GET /metrics` as Prometheus does, and reading the samples with prometheus_client's own parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import httpx2
from prometheus_client.parser import text_string_to_metric_families

# What Prometheus 2.x sends when it scrapes.
PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                     "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")


def metrics_url(mcp_url: str) -> str:
    """`/metrics` beside the MCP endpoint `ws://host:port/mcp` or `http://host:port/mcp` (over HTTP(S))."""
    parts = urlsplit(mcp_url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, "/metrics", "", ""))


@dataclass
class Samples:
    """One scrape: every sample by name and labels, and the text it came from."""

    text: str
    values: dict[tuple[str, frozenset[tuple[str, str]]], float] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> Samples:
        samples = cls(text)
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                samples.values[(s.name, frozenset(s.labels.items()))] = s.value
        return samples

    def value(self, name: str, **labels: str) -> float:
        """The sample `name{labels}` (0 when absent, as a counter not yet counted)."""
        return self.values.get((name, frozenset(labels.items())), 0.0)

    def since(self, before: Samples, name: str, **labels: str) -> float:
        """How much `name{labels}` grew since `before` (metrics are per process: other tests count too)."""
        return self.value(name, **labels) - before.value(name, **labels)

    def labels_of(self, name: str) -> list[dict[str, str]]:
        return [dict(labels) for (n, labels) in self.values if n == name]


async def scrape(mcp_url: str, token: str | None, **headers: str) -> httpx2.Response:
    """One scrape of the server at `mcp_url` with `token` (None: no Authorization header)."""
    sent = {"Accept": PROMETHEUS_ACCEPT, **headers}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    async with httpx2.AsyncClient(timeout=30) as http:
        return await http.get(metrics_url(mcp_url), headers=sent)


async def samples(mcp_url: str, token: str) -> Samples:
    """A successful scrape, parsed."""
    response = await scrape(mcp_url, token, Accept="text/plain;version=0.0.4")
    assert response.status_code == 200, (response.status_code, response.text)
    return Samples.parse(response.text)
