"""Akamai's published API rate limits, as data: which requests each limit counts, its size and its headers.

One table serves both sides: the client keeps every session of this server inside these limits (alecs.akamai.budget),
and the sandbox enforces the same numbers (alecs.sandbox.limits), so tests cannot pass against a kinder Akamai.
Each row cites the page that publishes its number. APIs that publish no number (Edge DNS, GTM, network lists,
identity, EdgeKV, SIEM, DataStream, CP codes, edge hostnames) have no row: the client still honours their 429
answers (Retry-After, X-RateLimit-Next) by pausing that API for the account, and an operator can add a limit.

A limit is a token bucket: `burst` tokens at most, refilled at `per_second`. Published "N requests per minute" limits
without a documented burst are buckets of N refilled at N per minute.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

Counts = Literal["requests", "objects"]
Per = Literal["account", "endpoint", "network"]
# How the sandbox words a refusal (each API answers 429 in its own documented shape).
Style = Literal["papi", "ccu", "diagnostics", "cps", "generic"]

UNITS = {"s": 1.0, "sec": 1.0, "second": 1.0, "m": 60.0, "min": 60.0, "minute": 60.0, "h": 3600.0, "hour": 3600.0,
         "d": 86400.0, "day": 86400.0}
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*([a-z]+?)s?\s*(?:burst\s+(\d+(?:\.\d+)?))?\s*$")


@dataclass(frozen=True)
class Rate:
    """A token bucket's size: refilled at `per_second`, holding at most `burst` tokens."""

    per_second: float
    burst: float

    @classmethod
    def per_minute(cls, count: float, burst: float | None = None) -> Rate:
        return cls(count / 60.0, float(count if burst is None else burst))

    @classmethod
    def parse(cls, text: str) -> Rate:
        """`100/min`, `50/s`, `1000/hour burst 1500`: a count per unit, optionally a burst (default: the count)."""
        match = _RATE.match(text.lower())
        if not match or match.group(2) not in UNITS:
            raise ValueError(f"not a rate: {text!r} (expected e.g. '100/min' or '100/min burst 1000')")
        count = float(match.group(1))
        burst = float(match.group(3)) if match.group(3) else count
        if count <= 0 or burst < 1:
            raise ValueError(f"not a usable rate: {text!r} (the count must be above 0 and the burst at least 1)")
        return cls(count / UNITS[match.group(2)], burst)

    def describe(self) -> str:
        per_min = self.per_second * 60
        text = f"{per_min:g}/min" if per_min >= 1 else f"{self.per_second * 86400:g}/day"
        return text if abs(self.burst - per_min) < 1e-9 else f"{text}, burst {self.burst:g}"


@dataclass(frozen=True)
class Limit:
    """One published limit: the requests it counts, its rate and the response headers Akamai reports it in."""

    name: str
    api: str  # what an operator calls this limit, for messages ("PAPI", "Fast Purge URL objects")
    path: str  # regular expression over the request path (no query)
    rate: Rate
    doc: str
    methods: frozenset[str] | None = None  # None: every method
    counts: Counts = "requests"  # "objects": each object of a Fast Purge body is one token
    per: Per = "account"  # "endpoint": one bucket per path; "network": one per target network
    replaces: str | None = None  # a more specific limit that applies instead of this (broader) one
    style: Style = "generic"
    limit_header: str | None = "X-RateLimit-Limit"
    remaining_header: str | None = "X-RateLimit-Remaining"
    reported_limit: float | None = None  # what the limit header says, when it is not the burst (PAPI: 100/min)
    extra_headers: tuple[tuple[str, str], ...] = ()  # sent as they are (Fast Purge's per-second rates)
    next_header: str | None = None  # a header giving the time the next request is allowed (ISO 8601)
    retry_after: bool = False  # refusals carry Retry-After (seconds)
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_pattern", re.compile(self.path))

    def matches(self, method: str, path: str) -> bool:
        if self.methods is not None and method not in self.methods:
            return False
        return self._pattern.match(path) is not None

    def cost(self, body: Any) -> int:
        """Tokens one request takes: 1, or the number of objects in a Fast Purge body."""
        if self.counts == "objects":
            objects = body.get("objects") if isinstance(body, Mapping) else None
            return len(objects) if isinstance(objects, list) and objects else 1
        return 1

    def scope(self, path: str, body: Any) -> str:
        """Which of this limit's buckets a request draws from, within one account."""
        if self.per == "endpoint":
            return path
        if self.per == "network":
            network = body.get("network") if isinstance(body, Mapping) else None
            return str(network or "").upper()
        return ""

    @property
    def reported(self) -> float:
        return self.rate.burst if self.reported_limit is None else self.reported_limit


