"""Edge DNS through the SDK client against the simulator: a zone from creation to records served and versioned."""

from __future__ import annotations

from typing import Any

from mcp import Client

from alecs.server import AlecsServer
from alecs.tools.registry import Registry
from tests.support.mcp import connect
from tests.tools.workflow import error_text, ok

ZONE = "shop.example"


async def new_zone(client: Client, zone: str = ZONE) -> dict[str, Any]:
    return await ok(client, "create-zone", {"contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001", "zone": zone,
                                            "type": "PRIMARY", "comment": "shop"})


async def test_records_added_through_a_changelist_are_served_and_versioned(server: AlecsServer) -> None:
    async with connect(server) as client:
        created = await new_zone(client)
        assert (created["zone"], created["type"], created["contractId"]) == (ZONE, "PRIMARY", "C-0SANDBOX")
        first_version = created["versionId"]

        changelist = await ok(client, "create-changelist", {"zone": ZONE})
        assert changelist["zoneVersionId"] == first_version and changelist["stale"] is False
        for change in ({"name": f"www.{ZONE}", "type": "A", "ttl": 300, "rdata": ["192.0.2.10", "192.0.2.11"]},
                       {"name": ZONE, "type": "TXT", "ttl": 3600, "rdata": ['"v=spf1 -all"']},
                       {"name": ZONE, "type": "MX", "ttl": 3600, "rdata": [f"10 mail.{ZONE}."]}):
            await ok(client, "add-changelist-change", {"zone": ZONE, "op": "ADD"} | change)

        diff = await ok(client, "get-changelist-diff", {"zone": ZONE})
        staged = {(d["name"], d["type"], d["operation"]) for d in diff["diffs"]["recordSetDiffs"]}
        assert staged == {(f"www.{ZONE}", "A", "ADD"), (ZONE, "TXT", "ADD"), (ZONE, "MX", "ADD")}
        # Nothing is live before the submit.
        live = await ok(client, "list-record-sets", {"zone": ZONE, "types": "A,TXT,MX"})
        assert live["total"] == 0

        submitted = await ok(client, "submit-changelist", {"zone": ZONE, "comment": "launch"})
        assert submitted["submitted"] is True and submitted["versionId"] != first_version
        assert submitted["activationState"] == "ACTIVE"
        assert (await ok(client, "list-changelists", {}))["total"] == 0

        records = await ok(client, "list-record-sets", {"zone": ZONE})
        by_key = {(r["name"], r["type"]): r for r in records["items"]}
        assert by_key[(f"www.{ZONE}", "A")]["rdata"] == ["192.0.2.10", "192.0.2.11"]
        assert by_key[(ZONE, "TXT")]["rdata"] == ['"v=spf1 -all"']
        assert by_key[(ZONE, "MX")] == {"name": ZONE, "type": "MX", "ttl": 3600, "rdata": [f"10 mail.{ZONE}."]}
        assert {(ZONE, "SOA"), (ZONE, "NS")} <= set(by_key)
        one = await ok(client, "get-record-set", {"zone": ZONE, "name": f"www.{ZONE}", "type": "a"})
        assert one["ttl"] == 300

        zone_file = await client.call_tool("get-zone-file", {"zone": ZONE})
        text = zone_file.content[0].text
        assert f"www.{ZONE}.\t300\tIN\tA\t192.0.2.10" in text and f"{ZONE}.\t3600\tIN\tMX\t10 mail.{ZONE}." in text

        versions = await ok(client, "list-zone-versions", {"zone": ZONE})
        ids = [v["versionId"] for v in versions["items"]]
        assert ids == [submitted["versionId"], first_version]
        assert [v["activationState"] for v in versions["items"]] == ["ACTIVE", "OBSOLETE"]
        new = await ok(client, "get-zone-version", {"zone": ZONE, "versionId": ids[0]})
        assert {(r["name"], r["type"]) for r in new["recordsets"]} == set(by_key)
        old_file = await ok(client, "get-zone-file", {"zone": ZONE, "versionId": first_version})
        assert "192.0.2.10" not in old_file["zoneFile"] and "IN\tSOA" in old_file["zoneFile"]
        diff = await ok(client, "diff-zone-versions", {"zone": ZONE, "from": first_version, "to": ids[0]})
        assert {d["type"] for d in diff["diffs"]["recordSetDiffs"] if d["operation"] == "ADD"} >= {"A", "TXT", "MX"}


async def test_a_txt_record_added_directly_is_live_and_can_be_edited_and_deleted(server: AlecsServer) -> None:
    async with connect(server) as client:
        args = {"zone": "example.com", "name": "_acme-challenge.example.com", "type": "TXT"}
        added = await ok(client, "create-record-set", args | {"ttl": 120, "rdata": ['"token-1"']})
        assert added == {"name": "_acme-challenge.example.com", "type": "TXT", "ttl": 120, "rdata": ['"token-1"']}
        await ok(client, "update-record-set", args | {"ttl": 60, "rdata": ['"token-2"']})
        assert (await ok(client, "get-record-set", args))["rdata"] == ['"token-2"']
        await ok(client, "delete-record-set", args)
        text = await error_text(client, "get-record-set", args)
        assert "404" in text and "No TXT record set named _acme-challenge.example.com" in text


def test_the_record_tool_says_it_adds_common_record_types(registry: Registry) -> None:
    spec = registry.get("create-record-set")
    assert spec is not None and "Add DNS records" in spec.description
    assert all(t in spec.description for t in ("A, AAAA, CNAME, TXT, MX",))


