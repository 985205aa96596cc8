"""The registry-wide probe (issue 18): every tool that calls Akamai, called through the SDK's client with the smallest
arguments its input schema accepts, either sends requests Akamai's published definitions accept or refuses locally
with a reason. Zero non-conforming requests reach the simulator.

Two passes. `synthetic`: every value from the schema alone (ids like "x" or 1, so most calls end at Akamai's 404,
after a request that must still conform). `seeded`: the same, but scalar ids the seeded account has (from the
conformance samples), so that handlers go on to their later requests with the minimal nested values.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from alecs.openapi import outgoing
from alecs.sandbox.http import LoggedRequest
from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from alecs.tools.model import input_model, tool_entry
from alecs.tools.registry import Registry
from alecs.tools.spec import ToolSpec
from tests import openapi_defs
from tests.conformance.samples import PENDING, PREPARE, sample_args
from tests.openapi.rig import needs_definitions
from tests.support.mcp import connect, make_server
from tests.tools.minimal import minimal_arguments

REGISTRY = Registry.load()
PROBED = [s for s in REGISTRY if not s.local and not s.any_operation]
SCALARS = (str, int, float, bool)
# The calls the pre-send check refuses, and why no input schema could have said it (each one a decision).
REFUSED_BEFORE_SENDING: dict[str, dict[str, str]] = {
    "synthetic": {
        "update-security-policy-protections": "every switch is optional, but Akamai's PUT needs a body with at "
                                              "least one; the refusal names the switches",
    },
    "seeded": {
        "update-security-policy-protections": "as above",
        "update-enrollment": "`changes` holds any enrollment fields, as get-enrollment shows them (CPS's whole "
                             "enrollment would not fit a schema); an unknown field is refused by name",
    },
}
pytestmark = needs_definitions


@pytest.fixture(scope="module")
def probe_server(sandbox: Sandbox) -> Iterator[AlecsServer]:
    server = make_server(sandbox, REGISTRY)
    yield server
    server.client.close()


def conforms(spec: ToolSpec, req: LoggedRequest) -> None:
    """Raises when the request the simulator received breaks its definition: Akamai's published one, checked by
    openapi-core, or for the unpublished tools alecs' own (alecs.openapi.unpublished)."""
    if spec.published:
        openapi_defs.validate_request(spec.api, req.method, req.path, req.query, req.headers, req.body)
        return
    body = json.loads(req.body) if req.body else None
    found = outgoing.problems(spec.api, req.method, req.path, published=False, params=req.query,
                              headers=req.headers, json_body=body)
    assert not found, [str(p) for p in found]


async def _seeded(spec: ToolSpec, args: dict[str, Any], client: Any) -> dict[str, Any]:
    """`args` with each scalar the conformance samples have for it (prepared objects included)."""
    try:
        known = sample_args(spec)
    except KeyError:  # a required argument only a preparer provides
        known = {}
    if spec.name in PREPARE:
        known |= await PREPARE[spec.name](client)
    return {k: known[k] if isinstance(known.get(k), SCALARS) else v for k, v in args.items()}


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("variant", ["synthetic", "seeded"])
@pytest.mark.parametrize("name", [s.name for s in PROBED])
async def test_minimal_arguments_send_conforming_requests_or_are_refused_with_a_reason(
        name: str, variant: str, probe_server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    spec = REGISTRY.get(name)
    assert spec is not None
    if name in PENDING:
        fresh_sandbox.settings.activation_seconds = 3600.0
    async with connect(probe_server) as client:
        args = minimal_arguments(tool_entry(spec).input_schema)
        schema = tool_entry(spec).input_schema["properties"]
        for group in spec.one_of:  # "exactly one of" is the model's rule, not the schema's: give the first
            args.setdefault(group[0], minimal_arguments({"properties": {group[0]: schema[group[0]]},
                                                         "required": [group[0]]})[group[0]])
        if variant == "seeded":
            args = await _seeded(spec, args, client)
        input_model(spec).model_validate(args)  # the schema accepts them: the call reaches the tool
        fresh_sandbox.server.request_log.clear()
        result = await client.call_tool(name, args)
    text = str(result.content[0].text) if result.content else ""
    sent = fresh_sandbox.requests
    for req in sent:
        conforms(spec, req)
    refused_here = REFUSED_BEFORE_SENDING[variant]
    if name in refused_here:
        assert result.is_error and text.startswith("Not sent"), text
        return
    assert not text.startswith(("Not sent", "Internal error", "Invalid arguments")), text
    if result.is_error and not sent:
        assert len(text) > 20, f"refused without a reason: {text!r}"
    else:
        assert sent, f"{name} answered without asking Akamai: {text[:200]}"


def test_the_probe_covers_every_tool_that_calls_akamai() -> None:
    assert len(PROBED) > 240
    assert {s.name for s in REGISTRY if not s.local} - {s.name for s in PROBED} == {"call-akamai-operation"}
    for variant, refused in REFUSED_BEFORE_SENDING.items():
        assert set(refused) <= {s.name for s in PROBED}, variant
