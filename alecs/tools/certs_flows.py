"""CPS work that takes more than one request, picks media types per input, or surfaces readable answers."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import anyio

from alecs.errors import AlecsError
from alecs.tools.call import ToolCall, fill_path
from alecs.tools.results import ToolOutput, render
from alecs.tools.waiting import wait_for

BASE = "/cps/v2"


def _mt(name: str) -> str:
    return f"application/vnd.akamai.cps.{name}+json"


# The media type versions the published definitions declare for each answer or request body.
MT: dict[str, str] = {
    "enrollments": _mt("enrollments.v11"),
    "enrollment": _mt("enrollment.v11"),
    "enrollment-status": _mt("enrollment-status.v1"),
    "change": _mt("change.v2"),
    "change-id": _mt("change-id.v1"),
    "lets-encrypt-challenges": _mt("dv-challenges.v2"),
    "warnings": _mt("warnings.v1"),
    "change-management-info": _mt("change-management-info.v5"),
    "third-party-csr": _mt("csr.v2"),
    "acknowledgement": _mt("acknowledgement.v1"),
    "acknowledgement-with-hash": _mt("acknowledgement-with-hash.v1"),
    "deployments": _mt("deployments.v7"),
    "deployment": _mt("deployment.v7"),
    "change-history": _mt("change-history.v5"),
    "certificate-history": _mt("certificate-history.v2"),
    "dv-history": _mt("dv-history.v1"),
}
INFO_ACCEPT = {
    "pre-verification-warnings": MT["warnings"],
    "post-verification-warnings": MT["warnings"],
    "change-management-info": MT["change-management-info"],
    "third-party-csr": MT["third-party-csr"],
    "lets-encrypt-challenges": MT["lets-encrypt-challenges"],
}
# Change states after which waiting makes no sense: someone has to act, or the change is over.
FINAL_STATES = frozenset({"awaiting-input", "completed", "cancelled", "error", "suspended"})
# Fields of an enrollment CPS computes; they are not sent back on update.
COMPUTED = ("id", "location", "pendingChanges", "assignedSlots", "stagingSlots", "productionSlots",
            "maxAllowedSanNames", "maxAllowedWildcardSanNames", "autoRenewalStartTime")
TOOL_FOR_INFO = {"lets-encrypt-challenges": "get-dv-challenges"}


def _contract(args: dict[str, Any]) -> dict[str, Any]:
    contract = args.get("contractId")
    if isinstance(contract, str) and contract.startswith("ctr_"):
        return args | {"contractId": contract[4:]}
    return args


def _ids(links: dict[str, Any]) -> dict[str, Any]:
    """enrollmentId and changeId from CPS's location links (/cps/v2/enrollments/1/changes/2)."""
    out: dict[str, Any] = {}
    enrollment = str(links.get("enrollment") or "").rstrip("/").split("/")[-1]
    if enrollment.isdigit():
        out["enrollmentId"] = int(enrollment)
    changes = [str(c).rstrip("/").split("/")[-1] for c in links.get("changes") or []]
    change = links.get("change")
    if change:
        changes.append(str(change).rstrip("/").split("/")[-1])
    if changes and changes[-1].isdigit():
        out["changeId"] = int(changes[-1])
    return out


def with_ids(data: dict[str, Any]) -> dict[str, Any]:
    """CPS's answer with enrollmentId and changeId in place of the location links they come from (a link that
    says more than the ids, such as several changes, stays)."""
    ids = _ids(data)
    said = {"enrollment"} if "enrollmentId" in ids else set()
    if "changeId" in ids:
        said |= {"change"} | ({"changes"} if len(data.get("changes") or []) <= 1 else set())
    return ids | {k: v for k, v in data.items() if k not in said}


async def send_scoped(call: ToolCall, args: dict[str, Any]) -> Any:
    """Sends the declared request with the contract id as CPS wants it (no ctr_ prefix)."""
    return (await call.send(**call.build(_contract(args)))).data


async def create_enrollment(call: ToolCall, args: dict[str, Any]) -> Any:
    """Creates an enrollment and returns its ids and the change to follow next."""
    data = (await call.send(**call.build(_contract(args)))).data or {}
    result = with_ids(data)
    if "changeId" in result:
        result["next"] = (f"get-enrollment-change enrollmentId={result['enrollmentId']} "
                          f"changeId={result['changeId']} (wait=true waits until it needs input)")
    return result


def _merge(base: Any, changes: Any) -> Any:
    if isinstance(base, dict) and isinstance(changes, dict):
        out = dict(base)
        for key, value in changes.items():
            out[key] = _merge(base.get(key), value)
        return out
    return copy.deepcopy(changes)