POST = frozenset({"POST"})
GET = frozenset({"GET"})

PAPI_DOC = "https://techdocs.akamai.com/property-mgr/reference/rate-and-resource-limiting"
CCU_DOC = "https://techdocs.akamai.com/purge-cache/reference/rate-limiting"
DIAGNOSTICS_DOC = "https://techdocs.akamai.com/edge-diagnostics/reference/rate-limiting"
APPSEC_DOC = "https://techdocs.akamai.com/application-security/reference/rate-limiting"
CPS_DOC = "https://techdocs.akamai.com/cps/reference/rate-limiting"
CLOUDLETS_DOC = "https://techdocs.akamai.com/cloudlets/reference/rate-limiting"
REPORTING_DOC = "https://techdocs.akamai.com/reporting/v1/reference/rate-limiting"
INVOICING_DOC = "https://techdocs.akamai.com/invoicing/reference/rate-limits"
EDGEWORKERS_DOC = "https://techdocs.akamai.com/edgeworkers/reference/resource-limiting"

_PURGE = r"^/ccu/v3/(?:invalidate|delete)/"
# Fast Purge answers with these per-second rates in every response (the documented 429 example shows them).
_CCU_REQUEST_RATE = (("X-Ratelimit-Limit-Per-Second", "50.00"),)


def _diagnostics(rate: Rate, operations: Iterable[tuple[str, frozenset[str], str]]) -> list[Limit]:
    # Edge Diagnostics publishes one of three rates per operation (High 60, Medium 40, Low 20 requests per minute).
    # The page does not say whether it counts per user or per account; alecs counts per account (the safer reading).
    return [Limit(f"diagnostics-{name}", f"Edge Diagnostics {name}", rf"^/edge-diagnostics/v1/{path}$", rate,
                  DIAGNOSTICS_DOC, methods, style="diagnostics") for name, methods, path in operations]


