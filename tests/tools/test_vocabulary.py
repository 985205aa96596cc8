"""One vocabulary across toolsets (issue 17): `network` in any case for every network a call changes, and
`notifyEmails` for whoever Akamai tells, filled from the operator's ALECS_NOTIFY_EMAILS when a call names nobody;
each API still gets its own spelling."""

from __future__ import annotations

import json
from typing import Any

import pytest

from alecs.errors import ConfigError
from alecs.sandbox.server import Sandbox
from alecs.services import Services
from alecs.tools.model import input_model
from alecs.tools.registry import Registry
from alecs.tools.spec import NETWORK_ARGUMENT
from tests.support.mcp import connect, make_server
from tests.tools.workflow import error_text, ok

REGISTRY = Registry.load()
DEFAULT = ("noc@example.com", "cdn-team@example.com")


def _bodies(sandbox: Sandbox, method: str, ending: str) -> list[Any]:
    return [json.loads(r.body) for r in sandbox.requests if r.method == method and r.path.endswith(ending)]


async def _new_version(client: Any) -> int:
    made = await ok(client, "create-property-version", {"propertyId": "prp_100001", "createFromVersion": 1})
    return int(made["propertyVersion"])


async def test_activations_that_name_nobody_tell_the_servers_default_addresses(fresh_sandbox: Sandbox) -> None:
    server = make_server(fresh_sandbox, REGISTRY, services={"notify_emails": DEFAULT})
    try:
        async with connect(server) as client:
            version = await _new_version(client)
            await ok(client, "activate-property", {"propertyId": "prp_100001", "propertyVersion": version,
                                                   "network": "STAGING"})
            await ok(client, "activate-appsec-config", {"configId": 43253, "versionNumber": 2,
                                                        "network": "STAGING"})
            await ok(client, "activate-network-list", {"networkListId": "1024_BLOCKEDIPS", "network": "STAGING"})
            await ok(client, "activate-property", {"propertyId": "prp_100001", "propertyVersion": version,
                                                   "network": "PRODUCTION", "notifyEmails": ["me@example.com"]})
    finally:
        server.client.close()
    papi = _bodies(fresh_sandbox, "POST", "/papi/v1/properties/prp_100001/activations")
    assert [b["notifyEmails"] for b in papi] == [list(DEFAULT), ["me@example.com"]]  # a named address wins
    assert _bodies(fresh_sandbox, "POST", "/appsec/v1/activations")[0]["notificationEmails"] == list(DEFAULT)
    assert _bodies(fresh_sandbox, "POST", "/environments/STAGING/activate")[0]["notificationRecipients"] == list(
        DEFAULT)


async def test_without_a_default_an_activation_that_names_nobody_is_refused_before_any_request(
        server: Any, fresh_sandbox: Sandbox) -> None:
    async with connect(server) as client:
        version = await _new_version(client)
        fresh_sandbox.server.request_log.clear()
        text = await error_text(client, "activate-property", {"propertyId": "prp_100001",
                                                               "propertyVersion": version, "network": "STAGING"})
        assert "notifyEmails is required" in text and "ALECS_NOTIFY_EMAILS is unset" in text
        text = await error_text(client, "activate-appsec-config", {"configId": 43253, "versionNumber": 2,
                                                                   "network": "STAGING"})
        assert "notifyEmails is required" in text
        assert not fresh_sandbox.requests
        # Akamai does not need recipients for a network list: the activation goes without them.
        await ok(client, "activate-network-list", {"networkListId": "1024_BLOCKEDIPS", "network": "STAGING"})
    assert _bodies(fresh_sandbox, "POST", "/environments/STAGING/activate") == [{}]


async def test_networks_are_taken_in_any_case_and_sent_as_each_api_spells_them(server: Any,
                                                                               fresh_sandbox: Sandbox) -> None:
    async with connect(server) as client:
        version = await _new_version(client)
        await ok(client, "activate-property", {"propertyId": "prp_100001", "propertyVersion": version,
                                               "network": "staging", "notifyEmails": ["noc@example.com"]})
        await ok(client, "purge-invalidate", {"by": "url", "objects": ["https://www.example.com/"],
                                              "network": "STAGING"})
        await ok(client, "activate-network-list", {"networkListId": "1024_BLOCKEDIPS", "network": "Staging"})
        text = await error_text(client, "activate-property", {"propertyId": "prp_100001", "propertyVersion": 1,
                                                               "network": "stage", "notifyEmails": ["a@b.cd"]})
        assert "network" in text and "STAGING" in text  # a word that is no network is still refused
    assert _bodies(fresh_sandbox, "POST", "/papi/v1/properties/prp_100001/activations")[0]["network"] == "STAGING"
    sent = {r.path for r in fresh_sandbox.requests if r.method == "POST"}
    assert "/ccu/v3/invalidate/url/staging" in sent
    assert "/network-list/v2/network-lists/1024_BLOCKEDIPS/environments/STAGING/activate" in sent


def test_every_tool_calls_the_network_it_changes_network_and_its_recipients_notify_emails() -> None:
    for spec in REGISTRY:
        names = {p.name for p in spec.params}
        assert not names & {"environment", "notificationEmails", "notificationRecipients"}, spec.name
        if isinstance(spec.network, str) and spec.network.startswith("argument:"):
            match = NETWORK_ARGUMENT.match(spec.network)
            assert match is not None and "network" in (match.group(1), match.group(2)), spec.name
        for p in spec.params:
            if p.name == "notifyEmails":
                assert p.server_default == "notify_emails", spec.name
                schema = input_model(spec).model_json_schema()
                assert "notifyEmails" not in schema.get("required", []), spec.name
                assert "ALECS_NOTIFY_EMAILS" in schema["properties"]["notifyEmails"]["description"], spec.name


def test_alecs_notify_emails_is_read_from_the_environment_and_checked() -> None:
    env = {"ALECS_NOTIFY_EMAILS": " noc@example.com, cdn-team@example.com "}
    assert Services.from_environment(env=env).notify_emails == DEFAULT
    assert Services.from_environment(env={}).notify_emails == ()
    with pytest.raises(ConfigError, match="not-an-address is not an email address"):
        Services.from_environment(env={"ALECS_NOTIFY_EMAILS": "noc@example.com,not-an-address"})
