"""What `GET /metrics` shows: the Prometheus registry of this process and the metric objects, owned here alone.

Every point that counts calls one function below (a line at each point: the server's tool calls, the Akamai client,
the account budget, the Guard's audit of refusals, the transports' sessions and limits, the token store's reloads);
`render` writes the exposition for a scrape. Nothing here knows tools or transports.

Labels are bounded, whatever clients send: tool names are the registry's (an unknown name is counted as `unknown` by
the server), API names are the first segment of an Akamai path (`papi`, `config-dns`), methods a fixed set, statuses
HTTP codes; every label of every metric is also capped at `MAX_LABEL_VALUES` distinct values, past which it reads
`other`. No label carries a token, a token id, a customer (`.edgerc` section), a path beyond its API or an address:
who called is the audit log's business, not the metrics'.
"""

from __future__ import annotations

import gzip
import re
import threading
from typing import TYPE_CHECKING, Any

from alecs import __version__

if TYPE_CHECKING:
    from prometheus_client import Counter, Gauge, Histogram

MAX_LABEL_VALUES = 500  # distinct values of one label; more than the catalogue's tools, far fewer than a flood
OTHER = "other"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
# Tool calls wait for Akamai's rate limits (ALECS_AKAMAI_MAX_WAIT, 20 s) and some flows poll for minutes.
CALL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
AKAMAI_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Instruments:
    """The registry and its metrics. Made on the first count or scrape, not at import: prometheus_client takes
    ~50 ms to import, which `alecs serve` would otherwise spend before its listener answers `/healthz`."""

    def __init__(self) -> None:
        from prometheus_client import (
            GC_COLLECTOR,
            PLATFORM_COLLECTOR,
            PROCESS_COLLECTOR,
            CollectorRegistry,
            Counter,
            Gauge,
            Histogram,
            Info,
            disable_created_metrics,
        )

        # No `_created` series beside every counter and histogram: Prometheus does not use them.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        r = self.registry = CollectorRegistry(auto_describe=True)
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):  # CPU, memory, files, GC, Python
            r.register(collector)
        Info("alecs_build", "The running alecs.", registry=r).info({"version": __version__})
        self.sessions_open = Gauge("alecs_sessions_open", "MCP sessions open now (WebSocket connections, HTTP "
                                   "sessions).", ["transport"], registry=r)
        self.sessions_opened = Counter("alecs_sessions_opened", "MCP sessions opened.", ["transport"], registry=r)
        self.tool_calls = Counter("alecs_tool_calls", "Tool calls answered, by tool and outcome (ok, error, "
                                  "cancelled).", ["tool", "outcome"], registry=r)
        self.tool_seconds = Histogram("alecs_tool_call_duration_seconds", "Time from a tools/call request to its "
                                      "answer.", ["tool"], buckets=CALL_BUCKETS, registry=r)
        self.akamai_requests = Counter("alecs_akamai_requests", "HTTP exchanges with Akamai's APIs, by API, method "
                                       "and status (unreachable: no answer).", ["api", "method", "status"],
                                       registry=r)
        self.akamai_seconds = Histogram("alecs_akamai_request_duration_seconds", "Time of one HTTP exchange with "
                                        "Akamai.", ["api"], buckets=AKAMAI_BUCKETS, registry=r)
        self.akamai_retries = Counter("alecs_akamai_retries", "Akamai requests sent again, by API and why "
                                      "(rate_limited: a 429, server_error: a 5xx, unreachable).", ["api", "reason"],
                                      registry=r)
        self.budget_refusals = Counter("alecs_akamai_budget_refusals", "Calls refused before reaching Akamai "
                                       "because a rate limit of the account had no room in time, by API and limit "
                                       "(akamai_429: Akamai's own pause).", ["api", "limit"], registry=r)
        self.auth_refusals = Counter("alecs_auth_refusals", "Requests refused by authentication, by transport and "
                                     "reason.", ["transport", "reason"], registry=r)
        self.transport_refusals = Counter("alecs_transport_refusals", "Connections, sessions and messages refused "
                                          "or cut by the transports' limits, by transport and reason.",
                                          ["transport", "reason"], registry=r)
        self.token_reloads = Counter("alecs_token_store_reloads", "Token store reads that found it changed "
                                     "(changed) or could not read it (failed).", ["outcome"], registry=r)


_instruments: Instruments | None = None
_instruments_lock = threading.Lock()


def instruments() -> Instruments:
    """This process's metrics, made on first use (counts come from the event loop and from worker threads)."""
    global _instruments
    made = _instruments
    if made is None:
        with _instruments_lock:
            made = _instruments
            if made is None:
                made = _instruments = Instruments()
    return made


