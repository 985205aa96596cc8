"""The seeded account agrees with itself, read through the APIs as any EdgeGrid client would: what one API
names, another API has."""

from __future__ import annotations

from typing import Any

from tests.support.sandbox_api import PAPI, SandboxApi

APPSEC = "/appsec/v1"
LISTS = "/network-list/v2/network-lists"


def _firewalls(api: SandboxApi) -> list[tuple[str, dict[str, Any]]]:
    """(where, ipGeo) for every policy of every version of every seeded security configuration."""
    out = []
    for cfg in api.get(f"{APPSEC}/configs")["configurations"]:
        for v in api.get(f"{APPSEC}/configs/{cfg['id']}/versions")["versionList"]:
            base = f"{APPSEC}/configs/{cfg['id']}/versions/{v['version']}"
            for policy in api.get(f"{base}/security-policies")["policies"]:
                out.append((f"{cfg['id']} v{v['version']} {policy['policyId']}",
                            api.get(f"{base}/security-policies/{policy['policyId']}/ip-geo-firewall")))
    return out


def test_every_network_list_a_waf_policy_uses_exists_with_the_right_type(api: SandboxApi) -> None:
    lists = {n["uniqueId"]: n for n in api.get(LISTS)["networkLists"]}
    firewalls = _firewalls(api)
    assert len(firewalls) >= 4
    for where, fw in firewalls:
        for section, kind in (("geoControls", "GEO"), ("ipControls", "IP")):
            for key in ("blockedIPNetworkLists", "allowedIPNetworkLists"):
                for list_id in ((fw.get(section) or {}).get(key) or {}).get("networkList", []):
                    assert list_id in lists, f"{where}: {section}.{key} names {list_id}, which does not exist"
                    assert lists[list_id]["type"] == kind, f"{where}: {list_id} is {lists[list_id]['type']}"


def test_the_ip_list_blocked_by_the_waf_is_what_the_waf_blocks(api: SandboxApi) -> None:
    blocked_by_waf = [n["uniqueId"] for n in api.get(LISTS)["networkLists"]
                      if "blocked by the waf" in (n.get("description") or "").lower()]
    assert blocked_by_waf == ["1024_BLOCKEDIPS"]
    blocked = {list_id for _, fw in _firewalls(api)
               for list_id in fw["ipControls"]["blockedIPNetworkLists"]["networkList"]}
    assert blocked == {"1024_BLOCKEDIPS"}
    elements = api.get(f"{LISTS}/1024_BLOCKEDIPS")["list"]
    assert "192.0.2.0/24" in elements


def test_papi_lists_every_cp_code_that_cprg_and_reporting_know(api: SandboxApi) -> None:
    scope = {"contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001"}
    papi = {c["cpcodeId"].removeprefix("cpc_") for c in
            api.get("/papi/v1/cpcodes", params=scope, headers=PAPI)["cpcodes"]["items"]}
    cprg = {str(c["cpcodeId"]) for c in api.get("/cprg/v1/cpcodes")["cpcodes"]}
    assert papi == cprg == {"300001", "300002"}


def test_what_is_seeded_active_shows_in_each_apis_activation_history(api: SandboxApi) -> None:
    prop = api.get("/papi/v1/properties/prp_100001", headers=PAPI)["properties"]["items"][0]
    assert (prop["stagingVersion"], prop["productionVersion"]) == (1, 1)
    history = api.get("/papi/v1/properties/prp_100001/activations", headers=PAPI)["activations"]["items"]
    assert {(a["network"], a["propertyVersion"], a["status"]) for a in history} == {
        ("STAGING", 1, "ACTIVE"), ("PRODUCTION", 1, "ACTIVE")}
    for act in history:
        one = api.get(f"/papi/v1/properties/prp_100001/activations/{act['activationId']}", headers=PAPI)
        assert one["activations"]["items"][0]["submitDate"] < "2025-02-01"

    cfg = api.get(f"{APPSEC}/configs/43253")
    assert (cfg["stagingVersion"], cfg["productionVersion"]) == (1, 1)
    for entry in api.get(f"{APPSEC}/configs/43253/activations")["activationHistory"]:
        one = api.get(f"{APPSEC}/activations/{entry['activationId']}")
        assert (one["status"], one["network"], one["activationConfigs"][0]["configVersion"]) == (
            "ACTIVATED", entry["network"], 1)

    live = api.get("/edgeworkers/v1/ids/4201/activations", params={"activeOnNetwork": "true"})["activations"]
    assert {(a["network"], a["version"]) for a in live} == {("STAGING", "1"), ("PRODUCTION", "1")}

    for list_id in ("1024_BLOCKEDIPS", "1026_OFFICEIPS"):
        for env in ("STAGING", "PRODUCTION"):
            status = api.get(f"{LISTS}/{list_id}/environments/{env}/status")
            assert status["activationStatus"] == "ACTIVE"
            assert api.get(f"/network-list/v2/activations/{status['activationId']}")["environment"] == env

    cloudlet = api.get("/cloudlets/v3/policies/1001/activations", params={"page": 0, "size": 10})["content"]
    assert [(a["network"], a["policyVersion"], a["status"]) for a in cloudlet] == [("PRODUCTION", 1, "SUCCESS")]
    stream = api.get("/datastream-config-api/v2/log/streams/7050")
    assert stream["streamStatus"] == "ACTIVATED"
    assert api.get("/datastream-config-api/v2/log/streams/7050/activation-history")[0]["status"] == "ACTIVATED"
