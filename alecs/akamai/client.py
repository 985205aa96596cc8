"""EdgeGrid-signed HTTP to Akamai: one pooled session per `.edgerc` section, never on the event loop.

Calls are queued fairly per caller and kept inside each account's published rate limits (alecs.akamai.queue and
alecs.akamai.budget). Waits (a 429's retry time, backoff after a 5xx, room in a budget) happen on the event loop,
never in a worker thread, and end at once when the caller cancels.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import ssl
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import requests
import urllib3.exceptions
from akamai.edgegrid import EdgeGridAuth
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError

from alecs import metrics
from alecs.akamai.budget import Account, Budget, RateLimited, retry_after
from alecs.akamai.cache import ReadCache
from alecs.akamai.queue import FairQueue
from alecs.edgerc import Credentials, Edgerc
from alecs.errors import AkamaiError, ConfigError, NoAnswer

log = logging.getLogger(__name__)

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({500, 502, 503, 504})
ProgressFn = Callable[[float, float | None, str | None], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """How often a call is tried (429s always; 5xx and connection errors only for idempotent methods)."""

    attempts: int = 4
    backoff: float = 0.5
    max_backoff: float = 8.0


@dataclass(frozen=True)
class Timeouts:
    connect: float = 10.0
    read: float = 60.0


@dataclass
class AkamaiResponse:
    status: int
    headers: Mapping[str, str]
    data: Any
    request_count: int = field(default=1)


@dataclass(frozen=True)
class Sent:
    """What one HTTP exchange returned, from a worker thread to the event loop."""

    creds: Credentials
    status: int
    headers: Mapping[str, str]  # case-insensitive, as requests gives them
    data: Any
    reason: str


class Unreachable(Exception):
    """The request never reached Akamai: the connection (DNS, TCP, TLS) could not be made."""


class Unanswered(Exception):
    """The request was sent (or partly sent) but no whole answer came back: a read timeout, or the connection
    dropped. For a change this means it may have taken effect."""


def _failure(exc: requests.RequestException) -> Exception:
    """Unreachable when the request surely never left, Unanswered otherwise (then a change may have taken effect).

    Surely never sent: the connection could not be made (refused, no such name, connect timeout) or the server's
    certificate was refused in the handshake; requests raises these as ConnectTimeout, or as ConnectionError and
    SSLError around urllib3's MaxRetryError (alecs never lets urllib3 retry). Anything else (a read timeout, a reset,
    a TLS error or EOF while the answer was awaited, a broken body) may come after the request went out.
    """
    name = type(exc).__name__
    reason = exc.args[0].reason if exc.args and isinstance(exc.args[0], MaxRetryError) else None
    if isinstance(exc, requests.ConnectTimeout) or isinstance(reason, ConnectTimeoutError):
        return Unreachable(name)  # NewConnectionError and NameResolutionError are ConnectTimeoutErrors too
    if isinstance(reason, urllib3.exceptions.SSLError) and reason.args \
            and isinstance(reason.args[0], ssl.SSLCertVerificationError):
        return Unreachable(f"{name}: the server's certificate was refused")
    if isinstance(exc, requests.ReadTimeout):
        return Unanswered("the read timeout passed")
    return Unanswered(f"the connection failed ({name})")


def _decode(resp: requests.Response) -> Any:
    if not resp.content:
        return None
    ctype = resp.headers.get("Content-Type", "")
    if "json" in ctype:
        try:
            return resp.json()
        except ValueError:
            return resp.text
    return resp.text


def _problem(sent: Sent) -> dict[str, Any]:
    if isinstance(sent.data, dict):
        return sent.data
    detail = (sent.data or "").strip()[:500] if isinstance(sent.data, str) else None
    return {"title": sent.reason or f"HTTP {sent.status}", "detail": detail or None}


def _query(creds: Credentials, params: Mapping[str, Any] | None) -> dict[str, Any]:
    query = {k: v for k, v in (params or {}).items() if v is not None}
    if creds.account_key:
        query["accountSwitchKey"] = creds.account_key
    return query


def _cache_key(creds: Credentials, path: str, query: Mapping[str, Any],
               headers: Mapping[str, str] | None) -> tuple[str, ...]:
    return (creds.section, creds.host, path, json.dumps(query, sort_keys=True, default=str),
            json.dumps(dict(headers or {}), sort_keys=True))


def _account(creds: Credentials) -> Account:
    return Account(creds.host, creds.client_token, creds.account_key, creds.section)


def _env_seconds(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise ConfigError(f"{name} must be a number of seconds from 0 to 3600, not {value!r}.")
    return seconds


class AkamaiClient:
    """Sends EdgeGrid-signed requests for any `.edgerc` section of one file, fairly and within Akamai's limits."""

    def __init__(
        self,
        edgerc: Edgerc,
        *,
        workers: int = 16,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        cache_ttl: float = 5.0,
        budget: Budget | None = None,
        max_wait: float | None = None,
        reserve: int = 2,
    ) -> None:
        """`budget`: the account limits (default: published, with ALECS_AKAMAI_LIMITS); `max_wait`: how long a call
        may wait for room in a budget before it is refused with the time to retry (ALECS_AKAMAI_MAX_WAIT, 20 s);
        `reserve`: workers kept for callers with nothing in flight."""
        self.edgerc = edgerc
        self.retry = retry or RetryPolicy()
        self.timeouts = timeouts or Timeouts()
        self.cache = ReadCache(ttl=cache_ttl)
        self.budget = budget or Budget.from_env()
        self._sessions: dict[Credentials, requests.Session] = {}
        self._resolved: dict[str, Credentials] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="akamai")
        wait = _env_seconds("ALECS_AKAMAI_MAX_WAIT", 20.0) if max_wait is None else max_wait
        self.queue = FairQueue(self._pool, workers, settled=lambda s: (s.status, s.headers), reserve=reserve,
                               max_wait=wait)
        self._sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def credentials(self, customer: str) -> Credentials:
        return self.edgerc.get(customer)

    def _resolve(self, customer: str) -> Credentials:
        """Off the event loop: read the section (the file may have changed) and remember it for the loop's use."""
        creds = self.edgerc.get(customer)
        self._resolved[customer] = creds
        return creds

    def _session(self, creds: Credentials) -> requests.Session:
        with self._lock:
            session = self._sessions.get(creds)
            if session is None:
                session = requests.Session()
                session.auth = EdgeGridAuth(
                    client_token=creds.client_token,
                    client_secret=creds.client_secret,
                    access_token=creds.access_token,
                    max_body=creds.max_body,
                )
                adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16)
                session.mount("https://", adapter)
                session.headers["User-Agent"] = "alecs/0.1"
                self._sessions[creds] = session
            return session

    async def request(self, customer: str, method: str, path: str, *, caller: str = "local",
                      progress: ProgressFn | None = None, params: Mapping[str, Any] | None = None,
                      json_body: Any = None, headers: Mapping[str, str] | None = None, data: bytes | None = None,
                      fresh: bool = False) -> AkamaiResponse:
        """Send one logical request for `caller` (a token id; fair turns are per caller), reporting waits through
        `progress`. Raises AkamaiError for 4xx/5xx answers, RateLimited when a limit leaves no room soon enough."""
        method = method.upper()
        read = method == "GET" and not fresh
        known = self._resolved.get(customer)
        if known is not None and read:
            # A cache hit is answered here: the hop to a worker thread and back costs more than the lookup. Only
            # credentials a worker already resolved are used, so the event loop never reads the .edgerc file.
            hit = self._cached(known, path, params, headers)
            if hit is not None:
                return hit
        loop = asyncio.get_running_loop()
        if known is None:
            known = await loop.run_in_executor(None, self._resolve, customer)  # not a worker: never queued
            if read:
                hit = self._cached(known, path, params, headers)
                if hit is not None:
                    return hit
        if not read:
            self.cache.invalidate(known.section)
        send: Callable[[], Sent] = partial(self._send, customer, method, path, params, json_body, headers, data)
        attempt = 0
        while True:
            attempt += 1
            charge = self.budget.charge(_account(known), method, path, json_body, loop.time())
            try:
                sent = await self.queue.run(caller, send, charge, progress)
            except (Unreachable, Unanswered) as exc:
                if method in IDEMPOTENT and attempt < self.retry.attempts:
                    metrics.akamai_retry(path, "unreachable")
                    await self._sleep(self._backoff(attempt))
                    continue
                if isinstance(exc, Unanswered) and method not in IDEMPOTENT:
                    raise NoAnswer(method, path, str(exc)) from None  # may have taken effect: never replayed
                raise AkamaiError(0, {"title": "Akamai API unreachable",
                                      "detail": f"{exc} contacting {known.host}"}) from None
            if sent.status == 429:
                now = loop.time()
                if retry_after(sent.headers, now) is None and charge.wait(now) <= 0:
                    charge.pause(self._backoff(attempt), now)  # Akamai did not say when: back off
                retry_in = charge.wait(now)
                if attempt < self.retry.attempts and retry_in <= self.queue.max_wait:
                    metrics.akamai_retry(path, "rate_limited")
                    continue  # queued again: it waits on the loop until the budget allows, never in a worker
                metrics.budget_refusal(charge.api, "akamai_429")
                problem = _problem(sent)
                raise RateLimited(str(problem.get("title") or "Too many requests"),
                                  str(problem.get("detail") or "Akamai answered 429."), retry_in, problem)
            if sent.status in RETRY_STATUSES and method in IDEMPOTENT and attempt < self.retry.attempts:
                metrics.akamai_retry(path, "server_error")
                await self._sleep(self._backoff(attempt))
                continue
            if sent.status >= 400:
                raise AkamaiError(sent.status, _problem(sent))
            result = AkamaiResponse(sent.status, dict(sent.headers), sent.data, attempt)
            if method == "GET":
                self.cache.put(_cache_key(sent.creds, path, _query(sent.creds, params), headers), sent.creds.section,
                               result)
            return result

    def _cached(self, creds: Credentials, path: str, params: Mapping[str, Any] | None,
                headers: Mapping[str, str] | None) -> AkamaiResponse | None:
        hit: AkamaiResponse | None = self.cache.get(_cache_key(creds, path, _query(creds, params), headers))
        return hit

    def _send(self, customer: str, method: str, path: str, params: Mapping[str, Any] | None, json_body: Any,
              headers: Mapping[str, str] | None, data: bytes | None) -> Sent:
        """In a worker thread: one signed HTTP exchange, with the section as the file has it now."""
        creds = self._resolve(customer)
        session = self._session(creds)
        started = time.monotonic()
        try:
            resp = session.request(
                method, creds.base_url + path, params=_query(creds, params),
                json=json_body if data is None else None, data=data, headers=dict(headers or {}),
                timeout=(self.timeouts.connect, self.timeouts.read),
                # per request: requests lets REQUESTS_CA_BUNDLE override a session-level verify
                verify=creds.ca_bundle or True,
            )
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            metrics.akamai_request(path, method, None, time.monotonic() - started)
            raise _failure(exc) from None
        seconds = time.monotonic() - started
        metrics.akamai_request(path, method, resp.status_code, seconds)
        log.info("akamai %s %s -> %s in %.0f ms", method, path, resp.status_code, seconds * 1000)
        return Sent(creds, resp.status_code, resp.headers, _decode(resp), resp.reason or "")

    def _backoff(self, attempt: int) -> float:
        return float(min(self.retry.backoff * (2 ** (attempt - 1)), self.retry.max_backoff))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            for session in self._sessions.values():
                session.close()
            self._sessions.clear()
