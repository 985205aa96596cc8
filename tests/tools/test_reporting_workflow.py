"""Reporting through the SDK client against the simulator: discover a report, read its definition, run it."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from mcp import Client

from alecs.server import AlecsServer
from tests.support.mcp import connect


async def call(client: Client, name: str, args: dict[str, Any]) -> tuple[dict[str, Any], str]:
    result = await client.call_tool(name, args)
    assert not result.is_error, result.content[0].text
    return result.structured_content or {}, result.content[0].text


async def test_run_report_returns_a_readable_table_and_numeric_rows(server: AlecsServer) -> None:
    async with connect(server) as client:
        types, _ = await call(client, "list-report-types", {})
        assert "hits-by-time" in {t["name"] for t in types["items"]}
        definition, _ = await call(client, "get-report-definition", {"reportName": "hits-by-time",
                                                                     "reportVersion": 1})
        metrics = [m["name"] for m in definition["metrics"] if not m["summaryStatistic"]]
        assert "edgeHitsPerSecond" in metrics and "HOUR" in definition["intervals"]

        data, text = await call(client, "run-report", {
            "reportName": "hits-by-time", "reportVersion": 1, "start": "2025-01-01T00:00:00Z",
            "end": "2025-01-01T06:00:00Z", "interval": "HOUR", "objectIds": ["300001"],
            "metrics": ["edgeHitsPerSecond", "originHitsPerSecond", "hitsOffload"]})

    rows = data["rows"]
    assert len(rows) == 6
    assert rows[0]["startdatetime"] == "2025-01-01T00:00:00Z"
    assert rows[-1]["startdatetime"] == "2025-01-01T05:00:00Z"
    for row in rows:
        assert isinstance(row["edgeHitsPerSecond"], float)
        assert row["originHitsPerSecond"] < row["edgeHitsPerSecond"]
        assert 95 <= row["hitsOffload"] <= 100
    assert [c["label"] for c in data["columns"]] == ["startdatetime", "Edge Hits/Sec", "Origin Hits/Sec",
                                                     "Offloaded Hits"]
    lines = text.splitlines()
    assert lines[0].startswith("hits-by-time v1 for cpcode 300001") and "6 row(s)" in lines[0]
    # The header names the metrics as a next call gives them; their labels are said once, above the table.
    assert lines[1] == ("metrics: edgeHitsPerSecond (Edge Hits/Sec), originHitsPerSecond (Origin Hits/Sec), "
                        "hitsOffload (Offloaded Hits)")
    assert lines[2].split() == ["startdatetime", "edgeHitsPerSecond", "originHitsPerSecond", "hitsOffload"]
    assert set(lines[3]) <= {"-", " "}
    first = lines[4].split()
    assert first[0] == "2025-01-01T00:00:00Z"
    assert first[3] == f"{rows[0]['hitsOffload']:,.2f}"
    assert len(lines) == 4 + 6


async def test_report_on_a_cpcode_outside_the_account_is_refused_with_akamais_error(server: AlecsServer) -> None:
    async with connect(server) as client:
        result = await client.call_tool("run-report", {
            "reportName": "hits-by-time", "reportVersion": 1, "start": "2025-01-01T00:00:00Z",
            "end": "2025-01-01T01:00:00Z", "interval": "HOUR", "objectIds": ["999999"]})
        assert result.is_error
        assert "403" in result.content[0].text and "unauthorized: [999999]" in result.content[0].text

        result = await client.call_tool("run-report", {
            "reportName": "hits-by-time", "reportVersion": 1, "start": "2025-01-02T00:00:00Z",
            "end": "2025-01-01T00:00:00Z", "interval": "HOUR", "objectIds": ["300001"]})
        assert result.is_error and "400" in result.content[0].text and "end must be after start" in \
            result.content[0].text


async def test_unknown_report_type_is_a_404(server: AlecsServer) -> None:
    async with connect(server) as client:
        result = await client.call_tool("get-report-definition", {"reportName": "no-such-report", "reportVersion": 1})
        assert result.is_error and "404" in result.content[0].text


async def test_the_server_time_is_the_clock_time_ranges_count_from(server: AlecsServer) -> None:
    async with connect(server) as client:
        before = time.time()
        result = await client.call_tool("get-server-time", {})
        after = time.time()
    assert not result.is_error
    data = result.structured_content
    assert before - 1 <= data["epochSeconds"] <= after + 1
    utc = datetime.strptime(data["utc"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert int(utc.timestamp()) == data["epochSeconds"] and data["weekday"] == utc.strftime("%A")
    assert result.content[0].text.startswith(f"utc: {data['utc']} ({data['weekday']})")