async def update_enrollment(call: ToolCall, args: dict[str, Any]) -> Any:
    """Merges the given changes into the current enrollment and PUTs the whole of it back."""
    route = fill_path(f"{BASE}/enrollments/{{enrollmentId}}", args)
    current = await call.get(route, headers={"Accept": MT["enrollment"]}, fresh=True)
    # Computed fields stay out; so do nulls (CPS reads an absent field as null, and enums refuse null).
    kept = {k: v for k, v in (current or {}).items() if k not in COMPUTED and v is not None}
    merged = _merge(kept, args["changes"])
    request = call.build(args) | {"json_body": merged}
    data = (await call.send(**request)).data or {}
    return with_ids(data)


def _change_route(args: dict[str, Any]) -> str:
    return fill_path(f"{BASE}/enrollments/{{enrollmentId}}/changes/{{changeId}}", args)


def _next_steps(args: dict[str, Any], change: dict[str, Any]) -> list[str]:
    steps = []
    ids = f"enrollmentId={args['enrollmentId']} changeId={args['changeId']}"
    for item in change.get("allowedInput") or []:
        info = str(item.get("info", "")).rstrip("/").split("/")[-1]
        update = str(item.get("update", "")).rstrip("/").split("/")[-1]
        reader = TOOL_FOR_INFO.get(info, "get-enrollment-change-info")
        read = f"{reader} {ids}" + ("" if reader != "get-enrollment-change-info" else f" inputType={info}")
        need = "required" if item.get("requiredToProceed") else "optional"
        steps.append(f"{item.get('type')} ({need}): read with {read}; answer with acknowledge-enrollment-change "
                     f"{ids} inputType={update}")
    return steps


def _state(change: Any) -> str:
    return str(((change or {}).get("statusInfo") or {}).get("state", "unknown"))


async def get_change(call: ToolCall, args: dict[str, Any]) -> Any:
    """A pending change's status; with wait, polls until it needs input, completes or fails."""
    headers = {"Accept": MT["change"]}

    async def fetch() -> Any:
        return await call.get(_change_route(args), headers=headers, fresh=True)

    finished = True
    if args.get("wait"):
        change, finished = await wait_for(call, fetch, _state, FINAL_STATES, float(args.get("timeoutSeconds") or 900))
    else:
        change = await fetch()
    info = (change or {}).get("statusInfo") or {}
    steps = _next_steps(args, change or {})
    result = {"enrollmentId": args["enrollmentId"], "changeId": args["changeId"], "state": info.get("state"),
              "status": info.get("status"), "description": info.get("description"), "next": steps} | change
    if args.get("wait"):
        result["finished"] = finished
    text = f"Change {args['changeId']}: {info.get('state')} / {info.get('status')} - {info.get('description')}"
    if info.get("error"):
        text += f"\nerror: {render(info['error'])}"
    schedule = {k: v for k, v in (info.get("deploymentSchedule") or {}).items() if v}
    if schedule:
        text += "\ndeployment schedule: " + ", ".join(f"{k} {v}" for k, v in schedule.items())
    if steps:
        text += "\nallowedInput: what the change waits for, and how to answer it\n" + "\n".join(f"- {s}" for s in steps)
    # The text says the state, the error, the schedule and each allowed input as a next step.
    shown = ("enrollmentId", "changeId", "state", "status", "description", "next", "statusInfo", "allowedInput")
    return ToolOutput(result, text, shows=shown)


async def _info(call: ToolCall, args: dict[str, Any], input_type: str) -> Any:
    route = _change_route(args) + f"/input/info/{input_type}"
    return await call.get(route, headers={"Accept": INFO_ACCEPT[input_type]}, fresh=True)


async def get_dv_challenges(call: ToolCall, args: dict[str, Any]) -> Any:
    """The DV challenges of a change, with what to publish (DNS TXT or HTTP) for each domain."""
    data = await _info(call, args, "lets-encrypt-challenges") or {}
    lines = []
    for domain in data.get("dv") or []:
        times = ", ".join(f"{label} {domain[key]}" for key, label in
                          (("requestTimestamp", "requested"), ("validatedTimestamp", "validated"),
                           ("expires", "expires")) if domain.get(key))
        lines.append(f"{domain.get('domain')}: {domain.get('status')} ({domain.get('validationStatus')})"
                     + (f"; {times}" if times else "") + (f" - {domain['error']}" if domain.get("error") else ""))
        for ch in domain.get("challenges") or []:
            state = f" [{ch.get('status')}" + (f": {ch['error']}" if ch.get("error") else "") + "]"
            if ch.get("type") == "http-01":
                lines.append(f"  http-01: serve {ch.get('responseBody')} at {ch.get('fullPath')} "
                             f"(or redirect to {ch.get('redirectFullPath')}){state}")
            elif ch.get("type") == "dns-01":
                lines.append(f"  dns-01: TXT {ch.get('fullPath')} = {ch.get('responseBody')}{state}")
            if ch.get("validationRecords"):
                lines.append(f"    validationRecords: {render(ch['validationRecords'])}")
    lines.append("When the tokens are in place: acknowledge-enrollment-change "
                 "inputType=lets-encrypt-challenges-completed.")
    return ToolOutput(data, "\n".join(lines), shows=("dv",))


