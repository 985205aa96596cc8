"""Everyday jobs of an Akamai engineer, done the way an assistant does them: through the SDK client, against the
sandbox, with the arguments the tools' descriptions ask for and the values earlier results show in their text.

Each job has a budget of tool calls (what a careful assistant needs, no retries) and its answer is read from the
result text alone, never from structuredContent: that text is all a model that ignores structured output sees.
Ids a later call needs are taken from an earlier result's text, as an assistant would copy them.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from mcp import Client
from mcp.types import CallToolResult, TextContent

from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from alecs.tools.registry import Registry
from tests.support.mcp import connect, make_server

PROPERTY = "prp_100001"
EMAILS = ["noc@example.com"]


@dataclass
class Assistant:
    """An assistant working through one job: every call it makes, counted, and what each result says in text."""

    client: Client
    calls: list[str] = field(default_factory=list)

    async def ask(self, tool: str, args: dict[str, Any]) -> str:
        """The text of a call that must succeed."""
        self.calls.append(tool)
        result = await self.client.call_tool(tool, args)
        text = text_of(result)
        assert not result.is_error, f"{tool} failed: {text}"
        return text

    async def refused(self, tool: str, args: dict[str, Any]) -> str:
        """The text of a call that must be refused as a tool error."""
        self.calls.append(tool)
        result = await self.client.call_tool(tool, args)
        assert result.is_error, f"{tool} unexpectedly succeeded"
        return text_of(result)

    def within(self, budget: int) -> None:
        """The job took at most `budget` calls."""
        assert len(self.calls) <= budget, f"{len(self.calls)} calls for a job budgeted at {budget}: {self.calls}"


def text_of(result: CallToolResult) -> str:
    """What a result says in text: all an assistant that ignores structuredContent reads."""
    return "\n".join(c.text for c in result.content if isinstance(c, TextContent))


def shown(text: str, name: str) -> str:
    """The value a result's text shows for `name` (`name: value` on its own line or `name=value` in a row)."""
    found = re.search(rf"(?:^|[\s,{{]){re.escape(name)}(?:: |=)([^,\s}}]+)", text, re.MULTILINE)
    assert found, f"{name} is not in the text:\n{text}"
    return found.group(1)


def line(text: str, start: str) -> str:
    """The line of a result's text that starts (after its indentation) with `start`."""
    found = [x for x in text.splitlines() if x.lstrip().startswith(start)]
    assert found, f"no line starts with {start!r} in:\n{text}"
    return found[0]


@asynccontextmanager
async def working(server: AlecsServer) -> AsyncIterator[Assistant]:
    """An assistant connected to `server` (the `server` fixture offers every toolset, `--toolsets all`, on a
    freshly seeded sandbox)."""
    async with connect(server) as client:
        yield Assistant(client)


async def _new_version_active_on_staging(client: Client) -> int:
    """Setup, not part of a job: a version 2 with a changed TTL, active on staging."""
    made = await client.call_tool("create-property-version", {"propertyId": PROPERTY, "createFromVersion": 1})
    version = int(shown(text_of(made), "propertyVersion"))
    patched = await client.call_tool("patch-property-rules", {
        "propertyId": PROPERTY, "propertyVersion": version,
        "operations": [{"op": "replace", "path": "/rules/behaviors/caching/options/ttl", "value": "2h"}]})
    assert not patched.is_error, text_of(patched)
    activated = await client.call_tool("activate-property", {
        "propertyId": PROPERTY, "propertyVersion": version, "network": "STAGING", "notifyEmails": EMAILS,
        "wait": True})
    assert "status: ACTIVE" in text_of(activated), text_of(activated)
    return version


# Property Manager


