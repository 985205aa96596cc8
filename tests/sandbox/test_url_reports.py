"""The Reporting API's URL reports (urlhits-by-url, urlbytes-by-url, urlresponses-by-url) exist with believable
seeded traffic, so "what are my top URLs" has an answer."""

from __future__ import annotations

from typing import Any

from alecs.server import AlecsServer
from tests.support.mcp import connect
from tests.support.sandbox_api import PAPI, SandboxApi

DAY = {"start": "2025-01-01T00:00:00Z", "end": "2025-01-02T00:00:00Z", "interval": "DAY"}
REPORTS = "/reporting-api/v1/reports"


def run(api: SandboxApi, report: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = api.request("POST", f"{REPORTS}/{report}/versions/1/report-data", params=DAY, json=body)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def test_the_url_reports_are_listed_with_akamais_metrics_and_grouping(api: SandboxApi) -> None:
    names = {r["name"] for r in api.get(REPORTS)}
    assert {"urlhits-by-url", "urlbytes-by-url", "urlresponses-by-url"} <= names
    expected = {"urlhits-by-url": ["allEdgeHits", "allOriginHits", "allHitsOffload"],
                "urlbytes-by-url": ["allEdgeBytes", "allOriginBytes", "allBytesOffload"],
                "urlresponses-by-url": ["0XXEdgeHits", "2XXEdgeHits", "3XXEdgeHits", "4XXEdgeHits"]}
    for name, metrics in expected.items():
        definition = api.get(f"{REPORTS}/{name}/versions/1")
        assert [m["name"] for m in definition["metrics"]] == metrics
        assert definition["groupBy"] == ["hostname.url"] and definition["timeBased"] is False
        assert {"delivery_type", "url_contain", "url_start_with"} <= {f["name"] for f in definition["filters"]}


def test_top_urls_of_a_cp_code_come_busiest_first_and_add_up(api: SandboxApi) -> None:
    data = run(api, "urlhits-by-url", {"objectIds": ["300001"]})
    assert data["metadata"]["groupBy"] == ["hostname.url"] and data["metadata"]["rowCount"] == len(data["data"])
    rows = data["data"]
    urls = [r["hostname.url"] for r in rows]
    assert len(rows) >= 10 and all(u.startswith("www.example.com/") for u in urls)
    edge = [int(r["allEdgeHits"]) for r in rows]
    assert edge == sorted(edge, reverse=True) and urls[0] == "www.example.com/js/app.js"
    assert 0.85 * 6000 * 86400 < sum(edge) < 1.15 * 6000 * 86400  # about 6,000 hits/s for a day
    for row in rows:
        assert 0 <= int(row["allOriginHits"]) <= int(row["allEdgeHits"])
        assert 0 <= float(row["allHitsOffload"]) <= 100
    cart = next(r for r in rows if r["hostname.url"].endswith("/api/v1/cart"))
    assert float(cart["allHitsOffload"]) < 10  # an API is not cached
    assert run(api, "urlhits-by-url", {"objectIds": ["300001"]}) == data  # the same answer every time


def test_bytes_and_responses_agree_with_hits(api: SandboxApi) -> None:
    hits = {r["hostname.url"]: int(r["allEdgeHits"]) for r in run(api, "urlhits-by-url",
                                                                    {"objectIds": ["300002"]})["data"]}
    volume = run(api, "urlbytes-by-url", {"objectIds": ["300002"]})["data"]
    assert {r["hostname.url"] for r in volume} == set(hits)
    brochure = next(r for r in volume if r["hostname.url"].endswith(".pdf"))
    assert int(brochure["allEdgeBytes"]) > 1_000_000 * hits[brochure["hostname.url"]]  # megabytes a download
    responses = run(api, "urlresponses-by-url", {"objectIds": ["300001"]})["data"]
    by_url = {r["hostname.url"]: r for r in responses}
    old = by_url["www.example.com/old-page"]
    assert int(old["4XXEdgeHits"]) > 0.8 * sum(int(old[f"{c}XXEdgeHits"]) for c in "0234")
    home = by_url["www.example.com/"]
    assert int(home["2XXEdgeHits"]) > 0.9 * sum(int(home[f"{c}XXEdgeHits"]) for c in "0234")


def test_url_filters_and_delivery_type_narrow_the_rows(api: SandboxApi) -> None:
    images = run(api, "urlhits-by-url", {"objectIds": ["300002"], "filters": {"url_start_with": ["/img/"]}})
    assert sorted(r["hostname.url"] for r in images["data"]) == ["static.example.com/img/banner.webp",
                                                                 "static.example.com/img/logo.png"]
    assert images["metadata"]["filters"] == [{"name": "url_start_with", "values": ["/img/"]}]
    every = run(api, "urlhits-by-url", {"objectIds": ["300002"]})["data"]
    secure = run(api, "urlhits-by-url", {"objectIds": ["300002"], "filters": {"delivery_type": ["secure"]}})
    assert sum(int(r["allEdgeHits"]) for r in secure["data"]) < sum(int(r["allEdgeHits"]) for r in every)
    not_js = run(api, "urlhits-by-url", {"objectIds": ["300002"], "filters": {"url_not_end_with": [".js"]}})
    assert not any(r["hostname.url"].endswith(".js") for r in not_js["data"]) and len(not_js["data"]) == 5


def test_a_new_cp_code_has_no_url_traffic_and_a_foreign_one_is_refused(api: SandboxApi) -> None:
    made = api.request("POST", "/papi/v1/cpcodes", params={"contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001"},
                       headers=PAPI, json={"cpcodeName": "new.example.com", "productId": "prd_SPM"})
    assert made.status_code == 201
    number = made.json()["cpcodeLink"].split("/")[-1].split("?")[0].removeprefix("cpc_")
    assert run(api, "urlhits-by-url", {"objectIds": [number]})["data"] == []
    foreign = api.request("POST", f"{REPORTS}/urlhits-by-url/versions/1/report-data", params=DAY,
                          json={"objectIds": ["999999"]})
    assert foreign.status_code == 403 and "999999" in foreign.json()["detail"]


async def test_an_assistant_gets_the_top_urls_from_run_report(server: AlecsServer) -> None:
    async with connect(server) as client:
        result = await client.call_tool("run-report", {"reportName": "urlhits-by-url", "reportVersion": 1,
                                                       "objectIds": ["300001"], "metrics": ["allEdgeHits"]} | DAY)
    assert not result.is_error, result.content[0].text
    lines = result.content[0].text.splitlines()
    assert lines[0].startswith("urlhits-by-url v1 for cpcode 300001")
    assert lines[1] == "metrics: allEdgeHits (Edge Hits)"
    assert lines[2].split() == ["hostname.url", "allEdgeHits"]
    assert lines[4].split()[0] == "www.example.com/js/app.js"
