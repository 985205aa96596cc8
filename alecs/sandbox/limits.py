"""The sandbox enforces Akamai's published rate limits (the table in alecs.akamai.limits), so it stays honest.

Limits are per account, shared by every API client of it, as Akamai documents: this sandbox has one account, so
every client token it accepts draws from the same buckets, and each account switch key is an account of its own.
A request that finds a bucket short is answered 429 in the shape its API documents (PAPI's limit problem with
X-RateLimit-Next, Fast Purge's rate limit body and object headers, Edge Diagnostics' requests.exceeded.error, CPS's
Retry-After) and takes no tokens; an admitted request takes its tokens and is answered with the API's remaining
counts. `Settings.rate_limits` lowers, raises or removes limits by name (`papi`, `ccu-url`, `diagnostics`, ...).
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from alecs.akamai.limits import Limit, LimitTable, Rate
from alecs.sandbox.ids import ACCOUNT


class LimitedRequest(Protocol):
    """What the limits read of a verified request (the HTTP layer's SimRequest; a protocol, so that the HTTP layer
    can import this module without an import circle)."""

    method: str
    path: str
    host: str
    query: dict[str, str]

    @property
    def json(self) -> Any: ...

CCU_TITLES = {"ccu": "Rate Limit exceeded", "ccu-url": "URL Rate Limit exceeded",
              "ccu-cpcode": "CPCODE Rate Limit exceeded", "ccu-tag": "TAG Rate Limit exceeded"}


class RateLimitExceeded(Exception):
    """A request refused for want of tokens; carries the 429 answer's body, headers and media type."""

    def __init__(self, body: dict[str, Any], headers: dict[str, str],
                 content_type: str = "application/problem+json") -> None:
        super().__init__("rate limit exceeded")
        self.status, self.body, self.headers, self.content_type = 429, body, headers, content_type


class _Level:
    __slots__ = ("rate", "tokens", "stamp")

    def __init__(self, rate: Rate, now: float) -> None:
        self.rate, self.tokens, self.stamp = rate, rate.burst, now

    def level(self, now: float) -> float:
        self.tokens = min(self.rate.burst, self.tokens + max(0.0, now - self.stamp) * self.rate.per_second)
        self.stamp = max(self.stamp, now)
        return self.tokens

    def wait_for(self, cost: float, now: float) -> float:
        return max(0.0, (cost - self.level(now)) / self.rate.per_second)