async def test_job_find_which_property_serves_a_hostname(server: AlecsServer) -> None:
    async with working(server) as assistant:
        found = await assistant.ask("search-properties", {"hostname": "www.example.com"})
        assert shown(found, "propertyId") == PROPERTY
        assert shown(found, "productionStatus") == "ACTIVE"
        hostnames = await assistant.ask("get-property-hostnames", {
            "propertyId": shown(found, "propertyId"), "propertyVersion": int(shown(found, "propertyVersion"))})
        assert shown(hostnames, "cnameTo") == "www.example.com.edgekey.net"
        assistant.within(2)


async def test_job_which_version_is_live_on_production(server: AlecsServer) -> None:
    async with working(server) as assistant:
        found = await assistant.ask("search-properties", {"propertyName": "www.example.com"})
        prop = await assistant.ask("get-property", {"propertyId": shown(found, "propertyId")})
        assert shown(prop, "productionVersion") == "1"
        assert shown(prop, "latestVersion") == "1"
        assistant.within(2)


async def test_job_read_the_cache_ttl_of_a_property(server: AlecsServer) -> None:
    async with working(server) as assistant:
        rules = await assistant.ask("get-property-rules", {"propertyId": PROPERTY, "propertyVersion": 1})
        assert "{name: caching, options: {behavior: MAX_AGE, ttl: 1d}}" in rules
        assistant.within(1)


async def test_job_add_a_cache_rule_for_images_and_activate_it_on_staging(server: AlecsServer) -> None:
    async with working(server) as assistant:
        made = await assistant.ask("create-property-version", {"propertyId": PROPERTY, "createFromVersion": 1})
        version = int(shown(made, "propertyVersion"))
        rule = {"name": "Cache images", "children": [],
                "criteria": [{"name": "fileExtension", "options": {"matchOperator": "IS_ONE_OF",
                                                                    "values": ["jpg", "png", "webp"]}}],
                "behaviors": [{"name": "caching", "options": {"behavior": "MAX_AGE", "mustRevalidate": False,
                                                              "ttl": "7d"}}]}
        saved = await assistant.ask("patch-property-rules", {
            "propertyId": PROPERTY, "propertyVersion": version,
            "operations": [{"op": "add", "path": "/rules/children/-", "value": rule}]})
        assert "Saved 1 change(s)" in saved and "0 error(s)" in saved
        assert "Cache images: added" in saved and "ttl: 7d" in saved
        activated = await assistant.ask("activate-property", {
            "propertyId": PROPERTY, "propertyVersion": version, "network": "STAGING", "notifyEmails": EMAILS,
            "wait": True})
        assert shown(activated, "status") == "ACTIVE"
        assert shown(activated, "network") == "STAGING"
        assert shown(activated, "propertyVersion") == str(version)
        assistant.within(3)


async def test_job_compare_two_versions_with_their_values(server: AlecsServer) -> None:
    async with working(server) as assistant:
        made = await assistant.ask("create-property-version", {"propertyId": PROPERTY, "createFromVersion": 1})
        version = int(shown(made, "propertyVersion"))
        await assistant.ask("patch-property-rules", {
            "propertyId": PROPERTY, "propertyVersion": version,
            "operations": [{"op": "replace", "path": "/rules/behaviors/caching/options/ttl", "value": "2h"}]})
        diff = await assistant.ask("diff-property-versions", {"propertyId": PROPERTY, "fromVersion": 1,
                                                              "toVersion": version})
        change = next(x for x in diff.splitlines() if "ttl" in x)
        assert "1d" in change and "2h" in change, diff  # the old and the new value, not just the path
        assistant.within(3)


