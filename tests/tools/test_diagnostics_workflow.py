"""Edge diagnostics through the SDK client against the simulator: dig, mtr, error translation and scenarios."""

from __future__ import annotations

import json

from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from tests.support.mcp import connect
from tests.tools.workflow import error_text, ok

SEATTLE = "seattle-wa-unitedstates"
REFERENCE = "18.2a3c2f17.1621415935.409841"


async def test_dig_and_mtr_from_an_edge_location(server: AlecsServer) -> None:
    async with connect(server) as client:
        locations = await ok(client, "list-edge-locations", {})
        assert SEATTLE in [loc["id"] for loc in locations["items"]]

        dig = await ok(client, "run-edge-dig", {"hostname": "www.example.com", "edgeLocationId": SEATTLE})
        assert dig["executionStatus"] == "SUCCESS"
        answers = [(a["recordType"], a["value"]) for a in dig["result"]["answerSection"]]
        assert answers == [("CNAME", "www.example.com.edgekey.net."), ("A", "192.0.2.10")]

        mtr = await ok(client, "run-edge-mtr", {"destination": "origin.example.com", "source": SEATTLE,
                                                "sourceType": "LOCATION", "port": 443})
        assert mtr["executionStatus"] == "SUCCESS"
        hops = mtr["result"]["hops"]
        assert hops[-1]["host"] == "origin.example.com" and [h["number"] for h in hops] == [1, 2, 3]

        located = await ok(client, "locate-ip", {"ipAddresses": ["192.0.2.10"]})
        assert located["results"][0]["geoLocation"]["city"] == "SEATTLE"
        verified = await ok(client, "verify-edge-ip", {"ipAddresses": ["192.0.2.10", "203.0.113.5"]})
        assert [r["isEdgeIp"] for r in verified["items"]] == [True, False]


async def test_error_reference_is_translated_after_polling_with_progress(server: AlecsServer,
                                                                         sandbox: Sandbox) -> None:
    async with connect(server) as client:
        progress: list[tuple[float, float | None, str | None]] = []

        async def on_progress(done: float, total: float | None, message: str | None) -> None:
            progress.append((done, total, message))

        sandbox.server.request_log.clear()
        out = await ok(client, "translate-error", {"errorCode": f"Reference #{REFERENCE}", "timeoutSeconds": 30},
                       progress_callback=on_progress)
        assert out["executionStatus"] == "SUCCESS" and out["finished"] is True
        assert "timed out" in out["result"]["reasonForFailure"] and out["result"]["httpResponseCode"] == 504
        assert any("IN_PROGRESS" in (m or "") for _, _, m in progress)
        post, *polls = sandbox.requests
        assert json.loads(post.body) == {"errorCode": REFERENCE}
        assert polls and all(p.path.endswith(f"/error-translator/requests/{out['requestId']}") for p in polls)


async def test_scenario_started_without_waiting_is_fetched_later(server: AlecsServer) -> None:
    async with connect(server) as client:
        started = await ok(client, "diagnose-connectivity", {"url": "https://www.example.com/",
                                                             "edgeLocationId": SEATTLE, "wait": False})
        assert started["executionStatus"] == "IN_PROGRESS" and "get-diagnostic-result" in started["next"]
        ids = {"scenario": "connectivity-problems", "requestId": started["requestId"]}
        status = started["executionStatus"]
        for _ in range(200):  # bounded: the sandbox finishes after 0.3 s
            result = await ok(client, "get-diagnostic-result", ids)
            status = result["executionStatus"]
            if status != "IN_PROGRESS":
                break
        assert status == "SUCCESS" and result["connectivity"][0]["destinationContext"] == "www.example.com"

        content = await ok(client, "diagnose-content", {"url": "https://www.example.com/", "timeoutSeconds": 30})
        assert content["executionStatus"] == "SUCCESS" and content["content"][0]["result"]["httpStatusCode"] == 200


# -- Akamai's errors, surfaced ---------------------------------------------------------------------------
async def test_a_malformed_reference_is_a_400_and_conflicting_sources_are_refused_before_sending(
        server: AlecsServer) -> None:
    async with connect(server) as client:
        text = await error_text(client, "translate-error", {"errorCode": "not-a-reference"})
        assert "400" in text and "Incorrect request." in text and "errorCode" in text
        text = await error_text(client, "run-edge-curl", {"url": "https://www.example.com/", "edgeIp": "192.0.2.10",
                                                          "edgeLocationId": SEATTLE})
        assert text.endswith("give exactly one of edgeLocationId or edgeIp, not edgeLocationId and edgeIp")


async def test_unknown_request_id_is_a_404(server: AlecsServer) -> None:
    async with connect(server) as client:
        text = await error_text(client, "get-diagnostic-result", {"scenario": "content-problems", "requestId": 4242})
        assert "404" in text and "4242" in text
