"""The Akamai client's metrics, against the sandbox over HTTPS: every exchange by API, method and status (no
answer: `unreachable`), every retry by reason, and the calls refused because a rate limit had no room in time."""

from __future__ import annotations

import dataclasses

import pytest

from alecs.akamai.budget import Budget, RateLimited
from alecs.akamai.client import AkamaiClient, RetryPolicy
from alecs.akamai.limits import Rate
from alecs.edgerc import Edgerc
from alecs.errors import AkamaiError
from alecs.metrics import REGISTRY
from alecs.sandbox.http import Fault
from alecs.sandbox.server import Sandbox
from tests.akamai.rates import SLOW_PAPI
from tests.support.net import free_port

GROUPS = "/papi/v1/groups"
PROPS = "/papi/v1/properties"
H = {"PAPI-Use-Prefixes": "true"}
SCOPE = {"contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001"}


class Counts:
    """Samples of the process's registry now, to compare with later (other tests count in this process too)."""

    def __init__(self) -> None:
        self.before = {m.name + "_total": self._all(m.name + "_total") for m in REGISTRY.collect()}

    @staticmethod
    def _all(name: str) -> dict[frozenset[tuple[str, str]], float]:
        return {frozenset(s.labels.items()): s.value for m in REGISTRY.collect() for s in m.samples if s.name == name}

    def since(self, name: str, **labels: str) -> float:
        key = frozenset(labels.items())
        return self._all(name).get(key, 0.0) - self.before.get(name, {}).get(key, 0.0)


def _client(sandbox: Sandbox, *, overrides: dict[str, Rate | None] | None = None, max_wait: float = 5.0,
            retry: RetryPolicy | None = None) -> AkamaiClient:
    edgerc = Edgerc(None, use_env=False)
    edgerc.add(sandbox.credentials())
    return AkamaiClient(edgerc, cache_ttl=0, budget=Budget({"": overrides or {}}), max_wait=max_wait,
                        retry=retry or RetryPolicy(attempts=3, backoff=0.01))


async def test_each_exchange_is_counted_by_api_method_and_status_and_each_retry_by_reason(
        fresh_sandbox: Sandbox) -> None:
    client = _client(fresh_sandbox)
    counts = Counts()
    fresh_sandbox.server.faults.append(Fault("GET", GROUPS, 503))
    fresh_sandbox.server.faults.append(Fault("POST", PROPS, 429, {"Retry-After": "0.1"}, "Too many requests"))
    await client.request("default", "GET", GROUPS, headers=H)
    await client.request("default", "POST", PROPS, params=SCOPE, headers=H,
                         json_body={"propertyName": "m.example.com", "productId": "prd_SPM"})
    with pytest.raises(AkamaiError):
        await client.request("default", "GET", "/papi/v1/properties/prp_999999999", params=SCOPE, headers=H)
    client.close()
    requests = "alecs_akamai_requests_total"
    assert counts.since(requests, api="papi", method="GET", status="503") == 1
    assert counts.since(requests, api="papi", method="GET", status="200") == 1
    assert counts.since(requests, api="papi", method="GET", status="404") == 1
    assert counts.since(requests, api="papi", method="POST", status="429") == 1
    assert counts.since(requests, api="papi", method="POST", status="201") == 1
    assert counts.since("alecs_akamai_retries_total", api="papi", reason="server_error") == 1
    assert counts.since("alecs_akamai_retries_total", api="papi", reason="rate_limited") == 1


async def test_requests_that_get_no_answer_are_counted_as_unreachable(fresh_sandbox: Sandbox) -> None:
    nowhere = dataclasses.replace(fresh_sandbox.credentials(), host=f"127.0.0.1:{free_port()}")
    edgerc = Edgerc(None, use_env=False)
    edgerc.add(nowhere)
    client = AkamaiClient(edgerc, cache_ttl=0, retry=RetryPolicy(attempts=2, backoff=0.01))
    counts = Counts()
    with pytest.raises(AkamaiError, match="unreachable"):
        await client.request("default", "GET", "/config-dns/v2/zones")
    client.close()
    assert counts.since("alecs_akamai_requests_total", api="config-dns", method="GET", status="unreachable") == 2
    assert counts.since("alecs_akamai_retries_total", api="config-dns", reason="unreachable") == 1


async def test_calls_refused_for_want_of_room_are_counted_by_limit(slow_papi: Sandbox) -> None:
    knows = _client(slow_papi, overrides=SLOW_PAPI, max_wait=0.5)  # alecs knows the limit: refused before sending
    unaware = _client(slow_papi, overrides={"papi": None}, max_wait=0.1,  # it does not: Akamai's 429 says wait
                      retry=RetryPolicy(attempts=1))
    counts = Counts()
    for client in (knows, unaware):
        slow_papi.reset()  # the account's limit full again
        for _ in range(2):
            await client.request("default", "GET", GROUPS, headers=H)
        with pytest.raises(RateLimited):
            await client.request("default", "GET", GROUPS, headers=H)
        client.close()
    refusals = "alecs_akamai_budget_refusals_total"
    assert counts.since(refusals, api="papi", limit="papi") == 1
    assert counts.since(refusals, api="papi", limit="akamai_429") == 1
    assert counts.since("alecs_akamai_requests_total", api="papi", method="GET", status="429") == 1