async def get_change_info(call: ToolCall, args: dict[str, Any]) -> Any:
    """What a pending change waits for (warnings, challenges, validation results)."""
    data = await _info(call, args, args["inputType"])
    if isinstance(data, dict) and isinstance(data.get("warnings"), str):
        return ToolOutput(data, f"{args['inputType']}:\n{data['warnings']}", shows=("warnings",))
    return data


async def acknowledge_change(call: ToolCall, args: dict[str, Any]) -> Any:
    """Answers a change's allowed input; change-management approval carries the hash it saw."""
    request = call.build(args)
    body: dict[str, Any] = {"acknowledgement": args.get("acknowledgement") or "acknowledge"}
    if args["inputType"] == "change-management-ack":
        # Change management is acknowledged against the validation result the user has seen.
        info = await _info(call, args, "change-management-info") or {}
        body["hash"] = info.get("validationResultHash")
        request["headers"] = request["headers"] | {"Content-Type": MT["acknowledgement-with-hash"]}
    data = (await call.send(**request | {"json_body": body})).data or {}
    result = with_ids(data)
    result["next"] = (f"get-enrollment-change enrollmentId={args['enrollmentId']} changeId={args['changeId']} "
                      "wait=true")
    return result


# Deployments read at once by list-expiring-certificates: CPS allows 20 requests per 2 s (alecs.akamai.limits).
FAN_OUT = 4


def _expiry(certificate: Any) -> datetime | None:
    text = str((certificate or {}).get("expiry") or "")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def _expiring_row(enrollment: dict[str, Any], network: str, deployed: dict[str, Any],
                  now: datetime) -> dict[str, Any] | None:
    """The enrollment's certificate on `network` (its earliest-expiring one when several are stacked)."""
    certificates = [deployed.get("primaryCertificate")] + list(deployed.get("multiStackedCertificates") or [])
    expiries = [e for e in (_expiry(c) for c in certificates) if e is not None]
    if not expiries:
        return None
    soonest = min(expiries)
    csr = enrollment.get("csr") or {}
    return {"enrollmentId": enrollment.get("id"), "cn": csr.get("cn"), "sans": csr.get("sans") or [],
            "network": network, "expiry": soonest.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "daysLeft": (soonest - now).days, "ra": enrollment.get("ra"),
            "validationType": enrollment.get("validationType"),
            "pendingChanges": [c.get("changeType") for c in enrollment.get("pendingChanges") or []
                               if isinstance(c, dict)]}


async def expiring_certificates(call: ToolCall, args: dict[str, Any]) -> Any:
    """The certificates of a contract's enrollments that expire within `days` on a network, soonest first: one
    list of the enrollments, then their deployments a few at a time (with progress)."""
    days = int(args.get("days") or 30)
    network = args.get("network") or "production"
    listed = await call.get(f"{BASE}/enrollments", params={"contractId": _contract(args)["contractId"]},
                            headers={"Accept": MT["enrollments"]})
    enrollments = [e for e in (listed or {}).get("enrollments") or [] if isinstance(e, dict)]
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    undeployed: list[Any] = []
    unchecked: list[dict[str, Any]] = []
    limiter = anyio.CapacityLimiter(FAN_OUT)
    done = 0

    async def check(enrollment: dict[str, Any]) -> None:
        nonlocal done
        route = fill_path(f"{BASE}/enrollments/{{e}}/deployments", {"e": enrollment.get("id")})
        async with limiter:
            try:
                deployed = await call.get(route, headers={"Accept": MT["deployments"]})
            except AlecsError as exc:  # one unreadable enrollment does not hide the others
                unchecked.append({"enrollmentId": enrollment.get("id"), "reason": str(exc)})
                deployed = None
        row = _expiring_row(enrollment, network, (deployed or {}).get(network) or {}, now) if deployed else None
        if row is None and deployed is not None:
            undeployed.append(enrollment.get("id"))
        elif row is not None and row["daysLeft"] <= days:
            rows.append(row)
        done += 1
        await call.progress(done, len(enrollments), f"checked {done} of {len(enrollments)} enrollments")

    async with anyio.create_task_group() as group:
        for enrollment in enrollments:
            group.start_soon(check, enrollment)
    rows.sort(key=lambda r: (r["expiry"], str(r["enrollmentId"])))
    return {"days": days, "network": network, "checkedAt": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "enrollmentsChecked": len(enrollments) - len(unchecked), "withoutCertificate": sorted(undeployed),
            "notChecked": unchecked, "certificates": rows}
