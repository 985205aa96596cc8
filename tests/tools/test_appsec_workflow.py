"""Application Security through the SDK client against the simulator: clone, change, activate, read back."""

from __future__ import annotations

from typing import Any

from mcp import Client

from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from tests.support.mcp import connect
from tests.tools.workflow import ok

CONFIG, ACTIVE, DRAFT, POLICY, RATE = 43253, 1, 2, "WWW1_12345", 300101


async def refused(client: Client, name: str, args: dict[str, Any]) -> str:
    result = await client.call_tool(name, args)
    assert result.is_error, f"{name} was expected to fail"
    return result.content[0].text


async def test_clone_change_rate_policy_activate_on_staging_and_read_back(server: AlecsServer,
                                                                         fresh_sandbox: Sandbox) -> None:
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    async with connect(server) as client:
        clone = await ok(client, "clone-appsec-config-version",
                         {"configId": CONFIG, "createFromVersion": ACTIVE})
        new = clone["version"]
        assert new == 3 and clone["basedOn"] == ACTIVE
        assert clone["staging"]["status"] == "Inactive"

        before = await ok(client, "get-rate-policy", {"configId": CONFIG, "versionNumber": new, "ratePolicyId": RATE})
        assert before["averageThreshold"] == 50
        changed = await ok(client, "update-rate-policy", {"configId": CONFIG, "versionNumber": new,
                                                          "ratePolicyId": RATE,
                                                          "changes": {"averageThreshold": 20, "burstThreshold": 40}})
        assert (changed["averageThreshold"], changed["burstThreshold"]) == (20, 40)
        assert changed["name"] == before["name"] and changed["path"] == before["path"]
        await ok(client, "set-rate-policy-action", {"configId": CONFIG, "versionNumber": new, "policyId": POLICY,
                                                    "ratePolicyId": RATE, "ipv4Action": "deny",
                                                    "ipv6Action": "deny"})

        done = await ok(client, "activate-appsec-config",
                        {"configId": CONFIG, "versionNumber": new, "network": "STAGING", "wait": True,
                         "notifyEmails": ["secops@example.com"], "note": "Tighter page view limit",
                         "timeoutSeconds": 60}, progress_callback=on_progress)
        assert done["status"] == "ACTIVATED" and done["finished"] is True
        assert done["activationConfigs"][0]["previousConfigVersion"] == ACTIVE
        assert progress, "no progress notification arrived while waiting"
        assert any("RECEIVED" in (m or "") for _, _, m in progress)
        assert "ACTIVATED" in (progress[-1][2] or "")

        version = await ok(client, "get-appsec-config-version", {"configId": CONFIG, "versionNumber": new})
        assert version["staging"]["status"] == "Active" and version["production"]["status"] == "Inactive"
        old = await ok(client, "get-appsec-config-version", {"configId": CONFIG, "versionNumber": ACTIVE})
        assert old["staging"]["status"] == "Deactivated" and old["production"]["status"] == "Active"
        configs = await ok(client, "list-appsec-configs", {})
        mine = next(c for c in configs["items"] if c["id"] == CONFIG)
        assert (mine["stagingVersion"], mine["productionVersion"], mine["latestVersion"]) == (new, ACTIVE, new)
        history = await ok(client, "list-appsec-activations", {"configId": CONFIG})
        assert history["items"][0]["activationId"] == done["activationId"]
        assert history["items"][0]["status"] == "ACTIVATED" and history["items"][0]["version"] == new

        # The new version has the change, the old one does not.
        after_new = await ok(client, "get-rate-policy", {"configId": CONFIG, "versionNumber": new,
                                                         "ratePolicyId": RATE})
        after_old = await ok(client, "get-rate-policy", {"configId": CONFIG, "versionNumber": ACTIVE,
                                                         "ratePolicyId": RATE})
        assert after_new["averageThreshold"] == 20 and after_old["averageThreshold"] == 50
        actions_old = await ok(client, "list-rate-policy-actions", {"configId": CONFIG, "versionNumber": ACTIVE,
                                                                    "policyId": POLICY})
        assert next(a for a in actions_old["items"] if a["id"] == RATE)["ipv4Action"] == "alert"
        diff = await ok(client, "diff-appsec-config-versions", {"configId": CONFIG, "fromVersion": ACTIVE,
                                                                "toVersion": new})
        modified = diff["ratePolicies"]["modified"][0]
        assert modified["id"] == RATE
        assert modified["averageThreshold"] == {"outcome": "MODIFIED", "from": 50, "to": 20}
        exported = await ok(client, "export-appsec-config-version", {"configId": CONFIG, "versionNumber": new})
        assert next(r for r in exported["ratePolicies"] if r["id"] == RATE)["averageThreshold"] == 20