async def test_job_onboard_a_hostname_and_hear_about_its_certificate(server: AlecsServer) -> None:
    async with working(server) as assistant:
        edge = await assistant.ask("search-edge-hostnames", {"recordNameSubstring": "www.example.com"})
        edge_hostname = f"{shown(edge, 'recordName')}.{shown(edge, 'dnsZone')}"
        made = await assistant.ask("create-property-version", {"propertyId": PROPERTY, "createFromVersion": 1})
        version = int(shown(made, "propertyVersion"))
        added = await assistant.ask("add-property-hostnames", {
            "propertyId": PROPERTY, "propertyVersion": version, "hostnames": ["shop.example.com"],
            "edgeHostname": edge_hostname})
        assert "Added 1 hostname(s)" in added and "shop.example.com" in added
        # The certificate of www.example.com.edgekey.net does not list shop.example.com: the text says so.
        assert "shop.example.com: not covered by the certificate of www.example.com.edgekey.net" in added
        activated = await assistant.ask("activate-property", {
            "propertyId": PROPERTY, "propertyVersion": version, "network": "STAGING", "notifyEmails": EMAILS,
            "wait": True})
        assert shown(activated, "status") == "ACTIVE"
        assistant.within(4)


async def test_job_roll_back_staging_to_the_previous_version(server: AlecsServer) -> None:
    async with working(server) as assistant:
        bad = await _new_version_active_on_staging(assistant.client)
        rolled = await assistant.ask("rollback-property", {"propertyId": PROPERTY, "network": "STAGING",
                                                           "notifyEmails": EMAILS, "wait": True})
        assert shown(rolled, "rolledBackFrom") == str(bad)
        assert shown(rolled, "propertyVersion") == "1"
        assert shown(rolled, "status") == "ACTIVE"
        assistant.within(1)


async def test_job_who_activated_what_and_when(server: AlecsServer) -> None:
    async with working(server) as assistant:
        history = await assistant.ask("list-property-activations", {"propertyId": PROPERTY})
        production = next(x for x in history.splitlines() if "network=PRODUCTION" in x)
        assert "propertyVersion=1" in production and "status=ACTIVE" in production
        assert "note=Initial activation" in production and "submitDate=2025-01-15T10:00:00Z" in production
        assistant.within(1)


async def test_job_create_a_cp_code_for_a_new_site(server: AlecsServer) -> None:
    async with working(server) as assistant:
        groups = await assistant.ask("list-groups", {})
        contract, group = shown(groups, "contractIds").strip("[]"), shown(groups, "groupId")
        products = await assistant.ask("list-products", {"contractId": contract})
        made = await assistant.ask("create-cpcode", {"contractId": contract, "groupId": group,
                                                     "productId": shown(products, "productId"),
                                                     "cpcodeName": "shop.example.com"})
        assert shown(made, "cpcodeId").startswith("cpc_")
        assistant.within(3)


# Purge


async def test_job_purge_a_page_by_url(server: AlecsServer) -> None:
    async with working(server) as assistant:
        purged = await assistant.ask("purge-invalidate", {"by": "url",
                                                          "objects": ["https://www.example.com/index.html"]})
        assert "Request accepted" in purged
        assert int(shown(purged, "estimatedSeconds")) >= 0 and shown(purged, "purgeId")
        assistant.within(1)


async def test_job_purge_by_cache_tag_on_staging(server: AlecsServer) -> None:
    async with working(server) as assistant:
        purged = await assistant.ask("purge-invalidate", {"by": "tag", "objects": ["product-42"],
                                                          "network": "staging"})
        assert "Request accepted" in purged and shown(purged, "purgeId")
        assistant.within(1)


# Edge DNS


async def test_job_add_a_dns_record(server: AlecsServer) -> None:
    async with working(server) as assistant:
        made = await assistant.ask("create-record-set", {"zone": "example.com", "name": "api.example.com",
                                                         "type": "A", "ttl": 300, "rdata": ["192.0.2.20"]})
        assert "rdata: [192.0.2.20]" in made
        listed = await assistant.ask("list-record-sets", {"zone": "example.com", "types": "A"})
        row = next(x for x in listed.splitlines() if "name=api.example.com" in x)
        assert "192.0.2.20" in row and "ttl=300" in row
        assistant.within(2)


