"""Tokens kept to staging: every tool that would change production is refused before any request, by what its
declaration says it changes (checked over the whole registry, not a hand list); staging changes and production
reads keep working."""

from __future__ import annotations

import typing
from typing import Any

import pytest

from alecs.principal import Principal
from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from alecs.tools.registry import Registry
from alecs.tools.spec import NETWORK_ARGUMENT, ToolSpec
from tests.conformance.samples import PENDING, PREPARE, sample_args
from tests.support.mcp import connect, connect_as
from tests.tools.workflow import ok

REGISTRY = Registry.load()
STAGING_ONLY = Principal(token_id="tok_00000000000000aa", scope="write", networks=frozenset({"staging"}))
SCOPE = {"contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001"}


def _production(spec: ToolSpec, args: dict[str, Any]) -> dict[str, Any]:
    """`args` with every network the declaration reads set to production, in the casing the input takes."""
    if not isinstance(spec.network, str):
        return args
    match = NETWORK_ARGUMENT.match(spec.network)
    if match is None:
        return args
    name, field = match.groups()
    if field:
        return args | {name: [item | {field: "PRODUCTION"} for item in args[name]]}
    param = spec.param(name)
    assert param is not None
    options = typing.get_args(param.type) or ("PRODUCTION",)
    return args | {name: next(o for o in options if str(o).lower() == "production")}


def _changes_production(spec: ToolSpec) -> bool:
    if spec.read_only or spec.local or spec.any_operation:
        return False
    return spec.network == "production" or (isinstance(spec.network, str) and spec.network.startswith("argument:"))


PRODUCTION_TOOLS = [s.name for s in REGISTRY if _changes_production(s)]


def test_every_tool_that_is_not_read_only_declares_what_it_changes() -> None:
    undeclared = [s.name for s in REGISTRY if not s.read_only and s.network is None]
    assert not undeclared, f"declare network= on these tools (or their Api): {undeclared}"
    assert all(s.reach({}) == "none" for s in REGISTRY if s.read_only)
    assert all(s.network == "none" for s in REGISTRY if s.local and not s.read_only)


def test_the_production_tools_are_the_ones_live_traffic_depends_on() -> None:
    # not the check itself (that is the parametrized test below, driven by the declarations), but a guard that the
    # declarations keep meaning what README says they mean
    assert len(PRODUCTION_TOOLS) >= 40
    assert {"activate-property", "activate-include", "bulk-activate-properties", "purge-invalidate", "purge-delete",
            "create-record-set", "delete-zones", "save-gtm-property", "activate-appsec-config",
            "activate-network-list", "activate-edgeworker", "activate-cloudlet-policy", "update-enrollment",
            "write-edgekv-item"} <= set(PRODUCTION_TOOLS)
    drafts = {"create-property-version", "update-property-rules", "append-network-list-elements",
              "update-network-list", "create-match-target", "create-cloudlet-policy-version", "add-changelist-change"}
    assert not drafts & set(PRODUCTION_TOOLS)
    assert all(REGISTRY.specs[name].reach({}) == "none" for name in drafts)


@pytest.mark.parametrize("name", PRODUCTION_TOOLS)
async def test_a_staging_token_is_refused_every_production_change_before_any_request(
        name: str, server: AlecsServer, fresh_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = REGISTRY.specs[name]
    if name in PENDING:
        monkeypatch.setattr(fresh_sandbox.settings, "activation_seconds", 3600.0)
    args = sample_args(spec)
    if name in PREPARE:
        async with connect(server) as admin:
            args |= await PREPARE[name](admin)
    args = _production(spec, args)
    assert spec.reach(args) == "production"
    fresh_sandbox.server.request_log.clear()
    async with connect_as(server, STAGING_ONLY) as client:
        result = await client.call_tool(name, args)
    assert result.is_error
    assert "may only change staging" in result.content[0].text and "nothing was sent" in result.content[0].text
    assert fresh_sandbox.requests == []


async def test_a_staging_token_activates_on_staging_purges_staging_and_reads_production(
        server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    async with connect_as(server, STAGING_ONLY) as client:
        version = await ok(client, "create-property-version", {"propertyId": "prp_100001", "createFromVersion": 1})
        number = int(version["propertyVersion"])
        activated = await ok(client, "activate-property", {"propertyId": "prp_100001", "propertyVersion": number,
                                                           "network": "STAGING", "notifyEmails": ["noc@example.com"]})
        assert activated["activationId"].startswith("atv_")
        await ok(client, "purge-invalidate", {"by": "url", "network": "staging",
                                              "objects": ["https://www.example.com/"]})
        prop = await ok(client, "get-property", {"propertyId": "prp_100001"})
        assert prop["productionVersion"] == 1
        status = await ok(client, "get-network-list-activation-status", {"networkListId": "1024_BLOCKEDIPS",
                                                                          "network": "PRODUCTION"})
        assert status["activationStatus"]
        await ok(client, "list-edgekv-namespaces", {"network": "production"})
        refused = await client.call_tool("purge-invalidate", {"by": "url", "objects": ["https://www.example.com/"]})
    assert refused.is_error and "production" in refused.content[0].text  # the default network is production
    posts = [r.path for r in fresh_sandbox.requests if r.method == "POST"]
    assert "/papi/v1/properties/prp_100001/activations" in posts and "/ccu/v3/invalidate/url/staging" in posts
    assert not any(p.endswith("/production") for p in posts)


async def test_any_operation_is_refused_for_a_staging_token_unless_it_names_staging(
        server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    params = {"propertyId": "prp_100001", "PAPI-Use-Prefixes": "true"} | SCOPE
    async with connect_as(server, STAGING_ONLY) as client:
        version = await ok(client, "create-property-version", {"propertyId": "prp_100001", "createFromVersion": 1})
        number = int(version["propertyVersion"])
        activation = {"propertyVersion": number, "notifyEmails": ["noc@example.com"], "acknowledgeAllWarnings": True}
        fresh_sandbox.server.request_log.clear()
        production = await client.call_tool("call-akamai-operation", {
            "operation": "papi/v1:post-property-activations", "parameters": params,
            "body": activation | {"network": "PRODUCTION"}})
        unnamed = await client.call_tool("call-akamai-operation", {
            "operation": "papi/v1:post-properties", "parameters": SCOPE,
            "body": {"propertyName": "new.example.com", "productId": "prd_SPM"}})
        assert fresh_sandbox.requests == []
        staging = await client.call_tool("call-akamai-operation", {
            "operation": "papi/v1:post-property-activations", "parameters": params,
            "body": activation | {"network": "STAGING"}})
        read = await client.call_tool("call-akamai-operation", {"operation": "papi/v1:get-property",
                                                                "parameters": params})
    assert production.is_error and "may only change staging" in production.content[0].text
    assert unnamed.is_error and "may only change staging" in unnamed.content[0].text
    assert not staging.is_error and "activationLink" in staging.content[0].text
    assert not read.is_error
    assert [r.method for r in fresh_sandbox.requests] == ["POST", "GET"]


async def test_tokens_without_networks_keep_todays_rights(server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    unrestricted = Principal(token_id="tok_00000000000000bb", scope="write")
    async with connect_as(server, unrestricted) as client:
        await ok(client, "purge-invalidate", {"by": "url", "network": "production",
                                              "objects": ["https://www.example.com/"]})
