"""Failure limiting that cannot be turned on others: per credential, per meaningful address, proxies believed only
when trusted. Real servers on loopback and in a test network namespace (10.199.81.0/29, names `auth-`)."""

from __future__ import annotations

import asyncio
import json
import logging
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import httpx2
import pytest
from websockets.asyncio.client import connect

from alecs.auth.addresses import TrustedProxies
from alecs.auth.hosts import host_allow_list
from alecs.auth.live import LiveTokens
from alecs.auth.tokens import TokenStore
from alecs.errors import ConfigError
from alecs.transports.guard import Admission, FailureLimiter, Guard, Refusal
from tests.support.netns import Namespace, namespace
from tests.transports.handshakes import attempt, attempts

HOST_IP, NS_A, NS_B = "10.199.81.1", "10.199.81.2", "10.199.81.3"
ADMITTED = {"websocket": 101, "http": 200}
CALL = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "list-contracts", "arguments": {}}}
INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}


def headers_of(**values: str) -> Callable[[str], list[str]]:
    items = {k.replace("_", "-").lower(): v for k, v in values.items()}
    items.setdefault("host", "127.0.0.1:8082")
    return lambda name: [items[name]] if name in items else []


@pytest.fixture
def live(store: TokenStore) -> LiveTokens:
    tokens = LiveTokens(store)
    tokens.refresh(force=True)
    return tokens


def refresh(live: LiveTokens) -> None:
    live.refresh()


# -- the decision itself ------------------------------------------------------------------------------------------

def test_a_valid_token_is_admitted_from_an_address_whose_garbage_is_blocked(mint, live):
    _, token = mint("write")
    refresh(live)
    guard = Guard(live, limiter=FailureLimiter(max_failures=5, window=60, block=60))
    statuses = [guard.check("203.0.113.9", "", headers_of(authorization=f"Bearer junk{i}")) for i in range(8)]
    assert [s.status for s in statuses if isinstance(s, Refusal)] == [401] * 5 + [429] * 3
    blocked = statuses[-1]
    assert isinstance(blocked, Refusal) and blocked.cause == "unknown_token"
    assert int(dict(blocked.headers)["Retry-After"]) > 0 and "Invalid token" in blocked.error
    assert isinstance(guard.check("203.0.113.9", "", headers_of(authorization=f"Bearer {token}")), Admission)
    other = guard.check("203.0.113.10", "", headers_of(authorization="Bearer junk-from-elsewhere"))
    assert isinstance(other, Refusal) and other.status == 401


def test_nine_hundred_bad_attempts_interleaved_with_a_hundred_good_ones_are_blocked(mint, live):
    _, token = mint("write")
    refresh(live)
    guard = Guard(live)  # defaults: 10 failures a minute
    outcomes = []
    for i in range(1000):
        value = f"Bearer {token}" if i % 10 == 0 else f"Bearer junk-{i}"
        outcomes.append(guard.check("198.51.100.20", "", headers_of(authorization=value)))
    good, bad = outcomes[::10], [o for i, o in enumerate(outcomes) if i % 10]
    assert all(isinstance(o, Admission) for o in good)
    assert sum(isinstance(o, Refusal) and o.status == 429 for o in bad) >= 880


def test_through_loopback_only_the_failing_credential_is_blocked(mint, store, live):
    _, token = mint("write")
    stale_id, stale = mint("write")
    store.revoke(stale_id)
    refresh(live)
    guard = Guard(live, limiter=FailureLimiter(max_failures=3, window=60, block=60))
    stale_tries = [guard.check("127.0.0.1", "", headers_of(authorization=f"Bearer {stale}")) for _ in range(5)]
    assert [r.status for r in stale_tries if isinstance(r, Refusal)] == [401, 401, 401, 429, 429]
    assert isinstance(stale_tries[0], Refusal) and stale_tries[0].error == "This token is revoked."
    assert "This token is revoked." in stale_tries[-1].error  # type: ignore[union-attr]
    assert isinstance(guard.check("127.0.0.1", "", headers_of(authorization=f"Bearer {token}")), Admission)
    garbage = guard.check("127.0.0.1", "", headers_of(authorization="Bearer something-else"))
    assert isinstance(garbage, Refusal) and garbage.status == 401  # another credential on the same address