async def test_job_change_the_ip_of_an_a_record(server: AlecsServer) -> None:
    async with working(server) as assistant:
        before = await assistant.ask("get-record-set", {"zone": "example.com", "name": "mail.example.com",
                                                        "type": "A"})
        assert "rdata: [192.0.2.25]" in before
        changed = await assistant.ask("update-record-set", {"zone": "example.com", "name": "mail.example.com",
                                                            "type": "A", "ttl": int(shown(before, "ttl")),
                                                            "rdata": ["192.0.2.26"]})
        assert "rdata: [192.0.2.26]" in changed and shown(changed, "ttl") == "3600"
        assistant.within(2)


async def test_job_ds_record_to_publish_at_the_registrar(server: AlecsServer) -> None:
    async with working(server) as assistant:
        status = await assistant.ask("get-dnssec-status", {"zones": ["example.org"]})
        assert "example.org. 86400 IN DS" in status
        assistant.within(1)


# Certificates


async def test_job_certificates_expiring_soon(server: AlecsServer) -> None:
    async with working(server) as assistant:
        contracts = await assistant.ask("list-contracts", {})
        expiring = await assistant.ask("list-expiring-certificates", {"contractId": shown(contracts, "contractId"),
                                                                      "days": 120})
        row = next(x for x in expiring.splitlines() if "cn=www.example.com" in x)
        assert int(shown(row, "daysLeft")) <= 120 and "network=production" in row
        assert "withoutCertificate: [10002]" in expiring  # an enrollment with nothing deployed is named, not hidden
        assistant.within(2)


# Network lists and security


async def test_job_block_an_ip_range_on_staging(server: AlecsServer) -> None:
    async with working(server) as assistant:
        lists = await assistant.ask("list-network-lists", {"search": "blocked"})
        list_id = shown(lists, "uniqueId")
        assert list_id == "1024_BLOCKEDIPS"
        added = await assistant.ask("append-network-list-elements", {"networkListId": list_id,
                                                                     "list": ["203.0.113.0/24"]})
        assert "203.0.113.0/24" in line(added, "list: ")
        activated = await assistant.ask("activate-network-list", {"networkListId": list_id, "network": "STAGING",
                                                                  "notifyEmails": EMAILS, "wait": True})
        assert shown(activated, "activationStatus") == "ACTIVE" and shown(activated, "environment") == "STAGING"
        assert shown(activated, "syncPoint") == shown(added, "syncPoint")
        assistant.within(3)


async def test_job_is_an_ip_already_blocked(server: AlecsServer) -> None:
    async with working(server) as assistant:
        got = await assistant.ask("get-network-list", {"networkListId": "1024_BLOCKEDIPS"})
        assert "198.51.100.7" in line(got, "list: ")
        assistant.within(1)


async def test_job_which_waf_configuration_protects_a_hostname(server: AlecsServer) -> None:
    async with working(server) as assistant:
        configs = await assistant.ask("list-appsec-configs", {})
        row = next(x for x in configs.splitlines() if "www.example.com" in x and "productionHostnames" in x)
        assert shown(row, "id") == "43253" and shown(row, "productionVersion") == "1"
        assistant.within(1)


# Reporting and diagnostics


async def test_job_top_urls_of_a_cp_code_yesterday(server: AlecsServer) -> None:
    async with working(server) as assistant:
        types = await assistant.ask("list-report-types", {})
        assert "name=urlhits-by-url" in types
        now = await assistant.ask("get-server-time", {})
        today = re.search(r"utc: (\d{4}-\d{2}-\d{2})", now)
        assert today
        report = await assistant.ask("run-report", {
            "reportName": "urlhits-by-url", "reportVersion": 1, "start": "2026-11-30T00:00:00Z",
            "end": f"{today.group(1)}T00:00:00Z", "interval": "DAY", "objectIds": ["300001"]})
        rows = [line.split() for line in report.splitlines() if line.startswith("www.example.com/")]
        hits = [int(r[1].replace(",", "")) for r in rows]
        assert rows and hits == sorted(hits, reverse=True)  # the top URL first, with its number
        assert rows[0][0] == "www.example.com/js/app.js"
        assistant.within(3)


