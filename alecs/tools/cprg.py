"""CP codes and reporting groups (CPRG v1): CP code names and time zones, reporting groups of CP codes, limits."""

from __future__ import annotations

from typing import Any

from alecs.errors import ToolInputError
from alecs.tools.call import ToolCall, fill_path
from alecs.tools.declare import Api, Toolset, local, path, query
from alecs.tools.spec import ToolSpec

BASE = "/cprg/v1"
CPCODES = Toolset("cpcodes", "CP codes and reporting groups: names, contracts, products, groupings")
api = Api("cprg/v1", toolset=CPCODES, base=BASE, network="none")
READ_ONLY = ("cpcodeId", "contracts", "accountId", "defaultTimezone", "reportingGroupId")

CPCODE = path("cpcode", "CP code number, e.g. 300001 (PAPI shows it as cpc_300001).", int, ge=1, api_name="cpcodeId")
GROUP = path("reportingGroupId", "Reporting group ID, e.g. 500001.", int, ge=1)
CONTRACT_Q = query("contractId", "Contract ID, e.g. C-0N7RAC7 (a ctr_ prefix is accepted).")
RG_NAME_DOC = "Reporting group name."
RG_CPCODES_DOC = "CP code numbers in the group, e.g. [300001, 300002]."


def _rg_name(required: bool) -> Any:
    return local("reportingGroupName", RG_NAME_DOC, required=required, min_length=1, max_length=255)


def _rg_cpcodes(required: bool) -> Any:
    return local("cpcodes", RG_CPCODES_DOC, list[int], required=required, min_length=1, max_length=1000)


def _writable(data: dict[str, Any]) -> dict[str, Any]:
    """The PUT body: what Akamai returned minus its read-only fields."""
    out = {k: v for k, v in data.items() if k not in READ_ONLY}
    if "contracts" in data and "reportingGroupId" in data:
        out["contracts"] = [{"cpcodes": [{"cpcodeId": c["cpcodeId"]} for c in contract.get("cpcodes") or []]}
                            for contract in data["contracts"]]
    return out


async def update_cpcode(call: ToolCall, args: dict[str, Any]) -> Any:
    """Changes the given fields of a CP code, keeping every other writable field as it is."""
    changes = {k: args.get(k) for k in ("cpcodeName", "timezoneId", "purgeable") if args.get(k) is not None}
    if not changes:
        raise ToolInputError("Give at least one of cpcodeName, timezoneId or purgeable.")
    route = fill_path(f"{BASE}/cpcodes/{{id}}", {"id": args["cpcode"]})
    current = await call.get(route, fresh=True)
    payload = _writable(current)
    if "cpcodeName" in changes:
        payload["cpcodeName"] = changes["cpcodeName"]
    if "purgeable" in changes:
        payload["purgeable"] = changes["purgeable"]
    if "timezoneId" in changes:
        payload["overrideTimezone"] = {"timezoneId": changes["timezoneId"]}
    payload.setdefault("overrideTimezone", {"timezoneId": "0"})
    payload.setdefault("products", [])
    return (await call.send("PUT", route, json_body=payload)).data


def _access(args: dict[str, Any]) -> dict[str, Any]:
    return {"contractId": str(args["contractId"]).removeprefix("ctr_"),
            "groupId": int(str(args["groupId"]).removeprefix("grp_"))}


def _members(cpcodes: list[int]) -> list[dict[str, Any]]:
    return [{"cpcodes": [{"cpcodeId": int(c)} for c in cpcodes]}]


async def create_reporting_group(call: ToolCall, args: dict[str, Any]) -> Any:
    """Creates a reporting group of CP codes, grouped by contract as the API expects."""
    payload = {"reportingGroupName": args["reportingGroupName"], "accessGroup": _access(args),
               "contracts": _members(args["cpcodes"])}
    return (await call.send("POST", f"{BASE}/reporting-groups", json_body=payload)).data


async def update_reporting_group(call: ToolCall, args: dict[str, Any]) -> Any:
    """Renames a reporting group or replaces its CP codes, keeping its other settings."""
    if not args.get("reportingGroupName") and not args.get("cpcodes"):
        raise ToolInputError("Give reportingGroupName, cpcodes or both.")
    route = fill_path(f"{BASE}/reporting-groups/{{id}}", {"id": args["reportingGroupId"]})
    payload = _writable(await call.get(route, fresh=True))
    if args.get("reportingGroupName"):
        payload["reportingGroupName"] = args["reportingGroupName"]
    if args.get("cpcodes"):
        payload["contracts"] = _members(args["cpcodes"])
    return (await call.send("PUT", route, json_body=payload)).data