PUBLISHED: tuple[Limit, ...] = (
    # PAPI: 100 requests per minute per account, shared by every API client of the account, with a burst of 1000
    # that refills by 100 every minute. X-RateLimit-Limit reports the 100; a 429 carries X-RateLimit-Next.
    Limit("papi", "PAPI (Property Manager)", r"^/papi/v1/", Rate.per_minute(100, burst=1000), PAPI_DOC,
          style="papi", reported_limit=100, next_header="X-RateLimit-Next"),
    # Fast Purge: a request bucket of 100 refilled at 50 per second, and one object bucket per object type
    # (URL/ARL 10,000 at 12,000 per minute; CP code 300 at 30 per minute; cache tag 5,000 at 500 per minute).
    # A request needs both a request token and enough object tokens for all its objects; a refusal takes none.
    Limit("ccu", "Fast Purge requests", _PURGE, Rate(50.0, 100.0), CCU_DOC, POST, style="ccu",
          limit_header="X-Ratelimit-Limit", remaining_header="X-Ratelimit-Remaining",
          extra_headers=_CCU_REQUEST_RATE),
    Limit("ccu-url", "Fast Purge URL/ARL objects", _PURGE + r"(?:url|arl)/", Rate.per_minute(12000, burst=10000),
          CCU_DOC, POST, counts="objects", style="ccu", limit_header="X-Ratelimit-Limit-Objects",
          remaining_header="X-Ratelimit-Remaining-Objects",
          extra_headers=(("X-Ratelimit-Limit-Per-Second-Objects", "200.00"),)),
    Limit("ccu-cpcode", "Fast Purge CP code objects", _PURGE + r"cpcode/", Rate.per_minute(30, burst=300), CCU_DOC,
          POST, counts="objects", style="ccu", limit_header="X-Ratelimit-Limit-Objects",
          remaining_header="X-Ratelimit-Remaining-Objects",
          extra_headers=(("X-Ratelimit-Limit-Per-Second-Objects", "0.50"),)),
    Limit("ccu-tag", "Fast Purge cache tag objects", _PURGE + r"tag/", Rate.per_minute(500, burst=5000), CCU_DOC,
          POST, counts="objects", style="ccu", limit_header="X-Ratelimit-Limit-Objects",
          remaining_header="X-Ratelimit-Remaining-Objects",
          extra_headers=(("X-Ratelimit-Limit-Per-Second-Objects", "8.33"),)),
    *_diagnostics(Rate.per_minute(60), (
        ("verify-edge-ip", POST, "verify-edge-ip"), ("locate-ip", POST, "locate-ip"),
        ("verify-locate-ip", POST, "verify-locate-ip"), ("error-translator", POST, "error-translator"))),
    *_diagnostics(Rate.per_minute(40), (
        ("dig", POST, "dig"), ("curl", POST, "curl"), ("estats", POST, "estats"), ("grep", POST, "grep"),
        ("user-diagnostic-data", POST, r"user-diagnostic-data/groups"),
        ("metadata-tracer", POST, "metadata-tracer"))),
    *_diagnostics(Rate.per_minute(20), (
        ("gtm-properties", GET, r"gtm/(?:gtm-properties|[^/]+/[^/]+/gtm-property-ips)"),
        ("edge-locations", GET, "edge-locations"), ("ipa-hostnames", GET, "ipa/hostnames"),
        ("translated-url", POST, "translated-url"), ("mtr", POST, "mtr"),
        ("url-health-check", POST, "url-health-check"), ("connectivity-problems", POST, "connectivity-problems"),
        ("content-problems", POST, "content-problems"))),
    # Application Security: 100 requests per minute per account for all operations; export 3 and hostname
    # coverage 1 per minute instead.
    Limit("appsec", "Application Security", r"^/appsec/v1/", Rate.per_minute(100), APPSEC_DOC),
    Limit("appsec-export", "Application Security export", r"^/appsec/v1/export/", Rate.per_minute(3), APPSEC_DOC,
          GET, replaces="appsec"),
    Limit("appsec-hostname-coverage", "Application Security hostname coverage", r"^/appsec/v1/hostname-coverage$",
          Rate.per_minute(1), APPSEC_DOC, GET, replaces="appsec"),
    # CPS: 35 requests per minute per account, and at most 20 in any 2 seconds. 429s carry Retry-After.
    Limit("cps", "CPS (certificates)", r"^/cps/v2/", Rate.per_minute(35), CPS_DOC, style="cps",
          limit_header=None, remaining_header=None, retry_after=True),
    Limit("cps-short", "CPS (certificates), short term", r"^/cps/v2/", Rate(10.0, 20.0), CPS_DOC, style="cps",
          limit_header=None, remaining_header=None, retry_after=True),
    # Cloudlets v3 limits only policy activations: 10 per minute.
    Limit("cloudlets-activations", "Cloudlets policy activations", r"^/cloudlets/v3/policies/[^/]+/activations$",
          Rate.per_minute(10), CLOUDLETS_DOC, POST, next_header="X-RateLimit-Next"),
    # Reporting API v1: 120 requests per minute per account for each report endpoint.
    Limit("reporting", "Reporting", r"^/reporting-api/v1/reports/", Rate.per_minute(120), REPORTING_DOC,
          per="endpoint"),
    # Invoicing: 500 requests per minute per account.
    Limit("invoicing", "Invoicing", r"^/invoicing-api/", Rate.per_minute(500), INVOICING_DOC),
    # EdgeWorkers: 10 new EdgeWorker IDs a minute and 50 a day, 20 versions a minute, 20 activations a minute on
    # each network, per account.
    Limit("edgeworkers-ids", "EdgeWorkers IDs per minute", r"^/edgeworkers/v1/ids$", Rate.per_minute(10),
          EDGEWORKERS_DOC, POST, limit_header="X-RateLimit-Ew-Id-Per-Minute-Limit",
          remaining_header="X-RateLimit-Ew-Id-Per-Minute-Remaining"),
    Limit("edgeworkers-ids-daily", "EdgeWorkers IDs per day", r"^/edgeworkers/v1/ids$", Rate(50 / 86400, 50.0),
          EDGEWORKERS_DOC, POST, limit_header="X-RateLimit-Ew-Id-Per-Day-Limit",
          remaining_header="X-RateLimit-Ew-Id-Per-Day-Remaining"),
    Limit("edgeworkers-versions", "EdgeWorkers versions", r"^/edgeworkers/v1/ids/[^/]+/versions$",
          Rate.per_minute(20), EDGEWORKERS_DOC, POST, limit_header="X-RateLimit-Version-Per-Minute-Limit",
          remaining_header="X-RateLimit-Version-Per-Minute-Remaining"),
    Limit("edgeworkers-activations", "EdgeWorkers activations", r"^/edgeworkers/v1/ids/[^/]+/activations$",
          Rate.per_minute(20), EDGEWORKERS_DOC, POST, per="network",
          limit_header="X-RateLimit-Activation-Per-Network-Per-Minute-Limit",
          remaining_header="X-RateLimit-Activation-Per-Network-Per-Minute-Remaining"),
)