def __getattr__(name: str) -> Any:
    """`REGISTRY`: this process's registry, for tests and embedders (made on first use, like every metric)."""
    if name == "REGISTRY":
        return instruments().registry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_seen: dict[str, set[str]] = {}  # label -> the values it has taken
_seen_lock = threading.Lock()
_children: dict[tuple[int, tuple[str, ...]], Any] = {}  # (metric, label values) -> its child: `labels()` is slow


def child(metric: Counter | Gauge | Histogram, *values: str) -> Any:
    """`metric.labels(*values)`, remembered (a dict lookup instead of prometheus_client's checks on every count)."""
    key = (id(metric), values)
    found = _children.get(key)
    if found is None:
        found = _children[key] = metric.labels(*values)
    return found


def bounded(label: str, value: str) -> str:
    """`value` for `label` if it looks like a name and the label has room for it, else `other`."""
    seen = _seen.get(label)
    if seen is not None and value in seen:
        return value
    if not _LABEL.match(value):
        return OTHER
    with _seen_lock:
        seen = _seen.setdefault(label, set())
        if value in seen:
            return value
        if len(seen) >= MAX_LABEL_VALUES:
            return OTHER
        seen.add(value)
    return value


def api_of(path: str) -> str:
    """The API of an Akamai path, as a label: its first segment (`/papi/v1/...` -> `papi`)."""
    return bounded("api", path.lstrip("/").split("/", 1)[0].split("?", 1)[0])


# -- the points that count ---------------------------------------------------------------------------------------
def session_opened(transport: str) -> None:
    """A WebSocket connection or HTTP session began serving MCP."""
    child(instruments().sessions_opened, transport).inc()
    child(instruments().sessions_open, transport).inc()


def session_closed(transport: str) -> None:
    """A session counted by `session_opened` ended (call exactly once per session)."""
    child(instruments().sessions_open, transport).dec()


_calls: dict[tuple[str, str], tuple[Any, Any]] = {}  # (tool, outcome) -> its counter and histogram children


def tool_call(tool: str, outcome: str, seconds: float) -> None:
    """A tools/call answered (or cancelled); `tool` must be a registered tool's name or `unknown`."""
    pair = _calls.get((tool, outcome))
    if pair is None:
        name = bounded("tool", tool)
        made = instruments()
        pair = (child(made.tool_calls, name, outcome), child(made.tool_seconds, name))
        if name == tool:  # a name past the cap is not remembered under its own key
            _calls[(tool, outcome)] = pair
    pair[0].inc()
    pair[1].observe(seconds)


def akamai_request(path: str, method: str, status: int | None, seconds: float) -> None:
    """One HTTP exchange with Akamai (`status` None: no answer)."""
    api = api_of(path)
    verb = method if method in METHODS else OTHER
    child(instruments().akamai_requests, api, verb, "unreachable" if status is None else str(status)).inc()
    child(instruments().akamai_seconds, api).observe(seconds)


def akamai_retry(path: str, reason: str) -> None:
    """A request about to be sent again: `rate_limited`, `server_error` or `unreachable`."""
    child(instruments().akamai_retries, api_of(path), reason).inc()


def budget_refusal(api: str, limit: str) -> None:
    """A call refused because a rate limit had no room soon enough (`limit`: the published limit's name)."""
    child(instruments().budget_refusals, bounded("api", api), bounded("limit", limit)).inc()


def auth_refusal(transport: str, reason: str) -> None:
    """A request refused by authentication (no token, unknown, revoked, wrong scope, blocked, Host, Origin...)."""
    child(instruments().auth_refusals, transport, bounded("reason", reason)).inc()


def transport_refusal(transport: str, reason: str) -> None:
    """A connection, session or message refused or cut by a transport's limits (caps, rate, slow clients...)."""
    child(instruments().transport_refusals, transport, bounded("reason", reason)).inc()


def token_store_reload(outcome: str) -> None:
    """The token store was read again: `changed` or `failed`."""
    child(instruments().token_reloads, outcome).inc()


# -- the scrape ----------------------------------------------------------------------------------------------------
def render(accept: str = "", accept_encoding: str = "") -> tuple[bytes, list[tuple[str, str]]]:
    """The exposition for a scrape (Prometheus text, or OpenMetrics when asked for; gzip when accepted) and its
    headers. Blocking (it walks every metric and reads /proc): call it off the event loop."""
    from prometheus_client.exposition import choose_encoder, gzip_accepted

    encoder, content_type = choose_encoder(accept)
    body = encoder(instruments().registry)
    headers = [("Content-Type", content_type), ("Cache-Control", "no-store")]
    if gzip_accepted(accept_encoding):
        body = gzip.compress(body, compresslevel=5)
        headers.append(("Content-Encoding", "gzip"))
    return body, headers
