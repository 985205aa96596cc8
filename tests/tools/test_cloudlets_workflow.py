"""Cloudlets through the SDK client against the simulator: policy, version, activation with waiting."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from tests.support.mcp import connect

RULES = [{"type": "erMatchRule", "name": "blog moved", "matchURL": "/blog/*", "redirectURL": "/news/",
          "statusCode": 301}]


async def call(client: Client, name: str, args: dict[str, Any], **kw: Any) -> dict[str, Any]:
    result = await client.call_tool(name, args, **kw)
    assert not result.is_error, result.content[0].text
    return result.structured_content or {}


async def test_create_version_and_activate_with_wait_reports_progress(server: AlecsServer) -> None:
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    async with connect(server) as client:
        policy = await call(client, "create-cloudlet-policy", {"name": "blog_redirects", "cloudletType": "ER",
                                                              "groupId": 10001, "description": "Blog moves"})
        version = await call(client, "create-cloudlet-policy-version", {
            "policyId": policy["id"], "description": "Blog to news", "matchRules": RULES})
        assert version["version"] == 1 and version["immutable"] is False

        done = await call(client, "activate-cloudlet-policy", {
            "policyId": policy["id"], "policyVersion": version["version"], "network": "STAGING", "wait": True,
            "timeoutSeconds": 30}, progress_callback=on_progress)
        assert done["status"] == "SUCCESS" and done["finished"] is True
        assert progress and "IN_PROGRESS" in (progress[0][2] or "") and "SUCCESS" in (progress[-1][2] or "")

        read = await call(client, "get-cloudlet-policy", {"policyId": policy["id"]})
        assert read["currentActivations"]["staging"]["effective"]["policyVersion"] == 1
        assert read["currentActivations"]["production"]["effective"] is None
        stored = await call(client, "get-cloudlet-policy-version", {"policyId": policy["id"], "policyVersion": 1})
        assert stored["immutable"] is True and stored["matchRules"][0]["redirectURL"] == "/news/"
        activation = await call(client, "get-cloudlet-policy-activation", {"policyId": policy["id"],
                                                                           "activationId": done["activationId"]})
        assert activation["status"] == "SUCCESS" and activation["network"] == "STAGING"


async def test_activation_without_wait_is_in_progress_and_a_second_one_is_refused(
        server: AlecsServer, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox.settings, "activation_seconds", 60.0)  # keep the first one IN_PROGRESS
    async with connect(server) as client:
        started = await call(client, "activate-cloudlet-policy", {"policyId": 1001, "policyVersion": 1,
                                                                  "network": "STAGING"})
        assert started["status"] == "IN_PROGRESS" and "get-cloudlet-policy-activation" in started["next"]
        again = await client.call_tool("activate-cloudlet-policy", {"policyId": 1001, "policyVersion": 1,
                                                                    "network": "PRODUCTION"})
        assert again.is_error and "400" in again.content[0].text and "pending" in again.content[0].text


async def test_bad_cloudlets_input_gets_akamais_errors(server: AlecsServer) -> None:
    async with connect(server) as client:
        dup = await client.call_tool("create-cloudlet-policy", {"name": "static_assets_redirector",
                                                               "cloudletType": "ER", "groupId": 10001})
        assert dup.is_error and "409" in dup.content[0].text and "already exists" in dup.content[0].text
        missing = await client.call_tool("activate-cloudlet-policy", {"policyId": 1001, "policyVersion": 9,
                                                                      "network": "STAGING"})
        assert missing.is_error and "404" in missing.content[0].text and "Policy Version `9`" in \
            missing.content[0].text
        wrong = await client.call_tool("create-cloudlet-policy-version", {
            "policyId": 1001, "description": "x", "matchRules": [{"type": "cdMatchRule", "name": "x"}]})
        assert wrong.is_error and "400" in wrong.content[0].text and "erMatchRule" in wrong.content[0].text
