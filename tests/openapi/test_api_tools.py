"""The `api` toolset as an assistant uses it, through the SDK's client: finding, describing, calling, and what a
caller may not do (read-only servers, read tokens, toolset-limited tokens, uploads and downloads)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from alecs.edgerc import Credentials
from alecs.openapi.calls import download_refusal, upload_refusal
from alecs.openapi.index import load
from alecs.principal import CURRENT, Principal
from alecs.sandbox.http import SimResponse
from alecs.tools.registry import Registry
from tests.openapi.phrases import PHRASES
from tests.openapi.rig import STANDIN, Rig, error_text, rig
from tests.support.mcp import connect

INDEX = load()
API_TOOLS = {"find-akamai-operations", "describe-akamai-operation", "call-akamai-operation"}
PAPI = {"PAPI-Use-Prefixes": "true"}


@pytest.fixture(scope="module")
def both(registry: Registry) -> Iterator[Rig]:
    with rig(registry) as started:
        yield started


@contextmanager
def acting_as(principal: Principal) -> Iterator[None]:
    """Calls made inside come from `principal` (what a remote transport sets for a token)."""
    token = CURRENT.set(principal)
    try:
        yield
    finally:
        CURRENT.reset(token)


def _changing_calls() -> list[dict[str, Any]]:
    """call-akamai-operation arguments for every operation that changes something (and can be sent)."""
    return [{"operation": op.key, **(op.example or {}), "customer": "default"}
            for op in INDEX if op.changes and op.example is not None]


async def test_find_ranks_the_right_operation_in_the_top_three_for_everyday_phrases(
        both: Rig, registry: Registry) -> None:
    server = both.server(registry)
    misses = []
    async with connect(server) as client:
        for phrase, api, right in PHRASES:
            args = {"query": phrase, "limit": 3} | ({"api": api} if api else {})
            found = await client.call_tool("find-akamai-operations", args)
            assert not found.is_error, error_text(found)
            top = [row["operation"] for row in found.structured_content["items"]]
            if not set(top) & right:
                misses.append((phrase, top))
    server.client.close()
    assert len(PHRASES) == 30
    assert len(misses) <= 5, misses


async def test_find_within_one_api_and_with_words_that_match_nothing(both: Rig, registry: Registry) -> None:
    server = both.server(registry)
    async with connect(server) as client:
        scoped = await client.call_tool("find-akamai-operations", {"query": "list policies", "api": "imaging"})
        rows = scoped.structured_content["items"]
        assert rows and all(r["operation"].startswith("imaging/v2:") for r in rows)
        assert rows[0]["operation"] == "imaging/v2:get-policies"
        nothing = await client.call_tool("find-akamai-operations", {"query": "zzqx wibble"})
        assert not nothing.is_error and nothing.structured_content["items"] == []
        assert "No operation matches" in error_text(nothing)
    server.client.close()


async def test_the_three_tools_are_in_the_default_selection(both: Rig, registry: Registry) -> None:
    server = both.server(registry, registry.selection_from(None, None, False))
    async with connect(server) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    server.client.close()
    assert API_TOOLS <= set(tools)
    call = tools["call-akamai-operation"].annotations
    assert call is not None and call.destructive_hint is True and call.read_only_hint is False
    find = tools["find-akamai-operations"].annotations
    assert find is not None and find.read_only_hint is True


async def test_describe_gives_parameters_schema_and_an_example_and_drills_into_a_field(
        both: Rig, registry: Registry) -> None:
    server = both.server(registry)
    async with connect(server) as client:
        described = await client.call_tool("describe-akamai-operation",
                                           {"operation": "papi/v1:post-bulk-search-synch"})
        data = described.structured_content
        assert data["method"] == "POST" and data["changes"] is True
        assert {"contractId", "groupId", "PAPI-Use-Prefixes"} <= {p["name"] for p in data["parameters"]}
        assert "bulkSearchQuery" in data["body"]["schema"]["properties"]
        assert data["example"]["operation"] == "papi/v1:post-bulk-search-synch"
        text = error_text(described)
        assert "PAPI-Use-Prefixes (header, required" in text and "Example arguments" in text

        field = await client.call_tool("describe-akamai-operation", {
            "operation": "papi/v1:post-bulk-search-synch", "field": "bulkSearchQuery"})
        assert set(field.structured_content["schema"]["required"]) == {"syntax", "match"}

        wrong = await client.call_tool("describe-akamai-operation", {
            "operation": "papi/v1:post-bulk-search-synch", "field": "nope.nothing"})
        assert wrong.is_error and "has no field 'nope.nothing'" in error_text(wrong)
        unknown = await client.call_tool("describe-akamai-operation", {"operation": "papi/v1:get-everything"})
        assert unknown.is_error and "find-akamai-operations" in error_text(unknown)
        ambiguous = await client.call_tool("describe-akamai-operation", {"operation": "get-contracts"})
        assert ambiguous.is_error and "papi/v1:get-contracts" in error_text(ambiguous)
        bare = await client.call_tool("describe-akamai-operation", {"operation": "get-maps"})
        assert bare.structured_content["operation"] == "siteshield/v1:get-maps"
        for route in ("GET /papi/v1/properties/{propertyId}", "get /papi/v1/properties/prp_1?contractId=c"):
            by_route = await client.call_tool("describe-akamai-operation", {"operation": route})
            assert by_route.structured_content["operation"] == "papi/v1:get-property", error_text(by_route)
    server.client.close()


async def test_a_large_body_schema_is_cut_with_a_note_and_its_parts_can_be_described(
        both: Rig, registry: Registry) -> None:
    server = both.server(registry)
    async with connect(server) as client:
        whole = await client.call_tool("describe-akamai-operation", {"operation": "imaging/v2:put-policy"})
        body = whole.structured_content["body"]
        assert len(json.dumps(body["schema"], separators=(",", ":"))) <= 6000 and "cut" in body
        assert "describe again with field=" in json.dumps(body["schema"])
        part = await client.call_tool("describe-akamai-operation", {
            "operation": "imaging/v2:put-policy", "field": "output"})
        assert not part.is_error, error_text(part)
        assert "perceptualQuality" in json.dumps(part.structured_content["schema"])
    server.client.close()


async def test_call_sends_a_checked_request_and_pages_the_listed_items(both: Rig, registry: Registry,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="alecs.audit")
    server = both.server(registry)
    async with connect(server) as client:
        both.clear()
        listed = await client.call_tool("call-akamai-operation", {
            "operation": "papi/v1:get-groups", "parameters": PAPI, "limit": 1})
        assert not listed.is_error, error_text(listed)
        page = listed.structured_content
        assert page["listPath"] == "groups.items" and len(page["items"]) == 1 and page["total"] >= 2
        assert page["nextCursor"] == "1" and page["accountId"]
        nxt = await client.call_tool("call-akamai-operation", {
            "operation": "papi/v1:get-groups", "parameters": PAPI, "limit": 1, "cursor": "1"})
        assert nxt.structured_content["items"] != page["items"]
        sent = both.sandbox.requests
        assert [(r.method, r.path) for r in sent] == [("GET", "/papi/v1/groups")] * 2
        assert sent[0].headers.get("PAPI-Use-Prefixes") == "true"
    server.client.close()
    audited = [r.getMessage() for r in caplog.records if r.name == "alecs.audit"]
    assert "akamai_operation token=local customer=default operation=papi/v1:get-groups method=GET" in audited


async def test_a_request_that_breaks_the_definition_is_refused_with_field_rule_and_operation(
        both: Rig, registry: Registry) -> None:
    server = both.server(registry)
    async with connect(server) as client:
        both.clear()
        refused = await client.call_tool("call-akamai-operation", {
            "operation": "papi/v1:post-bulk-search-synch",
            "parameters": PAPI | {"contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001"},
            "body": {"bulkSearchQuery": {"syntax": "JSONPATH"}}})
        text = error_text(refused)
        assert refused.is_error
        assert ("bulkSearchQuery.match: a required property is missing "
                "(POST /papi/v1/bulk/rules-search-requests-synch)") in text
        typed = await client.call_tool("call-akamai-operation", {
            "operation": "papi/v1:get-property-version", "parameters": PAPI | {
                "propertyId": "prp_100001", "propertyVersion": "latest"}})
        assert "propertyVersion: must be an integer, not a string" in error_text(typed)
        unknown = await client.call_tool("call-akamai-operation", {
            "operation": "papi/v1:get-groups", "parameters": PAPI | {"grop": "x"}})
        assert unknown.is_error and "has no parameter 'grop'" in error_text(unknown)
        dots = await client.call_tool("call-akamai-operation", {
            "operation": "papi/v1:get-property", "parameters": PAPI | {"propertyId": ".."}})
        assert dots.is_error and "not a valid identifier" in error_text(dots)
        assert both.sandbox.requests == []
    server.client.close()


async def test_akamai_errors_come_back_as_tool_errors_with_akamais_words(both: Rig, registry: Registry) -> None:
    server = both.server(registry)
    async with connect(server) as client:
        missing = await client.call_tool("call-akamai-operation", {
            "operation": "papi/v1:get-property", "parameters": PAPI | {"propertyId": "prp_999999"}})
    server.client.close()
    text = error_text(missing)
    assert missing.is_error and text.startswith("Akamai error 404")
    assert missing.structured_content["error"]["status"] == 404


async def test_uploads_and_downloads_are_refused_with_a_sentence_and_nothing_is_sent(
        both: Rig, registry: Registry) -> None:
    uploads = [op for op in INDEX if upload_refusal(op)]
    downloads = [op for op in INDEX if download_refusal(op)]
    assert {"edgeworkers/v1:post-versions", "case-management/v3:post-attachments"} <= {o.key for o in uploads}
    assert {"edgeworkers/v1:get-version-content", "config-dns/v2:get-zones-zone-zone-file"} <= {
        o.key for o in downloads}
    server = both.server(registry)
    async with connect(server) as client:
        both.clear()
        for op in uploads + downloads:
            result = await client.call_tool("call-akamai-operation", {"operation": op.key, "customer": STANDIN})
            text = error_text(result)
            assert result.is_error and ("upload" in text or "download" in text), text
            assert "JSON" in text and "Akamai's CLI" in text
        assert both.standin.requests == [] and both.sandbox.requests == []
    server.client.close()


async def test_an_answer_that_is_not_json_is_refused_with_a_sentence(both: Rig, registry: Registry) -> None:
    op = INDEX.get("siteshield/v1:get-maps")
    assert op is not None
    both.router.answers[op.path] = SimResponse(200, b"map,cidr\n1,192.0.2.0/24\n", content_type="text/csv")
    server = both.server(registry)
    try:
        async with connect(server) as client:
            result = await client.call_tool("call-akamai-operation", {"operation": op.key, "customer": STANDIN})
        assert result.is_error and "text/csv" in error_text(result) and "JSON answers only" in error_text(result)
    finally:
        both.router.answers.clear()
        server.client.close()


async def test_head_operations_answer_with_status_and_etag(both: Rig, registry: Registry) -> None:
    op = INDEX.get("papi/v1:head-property-version-rules")
    assert op is not None and op.example is not None
    both.router.answers["/papi/v1/properties/prp_1/versions/1/rules"] = SimResponse(
        200, {}, headers={"ETag": '"abc123"'})
    server = both.server(registry)
    try:
        async with connect(server) as client:
            result = await client.call_tool("call-akamai-operation", {
                "operation": op.key, "customer": STANDIN,
                "parameters": dict(op.example["parameters"]) | {"propertyId": "prp_1", "propertyVersion": 1}})
        assert not result.is_error, error_text(result)
        assert result.structured_content == {"status": 200, "responseHeaders": {"ETag": '"abc123"'}}
        assert both.standin.requests[-1].method == "HEAD"
    finally:
        both.router.answers.clear()
        server.client.close()


async def test_customer_and_account_switch_key_work_as_everywhere(both: Rig, registry: Registry) -> None:
    partner = both.standin.credentials("acme")
    partner = Credentials(partner.section, partner.host, partner.client_token, partner.client_secret,
                          partner.access_token, partner.max_body, "1-ABCDE", partner.ca_bundle)
    server = both.server(registry, acme=partner)
    async with connect(server) as client:
        both.clear()
        result = await client.call_tool("call-akamai-operation", {"operation": "siteshield/v1:get-maps",
                                                                   "customer": "acme"})
        assert not result.is_error, error_text(result)
        unknown = await client.call_tool("call-akamai-operation", {"operation": "siteshield/v1:get-maps",
                                                                    "customer": "nobody"})
        assert unknown.is_error and "nobody" in error_text(unknown)
    server.client.close()
    sent = both.standin.requests
    assert len(sent) == 1 and sent[0].query == {"accountSwitchKey": "1-ABCDE"} and sent[0].status == 200


async def test_read_only_mode_sends_no_operation_that_changes_anything(both: Rig, registry: Registry) -> None:
    server = both.server(registry, registry.selection_from("api", None, True))
    changing = _changing_calls()
    assert len(changing) > 700
    async with connect(server) as client:
        listed = {t.name: t for t in (await client.list_tools()).tools}
        assert API_TOOLS == set(listed)
        # For this session the tool can only read, and says so.
        assert all(t.annotations and t.annotations.read_only_hint for t in listed.values())
        both.clear()
        for args in changing:
            result = await client.call_tool("call-akamai-operation", args)
            text = error_text(result)
            assert result.is_error and "read-only" in text and "nothing was sent" in text, (args["operation"], text)
        assert both.sandbox.requests == [] and both.standin.requests == []
        read = await client.call_tool("call-akamai-operation", {"operation": "papi/v1:get-groups",
                                                                 "parameters": PAPI})
        assert not read.is_error, error_text(read)
    server.client.close()


async def test_read_tokens_send_no_operation_that_changes_anything(both: Rig, registry: Registry) -> None:
    server = both.server(registry, registry.selection_from(None, None, False))
    with acting_as(Principal(token_id="tok_read", scope="read")):
        await _read_token_session(both, server)
    server.client.close()


async def _read_token_session(both: Rig, server: Any) -> None:
    async with connect(server) as client:
        listed = {t.name: t for t in (await client.list_tools()).tools}
        assert API_TOOLS <= set(listed) and "create-property" not in listed
        assert all(t.annotations and t.annotations.read_only_hint for t in listed.values())
        both.clear()
        for args in _changing_calls():
            result = await client.call_tool("call-akamai-operation", args)
            text = error_text(result)
            assert result.is_error and "read scope" in text, (args["operation"], text)
        assert both.sandbox.requests == [] and both.standin.requests == []
        read = await client.call_tool("call-akamai-operation", {"operation": "papi/v1:get-groups",
                                                                 "parameters": PAPI})
        assert not read.is_error, error_text(read)


async def test_write_tokens_may_change_things(both: Rig, registry: Registry) -> None:
    server = both.server(registry)
    with acting_as(Principal(token_id="tok_write", scope="write")):
        async with connect(server) as client:
            both.clear()
            made = await client.call_tool("call-akamai-operation", {
                "operation": "papi/v1:post-properties",
                "parameters": PAPI | {"contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001"},
                "body": {"productId": "prd_SPM", "propertyName": "api-tool.example.com"}})
    server.client.close()
    assert not made.is_error, error_text(made)
    assert made.structured_content["propertyLink"].startswith("/papi/v1/properties/")
    assert [(r.method, r.path, r.status) for r in both.sandbox.requests] == [("POST", "/papi/v1/properties", 201)]


async def test_per_token_toolset_limits_apply_to_the_api_toolset(both: Rig, registry: Registry) -> None:
    server = both.server(registry)
    with acting_as(Principal(token_id="tok_dns", scope="write", toolsets=frozenset({"dns"}))):
        async with connect(server) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            refused = await client.call_tool("find-akamai-operations", {"query": "image policy"})
    assert not names & API_TOOLS and refused.is_error and "not available" in error_text(refused)
    with acting_as(Principal(token_id="tok_api", scope="write", toolsets=frozenset({"api"}))):
        async with connect(server) as client:
            assert API_TOOLS == {t.name for t in (await client.list_tools()).tools}
    server.client.close()
