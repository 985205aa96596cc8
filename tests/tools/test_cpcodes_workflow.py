"""CP codes and reporting groups through the SDK client against the simulator."""

from __future__ import annotations

from typing import Any

from mcp import Client

from alecs.server import AlecsServer
from tests.support.mcp import connect


async def call(client: Client, name: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(name, args)
    assert not result.is_error, result.content[0].text
    return result.structured_content or {}


async def test_create_rename_and_read_a_cpcode_and_its_reporting_group(server: AlecsServer) -> None:
    async with connect(server) as client:
        created = await call(client, "create-cpcode", {"contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001",
                                                       "cpcodeName": "images.example.com", "productId": "prd_SPM"})
        number = int(created["cpcodeId"].removeprefix("cpc_"))

        found = await call(client, "search-cpcodes", {"cpcodeName": "images.example.com"})
        assert [c["cpcodeId"] for c in found["items"]] == [number]

        renamed = await call(client, "update-cpcode", {"cpcode": number, "cpcodeName": "img.example.com",
                                                       "timezoneId": "1"})
        assert renamed["cpcodeName"] == "img.example.com"
        details = await call(client, "get-cpcode-details", {"cpcode": number})
        assert details["cpcodeName"] == "img.example.com"
        assert details["overrideTimezone"]["timezoneId"] == "1"
        assert details["products"][0]["productId"] == "prd_SPM"

        group = await call(client, "create-reporting-group", {
            "reportingGroupName": "Images", "contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001",
            "cpcodes": [number]})
        group_id = group["reportingGroupId"]
        await call(client, "update-reporting-group", {"reportingGroupId": group_id,
                                                      "reportingGroupName": "Images and static",
                                                      "cpcodes": [number, 300002]})
        read = await call(client, "get-reporting-group", {"reportingGroupId": group_id})
        assert read["reportingGroupName"] == "Images and static"
        members = {c["cpcodeId"]: c["cpcodeName"] for k in read["contracts"] for c in k["cpcodes"]}
        assert members == {number: "img.example.com", 300002: "static.example.com"}

        listed = await call(client, "list-reporting-groups", {"cpcodeId": str(number)})
        assert [g["reportingGroupId"] for g in listed["items"]] == [group_id]
        limits = await call(client, "get-cpcode-limits", {"contractId": "ctr_C-0SANDBOX"})
        assert limits["cpcodes"]["limit"] > limits["cpcodes"]["currentCapacity"] > 0

        await call(client, "delete-reporting-group", {"reportingGroupId": group_id})
        gone = await client.call_tool("get-reporting-group", {"reportingGroupId": group_id})
        assert gone.is_error and "404" in gone.content[0].text


async def test_bad_cpcode_input_gets_akamais_errors(server: AlecsServer) -> None:
    async with connect(server) as client:
        missing = await client.call_tool("get-cpcode-details", {"cpcode": 999999})
        assert missing.is_error and "404" in missing.content[0].text and "999999" in missing.content[0].text
        bad_zone = await client.call_tool("update-cpcode", {"cpcode": 300001, "timezoneId": "+42"})
        assert bad_zone.is_error and "400" in bad_zone.content[0].text and "timezone" in bad_zone.content[0].text
        empty = await client.call_tool("create-reporting-group", {
            "reportingGroupName": "Nothing", "contractId": "C-0SANDBOX", "groupId": "10001", "cpcodes": [424242]})
        assert empty.is_error and "Invalid cpcode 424242" in empty.content[0].text
        nothing = await client.call_tool("update-cpcode", {"cpcode": 300001})
        assert nothing.is_error and "at least one" in nothing.content[0].text
