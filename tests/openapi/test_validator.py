"""The request validator on its own: what the pre-send check (ToolCall.send) runs for every tool's request."""

from __future__ import annotations

import time

from alecs.openapi.validate import Request, check, check_request, find
from alecs.tools.call import build_request
from alecs.tools.registry import Registry

PAPI = {"PAPI-Use-Prefixes": "true"}
CTR_GRP = {"contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001"}


def _problems(api: str, request: Request) -> list[str]:
    found = check_request(api, request)
    assert found is not None, f"{request.method} {request.path} is not a published operation of {api}"
    return [str(p) for p in found]


def test_a_missing_nested_property_is_named_with_its_rule_and_operation() -> None:
    request = Request("POST", "/papi/v1/bulk/rules-search-requests-synch", CTR_GRP,
                      PAPI | {"Content-Type": "application/json"}, {"bulkSearchQuery": {"syntax": "JSONPATH"}})
    assert _problems("papi/v1", request) == [
        "bulkSearchQuery.match: a required property is missing (POST /papi/v1/bulk/rules-search-requests-synch)"]


def test_path_values_query_and_headers_are_read_as_their_types() -> None:
    path = "/papi/v1/properties/prp_1/versions/{}"
    assert _problems("papi/v1", Request("GET", path.format(3), {}, PAPI)) == []
    assert _problems("papi/v1", Request("GET", path.format("abc"), {}, PAPI)) == [
        "propertyVersion: must be an integer, not a string "
        "(GET /papi/v1/properties/{propertyId}/versions/{propertyVersion})"]
    missing_header = _problems("papi/v1", Request("GET", path.format(3)))
    assert missing_header == ["PAPI-Use-Prefixes: a required header parameter is missing "
                              "(GET /papi/v1/properties/{propertyId}/versions/{propertyVersion})"]
    enum = _problems("papi/v1", Request("GET", path.format(3), {}, {"papi-use-prefixes": "maybe"}))
    assert enum and enum[0].startswith("PAPI-Use-Prefixes: must be one of 'true', 'false'")


def test_an_if_match_header_is_required_where_the_definition_says_so() -> None:
    path = "/papi/v1/properties/prp_1/versions/2/hostnames"
    request = Request("PUT", path, CTR_GRP, PAPI | {"Content-Type": "application/json"}, [])
    assert any(p.startswith("If-Match: a required header parameter is missing") for p in _problems("papi/v1",
                                                                                                   request))
    request = Request("PUT", path, CTR_GRP, PAPI | {"If-Match": '"e1"', "Content-Type": "application/json"}, [])
    assert _problems("papi/v1", request) == []


def test_body_rules_are_explained_in_words() -> None:
    path = "/papi/v1/properties/prp_1/activations"
    body = {"propertyVersion": "1", "network": "LIVE", "notifyEmails": ["noc@example.com"], "extra": 1}
    problems = _problems("papi/v1", Request("POST", path, {}, PAPI, body))
    assert "network: must be one of 'STAGING', 'PRODUCTION' (POST /papi/v1/properties/{propertyId}/activations)" \
        in problems
    assert any(p.startswith("propertyVersion: must be an integer, not a string") for p in problems)
    no_body = _problems("papi/v1", Request("POST", path, {}, PAPI))
    assert no_body == ["body: a request body is required (POST /papi/v1/properties/{propertyId}/activations)"]


def test_literal_routes_win_over_templates_and_unpublished_paths_are_not_found() -> None:
    latest = find("papi/v1", "GET", "/papi/v1/properties/prp_1/versions/latest")
    assert latest is not None and latest.id == "get-latest-property-version"
    assert find("papi/v1", "GET", "/papi/v1/properties/prp_1/versions/7").id == "get-property-version"  # type: ignore[union-attr]
    assert find("papi/v1", "DELETE", "/papi/v1/groups") is None
    assert find("hapi/v1", "GET", "/hapi/v1/edge-hostnames") is None
    assert check_request("hapi/v1", Request("GET", "/hapi/v1/edge-hostnames")) is None
    op = find("papi/v1", "GET", "/papi/v1/groups")
    assert op is not None and [str(p) for p in check(op, Request("GET", "/papi/v1/contracts", {}, PAPI))] == [
        "path: GET /papi/v1/contracts is not this operation's path (GET /papi/v1/groups)"]


def test_curated_tools_requests_check_as_the_pre_send_check_sees_them() -> None:
    """What the pre-send check does: the request a declaration builds, looked up by the tool's API and
    checked."""
    registry = Registry.load()
    cases = {
        "list-properties": CTR_GRP,
        "get-property-version": {"propertyId": "prp_1", "propertyVersion": 2},
        "activate-property": {"propertyId": "prp_1", "propertyVersion": 2, "network": "STAGING",
                              "notifyEmails": ["noc@example.com"]},
    }
    for name, args in cases.items():
        spec = registry.get(name)
        assert spec is not None
        assert _problems(spec.api, Request.prepared(build_request(spec, args))) == [], name


def test_checking_a_request_costs_well_under_a_millisecond_once_warm() -> None:
    request = Request("POST", "/papi/v1/properties/prp_1/activations", {}, PAPI,
                      {"propertyVersion": 1, "network": "STAGING", "notifyEmails": ["noc@example.com"]})
    assert _problems("papi/v1", request) == []
    rounds = []
    for _ in range(7):
        started = time.perf_counter()
        for _ in range(50):
            check_request("papi/v1", request)
        rounds.append((time.perf_counter() - started) / 50)
    assert sorted(rounds)[3] < 0.005, f"median {sorted(rounds)[3] * 1000:.2f} ms per check"  # loose: a busy CI box
