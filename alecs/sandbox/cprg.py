"""CP codes and reporting groups (CPRG v1) as the sandbox simulates it.

Seeded: reporting group 500001 (All web traffic) with CP codes 300001 (www.example.com) and 300002
(static.example.com), on contract C-0SANDBOX, access group 10001. The CP codes are the account's CpcodeStore,
shared with Property Manager (which creates them) and the Reporting API.
"""

from __future__ import annotations

import uuid
from typing import Any

from alecs.sandbox.account import Account
from alecs.sandbox.cpcodes import CpCode, CpcodeStore
from alecs.sandbox.http import HttpError, Router, SimRequest, SimResponse
from alecs.sandbox.ids import ACCOUNT, CONTRACT, GROUP

BASE = "/cprg/v1"
CONTRACT_ID = CONTRACT.removeprefix("ctr_")
GROUP_ID = int(GROUP.removeprefix("grp_"))
TIMEZONES = {"0": "GMT 0 (Greenwich Mean Time)", "1": "GMT + 1 (Central European Time)",
             "-5": "GMT - 5 (Eastern Standard Time)", "-8": "GMT - 8 (Pacific Standard Time)",
             "5.5": "GMT + 5.5 (India Standard Time)", "9": "GMT + 9 (Japan Standard Time)"}
PRODUCTS = {"prd_SPM": "Ion Standard", "prd_Fresca": "Ion Premier", "prd_Site_Accel": "Dynamic Site Accelerator"}
CPCODE_LIMIT, GROUP_LIMIT = 5000, 100


def _error(status: int, title: str, message: str, code: str = "invalid.data") -> HttpError:
    return HttpError(status, title, message, errors=[{"code": code, "message": message,
                                                       "incidentId": str(uuid.uuid4())}])


def _int_id(value: str, kind: str) -> int:
    if not value.isdigit():
        raise _error(400, "Bad Request", f"Invalid {kind} id {value}")
    return int(value)


def _contract(value: str | None) -> str | None:
    return value.removeprefix("ctr_") if value else value


def cpcode_json(cpcode: CpCode) -> dict[str, Any]:
    """A CP code as CPRG shows it."""
    return {"cpcodeId": cpcode.number, "cpcodeName": cpcode.name, "purgeable": cpcode.purgeable,
            "accountId": ACCOUNT.removeprefix("act_"), "defaultTimezone": TIMEZONES["0"], "type": "Regular",
            "overrideTimezone": {"timezoneId": cpcode.timezone, "timezoneValue": TIMEZONES[cpcode.timezone]},
            "accessGroup": {"groupId": GROUP_ID, "contractId": CONTRACT_ID},
            "contracts": [{"contractId": CONTRACT_ID, "status": "ongoing"}],
            "products": [{"productId": cpcode.product, "productName": PRODUCTS.get(cpcode.product, cpcode.product)}]}


