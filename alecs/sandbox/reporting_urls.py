"""The Reporting API's URL reports as the sandbox seeds them: urlhits-by-url, urlbytes-by-url and
urlresponses-by-url (metrics, filters and the `hostname.url` grouping as techdocs.akamai.com/reporting
documents them), over a believable catalogue of URLs per seeded CP code.

Seeded traffic: CP code 300001 (www.example.com, about 6,000 edge hits per second: scripts, styles and
images on top, the API and login barely cached, /old-page mostly 404) and 300002 (static.example.com, about
2,500 per second, almost all cached). CP codes created since have no URL traffic yet. Values vary a little
with the time range, the same every time for the same request.
"""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GROUP_BY = "hostname.url"
URL_METRICS: dict[str, list[tuple[str, str, str, bool]]] = {
    "urlhits-by-url": [("allEdgeHits", "Edge Hits", "COUNT", False),
                       ("allOriginHits", "Origin Hits", "COUNT", False),
                       ("allHitsOffload", "Offloaded Hits", "PERCENT", False)],
    "urlbytes-by-url": [("allEdgeBytes", "Edge Bytes", "BYTE", False),
                        ("allOriginBytes", "Origin Bytes", "BYTE", False),
                        ("allBytesOffload", "Offloaded Bytes", "PERCENT", False)],
    "urlresponses-by-url": [("0XXEdgeHits", "0XX Edge Hits", "COUNT", False),
                            ("2XXEdgeHits", "2XX Edge Hits", "COUNT", False),
                            ("3XXEdgeHits", "3XX Edge Hits", "COUNT", False),
                            ("4XXEdgeHits", "4XX Edge Hits", "COUNT", False)],
}
URL_FILTERS = ("url_contain", "url_end_with", "url_exact_match", "url_match", "url_not_contain",
               "url_not_end_with", "url_not_match", "url_not_start_with", "url_start_with")
SECURE_SHARE = 0.93  # of traffic over HTTPS (delivery_type secure)
PAGE = (0.003, 0.95, 0.04, 0.007)  # shares of 0XX, 2XX, 3XX, 4XX responses
ASSET = (0.001, 0.985, 0.01, 0.004)


@dataclass(frozen=True)
class Url:
    """One URL's part of its CP code's traffic: share of edge hits, response size, cache offload, responses."""

    path: str
    share: float
    size: int
    offload: float
    responses: tuple[float, float, float, float] = ASSET


@dataclass(frozen=True)
class Site:
    hostname: str
    hits_per_second: float
    urls: tuple[Url, ...]


SITES: dict[str, Site] = {
    "300001": Site("www.example.com", 6000.0, (
        Url("/js/app.js", 0.18, 182_000, 99.6), Url("/css/site.css", 0.16, 48_000, 99.7),
        Url("/images/hero.jpg", 0.12, 310_000, 99.5), Url("/", 0.10, 36_000, 92.0, PAGE),
        Url("/favicon.ico", 0.08, 4_286, 99.9), Url("/products", 0.07, 52_000, 85.0, PAGE),
        Url("/index.html", 0.06, 36_000, 92.0, PAGE), Url("/api/v1/cart", 0.06, 2_100, 3.0, PAGE),
        Url("/search", 0.05, 41_000, 10.0, PAGE), Url("/products/123", 0.05, 58_000, 88.0, PAGE),
        Url("/login", 0.04, 12_000, 0.5, (0.002, 0.80, 0.18, 0.018)),
        Url("/old-page", 0.03, 1_200, 40.0, (0.001, 0.0, 0.1, 0.899)))),
    "300002": Site("static.example.com", 2500.0, (
        Url("/img/logo.png", 0.30, 12_000, 99.9), Url("/fonts/inter.woff2", 0.22, 96_000, 99.9),
        Url("/js/vendor.js", 0.20, 410_000, 99.8), Url("/css/base.css", 0.15, 22_000, 99.8),
        Url("/img/banner.webp", 0.10, 140_000, 99.7), Url("/downloads/brochure.pdf", 0.03, 2_400_000, 97.0))),
}


def _jitter(*parts: Any) -> float:
    """A factor between 0.9 and 1.1, fixed for the same inputs."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return 0.9 + 0.2 * int.from_bytes(digest[:4], "big") / 2**32


def _passes(value: str, path: str, filters: dict[str, list[str]]) -> bool:
    """Whether the URL passes every url_* filter; start/exact/match filters accept the path too."""
    def test(name: str, arg: str) -> bool:
        base = name.removeprefix("url_not_").removeprefix("url_")
        if base == "contain":
            hit = arg in value
        elif base == "start_with":
            hit = value.startswith(arg) or path.startswith(arg)
        elif base == "end_with":
            hit = value.endswith(arg)
        elif base == "exact_match":
            hit = arg in (value, path)
        else:
            hit = fnmatch.fnmatchcase(value, arg) or fnmatch.fnmatchcase(path, arg)
        return not hit if name.startswith("url_not_") else hit
    return all(any(test(name, arg) for arg in args) for name, args in filters.items() if name in URL_FILTERS)


def url_rows(report: str, objects: list[str], metrics: list[str], start: datetime, end: datetime,
             filters: dict[str, list[str]]) -> list[dict[str, str]]:
    """One row per URL of the CP codes, busiest first, with the requested metrics as Akamai's strings."""
    seconds = (end - start).total_seconds()
    delivery = set(filters.get("delivery_type") or ["secure", "non_secure"])
    scale = (SECURE_SHARE if "secure" in delivery else 0.0) + (1 - SECURE_SHARE if "non_secure" in delivery else 0.0)
    rows: list[tuple[float, dict[str, str]]] = []
    for obj in objects:
        site = SITES.get(obj)
        if site is None:
            continue
        for url in site.urls:
            value = site.hostname + url.path
            if not _passes(value, url.path, filters):
                continue
            edge = site.hits_per_second * url.share * seconds * scale * _jitter(obj, url.path, start, end)
            origin = edge * (100 - url.offload) / 100
            numbers = {"allEdgeHits": edge, "allOriginHits": origin, "allHitsOffload": url.offload,
                       "allEdgeBytes": edge * url.size, "allOriginBytes": origin * url.size,
                       "allBytesOffload": url.offload} | {
                f"{cls}XXEdgeHits": edge * share for cls, share in zip("0234", url.responses, strict=True)}
            row = {GROUP_BY: value} | {m: (f"{numbers[m]:.6f}" if m.endswith("Offload") else str(round(numbers[m])))
                                       for m in metrics}
            rows.append((edge, row))
    return [row for _, row in sorted(rows, key=lambda item: -item[0])]
