"""Every tool's result, against the sandbox, through the SDK client: its structured content conforms to the tool's
`outputSchema` (the client validates it too, whenever the schema is listed), its text carries the data (no field of
a list row, a diff or an object is dropped without the text saying so, and the text is not the JSON again), and the
bulk a model never needs (HATEOAS links, PEM bodies, contact blocks) is left out unless `full` asks for it."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest

from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from alecs.tools.model import input_schema
from alecs.tools.outputs import created_ids, output_schema
from alecs.tools.registry import Registry
from alecs.tools.spec import ToolSpec
from alecs.tools.tidy import FULL, NOISY_APIS, has_noise
from tests.conformance.samples import PENDING, PREPARE, sample_args
from tests.support.mcp import connect

REGISTRY = Registry.load()
AKAMAI_TOOLS = [s for s in REGISTRY if not s.local and not s.any_operation]
PAGE_KEYS = ("items", "total", "nextCursor")


def _mentions_key(text: str, key: str) -> bool:
    """`key: value` on a line of its own or inline in an object (`{…, key: …}`)."""
    return re.search(rf"(^|[{{,] ?)\s*{re.escape(key)}:( |$)", text, re.M) is not None


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [] if value is None or isinstance(value, bool) else [value]


def _leaf_said(leaf: Any, text: str) -> bool:
    if isinstance(leaf, float):
        return any(form in text for form in (str(leaf), f"{leaf:,.2f}", f"{leaf:.2f}"))
    if isinstance(leaf, int):
        return str(leaf) in text or f"{leaf:,}" in text
    return str(leaf) in text


def _said(text: str, key: str, value: Any) -> bool:
    """A field is said by name (`key:`), or by its values in a text of the handler's own form (a zone file, a
    report table, challenge tokens): every string and number in it appears. A yes/no or null is not checked: a
    handler's text says it in words ("read-only", "Disabled"), which no mechanical check can read."""
    if _mentions_key(text, key) or value in ({}, []) or value is None or isinstance(value, bool):
        return True
    leaves = _leaves(value)
    return bool(leaves) and all(_leaf_said(leaf, text) for leaf in leaves)


def _closing(text: str) -> str:
    """The closing lines that say what was left out (rows, summaries, the bulk)."""
    return "\n".join(line for line in text.splitlines()
                     if line.startswith(("Left out", "Summarised", "… ")) or " more row(s)" in line)


def unsaid_fields(spec: ToolSpec, data: dict[str, Any], text: str) -> list[str]:
    """Fields of the structured content the text neither shows nor names as left out."""
    closing = _closing(text)
    missing: list[str] = []
    if spec.items:
        for key in (k for k in data if k not in PAGE_KEYS):
            if not _said(text, key, data[key]) and key not in closing:
                missing.append(key)
        rows = [line for line in text.splitlines() if line.startswith("- ")]
        cut_rows = " more row(s) of this page" in text
        for i, item in enumerate(data["items"]):
            if i >= len(rows):
                if not cut_rows:
                    missing.append(f"items[{i}]")
                continue
            if spec.row is not None:
                if isinstance(item, dict) and str(item.get("path")) not in rows[i]:
                    missing.append(f"items[{i}].path")
                continue
            if not isinstance(item, dict):
                continue
            for key in item:
                if f"{key}=" not in rows[i] and f"{key}." not in rows[i] and key not in closing:
                    missing.append(f"items[{i}].{key}")
        return missing
    for key in data:
        if not _said(text, key, data[key]) and key not in closing:
            missing.append(key)
    return missing


async def _result(spec: ToolSpec, server: AlecsServer, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch,
                  extra: dict[str, Any] | None = None) -> Any:
    if spec.name in PENDING:
        monkeypatch.setattr(sandbox.settings, "activation_seconds", 3600.0)
    async with connect(server) as client:
        await client.list_tools()  # the client learns each outputSchema and validates results against it
        args = sample_args(spec)
        if spec.name in PREPARE:
            args |= await PREPARE[spec.name](client)
        result = await client.call_tool(spec.name, args | (extra or {}))
    assert not result.is_error, result.content[0].text
    return result


