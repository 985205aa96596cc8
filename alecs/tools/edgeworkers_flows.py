"""EdgeWorkers work that takes more than one request: bundle uploads and waiting for (de)activations."""

from __future__ import annotations

from typing import Any

import anyio

from alecs.errors import AlecsError
from alecs.tools.call import ToolCall, fill_path
from alecs.tools.edgeworkers_bundle import CONTENT_TYPE, read_bundle
from alecs.tools.recovery import newest, start
from alecs.tools.waiting import wait_for

BASE = "/edgeworkers/v1"
FINAL = frozenset({"COMPLETE", "ABORTED", "ERROR", "EXPIRED", "CANCELLED", "DELETED_BY_AKAMAI"})


async def _post_bundle(call: ToolCall, route: str, bundle_path: str) -> tuple[Any, dict[str, Any]]:
    remote = call.principal.token_id is not None
    bundle = await anyio.to_thread.run_sync(read_bundle, bundle_path, call.services.upload_dir, remote)
    answer = await call.send("POST", route, data=bundle.data, headers={"Content-Type": CONTENT_TYPE})
    return answer.data, bundle.summary()


async def upload_version(call: ToolCall, args: dict[str, Any]) -> Any:
    """Reads and checks a bundle from the server's disk and uploads it as a new version."""
    route = fill_path(f"{BASE}/ids/{{edgeWorkerId}}/versions", args)
    created, summary = await _post_bundle(call, route, args["bundlePath"])
    return (created if isinstance(created, dict) else {"result": created}) | {"bundle": summary}


async def validate_bundle(call: ToolCall, args: dict[str, Any]) -> Any:
    """Reads and checks a bundle and has Akamai validate it without creating a version."""
    report, summary = await _post_bundle(call, f"{BASE}/validations", args["bundlePath"])
    report = report if isinstance(report, dict) else {"result": report}
    errors = report.get("errors") or []
    return report | {"valid": not errors, "bundle": summary}


def _status(data: Any) -> str:
    return str(data.get("status", "UNKNOWN")) if isinstance(data, dict) else "UNKNOWN"


async def activation_preview(call: ToolCall, args: dict[str, Any]) -> list[str]:
    """For the confirmation of activate-edgeworker and deactivate-edgeworker: the version active on that network."""
    route = fill_path(f"{BASE}/ids/{{e}}/activations", {"e": args["edgeWorkerId"]})
    listed = await call.get(route, params={"network": args["network"], "activeOnNetwork": True}, fresh=True)
    active = next((a.get("version") for a in listed.get("activations") or [] if a.get("network") == args["network"]),
                  None)
    return [f"Version {active} is active on {args['network']} now." if active else
            f"No version is active on {args['network']} now."]


async def _submit_and_wait(call: ToolCall, args: dict[str, Any], kind: str) -> Any:
    key = f"{kind}Id"

    async def lookup(sent_at: float | None) -> dict[str, Any] | None:
        route = fill_path(f"{BASE}/ids/{{e}}/{kind}s", {"e": args["edgeWorkerId"]})
        query = {"version": args["version"]} | ({"network": args["network"]} if kind == "activation" else {})
        listed = await call.get(route, params=query, fresh=True)  # deactivations filter by version only
        return newest(list(listed.get(f"{kind}s") or []),
                      lambda a: a.get("version") == args["version"] and a.get("network") == args["network"]
                      and (sent_at is not None or a.get("status") not in FINAL), "createdTime", sent_at)

    started = await start(call, lambda: call.send(**call.build(args)), lookup,
                          f"version {args['version']} of EdgeWorker {args['edgeWorkerId']} on {args['network']}")
    created = started.found if started.found is not None else started.created.data
    job_id = created.get(key) if isinstance(created, dict) else None
    if job_id is None:
        raise AlecsError(f"Akamai accepted the {kind} but returned no {key}.")
    if started.note:
        created = created | {"recovered": started.note}
    route = fill_path(f"{BASE}/ids/{{e}}/{kind}s/{{j}}", {"e": args["edgeWorkerId"], "j": job_id})
    getter = f"get-edgeworker-{kind}"
    if not args.get("wait"):
        return created | {"next": f"{getter} with edgeWorkerId={args['edgeWorkerId']} {key}={job_id}"}
    final, finished = await wait_for(
        call, lambda: call.get(route, fresh=True), _status, FINAL, float(args.get("timeoutSeconds") or 900),
    )
    return final | {"finished": finished} | ({"recovered": started.note} if started.note else {})


async def activate(call: ToolCall, args: dict[str, Any]) -> Any:
    """Activates a version; with wait, polls until the activation ends."""
    return await _submit_and_wait(call, args, "activation")


async def deactivate(call: ToolCall, args: dict[str, Any]) -> Any:
    """Deactivates a version; with wait, polls until the deactivation ends."""
    return await _submit_and_wait(call, args, "deactivation")
