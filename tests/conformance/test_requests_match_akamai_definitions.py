"""Every tool, through the SDK client against the simulator, sends requests Akamai's definitions accept."""

from __future__ import annotations

import json

import pytest

from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from alecs.tools.registry import Registry
from tests import openapi_defs
from tests.conformance.samples import PENDING, PREPARE, sample_args
from tests.support.mcp import connect

REGISTRY = Registry.load()
# call-akamai-operation chooses its operation per call: tests/openapi checks it on every published operation.
AKAMAI_TOOLS = [s for s in REGISTRY if not s.local and not s.any_operation]
# Tools whose operations Akamai does not publish in the definitions: Edge hostnames (HAPI) and the EdgeWorkers
# logging overrides. They follow Akamai's documentation and are exercised against the simulator only.
UNPUBLISHED = {
    "search-edge-hostnames", "get-edge-hostname-details", "update-edge-hostname", "delete-edge-hostname",
    "get-edge-hostname-change", "list-edgeworker-logging-overrides", "set-edgeworker-logging-level",
}


def test_unpublished_tools_are_exactly_the_listed_ones() -> None:
    assert {s.name for s in AKAMAI_TOOLS if not s.published} == UNPUBLISHED


@pytest.mark.parametrize("name", [s.name for s in AKAMAI_TOOLS])
async def test_tool_sends_only_requests_that_validate(name: str, server: AlecsServer, sandbox: Sandbox,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    if not openapi_defs.available():
        pytest.skip(openapi_defs.MISSING_HELP.format(dir=openapi_defs.definitions_dir()))
    spec = REGISTRY.get(name)
    assert spec is not None
    if name in PENDING:
        monkeypatch.setattr(sandbox.settings, "activation_seconds", 3600.0)
    async with connect(server) as client:
        args = sample_args(spec)
        if name in PREPARE:
            args |= await PREPARE[name](client)
        sandbox.server.request_log.clear()
        result = await client.call_tool(name, args)
        assert not result.is_error, result.content[0].text
    sent = sandbox.requests
    assert sent, f"{name} sent no request"
    own = [r for r in sent if (r.method, r.path) and r.status != 401]
    assert len(own) == len(sent), "a request was refused for its signature"
    for req in sent:
        if not spec.published:
            continue
        openapi_defs.validate_request(spec.api, req.method, req.path, req.query, req.headers, req.body)
    if spec.handler is None:
        assert len(sent) == 1, [f"{r.method} {r.path}" for r in sent]
        assert sent[0].method == spec.method


def test_validator_rejects_a_request_that_breaks_the_definition() -> None:
    if not openapi_defs.available():
        pytest.skip(openapi_defs.MISSING_HELP.format(dir=openapi_defs.definitions_dir()))
    with pytest.raises(Exception, match="groupId"):
        openapi_defs.validate_request("papi/v1", "GET", "/papi/v1/properties", {"contractId": "ctr_1"},
                                      {"PAPI-Use-Prefixes": "true"}, b"")
    with pytest.raises(Exception, match="propertyName|productId"):
        openapi_defs.validate_request("papi/v1", "POST", "/papi/v1/properties",
                                      {"contractId": "ctr_1", "groupId": "grp_1"},
                                      {"PAPI-Use-Prefixes": "true", "Content-Type": "application/json"},
                                      json.dumps({"name": "x"}).encode())
