"""Activations that survive the real API's habits, through the SDK client against the sandbox: an answer later than
the client's read timeout or a dropped connection returns the activation Akamai started (looked up, never sent
again); a repeat for a version already active or pending returns that activation instead of Akamai's refusal;
appsec without wait returns at once; a wait cut short by the session ending is resumed with get-...-activation."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from mcp import Client

from alecs.akamai.client import Timeouts
from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from alecs.tools.recovery import LOST, REPEATED
from alecs.tools.registry import Registry
from tests.akamai.sessions import server_with
from tests.support.cutlink import CutLink
from tests.support.mcp import connect
from tests.support.waiting import poll
from tests.tools.workflow import error_text, ok

PROPERTY = "prp_100001"
ACTIVATIONS = f"/papi/v1/properties/{PROPERTY}/activations"
READ_TIMEOUT = 1.5  # generous: every other answer of the sandbox comes well within it, even on a loaded machine
LATE = 6.0  # the sandbox holds the answer to an activation POST this long: well past READ_TIMEOUT
EMAILS = ["noc@example.com"]


@pytest.fixture
def impatient(fresh_sandbox: Sandbox, registry: Registry) -> Iterator[AlecsServer]:
    """A server whose Akamai client gives up reading an answer after READ_TIMEOUT seconds."""
    server = server_with(fresh_sandbox, registry, timeouts=Timeouts(5.0, READ_TIMEOUT))
    yield server
    server.client.close()


def _posts(sandbox: Sandbox, path: str) -> list[int]:
    """The statuses the sandbox answered to the POSTs on `path`."""
    return [r.status for r in sandbox.requests if r.method == "POST" and r.path == path]


async def _new_version(client: Client) -> int:
    made = await ok(client, "create-property-version", {"propertyId": PROPERTY, "createFromVersion": 1})
    return int(made["propertyVersion"])


def _activate(version: int, network: str = "STAGING", **more: Any) -> dict[str, Any]:
    return {"propertyId": PROPERTY, "propertyVersion": version, "network": network, "notifyEmails": EMAILS} | more


async def _activations_of(client: Client, version: int) -> list[dict[str, Any]]:
    listed = await ok(client, "list-property-activations", {"propertyId": PROPERTY})
    return [a for a in listed["items"] if a["propertyVersion"] == version]


async def test_an_activation_answered_after_the_read_timeout_returns_the_activation(
        impatient: AlecsServer, fresh_sandbox: Sandbox) -> None:
    async with connect(impatient) as client:
        version = await _new_version(client)
        fresh_sandbox.settings.activation_answer_delay = LATE
        started = time.monotonic()
        result = await ok(client, "activate-property", _activate(version))
        took = time.monotonic() - started
        [mine] = await _activations_of(client, version)
    assert result["activationId"] == mine["activationId"] and result["recovered"] == LOST
    assert result["status"] in ("PENDING", "ACTIVE")
    assert _posts(fresh_sandbox, ACTIVATIONS) == [201]  # sent once, never replayed
    assert took < LATE  # found by looking it up, not by waiting for the late answer


@asynccontextmanager
async def _losing_the_answer_to(sandbox: Sandbox, registry: Registry, route: str) -> AsyncIterator[
        tuple[Client, CutLink]]:
    """A client whose server reaches the sandbox through a link that drops the answer to the first POST on
    `route` (the sandbox handles the request; only its answer is lost)."""
    with CutLink(("127.0.0.1", sandbox.port), lambda: bool(_posts(sandbox, route))) as link:
        server = server_with(sandbox, registry, host=f"localhost:{link.port}")
        try:
            async with connect(server) as client:
                yield client, link
        finally:
            server.client.close()


async def test_an_activation_whose_connection_drops_after_sending_returns_the_activation(
        fresh_sandbox: Sandbox, registry: Registry) -> None:
    async with _losing_the_answer_to(fresh_sandbox, registry, ACTIVATIONS) as (client, link):
        version = await _new_version(client)
        result = await ok(client, "activate-property", _activate(version))
        [mine] = await _activations_of(client, version)
    assert link.cut == 1
    assert result["activationId"] == mine["activationId"] and result["recovered"] == LOST
    assert _posts(fresh_sandbox, ACTIVATIONS) == [201]


async def test_a_retried_activation_of_an_active_version_gets_akamais_422_and_returns_that_activation(
        server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    async with connect(server) as client:
        version = await _new_version(client)
        first = await ok(client, "activate-property", _activate(version, wait=True, timeoutSeconds=30))
        assert first["status"] == "ACTIVE"
        again = await ok(client, "activate-property", _activate(version))
    assert _posts(fresh_sandbox, ACTIVATIONS) == [201, 422]  # Akamai's refusal reached alecs
    assert again["activationId"] == first["activationId"] and again["recovered"] == REPEATED
    assert again["status"] == "ACTIVE"


async def test_a_retried_activation_while_pending_returns_the_pending_one(
        server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.settings.activation_seconds = 3600.0
    async with connect(server) as client:
        version = await _new_version(client)
        first = await ok(client, "activate-property", _activate(version))
        again = await ok(client, "activate-property", _activate(version))
        other = await _new_version(client)
        refused = await error_text(client, "activate-property", _activate(other))
    assert again["activationId"] == first["activationId"] and again["status"] == "PENDING"
    # another version's activation pending on that network is not this one: Akamai's 422 stands
    assert "422" in refused and "recovered" not in refused
    assert _posts(fresh_sandbox, ACTIVATIONS) == [201, 422, 422]


async def test_an_include_activation_answered_late_returns_the_activation(
        impatient: AlecsServer, fresh_sandbox: Sandbox) -> None:
    include = "inc_400001"
    async with connect(impatient) as client:
        made = await ok(client, "list-include-versions", {"includeId": include})
        version = max(v["includeVersion"] for v in made["items"])
        fresh_sandbox.settings.activation_answer_delay = LATE
        result = await ok(client, "activate-include", {"includeId": include, "includeVersion": version,
                                                       "network": "STAGING", "notifyEmails": EMAILS})
        listed = await ok(client, "list-include-activations", {"includeId": include})
    mine = [a for a in listed["items"] if a["includeVersion"] == version and a["network"] == "STAGING"]
    assert result["activationId"] in {a["activationId"] for a in mine} and result["recovered"]
    assert _posts(fresh_sandbox, f"/papi/v1/includes/{include}/activations") == [201]


async def test_appsec_network_list_and_cloudlets_activations_answered_late_return_the_activation(
        impatient: AlecsServer, fresh_sandbox: Sandbox) -> None:
    async with connect(impatient) as client:
        fresh_sandbox.settings.activation_answer_delay = LATE
        appsec = await ok(client, "activate-appsec-config", {"configId": 43253, "versionNumber": 2,
                                                             "network": "STAGING", "notifyEmails": EMAILS})
        netlist = await ok(client, "activate-network-list", {"networkListId": "1024_BLOCKEDIPS",
                                                             "network": "STAGING"})
        cloudlet = await ok(client, "activate-cloudlet-policy", {"policyId": 1001, "policyVersion": 1,
                                                                 "network": "STAGING"})
        fresh_sandbox.settings.activation_answer_delay = 0.0
        history = await ok(client, "list-appsec-activations", {"configId": 43253})
    assert appsec["recovered"] == LOST and appsec["activationId"] == history["items"][0]["activationId"]
    assert netlist["recovered"] == LOST and netlist["activationId"]
    assert cloudlet["recovered"] == LOST and cloudlet["activationId"]
    assert _posts(fresh_sandbox, "/appsec/v1/activations") == [200]
    assert _posts(fresh_sandbox, "/network-list/v2/network-lists/1024_BLOCKEDIPS/environments/STAGING/activate") \
        == [200]
    assert _posts(fresh_sandbox, "/cloudlets/v3/policies/1001/activations") == [202]


async def test_a_repeated_edgeworker_activation_gets_ew1021_and_returns_the_running_one(
        server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.settings.activation_seconds = 3600.0
    async with connect(server) as client:
        version = await _edgeworker_version(client)
        first = await ok(client, "activate-edgeworker", {"edgeWorkerId": 4201, "version": version,
                                                         "network": "STAGING"})
        again = await ok(client, "activate-edgeworker", {"edgeWorkerId": 4201, "version": version,
                                                         "network": "STAGING"})
    assert again["activationId"] == first["activationId"] and again["recovered"] == REPEATED
    assert [r.status for r in fresh_sandbox.requests
            if r.method == "POST" and r.path == "/edgeworkers/v1/ids/4201/activations"] == [201, 400]


async def _edgeworker_version(client: Client) -> str:
    """A new version of EdgeWorker 4201, uploaded from a bundle built like the conformance samples build one."""
    from tests.conformance.samples import PREPARE

    args = await PREPARE["upload-edgeworker-version"](client)
    made = await ok(client, "upload-edgeworker-version", {"edgeWorkerId": 4201} | args)
    return str(made["version"])


async def test_activate_appsec_config_without_wait_returns_at_once_while_the_request_is_pending(
        server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.settings.activation_request_seconds = 3600.0  # Akamai keeps creating the activation
    args = {"configId": 43253, "versionNumber": 2, "network": "STAGING", "notifyEmails": EMAILS}
    async with connect(server) as client:
        await ok(client, "list-appsec-configs", {})  # a warm connection, as in any session
        started = time.monotonic()
        result = await ok(client, "activate-appsec-config", args | {"wait": False})
        took = time.monotonic() - started
        status = await ok(client, "get-appsec-activation-request", {"statusId": result["statusId"]})
    assert took < 2.0, f"activate-appsec-config took {took:.1f} s without wait"
    assert result["status"] == "REQUESTED" and "get-appsec-activation-request" in result["next"]
    assert status["status"] == "REQUESTED" and status["statusId"] == result["statusId"]


async def test_activate_appsec_config_without_wait_returns_at_once_while_the_activation_is_pending(
        server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.settings.activation_seconds = 3600.0  # the activation exists at once and stays RECEIVED
    async with connect(server) as client:
        await ok(client, "list-appsec-configs", {})
        started = time.monotonic()
        result = await ok(client, "activate-appsec-config", {"configId": 43253, "versionNumber": 2,
                                                             "network": "PRODUCTION", "notifyEmails": EMAILS})
        took = time.monotonic() - started
        still = await ok(client, "get-appsec-activation", {"activationId": result["activationId"]})
    assert took < 2.0, f"activate-appsec-config took {took:.1f} s without wait"
    assert result["status"] == "RECEIVED" and still["status"] == "RECEIVED"
    assert "get-appsec-activation" in result["next"]


async def test_an_appsec_activation_request_becomes_an_activation_that_wait_follows(
        server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.settings.activation_request_seconds = 0.3
    args = {"configId": 43253, "versionNumber": 2, "network": "STAGING", "notifyEmails": EMAILS}
    async with connect(server) as client:
        requested = await ok(client, "activate-appsec-config", args)
        status = await poll(lambda: _activation_of_request(client, requested["statusId"]), timeout=30,
                            what="the activation request to become an activation")
        waited = await ok(client, "activate-appsec-config", {"configId": 43254, "versionNumber": 1,
                                                             "network": "STAGING", "notifyEmails": EMAILS,
                                                             "wait": True, "timeoutSeconds": 60})
    assert status["activationId"] and "get-appsec-activation" in status["next"]
    assert waited["status"] == "ACTIVATED" and waited["finished"] is True


async def _activation_of_request(client: Client, status_id: str) -> dict[str, Any] | None:
    status = await ok(client, "get-appsec-activation-request", {"statusId": status_id})
    return status if "activationId" in status else None


async def test_a_wait_cut_short_by_the_session_ending_is_resumed_with_get_property_activation(
        server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.settings.activation_seconds = 2.0
    async with connect(server) as client:
        version = await _new_version(client)
        waiting = asyncio.create_task(client.call_tool("activate-property",
                                                       _activate(version, wait=True, timeoutSeconds=600)))
        await poll(lambda: _posts(fresh_sandbox, ACTIVATIONS), timeout=10, what="the activation request")
        waiting.cancel()  # the client goes away mid-wait (a closed laptop, a tunnel reconnecting)
        with pytest.raises(asyncio.CancelledError):
            await waiting
    async with connect(server) as later:
        [mine] = await _activations_of(later, version)
        final = await poll(lambda: _active(later, mine["activationId"]), timeout=30,
                           what="the activation to finish on Akamai's side")
    assert final["status"] == "ACTIVE"
    assert not [r for r in fresh_sandbox.requests if r.method == "DELETE"]  # nothing was cancelled on Akamai


async def _active(client: Client, activation_id: str) -> dict[str, Any] | None:
    got = await ok(client, "get-property-activation", {"propertyId": PROPERTY, "activationId": activation_id})
    return got if got["status"] == "ACTIVE" else None  # the one activation, unwrapped from PAPI's envelope


async def test_a_stream_activation_answered_late_and_repeated_returns_the_stream(
        impatient: AlecsServer, fresh_sandbox: Sandbox) -> None:
    async with connect(impatient) as client:
        fresh_sandbox.settings.activation_answer_delay = LATE
        late = await ok(client, "activate-stream", {"streamId": 7051})
        fresh_sandbox.settings.activation_answer_delay = 0.0
        repeated = await ok(client, "activate-stream", {"streamId": 7050})  # already active: Akamai's 400
    assert late["recovered"] == LOST and late["streamStatus"] in ("ACTIVATING", "ACTIVATED")
    assert repeated["recovered"] == REPEATED and repeated["streamStatus"] == "ACTIVATED"
    assert _posts(fresh_sandbox, "/datastream-config-api/v2/log/streams/7051/activate") == [200]
    assert _posts(fresh_sandbox, "/datastream-config-api/v2/log/streams/7050/activate") == [400]


async def test_a_gtm_datacenter_whose_answer_is_lost_is_looked_up_by_nickname(
        fresh_sandbox: Sandbox, registry: Registry) -> None:
    route = "/config-gtm/v1/domains/sandbox.akadns.net/datacenters"
    async with _losing_the_answer_to(fresh_sandbox, registry, route) as (client, link):
        created = await ok(client, "create-gtm-datacenter", {"domainName": "sandbox.akadns.net",
                                                             "nickname": "Lisbon", "country": "PT"})
    assert link.cut == 1 and _posts(fresh_sandbox, route) == [201]
    assert created["resource"]["nickname"] == "Lisbon" and created["recovered"] == LOST