def test_a_garbage_flood_of_distinct_values_and_addresses_keeps_memory_bounded(live):
    guard = Guard(live, limiter=FailureLimiter(max_keys=500))

    def flood(start: int, end: int) -> None:
        for i in range(start, end):
            guard.check(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", "", headers_of(authorization=f"Bearer g{i}"))
    tracemalloc.start()
    try:
        flood(0, 5000)  # the tables (and the address parsing cache) fill to their bounds
        filled, _ = tracemalloc.get_traced_memory()
        flood(5000, 9000)
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert guard.limiter.size() <= 2 * 2 * 500
    assert after - filled < 200_000, f"memory grew by {after - filled} bytes after the tables were full"


def test_ipv6_clients_are_counted_by_their_slash_64():
    proxies = TrustedProxies()
    assert proxies.failure_key("2001:db8:1:2::5") == proxies.failure_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert proxies.failure_key("2001:db8:1:3::5") != proxies.failure_key("2001:db8:1:2::5")
    assert proxies.failure_key("::ffff:203.0.113.4") == "203.0.113.4"
    assert proxies.failure_key("127.0.0.5") is None and proxies.failure_key("::1") is None
    assert proxies.failure_key("-") is None


def test_forwarding_headers_are_believed_only_from_a_trusted_proxy_and_only_their_rightmost_untrusted_hop():
    proxies = TrustedProxies.parse("127.0.0.1, 10.0.0.0/8")
    xff = headers_of(x_forwarded_for="203.0.113.66, 198.51.100.7")  # a client-sent value, then what nginx appended
    assert proxies.client("127.0.0.1", xff) == "198.51.100.7"
    assert proxies.client("192.0.2.50", xff) == "192.0.2.50"  # an untrusted peer's header is ignored
    assert TrustedProxies().client("127.0.0.1", xff) == "127.0.0.1"  # nothing trusted by default
    chain = headers_of(x_forwarded_for="198.51.100.7, 10.1.2.3")  # two proxies of ours
    assert proxies.client("127.0.0.1", chain) == "198.51.100.7"
    forwarded = headers_of(forwarded='for="[2001:db8::7]:4711";proto=https, for=10.0.0.9')
    assert proxies.client("10.0.0.2", forwarded) == "2001:db8::7"
    unknown = headers_of(x_forwarded_for="198.51.100.7, unknown")
    assert proxies.client("127.0.0.1", unknown) == "127.0.0.1"  # nothing left of "unknown" can be believed
    assert proxies.failure_key("127.0.0.1") is None and proxies.failure_key("10.9.9.9") is None
    with pytest.raises(ConfigError, match="ALECS_TRUSTED_PROXIES: 'nginx' is not an IP address"):
        TrustedProxies.parse("127.0.0.1,nginx")


# -- real servers on loopback ------------------------------------------------------------------------------------

async def _ws_session_and_call(url: str, token: str) -> float:
    started = time.perf_counter()
    async with connect(url, additional_headers={"Authorization": f"Bearer {token}"},
                       subprotocols=["mcp"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps(INIT))
        assert json.loads(await ws.recv())["id"] == 1
        await ws.send(json.dumps(INITIALIZED))
        await ws.send(json.dumps(CALL))
        answer = json.loads(await ws.recv())
    assert answer["id"] == 2 and not answer["result"].get("isError"), answer
    return time.perf_counter() - started


def _sse_json(response: Any) -> Any:
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.json()
    data = [line[5:].strip() for line in response.text.splitlines() if line.startswith("data:")]
    return json.loads(data[-1])


async def _http_session_and_call(url: str, token: str) -> float:
    accept = {"Accept": "application/json, text/event-stream", "Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    async with httpx2.AsyncClient(timeout=30, headers=accept) as http:
        init = await http.post(url, json=INIT)
        assert init.status_code == 200, init.text
        session = {"Mcp-Session-Id": init.headers["mcp-session-id"]}
        await http.post(url, json=INITIALIZED, headers=session)
        answer = _sse_json(await http.post(url, json=CALL, headers=session))
        await http.delete(url, headers=session)
    assert answer["id"] == 2 and not answer["result"].get("isError"), answer
    return time.perf_counter() - started


SESSION_AND_CALL = {"websocket": _ws_session_and_call, "http": _http_session_and_call}


@pytest.mark.parametrize("transport", ["websocket", "http"])
async def test_a_stale_token_failing_through_the_loopback_path_neither_locks_out_nor_slows_a_valid_one(
        serve, mint, store, transport):
    _, token = mint("write")
    stale_id, stale = mint("read", description="mcp-remote holding a revoked token")
    store.revoke(stale_id)
    measure = SESSION_AND_CALL[transport]
    async with serve(transport=transport) as remote:  # the default limiter: 10 failures a minute
        await measure(remote.url, token)  # warm-up
        quiet: list[float] = []
        busy: list[float] = []
        stale_statuses: list[int] = []

        async def stale_client(stop: asyncio.Event) -> None:
            sent = 0
            while not stop.is_set() or sent < 25:  # a minute's 50 failures over two rounds, compressed
                sent += 1
                stale_statuses.append(await attempt(remote.url, transport, f"Bearer {stale}"))
                await asyncio.sleep(0.01)

        for _ in range(2):  # alternate quiet and busy rounds: both see the same machine load
            quiet += [await measure(remote.url, token) for _ in range(12)]
            stop = asyncio.Event()
            flood = asyncio.create_task(stale_client(stop))
            busy += [await measure(remote.url, token) for _ in range(12)]
            stop.set()
            await flood
    assert len(stale_statuses) >= 50
    assert stale_statuses[:10] == [401] * 10 and set(stale_statuses[10:]) <= {401, 429} and 429 in stale_statuses
    assert statistics.median(busy) <= 2 * statistics.median(quiet), (statistics.median(busy), statistics.median(quiet))


@pytest.mark.parametrize("transport", ["websocket", "http"])
async def test_nginx_mode_counts_the_forwarded_client_and_never_the_proxy(serve, mint, transport, caplog):
    caplog.set_level(logging.INFO, "alecs.audit")
    _, token = mint("write")
    async with serve(transport=transport, trusted_proxies=TrustedProxies.parse("127.0.0.1"),
                     limiter=FailureLimiter(max_failures=5, window=60, block=60)) as remote:
        flood = await attempts(remote.url, transport, 8, garbage=True, xff="198.51.100.7")
        neighbour = await attempts(remote.url, transport, 1, garbage=True, xff="198.51.100.8")
        valid = await attempts(remote.url, transport, 1, token=token, xff="198.51.100.7")
    assert flood == [401] * 5 + [429] * 3 and neighbour == [401] and valid == [ADMITTED[transport]]
    audit = [r.getMessage() for r in caplog.records if r.name == "alecs.audit"]
    assert any("remote=198.51.100.7" in line and "reason=rate_limited" in line for line in audit)
    assert any("remote=198.51.100.7" in line and ("outcome=accepted" in line or "outcome=served" in line)
               for line in audit)


# -- real servers seen from another host (a network namespace) ---------------------------------------------------

@pytest.fixture(scope="module")
def other_host() -> Any:
    with namespace("auth-guard", HOST_IP, [NS_A, NS_B]) as ns:
        yield ns


async def from_namespace(ns: Namespace, url: str, transport: str, count: int, source: str, **kw: Any) -> list[int]:
    args = ["-m", "tests.transports.handshakes", url, "--transport", transport, "--count", str(count),
            "--source", source]
    for key, value in kw.items():
        args += [f"--{key.replace('_', '-')}"] if value is True else [f"--{key.replace('_', '-')}", str(value)]
    done = await asyncio.to_thread(ns.python, args)
    assert done.returncode == 0, done.stderr[-3000:]
    statuses: list[int] = json.loads(done.stdout)
    return statuses


@pytest.mark.parametrize("transport", ["websocket", "http"])
async def test_a_garbage_flood_from_one_address_is_blocked_while_another_address_connects(
        serve, mint, other_host, transport, caplog):
    caplog.set_level(logging.INFO, "alecs.audit")
    _, token = mint("write")
    async with serve(transport=transport, host=HOST_IP, allowed_hosts=host_allow_list(listen_host=HOST_IP)) as remote:
        flood = await from_namespace(other_host, remote.url, transport, 40, NS_A, garbage=True)
        elsewhere_valid = await from_namespace(other_host, remote.url, transport, 1, NS_B, token=token)
        elsewhere_garbage = await from_namespace(other_host, remote.url, transport, 1, NS_B, garbage=True)
        same_address_valid = await from_namespace(other_host, remote.url, transport, 1, NS_A, token=token)
    assert flood[:10] == [401] * 10 and flood[10:] == [429] * 30
    blocked_lines = [r for r in caplog.records if r.name == "alecs.audit" and "reason=rate_limited" in r.getMessage()]
    assert len(blocked_lines) <= 1 and all(f"remote={NS_A}" in r.getMessage() for r in blocked_lines)  # not 30
    assert elsewhere_valid == [ADMITTED[transport]] and elsewhere_garbage == [401]
    # Decision: a genuine token is admitted even from the blocked address (a colleague behind the same NAT).
    assert same_address_valid == [ADMITTED[transport]]


@pytest.mark.parametrize("transport", ["websocket", "http"])
async def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(serve, other_host, transport):
    async with serve(transport=transport, host=HOST_IP, allowed_hosts=host_allow_list(listen_host=HOST_IP),
                     limiter=FailureLimiter(max_failures=5, window=60, block=60)) as remote:
        rotating = await from_namespace(other_host, remote.url, transport, 8, NS_A, garbage=True, rotate_xff=True)
        framing = await from_namespace(other_host, remote.url, transport, 1, NS_A, garbage=True, xff=NS_B)
        victim = await from_namespace(other_host, remote.url, transport, 1, NS_B, garbage=True)
    assert rotating == [401] * 5 + [429] * 3  # a new X-Forwarded-For each time does not escape the peer's count
    assert framing == [429] and victim == [401]  # naming another address does not move the block onto it


@pytest.mark.parametrize("transport", ["websocket", "http"])
async def test_a_forwarded_for_from_a_trusted_proxy_is_honoured(serve, mint, other_host, transport):
    _, token = mint("write")
    async with serve(transport=transport, host=HOST_IP, allowed_hosts=host_allow_list(listen_host=HOST_IP),
                     trusted_proxies=TrustedProxies.parse(f"{NS_A}/32"),
                     limiter=FailureLimiter(max_failures=5, window=60, block=60)) as remote:
        client = await from_namespace(other_host, remote.url, transport, 8, NS_A, garbage=True, xff="192.0.2.77")
        other_client = await from_namespace(other_host, remote.url, transport, 1, NS_A, garbage=True,
                                            xff="192.0.2.78")
        valid = await from_namespace(other_host, remote.url, transport, 1, NS_A, token=token, xff="192.0.2.77")
    assert client == [401] * 5 + [429] * 3 and other_client == [401] and valid == [ADMITTED[transport]]
