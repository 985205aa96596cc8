"""Invoicing API v3: invoices and credit memos by month, one invoice's content, invoice e-mail notifications."""

from __future__ import annotations

from typing import Any, Literal

from alecs.tools.call import ToolCall, fill_path
from alecs.tools.declare import Api, Toolset, body, local, path, query
from alecs.tools.results import ToolOutput
from alecs.tools.spec import ToolSpec

BASE = "/invoicing-api/v3"
BILLING = Toolset("billing", "Invoicing: invoices, files and usage for a contract")
api = Api("invoicing/v3", toolset=BILLING, base=BASE, network="none")
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


def _contract(value: str) -> str:
    return value.removeprefix("ctr_")


async def list_invoices(call: ToolCall, args: dict[str, Any]) -> Any:
    """A month's invoices, for the account or one contract."""
    route = f"{BASE}/invoices"
    if args.get("contractId"):
        route = fill_path(f"{BASE}/contracts/{{c}}/invoices", {"c": _contract(args["contractId"])})
    data = await call.get(route, params={"month": args["month"]})
    return data if isinstance(data, list) else []


async def get_invoice(call: ToolCall, args: dict[str, Any]) -> Any:
    """One invoice's content, as JSON data or CSV text."""
    route = fill_path(f"{BASE}/contracts/{{c}}/invoices/{{i}}/download",
                      {"c": _contract(args["contractId"]), "i": args["invoiceId"]})
    data = await call.get(route, params={"fileFormat": args.get("fileFormat") or "JSON"})
    if isinstance(data, str):
        return ToolOutput({"invoiceId": args["invoiceId"], "fileFormat": args.get("fileFormat"), "content": data},
                          data)
    return data


TOOLS: list[ToolSpec] = [
    api.get("list-invoices", "/invoices", title="List invoices",
            doc="Invoices and credit memos issued in a month (id, date, total, currency, files), for the account or "
                "one contract.",
            params=(query("month", "Billing month, YYYY-MM, e.g. 2025-01.", required=True, pattern=MONTH),
                    local("contractId", "Only this contract, e.g. K-0N7RAK7 (a ctr_ prefix is accepted).")),
            handler=list_invoices, items=".",
            columns=("invoiceId", "invoiceDate", "invoiceType", "invoiceTotal", "invoiceCurrency", "contractId")),
    api.get("get-invoice", "/contracts/{contractId}/invoices/{invoiceId}/download", title="Get invoice",
            doc="One invoice's content as JSON (line items per product) or CSV text (PDF is not offered here).",
            params=(path("contractId", "Contract ID of the invoice, e.g. K-0N7RAK7 (a ctr_ prefix is accepted)."),
                    path("invoiceId", "Invoice ID, e.g. 1234567890 (see list-invoices).", int, ge=1),
                    query("fileFormat", "JSON (default) or CSV.", Literal["JSON", "CSV"], default="JSON")),
            handler=get_invoice),
    api.get("list-invoice-notifications", "/notifications", title="List invoice notifications",
            doc="E-mail notifications sent when new invoices are issued for contracts.",
            items=".", columns=("notificationId", "notificationTitle", "notificationStatus", "emails", "contracts")),
    api.post("create-invoice-notification", "/notifications", title="Create invoice notification",
             doc="E-mail these addresses when new invoices are issued for these contracts.",
             params=(body("notificationTitle", "Title, e.g. Invoices for K-0N7RAK7.", required=True, min_length=1,
                          max_length=255),
                     body("emails", "Recipients.", list[str], required=True, min_length=1, max_length=50),
                     body("contracts", "Contract IDs without prefix, e.g. [\"K-0N7RAK7\"].", list[str], required=True,
                          min_length=1),
                     body("notificationStatus", "ACTIVE (default) or SUSPENDED.", Literal["ACTIVE", "SUSPENDED"],
                          default="ACTIVE"))),
]