async def test_bulk_zone_jobs_report_progress_and_per_zone_results(server: AlecsServer) -> None:
    async with connect(server) as client:
        progress: list[tuple[float, float | None, str | None]] = []

        async def on_progress(done: float, total: float | None, message: str | None) -> None:
            progress.append((done, total, message))

        created = await ok(client, "bulk-create-zones", {
            "contractId": "C-0SANDBOX", "groupId": "10001", "wait": True, "timeoutSeconds": 30,
            "zones": [{"zone": "one.example", "type": "PRIMARY"}, {"zone": "example.com", "type": "PRIMARY"}]},
            progress_callback=on_progress)
        assert created["status"]["isComplete"] is True
        assert created["result"]["successfullyCreatedZones"] == ["one.example"]
        assert created["result"]["failedZones"] == [{"zone": "example.com", "failureReason": "ZONE_ALREADY_EXISTS"}]
        assert progress and progress[-1][2].startswith("COMPLETE")

        deleted = await ok(client, "delete-zones", {"zones": ["one.example", "example.com"], "wait": True,
                                                    "timeoutSeconds": 30})
        assert deleted["result"]["successfullyDeletedZones"] == ["one.example"]
        assert deleted["result"]["failedZones"] == [{"zone": "example.com", "failureReason": "ZONE_DELEGATION_ERROR"}]
        text = await error_text(client, "get-zone", {"zone": "one.example"})
        assert "404" in text and "one.example does not exist" in text

        pending = await ok(client, "delete-zones", {"zones": ["example.org"]})
        assert pending["status"]["isComplete"] is False and "get-bulk-zone-request" in pending["next"]


async def test_secondary_zones_report_transfers_and_tsig_keys(server: AlecsServer) -> None:
    async with connect(server) as client:
        status = await ok(client, "get-zone-transfer-status", {"zones": ["secondary.example.net"]})
        masters = status["zones"][0]["masters"]
        assert [m["masterIP"] for m in masters] == ["192.0.2.53"]
        key = await ok(client, "get-zone-tsig-key", {"zone": "secondary.example.net"})
        assert (key["name"], key["algorithm"], key["zonesCount"]) == ("xfr.example.net.", "hmac-sha256", 1)
        dnssec = await ok(client, "get-dnssec-status", {"zones": ["example.org"]})
        assert "DS" in dnssec["dnsSecStatuses"][0]["currentRecords"]["dsRecord"]
        text = await error_text(client, "get-dnssec-status", {"zones": ["example.com"]})
        assert "400" in text and "not signed" in text


async def test_akamai_errors_reach_the_assistant_with_title_and_detail(server: AlecsServer) -> None:
    async with connect(server) as client:
        text = await error_text(client, "get-zone", {"zone": "missing.example"})
        assert "Akamai error 404: Not found" in text and "missing.example does not exist" in text

        text = await error_text(client, "create-record-set", {"zone": "example.com", "name": "bad.example.com",
                                                              "type": "A", "ttl": 300, "rdata": ["300.1.1.1"]})
        assert "Akamai error 400: Invalid record set" in text and "'300.1.1.1' is not a valid A address" in text

        text = await error_text(client, "create-record-set", {"zone": "example.com", "name": "www.example.com",
                                                              "type": "A", "ttl": 300, "rdata": ["192.0.2.1"]})
        assert "Akamai error 409: Conflict" in text and "already exists" in text

        text = await error_text(client, "create-zone", {"contractId": "C-0SANDBOX", "groupId": "10001",
                                                        "zone": "example.com", "type": "PRIMARY"})
        assert "409" in text and "Zone example.com already exists" in text


async def test_a_changelist_goes_stale_when_the_zone_changes_and_submit_is_refused(server: AlecsServer) -> None:
    async with connect(server) as client:
        await ok(client, "create-changelist", {"zone": "example.com"})
        text = await error_text(client, "create-changelist", {"zone": "example.com"})
        assert "409" in text and "already exists" in text
        await ok(client, "add-changelist-change", {"zone": "example.com", "name": "api.example.com", "type": "A",
                                                   "op": "ADD", "ttl": 300, "rdata": ["192.0.2.40"]})
        # Someone edits the zone directly meanwhile.
        await ok(client, "create-record-set", {"zone": "example.com", "name": "blog.example.com", "type": "CNAME",
                                               "ttl": 300, "rdata": ["www.example.com."]})
        assert (await ok(client, "get-changelist", {"zone": "example.com"}))["stale"] is True
        text = await error_text(client, "submit-changelist", {"zone": "example.com"})
        assert "Akamai error 409" in text and "stale" in text
        await ok(client, "create-changelist", {"zone": "example.com", "overwrite": "stale"})
        diff = await ok(client, "get-changelist-diff", {"zone": "example.com"})
        assert diff["diffs"]["recordSetDiffs"] == []
        await ok(client, "delete-changelist", {"zone": "example.com"})
        assert "404" in await error_text(client, "get-changelist", {"zone": "example.com"})


async def test_update_zone_keeps_settings_it_was_not_given(server: AlecsServer) -> None:
    async with connect(server) as client:
        await ok(client, "set-zone-tsig-key", {"zone": "secondary.example.net", "name": "new.example.net.",
                                               "algorithm": "hmac-sha512", "secret": "c2VjcmV0"})
        updated = await ok(client, "update-zone", {"zone": "secondary.example.net", "comment": "moved"})
        assert updated["comment"] == "moved" and updated["masters"] == ["192.0.2.53"]
        assert updated["tsigKey"]["name"] == "new.example.net."
        contracts = await ok(client, "list-dns-contracts", {"groupId": "grp_10001"})
        assert contracts["items"][0]["contractId"] == "C-0SANDBOX"
        types = await ok(client, "list-record-types", {"zone": "example.com"})
        assert {"A", "AAAA", "CNAME", "TXT", "MX"} <= set(types["items"])
