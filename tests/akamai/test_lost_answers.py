"""A change whose answer never comes is told apart from one that never left: the first may have taken effect (a
distinct NoAnswer error, never replayed), the second surely did not. Reads are retried either way."""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest

from alecs.akamai.client import AkamaiClient, RetryPolicy, Timeouts
from alecs.edgerc import Edgerc
from alecs.errors import AkamaiError, NoAnswer
from alecs.sandbox.server import Sandbox
from tests.support.cutlink import CutLink

H = {"PAPI-Use-Prefixes": "true"}
SCOPE = {"contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001"}
ACTIVATIONS = "/papi/v1/properties/prp_100001/activations"
VERSIONS = "/papi/v1/properties/prp_100001/versions"


def _client(sandbox: Sandbox, host: str | None = None, read: float = 30.0) -> AkamaiClient:
    edgerc = Edgerc(None, use_env=False)
    creds = sandbox.credentials()
    edgerc.add(replace(creds, host=host) if host else creds)
    return AkamaiClient(edgerc, retry=RetryPolicy(attempts=3, backoff=0.01), timeouts=Timeouts(5.0, read),
                        cache_ttl=0)


def _posts(sandbox: Sandbox, path: str) -> int:
    return sum(1 for r in sandbox.requests if r.method == "POST" and r.path == path)


async def _new_version(client: AkamaiClient) -> int:
    made = await client.request("default", "POST", VERSIONS, params=SCOPE, headers=H,
                                json_body={"createFromVersion": 1})
    return int(made.data["versionLink"].split("/versions/")[1].split("?")[0])


async def test_a_post_whose_answer_outlives_the_read_timeout_is_no_answer_and_sent_once(
        fresh_sandbox: Sandbox) -> None:
    client = _client(fresh_sandbox, read=1.5)  # every other answer comes well within it, even on a loaded machine
    version = await _new_version(client)
    fresh_sandbox.settings.activation_answer_delay = 6.0
    with pytest.raises(NoAnswer) as info:
        await client.request("default", "POST", ACTIVATIONS, params=SCOPE, headers=H, json_body={
            "propertyVersion": version, "network": "STAGING", "notifyEmails": ["noc@example.com"]})
    assert info.value.status == 0 and "may have taken effect" in str(info.value)
    assert _posts(fresh_sandbox, ACTIVATIONS) == 1
    client.close()


async def test_a_post_whose_connection_drops_after_sending_is_no_answer_and_sent_once(
        fresh_sandbox: Sandbox) -> None:
    def answered() -> bool:
        return _posts(fresh_sandbox, ACTIVATIONS) > 0

    with CutLink(("127.0.0.1", fresh_sandbox.port), answered) as link:
        client = _client(fresh_sandbox, host=f"localhost:{link.port}")
        version = await _new_version(client)
        with pytest.raises(NoAnswer):
            await client.request("default", "POST", ACTIVATIONS, params=SCOPE, headers=H, json_body={
                "propertyVersion": version, "network": "STAGING", "notifyEmails": ["noc@example.com"]})
        assert link.cut >= 1
        client.close()
    assert _posts(fresh_sandbox, ACTIVATIONS) == 1


async def test_a_post_that_cannot_connect_is_unreachable_not_no_answer(fresh_sandbox: Sandbox) -> None:
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    client = _client(fresh_sandbox, host=f"localhost:{port}")  # nothing listens there any more
    with pytest.raises(AkamaiError) as info:
        await client.request("default", "POST", VERSIONS, params=SCOPE, headers=H, json_body={"createFromVersion": 1})
    assert not isinstance(info.value, NoAnswer)
    assert info.value.problem["title"] == "Akamai API unreachable"
    client.close()


async def test_a_get_whose_answer_is_late_is_retried(fresh_sandbox: Sandbox) -> None:
    def first_get_answered() -> bool:
        return any(r.method == "GET" and r.path == ACTIVATIONS for r in fresh_sandbox.requests)

    with CutLink(("127.0.0.1", fresh_sandbox.port), first_get_answered) as link:
        client = _client(fresh_sandbox, host=f"localhost:{link.port}")
        resp = await client.request("default", "GET", ACTIVATIONS, params=SCOPE, headers=H)
        assert resp.status == 200 and resp.request_count == 2 and link.cut == 1
        client.close()


async def test_a_post_whose_certificate_is_refused_is_unreachable_not_no_answer(fresh_sandbox: Sandbox) -> None:
    edgerc = Edgerc(None, use_env=False)
    edgerc.add(replace(fresh_sandbox.credentials(), ca_bundle=None))  # the public CAs: the sandbox's is not one
    client = AkamaiClient(edgerc, retry=RetryPolicy(attempts=1), cache_ttl=0)
    with pytest.raises(AkamaiError) as info:
        await client.request("default", "POST", VERSIONS, params=SCOPE, headers=H, json_body={"createFromVersion": 1})
    assert not isinstance(info.value, NoAnswer) and info.value.problem["title"] == "Akamai API unreachable"
    assert "certificate" in info.value.problem["detail"]
    assert fresh_sandbox.requests == [] or all(r.path != VERSIONS for r in fresh_sandbox.requests)
    client.close()
