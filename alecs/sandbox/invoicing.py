"""Invoicing API v3 as the sandbox simulates it.

Seeded: one invoice per month for contract C-0SANDBOX from 2023-01 up to the current month (invoiceId
17000YYYYMM, e.g. 17000202501 for January 2025) and a credit memo 27000202501 in 2025-01; months with nothing
billed answer 204. Notification 25056 e-mails billing@example.com for C-0SANDBOX.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from alecs.sandbox.account import Account
from alecs.sandbox.http import HttpError, Router, SimRequest, SimResponse
from alecs.sandbox.ids import ACCOUNT, CONTRACT

BASE = "/invoicing-api/v3"
CONTRACT_ID = CONTRACT.removeprefix("ctr_")
FIRST_MONTH = (2023, 1)
LINES = [("Ion Standard", "Edge traffic", "GB", 0.012), ("Ion Standard", "Edge requests", "million requests", 0.65),
         ("Fast Purge", "Purge requests", "requests", 0.0), ("DataStream 2", "Log lines", "million lines", 0.05)]


def _error(status: int, code: int, title: str, detail: str) -> HttpError:
    return HttpError(status, title, detail, type_=f"/billing/error-types/{code}",
                     errors=[{"type": f"/billing/error-types/{code}", "title": detail,
                              "incidentId": str(uuid.uuid4())}])


def _month(value: str | None) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{2})", value or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise _error(400, 2, "An incorrect request has been sent",
                     f"Field 'month' is invalid. Incorrect value: {value}; expected YYYY-MM")
    return int(match.group(1)), int(match.group(2))


class InvoicingSim:
    def __init__(self, account: Account) -> None:
        self.account = account
        self.notifications: dict[int, dict[str, Any]] = {}
        self._notification(["billing@example.com"], [CONTRACT_ID], "Invoices for the sandbox contract", 25056)

    # -- invoices ----------------------------------------------------------------------------------
    @staticmethod
    def _billed(year: int, month: int) -> bool:
        now = datetime.now(UTC)
        return FIRST_MONTH <= (year, month) <= (now.year, now.month)

    def _lines(self, year: int, month: int) -> list[dict[str, Any]]:
        out = []
        for i, (product, item, unit, price) in enumerate(LINES):
            quantity = 1000 + (year * 37 + month * 101 + i * 53) % 9000
            out.append({"product": product, "description": item, "quantity": quantity, "unit": unit,
                        "unitPrice": price, "amount": round(quantity * price, 2)})
        return out

    def _invoices(self, year: int, month: int) -> list[dict[str, Any]]:
        if not self._billed(year, month):
            return []
        stamp = f"{year}{month:02d}"
        total = round(sum(line["amount"] for line in self._lines(year, month)) + 2500.0, 2)
        items = [self._invoice(int(f"17000{stamp}"), year, month, "INVOICE", total)]
        if (year, month) == (2025, 1):
            items.append(self._invoice(int(f"27000{stamp}"), year, month, "CREDIT_MEMO", -120.5))
        return items

    @staticmethod
    def _invoice(number: int, year: int, month: int, kind: str, total: float) -> dict[str, Any]:
        name = "InvoiceName" if kind == "INVOICE" else "CreditMemoName"
        return {"invoiceId": number, "invoiceDate": f"{year}-{month:02d}-01",
                "invoiceDueDate": f"{year}-{month:02d}-20",
                "invoiceTotal": total, "invoiceCurrency": "USD", "invoiceType": kind, "contractId": CONTRACT_ID,
                "accountId": ACCOUNT.removeprefix("act_"),
                "files": [{"fileName": f"{name}_{CONTRACT_ID}_{number}_FINAL_1.pdf", "fileFormat": "PDF",
                           "fileVersion": 1},
                          {"fileName": f"{number}_1.csv", "fileFormat": "CSV", "fileVersion": 1}]}

    def _find_invoice(self, contract: str, number: str) -> dict[str, Any]:
        match = re.fullmatch(r"[12]7000(\d{4})(\d{2})", number)
        if contract.removeprefix("ctr_") == CONTRACT_ID and match:
            year, month = int(match.group(1)), int(match.group(2))
            if 1 <= month <= 12:
                found = next((i for i in self._invoices(year, month) if str(i["invoiceId"]) == number), None)
                if found is not None:
                    return found
        raise _error(404, 3, "Invoice not found", f"No invoice {number} for contract {contract}.")

    # -- notifications -----------------------------------------------------------------------------
    def _notification(self, emails: list[str], contracts: list[str], title: str, number: int | None = None,
                      status: str = "ACTIVE") -> dict[str, Any]:
        number = number or 25000 + self.account.next_id()
        now = self.account.iso()
        item = {"notificationId": number, "notificationTitle": title, "notificationStatus": status,
                "emails": emails, "contracts": contracts, "creationDate": now, "modificationDate": now}
        self.notifications[number] = item
        return item

    def routes(self, r: Router) -> None:
        r.add("GET", f"{BASE}/invoices", lambda q: self._list(q, None))
        r.add("GET", f"{BASE}/contracts/{{contractId}}/invoices", lambda q: self._list(q, q.params["contractId"]))
        r.add("GET", f"{BASE}/contracts/{{contractId}}/invoices/{{invoiceId}}/download", self._download)
        r.add("GET", f"{BASE}/notifications", self._list_notifications)
        r.add("POST", f"{BASE}/notifications", self._create_notification)
        r.add("GET", f"{BASE}/notifications/{{notificationId}}", self._get_notification)

    def _list(self, q: SimRequest, contract: str | None) -> Any:
        year, month = _month(q.query.get("month"))
        if contract is not None and contract.removeprefix("ctr_") != CONTRACT_ID:
            raise _error(403, 11, "User in current context cannot access resource",
                         f"Access to contract {contract} is denied")
        items = self._invoices(year, month)
        return items if items else SimResponse(204)

    def _download(self, q: SimRequest) -> Any:
        invoice = self._find_invoice(q.params["contractId"], q.params["invoiceId"])
        fmt = q.query.get("fileFormat")
        if fmt not in ("PDF", "CSV", "JSON"):
            raise _error(400, 2, "An incorrect request has been sent",
                         f"Field 'fileFormat' is invalid. Incorrect value: {fmt}")
        year, month = int(invoice["invoiceDate"][:4]), int(invoice["invoiceDate"][5:7])
        lines = self._lines(year, month) if invoice["invoiceType"] == "INVOICE" else [
            {"product": "Service credit", "description": "SLA credit", "quantity": 1, "unit": "credit",
             "unitPrice": invoice["invoiceTotal"], "amount": invoice["invoiceTotal"]}]
        if fmt == "JSON":
            return {k: invoice[k] for k in ("invoiceId", "invoiceDate", "invoiceDueDate", "invoiceType",
                                            "contractId", "accountId", "invoiceCurrency", "invoiceTotal")} | {
                "lineItems": lines, "commitmentCharge": 2500.0 if invoice["invoiceType"] == "INVOICE" else 0.0}
        if fmt == "CSV":
            rows = ["product,description,quantity,unit,unitPrice,amount"] + [
                f"{li['product']},{li['description']},{li['quantity']},{li['unit']},{li['unitPrice']},{li['amount']}"
                for li in lines]
            return SimResponse(200, ("\n".join(rows) + "\n").encode(), content_type="text/csv")
        return SimResponse(200, b"%PDF-1.4\n% sandbox invoice\n", content_type="application/pdf")

    def _list_notifications(self, q: SimRequest) -> Any:
        return list(self.notifications.values()) or SimResponse(204)

    def _get_notification(self, q: SimRequest) -> dict[str, Any]:
        raw = q.params["notificationId"]
        found = self.notifications.get(int(raw)) if raw.isdigit() else None
        if found is None:
            raise _error(404, 3, "Notification not found", f"No notification {raw}.")
        return found

    def _create_notification(self, q: SimRequest) -> SimResponse:
        data = q.json if isinstance(q.json, dict) else {}
        title, emails, contracts = data.get("notificationTitle"), data.get("emails"), data.get("contracts")
        status = data.get("notificationStatus")
        if not isinstance(title, str) or not title.strip():
            raise _error(400, 2, "An incorrect request has been sent", "Field 'notificationTitle' is required")
        if not isinstance(emails, list) or not emails or not all(isinstance(e, str) and "@" in e for e in emails):
            raise _error(400, 2, "An incorrect request has been sent", f"Field 'emails' is invalid: {emails}")
        if status not in ("ACTIVE", "SUSPENDED"):
            raise _error(400, 2, "An incorrect request has been sent", f"Field 'notificationStatus' is invalid: "
                         f"{status}")
        unknown = [c for c in contracts or [] if str(c).removeprefix("ctr_") != CONTRACT_ID]
        if not contracts or unknown:
            raise _error(403, 11, "User in current context cannot access resource",
                         f"Access to contract(s) {', '.join(map(str, unknown)) or '(none)'} is denied")
        item = self._notification(emails, [str(c).removeprefix("ctr_") for c in contracts], title, status=status)
        return SimResponse(201, item, {"Location": f"{BASE}/notifications/{item['notificationId']}"})