def api_of(path: str) -> str:
    """The API a path belongs to (its first segment): the unit alecs pauses when Akamai answers 429."""
    return path.lstrip("/").split("/", 1)[0]


class LimitTable:
    """The limits in force: the published ones with an operator's (or a test's) overrides applied."""

    def __init__(self, limits: tuple[Limit, ...] = PUBLISHED) -> None:
        self.limits = limits
        self._matches: dict[tuple[str, str], tuple[Limit, ...]] = {}

    @classmethod
    def with_overrides(cls, overrides: Mapping[str, Rate | None], base: tuple[Limit, ...] = PUBLISHED) -> LimitTable:
        """`overrides` names limits (`papi`) or families (`diagnostics`, `ccu`): a Rate replaces, None removes."""
        unknown = [k for k in overrides if not any(_named(limit.name, k) for limit in base)]
        if unknown:
            names = ", ".join(sorted({limit.name for limit in base}))
            raise ValueError(f"unknown Akamai limit {', '.join(unknown)}; known: {names}")
        out = []
        for limit in base:
            key = max((k for k in overrides if _named(limit.name, k)), key=len, default=None)
            if key is None:
                out.append(limit)
            else:
                rate = overrides[key]
                if rate is not None:
                    out.append(replace(limit, rate=rate))
        return cls(tuple(out))

    def for_request(self, method: str, path: str) -> tuple[Limit, ...]:
        """Every limit that counts this request (remembered per method and path: the table is fixed)."""
        key = (method, path)
        found = self._matches.get(key)
        if found is None:
            if len(self._matches) > 4096:
                self._matches.clear()
            matched = [limit for limit in self.limits if limit.matches(method, path)]
            replaced = {limit.replaces for limit in matched if limit.replaces}
            found = self._matches[key] = tuple(limit for limit in matched if limit.name not in replaced)
        return found


def _named(name: str, key: str) -> bool:
    return name == key or name.startswith(key + "-")


def parse_overrides(text: str) -> dict[str, dict[str, Rate | None]]:
    """`ALECS_AKAMAI_LIMITS`: `papi=200/min burst 2000; acme:ccu-url=off` -> {section or "": {limit: rate}}.

    Entries are separated by `;`; `section:` limits an entry to one `.edgerc` section; `off` removes a limit."""
    out: dict[str, dict[str, Rate | None]] = {}
    for entry in filter(None, (e.strip() for e in text.split(";"))):
        key, sep, value = entry.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"not a limit setting: {entry!r} (expected name=RATE, e.g. papi=200/min)")
        section, _, name = key.strip().rpartition(":")
        rate = None if value.strip().lower() in ("off", "none", "0") else Rate.parse(value)
        out.setdefault(section.strip(), {})[name.strip()] = rate
    for sections in out.values():
        LimitTable.with_overrides(sections)  # names checked now, not at the first request
    return out
