"""Account budgets against the sandbox over HTTPS: calls wait briefly or are refused with a retry time, never a
429 storm; the client learns from Akamai's headers what the account's other API clients left."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from alecs.akamai.budget import Budget, RateLimited
from alecs.akamai.client import AkamaiClient
from alecs.akamai.limits import Rate
from alecs.edgerc import Edgerc
from alecs.errors import AkamaiError
from alecs.sandbox.server import Sandbox
from tests.akamai.rates import SLOW_PAPI
from tests.support.waiting import poll

GROUPS = "/papi/v1/groups"
H = {"PAPI-Use-Prefixes": "true"}


def _client(sandbox: Sandbox, overrides: dict[str, Rate | None] | None = None, max_wait: float = 5.0,
            **kw: Any) -> AkamaiClient:
    edgerc = Edgerc(None, use_env=False)
    edgerc.add(sandbox.credentials())
    return AkamaiClient(edgerc, cache_ttl=0, budget=Budget({"": overrides or {}}), max_wait=max_wait, **kw)


def _sent(sandbox: Sandbox, path: str = GROUPS) -> list[int]:
    return [r.status for r in sandbox.requests if r.path == path]


async def test_a_call_that_would_wait_too_long_is_refused_with_the_retry_time_and_never_sent(
        slow_papi: Sandbox) -> None:
    client = _client(slow_papi, SLOW_PAPI, max_wait=0.5)
    for _ in range(2):
        await client.request("default", "GET", GROUPS, headers=H)
    with pytest.raises(RateLimited) as info:
        await client.request("default", "GET", GROUPS, headers=H)
    assert info.value.status == 429 and info.value.retry_after == 1
    problem = info.value.as_dict()
    assert problem["title"] == "PAPI (Property Manager) rate limit reached"
    assert "60/min, burst 2" in problem["detail"] and "Retry in 1 s." in problem["detail"]
    assert "rate-and-resource-limiting" in problem["detail"]
    assert _sent(slow_papi) == [200, 200]


async def test_a_call_waits_briefly_for_room_on_the_loop_and_reports_progress(slow_papi: Sandbox) -> None:
    client = _client(slow_papi, SLOW_PAPI, max_wait=5.0)
    client.queue.progress_every = 0.2
    seen: list[tuple[float, float | None, str | None]] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        seen.append((done, total, message))

    started = time.monotonic()
    results = await asyncio.gather(*(client.request("default", "GET", GROUPS, headers=H, progress=progress,
                                                    caller=f"tok_{i}") for i in range(4)))
    assert [r.status for r in results] == [200] * 4
    assert time.monotonic() - started >= 1.5  # two from the burst, then one a second
    assert seen and all("PAPI (Property Manager) rate limit" in (m or "") for _, _, m in seen)
    assert all(done <= (total or done) for done, total, _ in seen)
    assert _sent(slow_papi) == [200] * 4


async def test_the_client_learns_what_other_api_clients_left_and_sends_nothing_akamai_refuses(
        fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.server.limits.use("papi", 995)  # Terraform and CI used the burst: 5 calls left
    client = _client(fresh_sandbox, max_wait=1.0)
    outcomes = await asyncio.gather(*(client.request("default", "GET", GROUPS, headers=H, caller=f"tok_{i % 6}")
                                      for i in range(30)), return_exceptions=True)
    ok = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, RateLimited)]
    assert len(ok) + len(refused) == 30
    assert 5 <= len(ok) <= 8  # what was left, and the 100/min refill over the one second a call may wait
    assert all(r.retry_after and r.retry_after >= 1 for r in refused)
    assert fresh_sandbox.server.limits.refused == 0
    assert _sent(fresh_sandbox) == [200] * len(ok)


async def test_after_a_429_akamai_is_not_asked_again_before_its_retry_time(slow_papi: Sandbox) -> None:
    client = _client(slow_papi, {"papi": None}, max_wait=3.0)  # the client does not know this limit
    for _ in range(2):
        await client.request("default", "GET", GROUPS, headers=H)
    started = time.monotonic()
    third = await client.request("default", "GET", GROUPS, headers=H)  # 429, then X-RateLimit-Next is honoured
    assert third.request_count == 2 and time.monotonic() - started >= 0.5
    assert _sent(slow_papi) == [200, 200, 429, 200]
    outcomes = await asyncio.gather(*(client.request("default", "GET", GROUPS, headers=H, caller=f"tok_{i}")
                                      for i in range(10)), return_exceptions=True)
    ok = [o for o in outcomes if not isinstance(o, BaseException)]
    assert all(isinstance(o, RateLimited) and o.retry_after for o in outcomes if isinstance(o, BaseException))
    after = _sent(slow_papi)[4:]
    assert len(ok) >= 2 and after.count(200) == len(ok)
    assert after.count(429) <= len(ok) + 1, after  # one call at a time after a 429: never a storm


async def test_a_purge_larger_than_its_object_bucket_is_refused_before_sending(fresh_sandbox: Sandbox) -> None:
    client = _client(fresh_sandbox)
    with pytest.raises(RateLimited) as info:
        await client.request("default", "POST", "/ccu/v3/invalidate/cpcode/production",
                             json_body={"objects": list(range(300001, 300302))})
    assert info.value.retry_after is None
    assert "at most 300" in info.value.as_dict()["detail"] and "smaller calls" in info.value.as_dict()["detail"]
    assert fresh_sandbox.requests == []


async def test_cancelling_a_call_that_waits_for_room_takes_it_out_at_once(slow_papi: Sandbox) -> None:
    client = _client(slow_papi, SLOW_PAPI, max_wait=10.0)
    for _ in range(2):
        await client.request("default", "GET", GROUPS, headers=H)
    waiting = [asyncio.create_task(client.request("default", "GET", GROUPS, headers=H, caller=f"tok_{i}"))
               for i in range(3)]
    await poll(lambda: client.queue.queued == 3, timeout=5, what="three calls queued for the budget")
    waiting[0].cancel()
    await poll(lambda: client.queue.queued == 2, timeout=0.5, what="the cancelled call leaving the queue")
    results = await asyncio.gather(*waiting[1:])
    assert [r.status for r in results] == [200, 200]
    with pytest.raises(asyncio.CancelledError):
        await waiting[0]
    assert _sent(slow_papi) == [200] * 4  # the cancelled call was never sent


async def test_a_5xx_backoff_does_not_hold_a_worker(fresh_sandbox: Sandbox) -> None:
    from alecs.sandbox.http import Fault

    client = _client(fresh_sandbox, workers=1, reserve=0)
    fresh_sandbox.server.faults.append(Fault("GET", GROUPS, 503))
    retried = asyncio.create_task(client.request("default", "GET", GROUPS, headers=H, caller="tok_a"))
    await poll(lambda: _sent(fresh_sandbox) == [503], timeout=5, what="the first answer (503)")
    # While the first call backs off (0.5 s), the only worker serves someone else.
    started = time.monotonic()
    other = await client.request("default", "GET", "/config-dns/v2/zones", caller="tok_b")
    assert other.status == 200 and time.monotonic() - started < 0.4
    assert (await retried).status == 200


async def test_unknown_sections_still_fail_with_one_sentence(fresh_sandbox: Sandbox) -> None:
    client = _client(fresh_sandbox)
    with pytest.raises(Exception, match="nosuch") as info:
        await client.request("nosuch", "GET", GROUPS, headers=H)
    assert not isinstance(info.value, AkamaiError)