class SandboxLimits:
    """Token buckets per account, limit and scope; `admit` is called for every request after its signature check."""

    def __init__(self, overrides: Mapping[str, Rate | None] | None = None) -> None:
        self.table = LimitTable.with_overrides(overrides or {})
        self.refused = 0  # 429s this sandbox sent for its limits (tests assert on it)
        self._levels: dict[tuple[str, str, str], _Level] = {}
        self._lock = threading.Lock()

    def reset(self, overrides: Mapping[str, Rate | None] | None = None) -> None:
        """Full buckets again (the sandbox's reset), with `overrides` applied."""
        with self._lock:
            self.table = LimitTable.with_overrides(overrides or {})
            self._levels.clear()
            self.refused = 0

    def admit(self, client_token: str, req: LimitedRequest) -> dict[str, str]:
        """Take the request's tokens and return the rate limit headers for its answer, or raise RateLimitExceeded.

        Every client token of this sandbox belongs to its one account; `accountSwitchKey` selects another."""
        limits = self.table.for_request(req.method, req.path)
        if not limits:
            return {}
        account = req.query.get("accountSwitchKey") or ACCOUNT
        body = req.json if any(lim.counts == "objects" or lim.per == "network" for lim in limits) else None
        now = time.monotonic()
        with self._lock:
            drawn = [(lim, self._level(account, lim, lim.scope(req.path, body), now), lim.cost(body))
                     for lim in limits]
            short = [(lim, level, cost) for lim, level, cost in drawn if level.level(now) < cost]
            if short:
                self.refused += 1
                raise self._refusal(req, drawn, short, now)
            for _, level, cost in drawn:
                level.tokens -= cost
            return self._headers(drawn, now)

    def use(self, name: str, count: float, account_key: str | None = None) -> None:
        """Draw `count` tokens of limit `name` as the account's other API clients (its CI, Terraform) would."""
        limit = next(lim for lim in self.table.limits if lim.name == name)
        with self._lock:
            level = self._level(account_key or ACCOUNT, limit, "", time.monotonic())
            level.tokens -= count

    def remaining(self, name: str, account_key: str | None = None, scope: str = "") -> float:
        limit = next(lim for lim in self.table.limits if lim.name == name)
        with self._lock:
            now = time.monotonic()
            return self._level(account_key or ACCOUNT, limit, scope, now).level(now)

    def _level(self, account: str, limit: Limit, scope: str, now: float) -> _Level:
        key = (account, limit.name, scope)
        level = self._levels.get(key)
        if level is None:
            level = self._levels[key] = _Level(limit.rate, now)
        return level

    @staticmethod
    def _headers(drawn: list[tuple[Limit, _Level, int]], now: float) -> dict[str, str]:
        headers: dict[str, str] = {}
        for limit, level, _ in drawn:
            if limit.limit_header:
                headers[limit.limit_header] = f"{limit.reported:g}"
            if limit.remaining_header:
                headers[limit.remaining_header] = str(max(0, math.floor(level.level(now))))
            headers.update(limit.extra_headers)
        return headers

    def _refusal(self, req: LimitedRequest, drawn: list[tuple[Limit, _Level, int]],
                 short: list[tuple[Limit, _Level, int]], now: float) -> RateLimitExceeded:
        limit, level, cost = short[0]
        wait = max(level.wait_for(c, now) for _, level, c in short)
        headers = self._headers(drawn, now)
        if limit.next_header:
            moment = datetime.now(UTC) + timedelta(seconds=wait)
            headers[limit.next_header] = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if limit.retry_after:
            headers["Retry-After"] = str(max(1, math.ceil(wait)))
        if limit.style == "ccu":
            return RateLimitExceeded({
                "supportId": "edrl-" + uuid.uuid4().hex[:20],
                "title": CCU_TITLES.get(limit.name, "Rate Limit exceeded"),
                "httpStatus": 429, "describedBy": "https://techdocs.akamai.com/purge-cache/reference/api-errors",
                "detail": "", "rateLimit": int(limit.rate.burst), "rateLimitCurrentRequestSize": cost,
                "rateLimitRemaining": max(0, math.floor(level.level(now)))}, headers, "application/api-problem+json")
        if limit.style == "diagnostics":
            return RateLimitExceeded({"type": "requests.exceeded.error", "title": "Too Many Requests", "status": 429,
                                      "detail": "You have exceeded total number of requests configured for this API."},
                                     headers)
        body: dict[str, Any] = {
            "type": "https://problems.luna.akamaiapis.net/-/http/429", "title": "Too Many Requests", "status": 429,
            "detail": f"This account has used its {limit.api} rate limit ({limit.rate.describe()}); try again in "
                      f"{max(1, math.ceil(wait))} s.",
            "instance": f"https://{req.host}{req.path}#sandbox"}
        if limit.style == "cps":
            body.update({"type": "Too many Requests", "title": "HTTP 429 - Too many requests",
                         "detail": f"You have exhausted your API Request Quota using Account: {ACCOUNT}"})
        elif limit.style == "papi":
            # PAPI's 429 problem (schemas/problem-429.yaml) names the limit, what it applies to, its size and what
            # is left. The key PAPI uses for its request rate is not published; this one says what it is.
            body.update({"type": "https://problems.luna.akamaiapis.net/papi/v1/limit-exceeded",
                         "title": "Rate limit exceeded", "limitKey": "REQUESTS_PER_MINUTE_PER_ACCOUNT",
                         "instanceKey": ACCOUNT, "limit": int(limit.reported), "remaining": 0})
        return RateLimitExceeded(body, headers)