@pytest.mark.parametrize("name", [s.name for s in AKAMAI_TOOLS])
async def test_every_result_conforms_to_its_schema_and_its_text_carries_the_data(
        name: str, server: AlecsServer, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = REGISTRY.get(name)
    assert spec is not None
    result = await _result(spec, server, sandbox, monkeypatch)
    data, text = result.structured_content, result.content[0].text
    assert isinstance(data, dict)
    jsonschema.validate(data, output_schema(spec))
    for field in created_ids(spec):
        assert field in data, f"{name} declares {field} in its outputSchema but did not return it"
    for field in spec.returns:
        assert field in data, f"{name} declares {field} (returns=) but did not return it"
    assert not has_noise(data), (f"{name}'s result carries links, PEM bodies or contacts: add {spec.api} to "
                                 "alecs.tools.tidy.NOISY_APIS so they are left out unless full=true")
    assert unsaid_fields(spec, data, text) == [], text
    assert text.strip() != json.dumps(data, indent=1).strip(), "the text repeats the structured content as JSON"
    if spec.items:
        assert re.match(r"^\d+ of \d+ ", text) or re.search(r"^\d+ of \d+ ", text, re.M), text


def test_full_is_offered_exactly_by_the_tools_of_apis_whose_answers_carry_bulk() -> None:
    assert set(NOISY_APIS) <= {s.api for s in REGISTRY}
    for spec in REGISTRY:
        assert (FULL in input_schema(spec)["properties"]) == (spec.api in NOISY_APIS), spec.name


@pytest.mark.parametrize("name, kind, field", [
    ("list-enrollment-deployments", "PEM bodies", "certificate"),
    ("list-enrollments", "contact blocks", "adminContact"),
    ("get-network-list", "HATEOAS links", "links"),
])
async def test_full_true_returns_what_is_left_out_by_default(name: str, kind: str, field: str, server: AlecsServer,
                                                             sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = REGISTRY.get(name)
    assert spec is not None
    short = await _result(spec, server, sandbox, monkeypatch)
    assert f"Left out: {kind}" in short.content[0].text and "full=true" in short.content[0].text
    assert field not in json.dumps(short.structured_content)
    whole = await _result(spec, server, sandbox, monkeypatch, {FULL: True})
    assert f'"{field}"' in json.dumps(whole.structured_content) and "Left out" not in whole.content[0].text


# Tools of alecs itself (and call-akamai-operation, whose operation is chosen per call), with arguments that work.
OWN_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("list-toolsets", {}), ("search-tools", {"query": "purge a url"}), ("enable-toolset", {"toolset": "dns"}),
    ("disable-toolset", {"toolset": "dns"}), ("enable-toolset", {"toolset": "reporting"}), ("get-server-time", {}),
    ("enable-toolset", {"toolset": "api"}), ("find-akamai-operations", {"query": "list contracts", "api": "papi"}),
    ("describe-akamai-operation", {"operation": "papi/v1:get-contracts"}),
    ("call-akamai-operation", {"operation": "papi/v1:get-contracts", "parameters": {"PAPI-Use-Prefixes": "true"}}),
    ("generate-api-token", {"description": "laptop", "scope": "read", "expiresInDays": 90}),
    ("list-api-tokens", {}), ("rotate-api-token", {}), ("revoke-api-token", {}),
]


def test_every_tool_is_exercised_here_or_against_akamai() -> None:
    own = {name for name, _ in OWN_CALLS}
    assert own | {s.name for s in AKAMAI_TOOLS} == {s.name for s in REGISTRY}


async def test_the_results_of_alecs_own_tools_conform_and_carry_their_data(fresh_sandbox: Sandbox,
                                                                          tmp_path: Any) -> None:
    from alecs.auth.tokens import TokenStore
    from tests.support.mcp import make_server

    store = TokenStore(tmp_path / "tokens.json", "results-tests-master-key")
    server = make_server(fresh_sandbox, REGISTRY, REGISTRY.selection_from(None, None, False), dynamic=True,
                         services={"tokens": store})
    try:
        async with connect(server) as client:
            await client.list_tools()
            token_id = ""
            for name, args in OWN_CALLS:
                spec = REGISTRY.get(name)
                assert spec is not None
                if name in ("rotate-api-token", "revoke-api-token"):
                    args = {"tokenId": token_id}
                result = await client.call_tool(name, args)
                assert not result.is_error, (name, result.content[0].text)
                data, text = result.structured_content, result.content[0].text
                assert isinstance(data, dict)
                jsonschema.validate(data, output_schema(spec))
                assert unsaid_fields(spec, data, text) == [], (name, text)
                token_id = str(data.get("id") or token_id)
    finally:
        server.client.close()
