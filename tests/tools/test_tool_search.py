"""search-tools answers intents: phrases an engineer would type find the tool for the job among every tool."""

from __future__ import annotations

import pytest

from alecs.sandbox.server import Sandbox
from alecs.tools.registry import Registry
from alecs.tools.tool_search import rank, words
from tests.support.mcp import connect, make_server

REGISTRY = Registry.load()
EVERY_TOOL = [s for s in REGISTRY if not s.toolset.dynamic_only]
TOP = 3  # the expected tool is among the first three answers

# (what an engineer types, the tools that do the job: each must rank in the top three)
PHRASES: list[tuple[str, tuple[str, ...]]] = [
    ("block an IP range", ("append-network-list-elements", "update-ip-geo-firewall")),
    ("block 198.51.100.0/24 in the WAF", ("update-ip-geo-firewall", "append-network-list-elements")),
    ("top URLs", ("run-report",)),
    ("most requested URLs last week", ("run-report",)),
    ("which property serves www.example.com", ("search-properties",)),
    ("find the property for a hostname", ("search-properties",)),
    ("roll back property", ("rollback-property",)),
    ("revert production to the previous version", ("rollback-property",)),
    ("add a cache rule", ("patch-property-rules",)),
    ("change the TTL of images to 7 days", ("patch-property-rules",)),
    ("compare two property versions", ("diff-property-versions",)),
    ("what changed between version 3 and 4", ("diff-property-versions",)),
    ("activate property on staging", ("activate-property",)),
    ("push the config to production", ("activate-property",)),
    ("create a new property version", ("create-property-version",)),
    ("onboard a new hostname", ("add-property-hostnames",)),
    ("add shop.example.com to the property", ("add-property-hostnames",)),
    ("remove a hostname from a property", ("remove-property-hostnames",)),
    ("activation history of a property", ("list-property-activations",)),
    ("show the rule tree", ("get-property-rules",)),
    ("purge a URL", ("purge-invalidate",)),
    ("clear the cache for https://www.example.com/app.js", ("purge-invalidate",)),
    ("purge by cache tag", ("purge-invalidate",)),
    ("delete content from cache entirely", ("purge-delete",)),
    ("add a TXT record", ("create-record-set",)),
    ("add a CNAME for cdn.example.com", ("create-record-set",)),
    ("change the IP of an A record", ("update-record-set",)),
    ("delete a DNS record", ("delete-record-set",)),
    ("list DNS records of example.com", ("list-record-sets",)),
    ("certificates expiring in 60 days", ("list-expiring-certificates",)),
    ("which certs expire soon", ("list-expiring-certificates",)),
    ("request a new TLS certificate", ("create-enrollment",)),
    ("add a SAN to a certificate", ("update-enrollment",)),
    ("DV challenge TXT records", ("get-dv-challenges",)),
    ("dig www.example.com from the edge", ("run-edge-dig",)),
    ("resolve a hostname from an Akamai server", ("run-edge-dig",)),
    ("curl a URL from an edge server", ("run-edge-curl",)),
    ("what does this error reference mean", ("translate-error",)),
    ("traceroute to the origin", ("run-edge-mtr",)),
    ("is 192.0.2.9 an Akamai IP", ("verify-edge-ip",)),
    ("EdgeWorkers status", ("list-edgeworker-activations", "list-edgeworkers")),
    ("deploy an EdgeWorker version", ("activate-edgeworker",)),
    ("WAF attacks in the last hour", ("get-security-events",)),
    ("rate limit an API", ("create-rate-policy",)),
    ("block SQL injection", ("set-attack-group-action",)),
    ("protect a hostname with the WAF", ("update-appsec-selected-hostnames",)),
    ("activate the security configuration", ("activate-appsec-config",)),
    ("block a country", ("update-ip-geo-firewall",)),
    ("unblock an IP", ("remove-network-list-element",)),
    ("create an edge hostname", ("create-edge-hostname",)),
    ("enable IPv6 on an edge hostname", ("update-edge-hostname",)),
    ("give a user admin access", ("set-user-roles",)),
    ("add redirects", ("create-cloudlet-policy-version",)),
    ("invoices for last month", ("list-invoices",)),
    ("what time is it", ("get-server-time",)),
    ("call an Akamai API no tool covers", ("find-akamai-operations", "call-akamai-operation")),
]


def _top(query: str) -> list[str]:
    return [s.name for _, s in rank(EVERY_TOOL, query)[:TOP]]


def test_there_are_at_least_40_phrases_and_every_expected_tool_exists() -> None:
    assert len(PHRASES) >= 40
    for _, tools in PHRASES:
        assert all(REGISTRY.get(t) is not None for t in tools), tools


@pytest.mark.parametrize("query, tools", PHRASES, ids=[q for q, _ in PHRASES])
def test_a_phrase_an_engineer_types_finds_the_tool_for_the_job(query: str, tools: tuple[str, ...]) -> None:
    top = _top(query)
    missing = [t for t in tools if t not in top]
    assert not missing, f"{query!r}: {missing} not in the top {TOP}: {top}"


def test_hostnames_addresses_and_ids_in_a_query_stand_for_what_they_are() -> None:
    assert words("which property serves www.example.com") == ["property", "serv", "hostnam"]
    assert words("block 198.51.100.0/24 and 2001:db8::/32") == ["block", "ip", "ip"]
    assert words("activate prp_100001 on staging") == ["activat", "property", "stag"]


async def test_search_tools_in_dynamic_mode_answers_an_intent(fresh_sandbox: Sandbox) -> None:
    server = make_server(fresh_sandbox, REGISTRY, REGISTRY.selection_from(None, None, False), dynamic=True)
    try:
        async with connect(server) as client:
            found = await client.call_tool("search-tools", {"query": "block an IP range"})
            names = [h["tool"] for h in found.structured_content["items"][:TOP]]
            assert {"append-network-list-elements", "update-ip-geo-firewall"} <= set(names), names
            assert "[netlists, not enabled]" in found.content[0].text
    finally:
        server.client.close()
