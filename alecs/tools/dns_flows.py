"""Edge DNS work that takes more than one request, rewrites ids, or sends a master file."""

from __future__ import annotations

from typing import Any, Literal

from alecs.errors import ToolInputError
from alecs.tools.call import ToolCall, fill_path
from alecs.tools.results import ToolOutput, render
from alecs.tools.spec import ToolHandler
from alecs.tools.waiting import wait_for

BASE = "/config-dns/v2"
BulkKind = Literal["create", "delete"]
ZONE_SETTINGS = ("comment", "masters", "target", "signAndServe", "signAndServeAlgorithm", "tsigKey",
                 "endCustomerId", "contractId")


def dns_ids(args: dict[str, Any]) -> dict[str, Any]:
    """Edge DNS wants contract ids without ctr_ and the group as a number; accept the PAPI forms too."""
    out = dict(args)
    if out.get("contractId"):
        out["contractId"] = str(out["contractId"]).removeprefix("ctr_")
    if out.get("groupId") is not None:
        gid = str(out["groupId"]).removeprefix("grp_")
        if not gid.isdigit():
            raise ToolInputError(f"groupId must be a group number like 12345 or grp_12345, not {out['groupId']!r}.")
        out["groupId"] = int(gid)
    return out


async def send_with_ids(call: ToolCall, args: dict[str, Any]) -> Any:
    """Sends the declared request with contract and group ids in Edge DNS's forms."""
    return (await call.send(**call.build(dns_ids(args)))).data


def _record_route(args: dict[str, Any]) -> str:
    return fill_path(f"{BASE}/zones/{{zone}}/names/{{name}}/types/{{type}}", args)


def _record_args(args: dict[str, Any]) -> dict[str, Any]:
    name = str(args["name"]).rstrip(".")
    return args | {"name": name, "type": str(args["type"]).upper()}


async def save_record_set(call: ToolCall, args: dict[str, Any]) -> Any:
    """Creates or replaces a record set: the body repeats the name and type Edge DNS takes from the path."""
    args = _record_args(args)
    request = call.build(args)
    request["json_body"] = {"name": args["name"], "type": args["type"]} | request["json_body"]
    return (await call.send(**request)).data


async def update_zone(call: ToolCall, args: dict[str, Any]) -> Any:
    """Changes the given zone settings, sending the current value of every other setting."""
    route = fill_path(f"{BASE}/zones/{{zone}}", args)
    current = await call.get(route, fresh=True)
    body = {"zone": current["zone"], "type": current["type"]}
    body |= {k: current[k] for k in ZONE_SETTINGS if current.get(k) is not None}
    body |= {k: args[k] for k in ZONE_SETTINGS if args.get(k) is not None}
    params = {"skipSignAndServeSafetyCheck": args.get("skipSignAndServeSafetyCheck")}
    return (await call.send("PUT", route, params=params, json_body=body)).data


def _bulk_status(data: dict[str, Any]) -> str:
    return "COMPLETE" if data.get("isComplete") else "RUNNING"


async def _bulk_outcome(call: ToolCall, kind: str, request_id: str, wait: bool, timeout: float) -> dict[str, Any]:
    route = fill_path(f"{BASE}/zones/{kind}-requests/{{r}}", {"r": request_id})
    if wait:
        status, finished = await wait_for(call, lambda: call.get(route, fresh=True), _bulk_status,
                                          frozenset({"COMPLETE"}), timeout)
    else:
        status = await call.get(route, fresh=True)
        finished = bool(status.get("isComplete"))
    out: dict[str, Any] = {"requestId": request_id, "kind": kind, "status": status}
    if finished:
        out["result"] = await call.get(route + "/result", fresh=True)
    else:
        out["next"] = f"get-bulk-zone-request with kind={kind} requestId={request_id}"
    return out


def bulk_zones(kind: BulkKind) -> ToolHandler:
    """The handler of a bulk zone request of one kind: send it, then (with wait) follow it to its result."""

    async def submit(call: ToolCall, args: dict[str, Any]) -> Any:
        created = (await call.send(**call.build(dns_ids(args)))).data
        return await _bulk_outcome(call, kind, created["requestId"], bool(args.get("wait")),
                                   float(args.get("timeoutSeconds") or 600))
    return submit


async def get_bulk_request(call: ToolCall, args: dict[str, Any]) -> Any:
    """The status of a bulk zone request and, once complete, its per-zone result."""
    return await _bulk_outcome(call, args["kind"], args["requestId"], False, 0)


async def submit_changelist(call: ToolCall, args: dict[str, Any]) -> Any:
    """Submits a zone's changelist and returns the zone's new version."""
    await call.send(**call.build(args))
    zone = await call.get(fill_path(f"{BASE}/zones/{{zone}}", args), fresh=True)
    return {"submitted": True, "zone": zone["zone"], "versionId": zone.get("versionId"),
            "activationState": zone.get("activationState"), "lastModifiedDate": zone.get("lastModifiedDate")}


async def get_zone_version(call: ToolCall, args: dict[str, Any]) -> Any:
    """One zone version, with its record sets unless told otherwise."""
    route = fill_path(f"{BASE}/zones/{{zone}}/versions/{{versionId}}", args)
    version = await call.get(route)
    if args.get("includeRecordSets"):
        records = await call.get(route + "/recordsets", params={"showAll": True})
        version = version | {"recordsets": records.get("recordsets", [])}
    return version


async def get_zone_file(call: ToolCall, args: dict[str, Any]) -> Any:
    """The zone (or one version of it) as a BIND master file."""
    route = f"{BASE}/zones/{{zone}}/versions/{{versionId}}/zone-file" if args.get("versionId") else \
        f"{BASE}/zones/{{zone}}/zone-file"
    text = await call.get(fill_path(route, args), headers={"Accept": "text/dns"}, fresh=True)
    text = text if isinstance(text, str) else render(text)
    version = {"versionId": args["versionId"]} if args.get("versionId") else {}
    return ToolOutput({"zone": args["zone"]} | version | {"zoneFile": text}, text, shows=("zoneFile",))
