"""Errors that point at the next step (issue 17): a name where an id was expected names the search that finds the
id, a search that matches nothing says so and what to try, and a rule tree sent without PAPI's {"rules": ...}
wrapper is saved (and said to be) rather than refused with "The top-level rule must be named 'default'"."""

from __future__ import annotations

import json
from typing import Any

from mcp import Client

from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from tests.support.mcp import connect
from tests.tools.workflow import error_text, ok

PROPERTY = "prp_100001"


async def _editable(client: Client) -> tuple[int, str]:
    made = await ok(client, "create-property-version", {"propertyId": PROPERTY, "createFromVersion": 1})
    version = int(made["propertyVersion"])
    rules = await ok(client, "get-property-rules", {"propertyId": PROPERTY, "propertyVersion": version})
    return version, str(rules["etag"])


async def test_a_hostname_or_name_given_as_property_id_points_at_search_properties(server: AlecsServer) -> None:
    async with connect(server) as client:
        text = await error_text(client, "get-property", {"propertyId": "shop.example.com"})
        assert text.startswith("Akamai error 404")  # Akamai's own answer first
        assert text.endswith("Next: propertyId takes an id (like prp_123456), not 'shop.example.com'; find it "
                             "with search-properties hostname=shop.example.com.")
        text = await error_text(client, "list-property-versions", {"propertyId": "My Shop"})
        assert "find it with search-properties propertyName=My Shop." in text
        text = await error_text(client, "get-property", {"propertyId": "prp_999"})
        assert "Next:" not in text  # an id that exists nowhere needs no lesson on ids


async def test_a_property_search_that_matches_nothing_says_so_and_what_to_try(server: AlecsServer) -> None:
    async with connect(server) as client:
        result = await client.call_tool("search-properties", {"hostname": "nothing.example.com"})
        assert not result.is_error
        text = result.content[0].text  # type: ignore[union-attr]
        assert text.startswith("No property version has hostname nothing.example.com.")
        assert "list-account-hostnames" in text
        result = await client.call_tool("search-properties", {"propertyName": "www"})
        assert "names match exactly and in full: list-properties" in result.content[0].text  # type: ignore[union-attr]


async def test_a_top_rule_sent_without_its_wrapper_is_saved_and_the_answer_says_so(
        server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    tree: dict[str, Any] = {"name": "default", "children": [], "options": {"is_secure": True},
                            "behaviors": [{"name": "origin", "options": {"originType": "CUSTOMER",
                                                                         "hostname": "origin2.example.com",
                                                                         "forwardHostHeader": "REQUEST_HOST_HEADER"}},
                                          {"name": "cpCode", "options": {"value": {"id": 300001}}}]}
    async with connect(server) as client:
        version, etag = await _editable(client)
        result = await client.call_tool("update-property-rules", {"propertyId": PROPERTY, "propertyVersion": version,
                                                                  "etag": etag, "rules": tree})
        assert not result.is_error, result.content[0].text  # type: ignore[union-attr]
        assert result.content[0].text.startswith(  # type: ignore[union-attr]
            'Saved the rule tree (sent inside {"rules": ...}, as PAPI expects; the top rule alone was given)')
        saved = await ok(client, "get-property-rules", {"propertyId": PROPERTY, "propertyVersion": version})
        assert saved["rules"]["behaviors"][0]["options"]["hostname"] == "origin2.example.com"
        [put] = [r for r in fresh_sandbox.requests if r.method == "PUT"]
        assert json.loads(put.body)["rules"]["name"] == "default"


async def test_a_rules_argument_that_is_no_rule_tree_is_refused_with_what_to_send(
        server: AlecsServer, fresh_sandbox: Sandbox) -> None:
    async with connect(server) as client:
        version, etag = await _editable(client)
        text = await error_text(client, "update-property-rules", {"propertyId": PROPERTY, "propertyVersion": version,
                                                                   "etag": etag, "rules": {"ttl": "1d"}})
    assert text.startswith('rules is neither a rule document ({"rules": {"name": "default", "behaviors": [...], '
                           '"children": [...]}}) nor its top rule (it has: ttl).')
    assert "get-property-rules" in text and "patch-property-rules" in text
    assert not [r for r in fresh_sandbox.requests if r.method == "PUT"]
