"""SIEM through the SDK client against the simulator: fetch and decode security events, page with offsets."""

from __future__ import annotations

from alecs.server import AlecsServer
from alecs.tools.siem import decode_event, decode_values
from tests.support.mcp import connect
from tests.tools.workflow import error_text, ok


async def test_events_of_the_seeded_configuration_arrive_decoded(server: AlecsServer) -> None:
    async with connect(server) as client:
        result = await client.call_tool("get-security-events", {"configId": "14227"})
        assert not result.is_error, result.content[0].text
        data = result.structured_content or {}
        assert data["total"] == 3 and len(data["events"]) == 3
        xss = data["events"][0]
        rules = xss["attackData"]["triggeredRules"]
        assert rules == [{"id": "950004", "version": "1", "message": "Cross-site Scripting (XSS) Attack",
                          "tag": "WEB_ATTACK/XSS", "data": "<script>", "selector": "ARGS:q", "action": "deny"}]
        assert xss["attackData"]["ruleActions"] == ["deny"]
        assert xss["httpMessage"]["requestHeaders"]["Host"] == "www.example.com"
        assert xss["httpMessage"]["query"] == "q=<script>alert(1)</script>"
        assert xss["httpMessage"]["startTime"].endswith("Z")
        injection = data["events"][1]["attackData"]["triggeredRules"]
        assert [r["message"] for r in injection] == ["System Command Access", "System Command Injection"]
        text = result.content[0].text
        assert "3 security event(s)" in text and "Cross-site Scripting (XSS) Attack" in text and "[deny]" in text

        # The offset continues after the last event: nothing new yet.
        more = await ok(client, "get-security-events", {"configId": "14227", "offset": data["offset"]})
        assert more["events"] == [] and more["total"] == 0


async def test_limit_pages_through_events_with_offsets(server: AlecsServer) -> None:
    async with connect(server) as client:
        first = await ok(client, "get-security-events", {"configId": "14227;14228", "limit": 2})
        assert len(first["events"]) == 2 and first["limit"] == 2
        rest = await ok(client, "get-security-events", {"configId": "14227;14228", "offset": first["offset"]})
        assert [e["attackData"]["triggeredRules"][0]["id"] for e in rest["events"]] == ["BOT-3990011"]


async def test_unknown_configuration_and_expired_offset_are_akamais_errors(server: AlecsServer) -> None:
    async with connect(server) as client:
        assert "Akamai error 404" in await error_text(client, "get-security-events", {"configId": "99999"})
        text = await error_text(client, "get-security-events", {"configId": "14227", "offset": "abc;def"})
        assert "Akamai error 416: Expired offset parameter in the request" in text
        text = await error_text(client, "get-security-events", {"configId": "14227", "offset": "abc", "from": 1})
        assert "Akamai error 400" in text


def test_decoding_follows_akamais_published_example() -> None:
    assert decode_values("YWxlcnQ%3d%3bYWxlcnQ%3d%3bZGVueQ%3d%3d") == ["alert", "alert", "deny"]
    assert decode_values("OTUwMDAy%3bOTUwMDA2%3bQ01ELUlOSkVDVElPTi1BTk9NQUxZ") == [
        "950002", "950006", "CMD-INJECTION-ANOMALY"]
    event = decode_event({"attackData": {"rules": "OTUwMDAy", "ruleActions": "YWxlcnQ%3d"},
                          "httpMessage": {"requestHeaders": "User-Agent%3a%20BOT%2f0.1%0d%0aHost%3a%20a.example%0d%0a",
                                          "start": "1491303422"}})
    assert event["attackData"]["triggeredRules"][0]["id"] == "950002"
    assert event["httpMessage"]["requestHeaders"] == {"User-Agent": "BOT/0.1", "Host": "a.example"}
    assert event["httpMessage"]["startTime"] == "2017-04-04T10:57:02Z"
