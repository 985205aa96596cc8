"""Every operation in the index, through the SDK's client: described, called with its example (sent, and accepted
by the conformance checker), and refused locally, naming the field, when one required field is missing.

APIs the simulator serves are called against it; the others against a recording stand-in (see rig.py). One server
and one stand-in pair serve the whole file.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from alecs.openapi.calls import download_refusal, upload_refusal
from alecs.openapi.index import Operation, load
from alecs.server import AlecsServer
from alecs.tools.registry import Registry
from tests import openapi_defs
from tests.openapi.rig import Rig, error_text, needs_definitions, rig
from tests.support.mcp import connect

INDEX = load()
pytestmark = needs_definitions


@pytest.fixture(scope="module")
def world(registry: Registry) -> Iterator[tuple[Rig, AlecsServer]]:
    with rig(registry) as both:
        server = both.server(registry, registry.selection_from("api", None, False))
        yield both, server
        server.client.close()


def without_required(op: Operation, example: dict[str, Any], keep_path: bool = False
                     ) -> tuple[dict[str, Any], str] | None:
    """The example with one required field taken out, and the field's name; None when nothing is required.
    With `keep_path`, path parameters stay (a path without its value is a different path, not a missing field)."""
    params = dict(example.get("parameters") or {})
    for p in op.params:
        if p.required and p.name in params and not (keep_path and p.location == "path"):
            del params[p.name]
            return example | {"parameters": params}, p.name
    body = example.get("body")
    if op.bodies and isinstance(body, dict):
        media = next(m for m in op.bodies if m in ("application/json", *op.bodies))
        required = [r for r in op.bodies[media].get("required", ()) if r in body]
        if required:
            smaller = copy.deepcopy(body)
            del smaller[required[0]]
            return example | {"body": smaller}, required[0]
    if op.body_required and "body" in example:
        return {k: v for k, v in example.items() if k != "body"}, "body"
    return None


def test_the_index_holds_every_edgegrid_operation_with_an_example() -> None:
    assert len(INDEX) > 1500
    callable_ops = [op for op in INDEX if not (upload_refusal(op) or download_refusal(op))]
    assert all(op.example is not None for op in callable_ops), [op.key for op in callable_ops if not op.example]
    assert sum(op.example_source == "published" for op in INDEX) > 1300


@pytest.mark.asyncio(loop_scope="module")  # one event loop for the ~1,600 cases: no loop set-up per case
@pytest.mark.parametrize("key", [op.key for op in INDEX])
async def test_operation_is_described_called_and_checked(key: str, world: tuple[Rig, AlecsServer]) -> None:
    both, server = world
    op = INDEX.get(key)
    assert op is not None
    customer = both.customer(op)
    async with connect(server) as client:
        described = await client.call_tool("describe-akamai-operation", {"operation": key})
        assert not described.is_error, error_text(described)
        assert described.structured_content["operation"] == key
        assert {p["name"] for p in described.structured_content["parameters"]} <= {p.name for p in op.params}

        refusal = upload_refusal(op) or download_refusal(op)
        example = dict(op.example or {})
        both.clear()
        result = await client.call_tool("call-akamai-operation", {"operation": key, **example, "customer": customer})
        text = error_text(result)
        if refusal:
            assert result.is_error and refusal in text, text
            assert not both.requests(customer), "a refused upload or download was sent"
            return
        sent = both.requests(customer)
        assert not text.startswith("Not sent"), text
        assert len(sent) == 1, f"{len(sent)} requests for one call: {text}"
        request = sent[0]
        assert request.status != 401, f"signature refused: {text}"
        assert (request.method, op.path_values(request.path) is not None) == (op.method, True), request.path
        openapi_defs.validate_request(op.api, request.method, request.path, request.query, request.headers,
                                      request.body)

        broken = without_required(op, example)
        if broken is None:
            assert not any(p.required for p in op.params) and not op.body_required
            return
        arguments, field = broken
        both.clear()
        refused = await client.call_tool("call-akamai-operation", {"operation": key, **arguments,
                                                                   "customer": customer})
        text = error_text(refused)
        assert refused.is_error and text.startswith("Not sent") and field in text, text
        assert not both.requests(customer), "a request missing a required field was sent"


def test_a_missing_required_field_is_refused_by_the_conformance_checker_too() -> None:
    """The local refusal agrees with openapi-core (an independent implementation) on one request per API."""
    from alecs.openapi.calls import prepare

    checked = 0
    for api in sorted({op.api for op in INDEX}):
        op = next((o for o in INDEX if o.api == api and o.example and without_required(o, dict(o.example), True)
                   and not (upload_refusal(o) or download_refusal(o))), None)
        if op is None:
            continue
        arguments, field = without_required(op, dict(op.example or {}), True)  # type: ignore[misc]
        call = prepare(op, arguments.get("parameters"), arguments.get("body"))
        assert any(field in str(p) for p in call.problems), call.problems
        body = b"" if call.request.body is None else json.dumps(call.request.body).encode()
        query = {k: str(v) for k, v in call.request.query.items()}
        with pytest.raises(Exception):  # noqa: B017 - openapi-core raises one of several error types
            openapi_defs.validate_request(op.api, op.method, call.request.path, query, dict(call.request.headers),
                                          body)
        checked += 1
    assert checked >= 45
