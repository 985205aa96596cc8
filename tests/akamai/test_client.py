"""The Akamai client: retries that are safe, never a replayed POST, errors carrying Akamai's problem details."""

from __future__ import annotations

import time

import pytest

from alecs.akamai.client import AkamaiClient, RetryPolicy
from alecs.edgerc import Edgerc
from alecs.errors import AkamaiError
from alecs.sandbox.http import Fault
from alecs.sandbox.server import Sandbox

GROUPS = "/papi/v1/groups"
PROPS = "/papi/v1/properties"
H = {"PAPI-Use-Prefixes": "true"}
SCOPE = {"contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001"}


@pytest.fixture
def client(fresh_sandbox: Sandbox) -> AkamaiClient:
    edgerc = Edgerc(None, use_env=False)
    edgerc.add(fresh_sandbox.credentials())
    return AkamaiClient(edgerc, retry=RetryPolicy(attempts=3, backoff=0.01), cache_ttl=0)


def _count(sandbox: Sandbox, method: str, path: str) -> int:
    return sum(1 for r in sandbox.requests if r.method == method and r.path == path)


async def test_get_is_retried_after_503_and_succeeds(client: AkamaiClient, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.server.faults.append(Fault("GET", GROUPS, 503))
    resp = await client.request("default", "GET", GROUPS, headers=H)
    assert resp.status == 200 and resp.request_count == 2
    assert _count(fresh_sandbox, "GET", GROUPS) == 2


async def test_post_is_never_replayed_after_a_5xx(client: AkamaiClient, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.server.faults.append(Fault("POST", PROPS, 502))
    with pytest.raises(AkamaiError) as info:
        await client.request("default", "POST", PROPS, params=SCOPE, headers=H,
                             json_body={"propertyName": "x.example.com", "productId": "prd_SPM"})
    assert info.value.status == 502
    assert _count(fresh_sandbox, "POST", PROPS) == 1


async def test_429_is_retried_for_post_honouring_retry_after(fresh_sandbox: Sandbox) -> None:
    edgerc = Edgerc(None, use_env=False)
    edgerc.add(fresh_sandbox.credentials())
    client = AkamaiClient(edgerc, retry=RetryPolicy(attempts=3, backoff=5.0), cache_ttl=0)
    fresh_sandbox.server.faults.append(Fault("POST", PROPS, 429, {"Retry-After": "0.25"}, "Too many requests"))
    started = time.monotonic()
    resp = await client.request("default", "POST", PROPS, params=SCOPE, headers=H,
                                json_body={"propertyName": "y.example.com", "productId": "prd_SPM"})
    elapsed = time.monotonic() - started
    assert resp.status == 201 and resp.request_count == 2
    assert 0.25 <= elapsed < 5.0  # Retry-After, not the 5 s backoff
    assert _count(fresh_sandbox, "POST", PROPS) == 2


async def test_retries_are_bounded(client: AkamaiClient, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.server.faults.extend(Fault("GET", GROUPS, 503) for _ in range(5))
    with pytest.raises(AkamaiError) as info:
        await client.request("default", "GET", GROUPS, headers=H)
    assert info.value.status == 503
    assert _count(fresh_sandbox, "GET", GROUPS) == 3


async def test_error_carries_akamai_problem_fields(client: AkamaiClient, fresh_sandbox: Sandbox) -> None:
    with pytest.raises(AkamaiError) as info:
        await client.request("default", "GET", "/papi/v1/properties/prp_999", headers=H)
    problem = info.value.as_dict()
    assert problem["status"] == 404
    assert problem["title"] == "Property not found"
    assert "prp_999" in problem["detail"]
    assert problem["instance"].endswith("#sandbox")


async def test_account_key_adds_account_switch_key_to_every_request(fresh_sandbox: Sandbox) -> None:
    from dataclasses import replace

    edgerc = Edgerc(None, use_env=False)
    edgerc.add(replace(fresh_sandbox.credentials(), section="reseller", account_key="1-ABCDE"))
    client = AkamaiClient(edgerc, cache_ttl=0)
    await client.request("reseller", "GET", GROUPS, headers=H)
    assert fresh_sandbox.requests[-1].query["accountSwitchKey"] == "1-ABCDE"


async def test_slow_akamai_call_does_not_block_the_event_loop(client: AkamaiClient, fresh_sandbox: Sandbox) -> None:
    import asyncio

    started = time.monotonic()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while time.monotonic() - started < 0.3:
            ticks += 1
            await asyncio.sleep(0.01)

    with fresh_sandbox.lock:  # the simulator holds every request until the lock is released
        task = asyncio.create_task(client.request("default", "GET", GROUPS, headers=H))
        await ticker()
    resp = await task
    assert resp.status == 200
    assert ticks >= 10


async def test_repeated_reads_are_served_from_cache_until_a_write(fresh_sandbox: Sandbox) -> None:
    edgerc = Edgerc(None, use_env=False)
    edgerc.add(fresh_sandbox.credentials())
    client = AkamaiClient(edgerc, cache_ttl=60)
    for _ in range(3):
        await client.request("default", "GET", GROUPS, headers=H)
    assert _count(fresh_sandbox, "GET", GROUPS) == 1
    await client.request("default", "POST", PROPS, params=SCOPE, headers=H,
                         json_body={"propertyName": "z.example.com", "productId": "prd_SPM"})
    await client.request("default", "GET", GROUPS, headers=H)
    assert _count(fresh_sandbox, "GET", GROUPS) == 2
