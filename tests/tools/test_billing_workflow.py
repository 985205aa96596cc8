"""Invoicing through the SDK client against the simulator: list a month's invoices, read one."""

from __future__ import annotations

from typing import Any

from mcp import Client

from alecs.server import AlecsServer
from tests.support.mcp import connect


async def call(client: Client, name: str, args: dict[str, Any]) -> tuple[dict[str, Any], str]:
    result = await client.call_tool(name, args)
    assert not result.is_error, result.content[0].text
    return result.structured_content or {}, result.content[0].text


async def test_list_invoices_then_get_one_as_json_and_csv(server: AlecsServer) -> None:
    async with connect(server) as client:
        listed, _ = await call(client, "list-invoices", {"month": "2025-01"})
        kinds = {i["invoiceType"]: i for i in listed["items"]}
        assert set(kinds) == {"INVOICE", "CREDIT_MEMO"} and kinds["CREDIT_MEMO"]["invoiceTotal"] < 0
        invoice = kinds["INVOICE"]
        by_contract, _ = await call(client, "list-invoices", {"month": "2025-01", "contractId": "ctr_C-0SANDBOX"})
        assert invoice["invoiceId"] in {i["invoiceId"] for i in by_contract["items"]}

        detail, _ = await call(client, "get-invoice", {"contractId": invoice["contractId"],
                                                       "invoiceId": invoice["invoiceId"]})
        assert detail["invoiceId"] == invoice["invoiceId"]
        total = sum(line["amount"] for line in detail["lineItems"]) + detail["commitmentCharge"]
        assert round(total, 2) == invoice["invoiceTotal"]

        csv, text = await call(client, "get-invoice", {"contractId": invoice["contractId"],
                                                       "invoiceId": invoice["invoiceId"], "fileFormat": "CSV"})
        assert text.splitlines()[0] == "product,description,quantity,unit,unitPrice,amount"
        assert len(text.splitlines()) == 1 + len(detail["lineItems"]) and csv["content"] == text


async def test_a_month_without_invoices_is_empty_and_bad_input_gets_akamais_errors(server: AlecsServer) -> None:
    async with connect(server) as client:
        empty, text = await call(client, "list-invoices", {"month": "2019-05"})
        assert empty["items"] == [] and empty["total"] == 0
        missing = await client.call_tool("get-invoice", {"contractId": "C-0SANDBOX", "invoiceId": 42})
        assert missing.is_error and "404" in missing.content[0].text
        foreign = await client.call_tool("create-invoice-notification", {
            "notificationTitle": "Not ours", "emails": ["a@example.com"], "contracts": ["K-OTHER"]})
        assert foreign.is_error and "403" in foreign.content[0].text and "K-OTHER" in foreign.content[0].text
        created, _ = await call(client, "create-invoice-notification", {
            "notificationTitle": "Finance", "emails": ["finance@example.com"], "contracts": ["C-0SANDBOX"]})
        listed, _ = await call(client, "list-invoice-notifications", {})
        assert created["notificationId"] in {n["notificationId"] for n in listed["items"]}
