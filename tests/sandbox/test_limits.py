"""The sandbox enforces Akamai's published rate limits and refuses in each API's documented 429 shape."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from akamai.edgegrid import EdgeGridAuth

from alecs.akamai.limits import Rate
from alecs.sandbox.server import Sandbox

H = {"PAPI-Use-Prefixes": "true"}
DIG = {"hostname": "www.example.com", "queryType": "A", "isGtmHostname": False}


class _Signed(requests.Session):
    """A plain EdgeGrid client of the sandbox's account: no alecs budget in front of it."""

    def __init__(self, sandbox: Sandbox) -> None:
        super().__init__()
        creds = sandbox.credentials()
        self.auth = EdgeGridAuth(client_token=creds.client_token, client_secret=creds.client_secret,
                                 access_token=creds.access_token)
        self.ca = str(sandbox.ca_path)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kw: Any) -> requests.Response:
        return super().request(method, url, *args, verify=self.ca, **kw)  # REQUESTS_CA_BUNDLE would win otherwise


@pytest.fixture
def http(fresh_sandbox: Sandbox) -> Iterator[requests.Session]:
    with _Signed(fresh_sandbox) as session:
        yield session


def _url(sandbox: Sandbox, path: str) -> str:
    return f"https://{sandbox.host}{path}"


def test_papi_answers_carry_the_limit_and_what_is_left(http: requests.Session, fresh_sandbox: Sandbox) -> None:
    first = http.get(_url(fresh_sandbox, "/papi/v1/groups"), headers=H)
    second = http.get(_url(fresh_sandbox, "/papi/v1/groups"), headers=H)
    assert first.status_code == second.status_code == 200
    assert first.headers["X-RateLimit-Limit"] == "100"
    assert int(first.headers["X-RateLimit-Remaining"]) == 999
    assert int(second.headers["X-RateLimit-Remaining"]) == 998


def test_papi_past_its_limit_answers_akamais_limit_problem_with_the_next_allowed_time(
        http: requests.Session, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.server.limits.use("papi", 1000)  # the account's CI pipeline used the burst
    resp = http.get(_url(fresh_sandbox, "/papi/v1/groups"), headers=H)
    assert resp.status_code == 429
    body = resp.json()
    assert body["status"] == 429 and body["type"].endswith("/papi/v1/limit-exceeded")
    assert {"limitKey", "instanceKey", "limit", "remaining", "detail", "instance"} <= set(body)
    assert body["limit"] == 100 and body["remaining"] == 0
    nxt = datetime.fromisoformat(resp.headers["X-RateLimit-Next"].replace("Z", "+00:00"))
    assert 0 < (nxt - datetime.now(UTC)).total_seconds() <= 0.6 + 1  # one token comes back every 0.6 s
    assert resp.headers["X-RateLimit-Remaining"] == "0"


def test_a_refused_purge_takes_no_tokens_and_says_which_bucket_is_short(http: requests.Session,
                                                                       fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.server.limits.use("ccu-cpcode", 299)
    url = _url(fresh_sandbox, "/ccu/v3/invalidate/cpcode/production")
    refused = http.post(url, json={"objects": [300001, 300002]})
    assert refused.status_code == 429
    assert refused.headers["Content-Type"].startswith("application/api-problem+json")
    body = refused.json()
    assert body["title"] == "CPCODE Rate Limit exceeded" and body["httpStatus"] == 429
    assert body["rateLimit"] == 300 and body["rateLimitCurrentRequestSize"] == 2 and body["rateLimitRemaining"] == 1
    assert refused.headers["X-Ratelimit-Remaining-Objects"] == "1"
    assert 0 < fresh_sandbox.server.limits.remaining("ccu-cpcode") < 2  # nothing taken by the refusal
    accepted = http.post(url, json={"objects": [300001]})
    assert accepted.status_code == 201
    assert accepted.headers["X-Ratelimit-Limit"] == "100" and accepted.headers["X-Ratelimit-Limit-Objects"] == "300"


def test_edge_diagnostics_refuses_with_requests_exceeded_error(fresh_sandbox: Sandbox,
                                                                http: requests.Session) -> None:
    fresh_sandbox.settings.rate_limits = {"diagnostics-dig": Rate.per_minute(2)}
    fresh_sandbox.reset()
    url = _url(fresh_sandbox, "/edge-diagnostics/v1/dig")
    answers = [http.post(url, json=DIG) for _ in range(3)]
    fresh_sandbox.settings.rate_limits = {}
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].headers["X-RateLimit-Limit"] == "2"
    assert answers[2].json() == {"type": "requests.exceeded.error", "title": "Too Many Requests", "status": 429,
                                 "detail": "You have exceeded total number of requests configured for this API."}


def test_cps_refusals_say_when_to_retry(fresh_sandbox: Sandbox, http: requests.Session) -> None:
    fresh_sandbox.server.limits.use("cps", 35)
    resp = http.get(_url(fresh_sandbox, "/cps/v2/enrollments"), params={"contractId": "C-0SANDBOX"},
                    headers={"Accept": "application/vnd.akamai.cps.enrollments.v11+json"})
    assert resp.status_code == 429
    assert 1 <= int(resp.headers["Retry-After"]) <= 2
    assert resp.json()["title"] == "HTTP 429 - Too many requests"


def test_limits_are_per_account_so_a_switched_account_has_its_own(http: requests.Session,
                                                                   fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.server.limits.use("papi", 1000)
    home = http.get(_url(fresh_sandbox, "/papi/v1/groups"), headers=H)
    other = http.get(_url(fresh_sandbox, "/papi/v1/groups"), headers=H, params={"accountSwitchKey": "1-OTHER"})
    assert (home.status_code, other.status_code) == (429, 200)


def test_reset_fills_the_buckets_again(http: requests.Session, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.server.limits.use("papi", 1000)
    fresh_sandbox.reset()
    assert http.get(_url(fresh_sandbox, "/papi/v1/groups"), headers=H).status_code == 200
    assert fresh_sandbox.server.limits.refused == 0

