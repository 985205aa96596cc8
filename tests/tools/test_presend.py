"""The pre-send check: every request of every tool, handlers' extra requests included, is checked against Akamai's
definition of its operation before it leaves; a request that breaks it is refused naming the field, the rule and
the operation, and nothing reaches the sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

from alecs.openapi import outgoing, unpublished
from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from alecs.tools.call import ToolCall
from alecs.tools.declare import Api, Toolset
from alecs.tools.registry import Registry
from tests.conformance.test_requests_match_akamai_definitions import UNPUBLISHED
from tests.openapi_defs import REPO
from tests.support.mcp import connect, make_server
from tests.tools.workflow import error_text

PROBE = Toolset("presend-test", "Tools declared by this test")
PAPI = Api("papi/v1", toolset=PROBE, base="/papi/v1", headers={"PAPI-Use-Prefixes": "true"})


async def _read_then_broken_write(call: ToolCall, args: dict[str, Any]) -> Any:
    """A handler whose first request conforms and whose second misses the body's required fields."""
    await call.get("/papi/v1/groups", headers={"PAPI-Use-Prefixes": "true"})
    return (await call.send("POST", "/papi/v1/properties", params={"contractId": "ctr_C-0SANDBOX",
                                                                   "groupId": "grp_10001"},
                            headers={"PAPI-Use-Prefixes": "true"}, json_body={"propertyName": "x"})).data


async def _unknown_route(call: ToolCall, args: dict[str, Any]) -> Any:
    return await call.get("/papi/v1/no-such-thing", headers={"PAPI-Use-Prefixes": "true"})


HANDLER_TOOLS = [
    PAPI.post("read-then-broken-write", "/properties", title="t", doc="Test tool.", handler=_read_then_broken_write),
    PAPI.get("read-unpublished-route", "/no-such-thing", title="t", doc="Test tool.", handler=_unknown_route),
]