class CprgSim:
    """CP code and reporting group routes; the CP codes themselves are the account's CpcodeStore."""

    def __init__(self, account: Account, cpcodes: CpcodeStore) -> None:
        self.account = account
        self.cpcodes = cpcodes
        self.groups: dict[int, dict[str, Any]] = {}
        self._new_group("All web traffic", [c for c in cpcodes.all() if c.number in (300001, 300002)], 500001)

    # -- state -------------------------------------------------------------------------------------
    def _find_cpcode(self, value: str) -> CpCode:
        cpcode = self.cpcodes.get(_int_id(value, "cpcode"))
        if cpcode is None:
            raise _error(404, "Not Found", f"The cpcode with id {value} is not found", "not.found")
        return cpcode

    def _find_group(self, value: str) -> dict[str, Any]:
        group = self.groups.get(_int_id(value, "reporting group"))
        if group is None:
            raise _error(404, "Not Found", f"The reporting group with id {value} is not found", "not.found")
        return group

    def _members(self, contracts: Any, contract_id: str) -> list[dict[str, Any]]:
        if not isinstance(contracts, list) or not contracts:
            raise _error(400, "Bad Request", "At least one contract with CP codes is mandatory")
        out = []
        for contract in contracts:
            cpcodes = []
            for item in (contract or {}).get("cpcodes") or []:
                number = item.get("cpcodeId") if isinstance(item, dict) else None
                member = self.cpcodes.get(number) if isinstance(number, int) else None
                if member is None:
                    raise _error(400, "Bad Request", f"Invalid cpcode {number} for the reporting group")
                cpcodes.append({"cpcodeId": member.number, "cpcodeName": member.name})
            if not cpcodes:
                raise _error(400, "Bad Request", "A reporting group needs at least one CP code")
            out.append({"contractId": _contract(contract.get("contractId")) or contract_id, "cpcodes": cpcodes})
        return out

    def _new_group(self, name: str, cpcodes: list[CpCode], number: int | None = None) -> dict[str, Any]:
        number = number or 500000 + self.account.next_id()
        group = {"reportingGroupId": number, "reportingGroupName": name,
                 "accessGroup": {"groupId": GROUP_ID, "contractId": CONTRACT_ID},
                 "contracts": [{"contractId": CONTRACT_ID, "cpcodes": [
                     {"cpcodeId": c.number, "cpcodeName": c.name} for c in cpcodes]}]}
        self.groups[number] = group
        return group

    # -- routes ------------------------------------------------------------------------------------
    def routes(self, r: Router) -> None:
        r.add("GET", f"{BASE}/cpcodes", self._list_cpcodes)
        r.add("GET", f"{BASE}/cpcodes/contracts/{{contractId}}/watermark-limits", self._cpcode_limits)
        r.add("GET", f"{BASE}/cpcodes/{{cpcodeId}}", lambda q: cpcode_json(self._find_cpcode(q.params["cpcodeId"])))
        r.add("PUT", f"{BASE}/cpcodes/{{cpcodeId}}", self._put_cpcode)
        r.add("GET", f"{BASE}/reporting-groups", self._list_groups)
        r.add("POST", f"{BASE}/reporting-groups", self._post_group)
        r.add("GET", f"{BASE}/reporting-groups/contracts/{{contractId}}/watermark-limits", self._group_limits)
        r.add("GET", f"{BASE}/reporting-groups/{{reportingGroupId}}",
              lambda q: self._find_group(q.params["reportingGroupId"]))
        r.add("PUT", f"{BASE}/reporting-groups/{{reportingGroupId}}", self._put_group)
        r.add("DELETE", f"{BASE}/reporting-groups/{{reportingGroupId}}", self._delete_group)
        r.add("GET", f"{BASE}/reporting-groups/{{reportingGroupId}}/products", self._group_products)

    def _list_cpcodes(self, q: SimRequest) -> dict[str, Any]:
        items = [cpcode_json(c) for c in self.cpcodes.all()]
        if q.query.get("contractId"):
            items = [c for c in items if c["accessGroup"]["contractId"] == _contract(q.query["contractId"])]
        if q.query.get("groupId"):
            items = [c for c in items if str(c["accessGroup"]["groupId"]) == q.query["groupId"].removeprefix("grp_")]
        if q.query.get("productId"):
            items = [c for c in items if any(p["productId"] == q.query["productId"] for p in c["products"])]
        if q.query.get("cpcodeName"):
            items = [c for c in items if q.query["cpcodeName"].lower() in c["cpcodeName"].lower()]
        return {"cpcodes": items}

    def _put_cpcode(self, q: SimRequest) -> dict[str, Any]:
        cpcode = self._find_cpcode(q.params["cpcodeId"])
        data = q.json
        if not isinstance(data, dict):
            raise _error(400, "Bad Request", "Invalid data, Cp code data[Name/Id] not present")
        name = data.get("cpcodeName")
        if not isinstance(name, str) or not name.strip():
            raise _error(400, "Bad Request", "Invalid data, Cp code data[Name/Id] not present")
        zone = (data.get("overrideTimezone") or {}).get("timezoneId")
        if zone not in TIMEZONES:
            raise _error(400, "Bad Request", f"Invalid timezone id {zone}; use one of {', '.join(TIMEZONES)}")
        cpcode.name, cpcode.timezone = name, zone
        if isinstance(data.get("purgeable"), bool):
            cpcode.purgeable = data["purgeable"]
        for group in self.groups.values():
            for contract in group["contracts"]:
                for member in contract["cpcodes"]:
                    if member["cpcodeId"] == cpcode.number:
                        member["cpcodeName"] = name
        return cpcode_json(cpcode)

    def _limits(self, q: SimRequest, limit: int, used: int) -> dict[str, Any]:
        if _contract(q.params["contractId"]) != CONTRACT_ID:
            raise _error(404, "Not Found", f"The contract {q.params['contractId']} is not found", "not.found")
        return {"limit": limit, "currentCapacity": limit - used, "limitType": "account"}

    def _cpcode_limits(self, q: SimRequest) -> dict[str, Any]:
        return self._limits(q, CPCODE_LIMIT, len(self.cpcodes.all()))

    def _group_limits(self, q: SimRequest) -> dict[str, Any]:
        return self._limits(q, GROUP_LIMIT, len(self.groups))

    def _list_groups(self, q: SimRequest) -> dict[str, Any]:
        items = list(self.groups.values())
        if q.query.get("contractId"):
            items = [g for g in items if g["accessGroup"]["contractId"] == _contract(q.query["contractId"])]
        if q.query.get("groupId"):
            items = [g for g in items if str(g["accessGroup"]["groupId"]) == q.query["groupId"].removeprefix("grp_")]
        if q.query.get("reportingGroupName"):
            items = [g for g in items if q.query["reportingGroupName"].lower() in g["reportingGroupName"].lower()]
        if q.query.get("cpcodeId"):
            items = [g for g in items if any(str(c["cpcodeId"]) == q.query["cpcodeId"]
                                             for k in g["contracts"] for c in k["cpcodes"])]
        return {"groups": items}

    def _validated(self, data: Any) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
        if not isinstance(data, dict):
            raise _error(400, "Bad Request", "The request body must be a JSON object")
        name = data.get("reportingGroupName")
        if not isinstance(name, str) or not name.strip():
            raise _error(400, "Bad Request", "ReportingGroupName is mandatory")
        access = data.get("accessGroup") or {}
        if _contract(access.get("contractId")) != CONTRACT_ID or access.get("groupId") not in (GROUP_ID, None):
            raise _error(403, "Forbidden", "User is not authorized for this contract and group", "invalid.role")
        return name, {"groupId": access.get("groupId"), "contractId": CONTRACT_ID}, self._members(
            data.get("contracts"), CONTRACT_ID)

    def _post_group(self, q: SimRequest) -> SimResponse:
        name, access, members = self._validated(q.json)
        if any(g["reportingGroupName"] == name for g in self.groups.values()):
            raise _error(400, "Bad Request", f"Reporting group name {name} already exists")
        if len(self.groups) >= GROUP_LIMIT:
            raise _error(400, "Bad Request", "The reporting group limit for this contract is reached")
        number = 500000 + self.account.next_id()
        group = {"reportingGroupId": number, "reportingGroupName": name, "accessGroup": access, "contracts": members}
        self.groups[number] = group
        return SimResponse(201, group)

    def _put_group(self, q: SimRequest) -> dict[str, Any]:
        group = self._find_group(q.params["reportingGroupId"])
        name, access, members = self._validated(q.json)
        group.update({"reportingGroupName": name, "accessGroup": access, "contracts": members})
        return group

    def _delete_group(self, q: SimRequest) -> SimResponse:
        group = self._find_group(q.params["reportingGroupId"])
        del self.groups[group["reportingGroupId"]]
        return SimResponse(201, {"message": f"Reporting Group with id {group['reportingGroupId']} has been deleted "
                                            "successfully", "status": "success"})

    def _group_products(self, q: SimRequest) -> dict[str, Any]:
        group = self._find_group(q.params["reportingGroupId"])
        products: dict[str, dict[str, Any]] = {}
        for contract in group["contracts"]:
            for member in contract["cpcodes"]:
                cpcode = self.cpcodes.get(member["cpcodeId"])
                if cpcode is not None:
                    products[cpcode.product] = {"productId": cpcode.product,
                                                "productName": PRODUCTS.get(cpcode.product, cpcode.product)}
        return {"products": list(products.values())}