async def test_editing_an_active_version_is_refused_like_akamai(server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    async with connect(server) as client:
        text = await refused(client, "update-rate-policy", {"configId": CONFIG, "versionNumber": ACTIVE,
                                                            "ratePolicyId": RATE,
                                                            "changes": {"averageThreshold": 1}})
        assert "Akamai error 403: This operation is invalid" in text
        assert "You can't edit this security configuration version" in text
        text = await refused(client, "set-attack-group-action", {"configId": CONFIG, "versionNumber": ACTIVE,
                                                                 "policyId": POLICY, "attackGroupId": "SQL",
                                                                 "action": "none"})
        assert "Akamai error 403" in text and "previously active" in text
        unchanged = await ok(client, "get-rate-policy", {"configId": CONFIG, "versionNumber": ACTIVE,
                                                         "ratePolicyId": RATE})
        assert unchanged["averageThreshold"] == 50


async def test_a_version_becomes_locked_once_activation_is_requested(server: AlecsServer,
                                                                     fresh_sandbox: Sandbox) -> None:
    async with connect(server) as client:
        await ok(client, "activate-appsec-config", {"configId": CONFIG, "versionNumber": DRAFT, "network": "STAGING",
                                                    "notifyEmails": ["secops@example.com"]})
        text = await refused(client, "set-waf-mode", {"configId": CONFIG, "versionNumber": DRAFT,
                                                      "policyId": POLICY, "mode": "KRS"})
        assert "Akamai error 403" in text and "pending activation" in text


async def test_unknown_ids_get_akamais_not_found(server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    async with connect(server) as client:
        text = await refused(client, "get-rate-policy", {"configId": CONFIG, "versionNumber": DRAFT,
                                                         "ratePolicyId": 999999})
        assert "Akamai error 404: Not Found" in text and "rate policy 999999" in text
        text = await refused(client, "list-appsec-config-versions", {"configId": 1})
        assert "Akamai error 404" in text
        text = await refused(client, "get-ip-geo-firewall", {"configId": CONFIG, "versionNumber": DRAFT,
                                                             "policyId": "NOPE_1"})
        assert "Akamai error 404" in text and "NOPE_1" in text


async def test_half_a_rate_policy_is_refused_before_sending_and_a_duplicate_name_gets_400(
        server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    async with connect(server) as client:
        fresh_sandbox.server.request_log.clear()
        text = await refused(client, "create-rate-policy", {"configId": CONFIG, "versionNumber": DRAFT,
                                                            "ratePolicy": {"name": "Half a policy"}})
        assert "ratePolicy.averageThreshold: Field required" in text
        misspelt = {"name": "Logins", "averageThreshold": 5, "burstThreshold": 10, "pathMatchType": "Custom",
                    "paths": {"positiveMatch": True, "values": ["/login"]}}
        text = await refused(client, "create-rate-policy", {"configId": CONFIG, "versionNumber": DRAFT,
                                                            "ratePolicy": misspelt})
        assert text.startswith("Not sent") and "paths: is not a property this operation knows" in text
        assert "(POST /appsec/v1/configs/{configId}/versions/{versionNumber}/rate-policies)" in text
        assert not fresh_sandbox.requests
        text = await refused(client, "update-rate-policy", {"configId": CONFIG, "versionNumber": DRAFT,
                                                            "ratePolicyId": RATE,
                                                            "changes": {"name": "Login Requests"}})
        assert "Akamai error 400" in text and "already exists" in text
        text = await refused(client, "update-rate-policy", {"configId": CONFIG, "versionNumber": DRAFT,
                                                            "ratePolicyId": RATE, "changes": {}})
        assert "changes" in text


async def test_policy_settings_round_trip_in_a_draft(server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    base = {"configId": CONFIG, "versionNumber": DRAFT, "policyId": POLICY}
    async with connect(server) as client:
        await ok(client, "set-attack-group-action", base | {"attackGroupId": "XSS", "action": "alert"})
        groups = await ok(client, "list-attack-group-actions", base)
        assert {g["group"]: g["action"] for g in groups["items"]}["XSS"] == "alert"
        await ok(client, "set-waf-evaluation", base | {"eval": "START", "mode": "ASE_AUTO"})
        mode = await ok(client, "get-waf-mode", base)
        assert mode["eval"] is True and "expires" in mode
        await ok(client, "update-penalty-box", base | {"penaltyBoxProtection": True, "action": "abort"})
        assert (await ok(client, "get-penalty-box", base))["action"] == "abort"
        await ok(client, "update-appsec-selected-hostnames", {"configId": CONFIG, "versionNumber": DRAFT,
                                                             "hostnames": ["shop.example.com"]})
        target = await ok(client, "create-match-target", {"configId": CONFIG, "versionNumber": DRAFT,
                                                          "policyId": POLICY, "hostnames": ["shop.example.com"],
                                                          "filePaths": ["/*"]})
        assert target["securityPolicy"] == {"policyId": POLICY} and target["type"] == "website"
        hosts = await ok(client, "get-appsec-selected-hostnames", {"configId": CONFIG, "versionNumber": DRAFT})
        assert "shop.example.com" in [h["hostname"] for h in hosts["items"]]
        active_hosts = await ok(client, "get-appsec-selected-hostnames", {"configId": CONFIG,
                                                                          "versionNumber": ACTIVE})
        assert "shop.example.com" not in [h["hostname"] for h in active_hosts["items"]]
