"""The person confirms changes that reach production, through MCP elicitation, in both protocol eras: the question
names the account, the network, the version and the rule paths that change; declined or cancelled, nothing is sent.
Clients that cannot ask get what the policy (ALECS_CONFIRM or the token's own) says."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import mcp_types as types
import pytest
from mcp.client.context import ClientRequestContext

from alecs.akamai.client import AkamaiClient
from alecs.asking import KEY
from alecs.edgerc import Edgerc
from alecs.errors import ConfigError
from alecs.principal import Principal
from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer, ServerOptions
from alecs.services import Services, confirm_policy
from alecs.tools.registry import Registry
from tests.support.mcp import connect, connect_as
from tests.tools.workflow import ok

PROPERTY = "prp_100001"
ACTIVATIONS = f"/papi/v1/properties/{PROPERTY}/activations"
ERAS = ["legacy", "auto"]  # the 2025-11-25 handshake, and the 2026-07-28 era (input-required results)
CHANGES = ("PUT", "POST", "PATCH", "DELETE")


def _server(sandbox: Sandbox, registry: Registry, policy: str = "elicit") -> AlecsServer:
    """Every tool, on the sandbox reached through an .edgerc section with an account switch key."""
    edgerc = Edgerc(None, use_env=False)
    edgerc.add(replace(sandbox.credentials(), account_key="1-5BYUG1"))
    client = AkamaiClient(edgerc, cache_ttl=0)
    return AlecsServer(registry, client, ServerOptions(registry.selection_from("all", None, False)),
                       Services(confirm=policy))  # type: ignore[arg-type]


@pytest.fixture
def server(fresh_sandbox: Sandbox, registry: Registry) -> Iterator[AlecsServer]:
    srv = _server(fresh_sandbox, registry)
    yield srv
    srv.client.close()


class Person:
    """The elicitation callback of a client: records each question and answers as told."""

    def __init__(self, action: str = "accept", confirm: bool = True) -> None:
        self.action, self.confirm = action, confirm
        self.questions: list[types.ElicitRequestFormParams] = []

    async def __call__(self, context: ClientRequestContext,
                       params: types.ElicitRequestParams) -> types.ElicitResult:
        assert isinstance(params, types.ElicitRequestFormParams)
        self.questions.append(params)
        content = {"confirm": self.confirm} if self.action == "accept" else None
        return types.ElicitResult(action=self.action, content=content)  # type: ignore[arg-type]


async def _new_version_with_a_change(client: Any) -> int:
    """Version 2 of the property, its origin hostname changed from the version active on production (1)."""
    made = await ok(client, "create-property-version", {"propertyId": PROPERTY, "createFromVersion": 1})
    number = int(made["versionLink"].split("/versions/")[1].split("?")[0])
    rules = await ok(client, "get-property-rules", {"propertyId": PROPERTY, "propertyVersion": number})
    tree = rules["rules"]
    origin = next(b for b in tree["behaviors"] if b["name"] == "origin")
    origin["options"]["hostname"] = "origin-new.example.com"
    await ok(client, "update-property-rules", {"propertyId": PROPERTY, "propertyVersion": number,
                                               "etag": rules["etag"], "rules": {"rules": tree}})
    return number


def _activate(version: int, network: str = "PRODUCTION") -> dict[str, Any]:
    return {"propertyId": PROPERTY, "propertyVersion": version, "network": network,
            "notifyEmails": ["noc@example.com"]}


async def _activate_a_new_version(client: Any, network: str = "PRODUCTION") -> types.CallToolResult:
    """Makes a changed version and calls activate-property for it (whatever the outcome)."""
    version = await _new_version_with_a_change(client)
    return await client.call_tool("activate-property", _activate(version, network))  # type: ignore[no-any-return]


def _activation_posts(sandbox: Sandbox) -> int:
    return sum(1 for r in sandbox.requests if r.method == "POST" and r.path == ACTIVATIONS)


@pytest.mark.parametrize("mode", ERAS)
async def test_activating_on_production_asks_with_the_summary_and_accepting_activates(
        mode: str, server: AlecsServer, fresh_sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    person = Person()
    async with connect(server, mode=mode, elicitation_callback=person) as client:
        version = await _new_version_with_a_change(client)
        with caplog.at_level(logging.INFO, logger="alecs.audit"):
            activated = await ok(client, "activate-property", _activate(version))
    assert "confirmation token=local customer=default tool=activate-property answer=accept" in caplog.text
    assert activated["activationId"].startswith("atv_")
    assert _activation_posts(fresh_sandbox) == 1
    [question] = person.questions
    text = question.message
    assert "Activate property (activate-property) on PRODUCTION" in text
    assert "customer 'default'" in text and "account switch key 1-5BYUG1" in text
    assert "Network: PRODUCTION" in text
    assert f"Version {version} replaces version 1, active on PRODUCTION now; rule paths changed (1):" in text
    assert "- changed /behaviors/0:origin/options/hostname" in text
    assert question.requested_schema["properties"]["confirm"]["type"] == "boolean"


@pytest.mark.parametrize("mode", ERAS)
@pytest.mark.parametrize(("action", "said"), [("decline", "declined"), ("cancel", "cancelled")])
async def test_declining_or_cancelling_sends_nothing_and_says_so(
        mode: str, action: str, said: str, server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    person = Person(action)
    async with connect(server, mode=mode, elicitation_callback=person) as client:
        version = await _new_version_with_a_change(client)
        fresh_sandbox.server.request_log.clear()
        result = await client.call_tool("activate-property", _activate(version))
    assert result.is_error
    assert f"{said} by the person: nothing was sent to Akamai" in result.content[0].text
    assert len(person.questions) == 1
    # only the reads that composed the question reached the sandbox: no change, no activation
    assert {r.method for r in fresh_sandbox.requests} <= {"GET"}
    assert _activation_posts(fresh_sandbox) == 0


@pytest.mark.parametrize("mode", ERAS)
async def test_accepting_without_ticking_the_box_is_a_decline(
        mode: str, server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    async with connect(server, mode=mode, elicitation_callback=Person("accept", confirm=False)) as client:
        result = await _activate_a_new_version(client)
    assert result.is_error and "declined" in result.content[0].text
    assert _activation_posts(fresh_sandbox) == 0


@pytest.mark.parametrize("mode", ERAS)
async def test_staging_changes_are_never_asked_about(mode: str, server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    person = Person("decline")
    async with connect(server, mode=mode, elicitation_callback=person) as client:
        version = await _new_version_with_a_change(client)
        await ok(client, "activate-property", _activate(version, "STAGING"))
        await ok(client, "purge-delete", {"by": "tag", "objects": ["product-42"], "network": "staging"})
    assert person.questions == []


async def test_a_deletion_that_cannot_be_undone_asks_too(server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    person = Person("decline")
    async with connect(server, elicitation_callback=person) as client:
        result = await client.call_tool("delete-network-list", {"networkListId": "1024_BLOCKEDIPS"})
    assert result.is_error and "declined" in result.content[0].text
    assert "Network: no live traffic, but it cannot be undone" in person.questions[0].message
    assert not [r for r in fresh_sandbox.requests if r.method == "DELETE"]


async def test_a_client_that_cannot_ask_proceeds_under_elicit(server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    async with connect(server) as client:  # no elicitation callback: the capability is not declared
        result = await _activate_a_new_version(client)
    assert not result.is_error and _activation_posts(fresh_sandbox) == 1


@pytest.mark.parametrize("mode", ERAS)
async def test_require_refuses_before_sending_when_the_client_cannot_ask(
        mode: str, fresh_sandbox: Sandbox, registry: Registry) -> None:
    server = _server(fresh_sandbox, registry, "require")
    try:
        async with connect(server, mode=mode) as client:
            version = await _new_version_with_a_change(client)
            fresh_sandbox.server.request_log.clear()
            result = await client.call_tool("activate-property", _activate(version))
            staging = await client.call_tool("activate-property", _activate(version, "STAGING"))
    finally:
        server.client.close()
    assert result.is_error and "cannot ask for it (no MCP elicitation): nothing was sent" in result.content[0].text
    assert not staging.is_error  # staging needs no confirmation
    assert [r.method for r in fresh_sandbox.requests] == ["POST"]


async def test_a_tokens_own_policy_replaces_the_servers(server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    strict = Principal(token_id="tok_00000000000000cc", scope="write", confirm="require")
    async with connect_as(server, strict) as client:
        result = await _activate_a_new_version(client)
    assert result.is_error and "cannot ask" in result.content[0].text
    assert _activation_posts(fresh_sandbox) == 0


@pytest.mark.parametrize("mode", ERAS)
async def test_off_never_asks(mode: str, fresh_sandbox: Sandbox, registry: Registry) -> None:
    server = _server(fresh_sandbox, registry, "off")
    person = Person("decline")
    try:
        async with connect(server, mode=mode, elicitation_callback=person) as client:
            result = await _activate_a_new_version(client)
    finally:
        server.client.close()
    assert not result.is_error and person.questions == []
    assert _activation_posts(fresh_sandbox) == 1


async def test_any_operation_that_is_not_a_read_asks_unless_it_stays_on_staging(
        server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    person = Person("decline")
    async with connect(server, elicitation_callback=person) as client:
        read = await client.call_tool("call-akamai-operation", {
            "operation": "papi/v1:get-groups", "parameters": {"PAPI-Use-Prefixes": "true"}})
        change = await client.call_tool("call-akamai-operation", {
            "operation": "ccu/v3:post-invalidate-url", "parameters": {"network": "production"},
            "body": {"objects": ["https://www.example.com/"]}})
        staged = await client.call_tool("call-akamai-operation", {
            "operation": "ccu/v3:post-invalidate-url", "parameters": {"network": "staging"},
            "body": {"objects": ["https://www.example.com/"]}})
    assert not read.is_error and not staged.is_error
    assert change.is_error and "declined" in change.content[0].text
    assert len(person.questions) == 1 and "call-akamai-operation" in person.questions[0].message
    assert [r.path for r in fresh_sandbox.requests if r.method == "POST"] == ["/ccu/v3/invalidate/url/staging"]


async def test_an_answer_in_the_2026_era_counts_once(server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    person = Person()  # declares the capability; the test answers for it
    async with connect(server, mode="auto", elicitation_callback=person) as client:
        assert client.protocol_version == "2026-07-28"
        version = await _new_version_with_a_change(client)
        args = _activate(version)
        # the SDK's client lets a caller drive the input-required rounds itself
        first = await client.session.call_tool("activate-property", args, allow_input_required=True)
        assert isinstance(first, types.InputRequiredResult) and first.input_requests is not None
        assert first.request_state and first.request_state.startswith("v1.")  # sealed by the SDK: opaque
        yes: types.InputResponses = {KEY: types.ElicitResult(action="accept", content={"confirm": True})}
        # an answer without the state it belongs to is not an answer: the question is asked again
        bare = await client.session.call_tool("activate-property", args, input_responses=yes,
                                              allow_input_required=True)
        assert isinstance(bare, types.InputRequiredResult)
        done = await client.session.call_tool("activate-property", args, input_responses=yes,
                                              request_state=first.request_state, allow_input_required=True)
        assert isinstance(done, types.CallToolResult) and not done.is_error
        again = await client.session.call_tool("activate-property", args, input_responses=yes,
                                               request_state=first.request_state, allow_input_required=True)
        assert isinstance(again, types.InputRequiredResult)  # replaying the answer asks again
    assert _activation_posts(fresh_sandbox) == 1 and person.questions == []


def test_alecs_confirm_takes_elicit_require_or_off() -> None:
    assert confirm_policy({}) == "elicit"
    assert confirm_policy({"ALECS_CONFIRM": "Require"}) == "require"
    assert Services.from_environment(env={"ALECS_CONFIRM": "off"}).confirm == "off"
    with pytest.raises(ConfigError, match="ALECS_CONFIRM='always' is not a confirmation policy"):
        confirm_policy({"ALECS_CONFIRM": "always"})


def test_the_confirmation_flag_covers_what_the_issue_lists() -> None:
    specs = list(Registry.load())
    by_argument = [s for s in specs if isinstance(s.network, str) and s.network.startswith("argument:")]
    # every activation or deactivation on a network an argument names asks (when that network is production)
    assert all(s.confirm for s in by_argument if s.name.startswith(("activate-", "deactivate-", "bulk-activate-")))
    # every deletion that can reach production asks, and so do purges that delete, DNSSEC and certificate changes
    can_reach = [s for s in specs if s.network == "production" or s in by_argument]
    assert all(s.confirm for s in can_reach if s.name.startswith("delete-"))
    assert all(Registry.load().specs[n].confirm for n in (
        "purge-delete", "update-zone", "update-enrollment", "acknowledge-enrollment-change", "delete-property",
        "delete-network-list", "save-gtm-property", "call-akamai-operation"))
    # confirmation is for changes: nothing read-only asks
    assert not [s.name for s in specs if s.confirm and s.read_only]


async def test_a_bulk_activation_question_lists_each_property_and_network(
        server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    person = Person("decline")
    items = [{"propertyId": PROPERTY, "propertyVersion": 1, "network": "STAGING"},
             {"propertyId": PROPERTY, "propertyVersion": 1, "network": "PRODUCTION"}]
    async with connect(server, elicitation_callback=person) as client:
        result = await client.call_tool("bulk-activate-properties", {
            "activatePropertyVersions": items, "defaultActivationSettings": {"notifyEmails": ["noc@example.com"]}})
    assert result.is_error and "declined" in result.content[0].text
    text = person.questions[0].message
    assert "(bulk-activate-properties) on PRODUCTION, STAGING" in text and "2 activation(s):" in text
    assert f"- {PROPERTY} version 1 on PRODUCTION" in text
    assert not [r for r in fresh_sandbox.requests if r.method == "POST"]
