"""The sandbox can answer an activation POST later than a client waits (as PAPI does for a big rule tree) while
creating the activation at once; activating a version that is already active or pending gets the 422 PAPI
documents, so a client that lost the answer can find the activation it started."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from alecs.app import sandbox_settings
from alecs.sandbox.account import Settings
from alecs.sandbox.server import Sandbox
from tests.support.sandbox_api import PAPI, SandboxApi
from tests.support.waiting import wait_until

DELAY = 3.0  # the answer is held back this long; the client below gives up after READ_TIMEOUT
READ_TIMEOUT = 0.5
SCOPE = {"contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001"}
PROPERTY = "/papi/v1/properties/prp_100001"
INCLUDE = "/papi/v1/includes/inc_400001"


@pytest.fixture
def slow() -> Iterator[Sandbox]:
    """A sandbox of its own: activations stay pending 1 s, their answers come DELAY s late."""
    with Sandbox(Settings(activation_seconds=1.0, activation_answer_delay=DELAY)) as box:
        yield box  # stopping it cuts short any answer still held back


@pytest.fixture
def client(slow: Sandbox) -> Iterator[SandboxApi]:
    api = SandboxApi(slow, timeout=(10.0, READ_TIMEOUT))
    yield api
    api.close()


def _new_version(api: SandboxApi) -> int:
    made = api.request("POST", f"{PROPERTY}/versions", params=SCOPE, headers=PAPI, json={"createFromVersion": 1})
    assert made.status_code == 201, made.text
    return int(made.json()["versionLink"].split("/versions/")[1].split("?")[0])


def _activate(api: SandboxApi, path: str, body: dict[str, Any], **kw: Any) -> requests.Response:
    return api.request("POST", f"{path}/activations", params=SCOPE, headers=PAPI,
                       json=body | {"network": "STAGING", "notifyEmails": ["noc@example.com"]}, **kw)


def _activations(api: SandboxApi, path: str) -> list[dict[str, Any]]:
    return list(api.get(f"{path}/activations", headers=PAPI)["activations"]["items"])


def _started(api: SandboxApi, path: str, key: str, version: int) -> list[dict[str, Any]]:
    """The activations of that version, once the POST the client gave up on has been handled."""
    return wait_until(lambda: [a for a in _activations(api, path) if a[key] == version],
                      what="the activation whose answer never came")


def test_the_settings_field_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().activation_answer_delay == 0.0
    monkeypatch.setenv("ALECS_SANDBOX_ACTIVATION_ANSWER_DELAY", "12.5")
    monkeypatch.setenv("ALECS_SANDBOX_ACTIVATION_SECONDS", "2")
    settings = sandbox_settings()
    assert (settings.activation_answer_delay, settings.activation_seconds) == (12.5, 2.0)


def test_a_late_answer_outlives_the_read_timeout_but_the_activation_exists(client: SandboxApi) -> None:
    version = _new_version(client)
    with pytest.raises(requests.ReadTimeout):
        _activate(client, PROPERTY, {"propertyVersion": version})
    mine = _started(client, PROPERTY, "propertyVersion", version)
    assert [(a["network"], a["status"]) for a in mine] == [("STAGING", "PENDING")]


def test_a_retried_activation_gets_papis_422_while_pending_and_once_active(client: SandboxApi) -> None:
    version = _new_version(client)
    with pytest.raises(requests.ReadTimeout):
        _activate(client, PROPERTY, {"propertyVersion": version})
    _started(client, PROPERTY, "propertyVersion", version)

    pending = _activate(client, PROPERTY, {"propertyVersion": version})  # refusals are answered at once
    assert pending.status_code == 422 and pending.headers["Content-Type"] == "application/problem+json"
    body = pending.json()
    assert body["type"] == "https://problems.luna.akamaiapis.net/papi/v1/property_activation_still_pending"
    assert (body["title"], body["messageId"], body["result"]) == (
        "Property Manager Exception", "property_activation_still_pending", "ERROR")
    assert body["params"] == ["Property 100001", f"Version {version}"] and body["details"] == {}
    assert body["errors"] == [{"type": "papi/v1/property_activation_still_pending",
                               "title": "Property Manager Exception", "detail": "property_activation_still_pending"}]
    assert "detail" not in body  # the documented 422 has none at the top

    wait_until(lambda: any(a["propertyVersion"] == version and a["status"] == "ACTIVE"
                           for a in _activations(client, PROPERTY)), what="the activation to finish")
    active = _activate(client, PROPERTY, {"propertyVersion": version})
    assert active.status_code == 422
    again = active.json()
    assert again["type"] == "https://problems.luna.akamaiapis.net/papi/v0/activation/already-activated"
    assert again["errors"][0]["detail"] == "The property version has already been activated."
    assert again["params"] == ["Property 100001", f"Version {version}"]
    assert len([a for a in _activations(client, PROPERTY) if a["propertyVersion"] == version]) == 1


def test_the_seeded_active_version_is_already_activated(client: SandboxApi) -> None:
    refused = _activate(client, PROPERTY, {"propertyVersion": 1})
    assert refused.status_code == 422 and refused.json()["messageId"] == "already_activated"


def test_include_activations_answer_late_and_refuse_a_repeat_the_same_way(client: SandboxApi) -> None:
    with pytest.raises(requests.ReadTimeout):
        _activate(client, INCLUDE, {"includeVersion": 1})
    assert [a["status"] for a in _started(client, INCLUDE, "includeVersion", 1)] == ["PENDING"]
    repeat = _activate(client, INCLUDE, {"includeVersion": 1})
    assert repeat.status_code == 422
    assert repeat.json()["messageId"] == "property_activation_still_pending"
    assert repeat.json()["params"] == ["Include 400001", "Version 1"]


def test_a_held_back_answer_arrives_after_the_delay_and_blocks_no_one(slow: Sandbox) -> None:
    patient = SandboxApi(slow, timeout=30.0)
    quick = SandboxApi(slow, timeout=30.0)
    try:
        version = _new_version(patient)
        answers: list[tuple[int, float]] = []

        def activate() -> None:
            began = time.monotonic()
            resp = _activate(patient, PROPERTY, {"propertyVersion": version})
            answers.append((resp.status_code, time.monotonic() - began))

        worker = threading.Thread(target=activate)
        worker.start()
        wait_until(lambda: any(a["propertyVersion"] == version for a in _activations(quick, PROPERTY)),
                   what="the activation to exist while its answer is held back")
        assert not answers  # the state lock is free while the answer waits
        worker.join(timeout=30)
        assert answers and answers[0][0] == 201 and answers[0][1] >= DELAY
    finally:
        patient.close()
        quick.close()


@pytest.mark.parametrize("path,body", [
    ("/appsec/v1/activations", {"action": "ACTIVATE", "network": "STAGING", "note": "n",
                                "notificationEmails": ["noc@example.com"],
                                "activationConfigs": [{"configId": 43253, "configVersion": 2}]}),
    ("/network-list/v2/network-lists/1025_EMBARGOEDGEOS/environments/STAGING/activate", {"comments": "geo"}),
    ("/edgeworkers/v1/ids/4201/activations", {"network": "STAGING", "version": "1"}),
    ("/cloudlets/v3/policies/1001/activations", {"network": "STAGING", "operation": "ACTIVATION",
                                                 "policyVersion": 1}),
    ("/datastream-config-api/v2/log/streams/7051/activate", None),
])
def test_every_activation_api_answers_late_after_creating_the_activation(client: SandboxApi, slow: Sandbox,
                                                                        path: str, body: Any) -> None:
    with pytest.raises(requests.ReadTimeout):
        client.request("POST", path, json=body)
    logged = wait_until(lambda: [r for r in slow.requests if r.method == "POST" and r.path == path],
                        what="the POST to be handled")
    assert [r.status for r in logged] == [200 if "appsec" in path or "network-list" in path
                                          or "datastream" in path else 202 if "cloudlets" in path else 201]


def test_edgeworkers_refuses_a_version_already_being_activated_with_ew1021(client: SandboxApi) -> None:
    with pytest.raises(requests.ReadTimeout):
        client.request("POST", "/edgeworkers/v1/ids/4201/activations", json={"network": "STAGING", "version": "1"})
    wait_until(lambda: len(client.get("/edgeworkers/v1/ids/4201/activations")["activations"]) == 3,
               what="the third activation of 4201")
    again = client.request("POST", "/edgeworkers/v1/ids/4201/activations", json={"network": "STAGING",
                                                                                  "version": "1"})
    assert again.status_code == 400
    assert again.json() | {"instance": "-"} == {
        "type": "/edgeworkers/error-types/edgeworkers-bad-request", "title": "Bad Request.", "status": 400,
        "detail": "This version is already being activated on staging", "errorCode": "EW1021", "instance": "-"}