async def test_job_dig_a_hostname_from_the_edge(server: AlecsServer) -> None:
    async with working(server) as assistant:
        locations = await assistant.ask("list-edge-locations", {})
        frankfurt = next(x for x in locations.splitlines() if "Frankfurt" in x)
        dug = await assistant.ask("run-edge-dig", {"hostname": "www.example.com",
                                                   "edgeLocationId": shown(frankfurt, "id")})
        assert "value: www.example.com.edgekey.net." in dug and "recordType: CNAME" in dug
        assistant.within(2)


async def test_job_explain_an_error_page_reference(server: AlecsServer) -> None:
    async with working(server) as assistant:
        explained = await assistant.ask("translate-error", {"errorCode": "18.2a3c2f17.1621415935.409841"})
        assert "timed out" in line(explained, "reasonForFailure: ")
        assert shown(explained, "httpResponseCode") == "504"
        assistant.within(1)


async def test_job_what_a_url_maps_to(server: AlecsServer) -> None:
    async with working(server) as assistant:
        mapped = await assistant.ask("translate-akamai-url", {"url": "https://www.example.com/a.css"})
        assert shown(mapped, "cpCode") == "300001" and shown(mapped, "ttl") == "1d"
        assistant.within(1)


# EdgeWorkers and GTM


async def test_job_edgeworkers_status(server: AlecsServer) -> None:
    async with working(server) as assistant:
        workers = await assistant.ask("list-edgeworkers", {})
        row = next(x for x in workers.splitlines() if "name=hello-world" in x)
        activations = await assistant.ask("list-edgeworker-activations", {"edgeWorkerId": int(shown(row,
                                                                                                     "edgeWorkerId"))})
        production = next(x for x in activations.splitlines() if "network=PRODUCTION" in x)
        assert shown(production, "version") == "1" and shown(production, "status") == "COMPLETE"
        assistant.within(2)


async def test_job_gtm_traffic_split(server: AlecsServer) -> None:
    async with working(server) as assistant:
        domains = await assistant.ask("list-gtm-domains", {})
        domain = shown(domains, "name")
        assert "propagated" in domains
        properties = await assistant.ask("list-gtm-properties", {"domainName": domain})
        row = next(x for x in properties.splitlines() if "name=www" in x)
        assert "weight: 50, servers: [192.0.2.10]" in row and "weight: 50, servers: [198.51.100.10]" in row
        assistant.within(2)


# Dynamic mode: the assistant finds the tool first


async def test_job_find_and_use_the_tool_to_block_an_ip_in_dynamic_mode(fresh_sandbox: Sandbox,
                                                                        registry: Registry) -> None:
    server = make_server(fresh_sandbox, registry, registry.selection_from(None, None, False), dynamic=True)
    try:
        async with connect(server) as client:
            assistant = Assistant(client)
            found = await assistant.ask("search-tools", {"query": "block an IP range"})
            assert "append-network-list-elements" in found and "[netlists, not enabled]" in found
            await assistant.ask("enable-toolset", {"toolset": "netlists"})
            added = await assistant.ask("append-network-list-elements", {"networkListId": "1024_BLOCKEDIPS",
                                                                         "list": ["203.0.113.0/24"]})
            assert "203.0.113.0/24" in added
            assistant.within(3)
    finally:
        server.client.close()


# Mistakes an assistant makes get a sentence that leads to the next call


async def test_job_a_stale_etag_is_refused_with_what_to_do(server: AlecsServer) -> None:
    async with working(server) as assistant:
        made = await assistant.ask("create-property-version", {"propertyId": PROPERTY, "createFromVersion": 1})
        refused = await assistant.refused("patch-property-rules", {
            "propertyId": PROPERTY, "propertyVersion": int(shown(made, "propertyVersion")), "etag": "stale",
            "operations": [{"op": "replace", "path": "/rules/behaviors/caching/options/ttl", "value": "2h"}]})
        assert "get-property-rules" in refused and "changed since etag stale" in refused
        assistant.within(2)
