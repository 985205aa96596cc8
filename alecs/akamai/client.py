"""EdgeGrid-signed HTTP to Akamai: one pooled session per `.edgerc` section, never on the event loop."""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
from akamai.edgegrid import EdgeGridAuth
from requests.adapters import HTTPAdapter

from alecs.akamai.cache import ReadCache
from alecs.edgerc import Credentials, Edgerc
from alecs.errors import AkamaiError

log = logging.getLogger(__name__)

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_wait: float = 30.0  # never sleep longer than this for one Retry-After


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


def _retry_after(resp: requests.Response, policy: RetryPolicy) -> float | None:
    """Seconds to wait before retrying a 429, from Retry-After or Akamai's X-RateLimit-Next."""
    value = resp.headers.get("Retry-After")
    if value:
        try:
            return min(float(value), policy.max_wait)
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(value)
            if parsed is not None:
                return min(max(0.0, (parsed - datetime.now(UTC)).total_seconds()), policy.max_wait)
    nxt = resp.headers.get("X-RateLimit-Next")
    if nxt:
        try:
            when = datetime.fromisoformat(nxt.replace("Z", "+00:00"))
            return min(max(0.0, (when - datetime.now(UTC)).total_seconds()), policy.max_wait)
        except ValueError:
            pass
    return None


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


def _problem(resp: requests.Response) -> dict[str, Any]:
    data = _decode(resp)
    if isinstance(data, dict):
        return data
    detail = (data or "").strip()[:500] if isinstance(data, str) else None
    return {"title": resp.reason or f"HTTP {resp.status_code}", "detail": detail or None}


def _query(creds: Credentials, params: Mapping[str, Any] | None) -> dict[str, Any]:
    query = {k: v for k, v in (params or {}).items() if v is not None}
    if creds.account_key:
        query["accountSwitchKey"] = creds.account_key
    return query


def _cache_key(creds: Credentials, path: str, query: Mapping[str, Any],
               headers: Mapping[str, str] | None) -> tuple[str, ...]:
    return (creds.section, creds.host, path, json.dumps(query, sort_keys=True, default=str),
            json.dumps(dict(headers or {}), sort_keys=True))


class AkamaiClient:
    """Sends EdgeGrid-signed requests for any `.edgerc` section of one file."""

    def __init__(
        self,
        edgerc: Edgerc,
        *,
        workers: int = 16,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        cache_ttl: float = 5.0,
    ) -> None:
        self.edgerc = edgerc
        self.retry = retry or RetryPolicy()
        self.timeouts = timeouts or Timeouts()
        self.cache = ReadCache(ttl=cache_ttl)
        self._sessions: dict[Credentials, requests.Session] = {}
        self._resolved: dict[str, Credentials] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="akamai")
        self._sleep = time.sleep

    def credentials(self, customer: str) -> Credentials:
        return self.edgerc.get(customer)

    def _resolve(self, customer: str) -> Credentials:
        """In a worker thread: read the section (the file may have changed) and remember it for cache hits."""
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

    async def request(self, customer: str, method: str, path: str, **options: Any) -> AkamaiResponse:
        """Send one logical request in the worker pool (options as for request_sync); raises AkamaiError for
        4xx/5xx answers."""
        known = self._resolved.get(customer)
        if known is not None and method.upper() == "GET" and not options.get("fresh"):
            # A cache hit is answered here: the hop to a worker thread and back costs more than the lookup. Only
            # credentials a worker already resolved are used, so the event loop never reads the .edgerc file.
            key = _cache_key(known, path, _query(known, options.get("params")), options.get("headers"))
            hit: AkamaiResponse | None = self.cache.get(key)
            if hit is not None:
                return hit
        loop = asyncio.get_running_loop()
        response: AkamaiResponse = await loop.run_in_executor(
            self._pool, lambda: self.request_sync(self._resolve(customer), method, path, **options))
        return response

    def request_sync(
        self,
        creds: Credentials,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        data: bytes | None = None,
        fresh: bool = False,
    ) -> AkamaiResponse:
        method = method.upper()
        query = _query(creds, params)
        cache_key = _cache_key(creds, path, query, headers)
        if method == "GET" and not fresh:
            cached: AkamaiResponse | None = self.cache.get(cache_key)
            if cached is not None:
                return cached
        else:
            self.cache.invalidate(creds.section)
        session = self._session(creds)
        url = creds.base_url + path
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            try:
                resp = session.request(
                    method, url, params=query, json=json_body if data is None else None, data=data,
                    headers=dict(headers or {}), timeout=(self.timeouts.connect, self.timeouts.read),
                    # per request: requests lets REQUESTS_CA_BUNDLE override a session-level verify
                    verify=creds.ca_bundle or True,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if method in IDEMPOTENT and attempt < self.retry.attempts:
                    self._sleep(self._backoff(attempt))
                    continue
                raise AkamaiError(0, {"title": "Akamai API unreachable",
                                      "detail": f"{type(exc).__name__} contacting {creds.host}"}) from None
            log.info("akamai %s %s -> %s in %.0f ms (attempt %d)", method, path, resp.status_code,
                     (time.monotonic() - started) * 1000, attempt)
            if resp.status_code == 429 and attempt < self.retry.attempts:
                wait = _retry_after(resp, self.retry)
                self._sleep(self._backoff(attempt) if wait is None else wait)
                continue
            if resp.status_code in RETRY_STATUSES and method in IDEMPOTENT and attempt < self.retry.attempts:
                self._sleep(self._backoff(attempt))
                continue
            if resp.status_code >= 400:
                raise AkamaiError(resp.status_code, _problem(resp))
            result = AkamaiResponse(resp.status_code, dict(resp.headers), _decode(resp), attempt)
            if method == "GET":
                self.cache.put(cache_key, creds.section, result)
            return result

    def _backoff(self, attempt: int) -> float:
        return float(min(self.retry.backoff * (2 ** (attempt - 1)), self.retry.max_backoff))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            for session in self._sessions.values():
                session.close()
            self._sessions.clear()