async def test_a_request_breaking_the_definition_is_refused_naming_field_rule_and_operation(
        server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    args = {"contractId": "C-0SANDBOX", "csr": {"cn": "www.example.com"}, "org": {"name": "Example"},
            "adminContact": {"first_name": "Ann"}, "techContact": {"firstName": "Tom"}}
    async with connect(server) as client:
        fresh_sandbox.server.request_log.clear()
        text = await error_text(client, "create-enrollment", args)
    assert text.startswith("Not sent: the request does not match Akamai's definition of POST /cps/v2/enrollments")
    assert ("adminContact.first_name: is not a property this operation knows (additional properties are not "
            "allowed) (POST /cps/v2/enrollments)") in text
    assert not fresh_sandbox.requests


async def test_every_request_of_a_handler_is_checked_and_the_broken_one_is_not_sent(fresh_sandbox: Sandbox) -> None:
    server = make_server(fresh_sandbox, Registry([*Registry.load(), *HANDLER_TOOLS]))
    try:
        async with connect(server) as client:
            fresh_sandbox.server.request_log.clear()
            text = await error_text(client, "read-then-broken-write", {})
    finally:
        server.client.close()
    assert "productId: a required property is missing (POST /papi/v1/properties)" in text
    assert [(r.method, r.path) for r in fresh_sandbox.requests] == [("GET", "/papi/v1/groups")]


async def test_a_request_to_an_operation_akamai_does_not_publish_is_refused(fresh_sandbox: Sandbox) -> None:
    server = make_server(fresh_sandbox, Registry([*Registry.load(), *HANDLER_TOOLS]))
    try:
        async with connect(server) as client:
            fresh_sandbox.server.request_log.clear()
            text = await error_text(client, "read-unpublished-route", {})
    finally:
        server.client.close()
    assert text == ("Not sent: GET /papi/v1/no-such-thing is not an operation of Akamai's published definitions; "
                    "alecs sends only requests it can check.")
    assert not fresh_sandbox.requests


async def test_a_put_without_any_of_its_optional_fields_is_refused_naming_them(server: AlecsServer,
                                                                              fresh_sandbox: Sandbox) -> None:
    async with connect(server) as client:
        fresh_sandbox.server.request_log.clear()
        text = await error_text(client, "update-security-policy-protections",
                                {"configId": 43253, "versionNumber": 2, "policyId": "WWW1_12345"})
    assert "body: a request body is required (PUT /appsec/v1/configs/{configId}/versions/{versionNumber}/" in text
    assert "Give at least one of: applyApplicationLayerControls, applyNetworkLayerControls" in text
    assert not fresh_sandbox.requests


def test_the_unpublished_tools_are_listed_and_each_request_has_its_own_definition(registry: Registry) -> None:
    unlisted = {s.name for s in registry if not s.local and not s.published}
    assert unlisted == UNPUBLISHED
    rows = {(op.method, op.path) for op in unpublished.index()}
    for name in sorted(unlisted):
        spec = registry.get(name)
        assert spec is not None
        op = outgoing.operation_for(spec.api, spec.method, spec.path, published=False)
        assert (op.method, op.path) in rows, name
    # ... and they are checked by those definitions: a JSON Patch of a field HAPI does not let change is refused.
    route = "/hapi/v1/dns-zones/edgekey.net/edge-hostnames/www.example.com"
    patch = [{"op": "replace", "path": "/securityType", "value": "ENHANCED-TLS"}]
    found = outgoing.problems("hapi/v1", "PATCH", route, published=False, json_body=patch,
                              headers={"Content-Type": "application/json-patch+json"})
    assert [str(p) for p in found] == ["[0].path: must be one of '/ttl', '/ipVersionBehavior' "
                                       "(PATCH /hapi/v1/dns-zones/{dnsZone}/edge-hostnames/{recordName})"]


def test_bodies_sent_as_bytes_are_checked_for_their_media_type() -> None:
    item = "/edgekv/v1/networks/staging/namespaces/default/groups/g/items/i"
    assert outgoing.problems("edgekv/v1", "PUT", item, data=b"hello",
                             headers={"Content-Type": "text/plain; charset=utf-8"}) == []
    refused = outgoing.problems("edgekv/v1", "PUT", item, data=b"\x1f\x8b", headers={"Content-Type": "image/png"})
    assert [p.rule for p in refused] == ["Content-Type image/png is not one it accepts (application/json, "
                                         "text/plain)"]


# -- loading: never at start-up, warmed after the first tools/list, loaded once ------------------------------------
WARM_UP = textwrap.dedent("""
    import asyncio, json, sys, time
    from alecs.tools import call, presend
    from alecs.tools.registry import Registry
    from alecs.sandbox.server import Sandbox
    from tests.support.mcp import make_server, connect
    from tests.support.waiting import poll

    checks = []  # how long each request's check took, in ms (observed around the real function)
    real_check = call.check_outgoing

    async def timed_check(*args, **kwargs):
        started = time.perf_counter()
        try:
            return await real_check(*args, **kwargs)
        finally:
            checks.append((time.perf_counter() - started) * 1000)

    call.check_outgoing = timed_check

    def checker_modules():
        return sorted(m for m in sys.modules if m.startswith(("alecs.openapi", "openapi_schema_validator")))

    async def main(mode):
        box = Sandbox().start()
        server = make_server(box, Registry.load())
        out = {}
        async with connect(server) as client:
            out["after_initialize"] = checker_modules()
            if mode != "call":
                await client.list_tools()
                out["right_after_list"] = checker_modules()
            if mode == "list":
                await poll(presend.is_warm, timeout=60, what="the warm-up")
                out["warm_without_a_call"] = True
            result = await client.call_tool("list-contracts", {})
            out["first_call_error"] = result.is_error
            await client.call_tool("list-groups", {})
            out["checks_ms"] = checks
        from alecs.openapi.index import load
        out["index_loads"] = load.cache_info().misses
        out["after_calls"] = checker_modules()
        server.client.close()
        box.stop()
        print(json.dumps(out))

    presend.WARM_DELAY_SECONDS = float(sys.argv[2])
    asyncio.run(main(sys.argv[1]))
""")


def _warm_up(mode: str, delay: float) -> dict[str, Any]:
    """Runs a fresh interpreter: `list` lists tools and waits for the warm-up before calling, `list-then-call` calls
    right after listing, `call` calls without listing; `delay` is the warm-up's delay after the first tools/list."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-c", WARM_UP, mode, str(delay)], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return dict(json.loads(proc.stdout.splitlines()[-1]))


def test_the_checker_warms_by_itself_after_the_first_tools_list_and_then_costs_the_first_call_nothing() -> None:
    seen = _warm_up("list", 0.2)  # the default delay; the script waits for the warm-up without calling anything
    assert seen["after_initialize"] == [] and seen["warm_without_a_call"] is True
    assert seen["first_call_error"] is False and seen["index_loads"] == 1
    first, second = seen["checks_ms"]
    assert first <= second + 10, f"the first call's check took {first:.1f} ms, the next one's {second:.1f} ms"


def test_nothing_of_the_checker_is_loaded_by_start_up_or_by_answering_tools_list() -> None:
    # With a delay far longer than the test, what is loaded right after the answer was not loaded to answer it;
    # the call that follows then starts the load itself and waits for it.
    seen = _warm_up("list-then-call", 3600)
    assert seen["after_initialize"] == [] and seen["right_after_list"] == []
    assert seen["first_call_error"] is False and seen["index_loads"] == 1
    assert "alecs.openapi.validate" in seen["after_calls"]


def test_a_call_before_any_tools_list_loads_the_checker_once_and_waits_for_it() -> None:
    seen = _warm_up("call", 3600)
    assert seen["after_initialize"] == [] and seen["first_call_error"] is False and seen["index_loads"] == 1


CANCELLED_WAIT = textwrap.dedent("""
    import asyncio
    from alecs.tools import presend

    async def main():
        waiting = asyncio.ensure_future(presend.checker())  # starts the load and waits for it
        await asyncio.sleep(0)
        waiting.cancel()  # the call that waited was cancelled (notifications/cancelled, a closed session)
        try:
            await waiting
        except asyncio.CancelledError:
            pass
        module = await asyncio.wait_for(presend.checker(), 120)  # the next call still gets the one load
        print(module.__name__, presend.is_warm())

    asyncio.run(main())
""")


def test_a_call_cancelled_while_the_checker_loads_does_not_cancel_the_load_other_calls_share() -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-c", CANCELLED_WAIT], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["alecs.openapi.outgoing", "True"]
    assert "InvalidStateError" not in proc.stderr