async def cpcode_limits(call: ToolCall, args: dict[str, Any]) -> Any:
    """A contract's CP code and reporting group limits and usage (two requests)."""
    contract = str(args["contractId"]).removeprefix("ctr_")
    out: dict[str, Any] = {"contractId": contract}
    for key, kind in (("cpcodes", "cpcodes"), ("reportingGroups", "reporting-groups")):
        route = fill_path(f"{BASE}/{kind}/contracts/{{c}}/watermark-limits", {"c": contract})
        out[key] = await call.get(route)
    return out


TOOLS: list[ToolSpec] = [
    api.get("search-cpcodes", "/cpcodes", title="Search CP codes",
            doc="CP codes across the account with their contracts, products, time zone and purgeable flag; filter "
                "by contract, group, product or name (cpc_ ids of one contract and group: list-cpcodes).",
            params=(CONTRACT_Q, query("groupId", "Group ID, e.g. 10001."),
                    query("productId", "Product ID, e.g. prd_SPM."), query("cpcodeName", "CP code name to match.")),
            items="cpcodes",
            columns=("cpcodeId", "cpcodeName", "purgeable", "accessGroup.contractId",
                     "overrideTimezone.timezoneValue")),
    api.get("get-cpcode-details", "/cpcodes/{cpcodeId}", title="Get CP code details",
            doc="One CP code's name, contracts, products, reporting time zone and purgeable flag (get-cpcode: "
                "PAPI's view).",
            params=(CPCODE,)),
    api.put("update-cpcode", "/cpcodes/{cpcodeId}", title="Update CP code",
            doc="Rename a CP code, change its reporting time zone or purgeable flag; other settings are kept.",
            params=(CPCODE, local("cpcodeName", "New name.", min_length=1, max_length=255),
                    local("timezoneId", "Reporting time zone ID, e.g. 0 for GMT."),
                    local("purgeable", "Whether content can be purged by this CP code.", bool)),
            handler=update_cpcode, example={"cpcode": 300001, "cpcodeName": "www.example.com (renamed)"}),
    api.get("get-cpcode-limits", "/cpcodes/contracts/{contractId}/watermark-limits", title="Get CP code limits",
            doc="How many CP codes and reporting groups a contract may have and how many it uses.",
            params=(path("contractId", "Contract ID, e.g. C-0N7RAC7 (a ctr_ prefix is accepted)."),),
            handler=cpcode_limits),
    api.get("list-reporting-groups", "/reporting-groups", title="List reporting groups",
            doc="Reporting groups (named sets of CP codes for reports), filtered by contract, group, name or CP "
                "code.",
            params=(CONTRACT_Q, query("groupId", "Group ID, e.g. 10001."),
                    query("reportingGroupName", "Name to match."),
                    query("cpcodeId", "Only groups with this CP code.")),
            items="groups", columns=("reportingGroupId", "reportingGroupName", "accessGroup.contractId")),
    api.get("get-reporting-group", "/reporting-groups/{reportingGroupId}", title="Get reporting group",
            doc="One reporting group with its CP codes.",
            params=(GROUP,)),
    api.post("create-reporting-group", "/reporting-groups", title="Create reporting group",
             doc="Group CP codes under one name for reporting. Returns the new reportingGroupId.",
             params=(_rg_name(True),
                     local("contractId", "Contract ID, e.g. C-0N7RAC7 (a ctr_ prefix is accepted).", required=True),
                     local("groupId", "Access group ID, e.g. 10001 (a grp_ prefix is accepted).", required=True,
                           pattern=r"^(grp_)?\d+$"),
                     _rg_cpcodes(True)),
             handler=create_reporting_group,
             example={"reportingGroupName": "Web traffic", "contractId": "C-0SANDBOX", "groupId": "10001",
                      "cpcodes": [300001]}),
    api.put("update-reporting-group", "/reporting-groups/{reportingGroupId}", title="Update reporting group",
            doc="Rename a reporting group or replace its CP codes; other settings are kept.",
            params=(GROUP, _rg_name(False), _rg_cpcodes(False)),
            handler=update_reporting_group),
    api.delete("delete-reporting-group", "/reporting-groups/{reportingGroupId}", title="Delete reporting group",
               doc="Delete a reporting group (its CP codes are kept). Destructive.",
               params=(GROUP,),
               destructive=True),
]
