"""Property Manager work that takes more than one request or surfaces more than the raw answer."""

from __future__ import annotations

import time
from typing import Any

from alecs.errors import ToolInputError
from alecs.tools.call import ToolCall, fill_path
from alecs.tools.diff import json_diff
from alecs.tools.json_patch import apply_patch
from alecs.tools.results import ToolOutput, render
from alecs.tools.text import diff_line, render_page
from alecs.tools.waiting import wait_for

BASE = "/papi/v1"
H = {"PAPI-Use-Prefixes": "true"}
FINAL_ACTIVATION = frozenset({"ACTIVE", "FAILED", "ABORTED", "DEACTIVATED", "INACTIVE"})


def _scope(args: dict[str, Any]) -> dict[str, Any]:
    return {"contractId": args.get("contractId"), "groupId": args.get("groupId")}


def _issues(data: dict[str, Any]) -> str:
    lines = []
    for kind in ("errors", "warnings"):
        for item in data.get(kind) or []:
            lines.append(f"{kind[:-1]}: {item.get('title') or item.get('type')} at {item.get('errorLocation', '?')}"
                         + (f" - {item['detail']}" if item.get("detail") else ""))
    return "\n".join(lines)


def _with_issues(data: dict[str, Any], head: str) -> ToolOutput:
    """A rule tree answer: errors and warnings first, then the rest of the answer (ids, etag, the tree)."""
    issues = _issues(data)
    counts = f"{len(data.get('errors') or [])} error(s), {len(data.get('warnings') or [])} warning(s)"
    rest = {k: v for k, v in data.items() if k not in ("errors", "warnings")}
    text = f"{head}: {counts}" + (f"\n{issues}" if issues else "") + "\n" + render(rest)
    return ToolOutput(data, text)


async def search_properties(call: ToolCall, args: dict[str, Any]) -> Any:
    """Finds properties by exactly one of name, hostname or edge hostname."""
    given = {k: args[k] for k in ("propertyName", "hostname", "edgeHostname") if args.get(k)}
    if len(given) != 1:
        raise ToolInputError("Give exactly one of propertyName, hostname or edgeHostname.")
    return (await call.send("POST", f"{BASE}/search/find-by-value", json_body=given, headers=H)).data


async def get_rules(call: ToolCall, args: dict[str, Any]) -> Any:
    """A version's rule tree, with validation errors and warnings summarised in the text."""
    route = fill_path(f"{BASE}/properties/{{propertyId}}/versions/{{propertyVersion}}/rules", args)
    params = _scope(args) | {"validateMode": args.get("validateMode")}
    data = await call.get(route, params=params, headers=H)
    return _with_issues(data, "Rule tree")


async def update_rules(call: ToolCall, args: dict[str, Any]) -> Any:
    """Saves a rule tree (with its etag), summarising validation errors and warnings."""
    req = call.build(args)
    data = (await call.send(**req)).data
    return _with_issues(data, "Saved the rule tree")


async def diff_versions(call: ToolCall, args: dict[str, Any]) -> Any:
    """The changes between two versions' rule trees."""
    trees = []
    for version in (args["fromVersion"], args["toVersion"]):
        route = fill_path(f"{BASE}/properties/{{propertyId}}/versions/{{v}}/rules",
                          {"propertyId": args["propertyId"], "v": version})
        trees.append((await call.get(route, params=_scope(args), headers=H)).get("rules", {}))
    changes = json_diff(trees[0], trees[1])
    return {"fromVersion": args["fromVersion"], "toVersion": args["toVersion"], "changes": changes}


async def put_hostnames(call: ToolCall, args: dict[str, Any]) -> Any:
    """Replaces a version's hostnames, fetching the version's etag when none was given; warns of hostnames their
    edge hostname's certificate does not cover."""
    if not args.get("etag"):
        route = fill_path(f"{BASE}/properties/{{propertyId}}/versions/{{propertyVersion}}", args)
        version = await call.get(route, params=_scope(args), headers=H, fresh=True)
        items = (version.get("versions") or {}).get("items") or [{}]
        args = args | {"etag": items[0].get("etag")}
    request = call.build(args)
    request["params"] = request["params"] | {"includeCertStatus": True}
    return with_certificate_warnings((await call.send(**request)).data)


async def get_hostnames(call: ToolCall, args: dict[str, Any]) -> Any:
    """A version's hostnames, with a warning for each one its certificate does not cover."""
    return with_certificate_warnings((await call.send(**call.build(args))).data)


def certificate_warnings(hostnames: list[Any]) -> list[str]:
    """One line per hostname and network where PAPI's certStatus says no certificate covering it is deployed:
    HTTPS for that name fails there (its edge hostname's certificate lacks it, or its DEFAULT certificate is not
    validated yet). Hostnames without certStatus (PAPI sends it on request, for accounts that have it) get none."""
    out = []
    for host in hostnames:
        status = host.get("certStatus") if isinstance(host, dict) else None
        if not isinstance(status, dict):
            continue
        for network in ("production", "staging"):
            states = [s.get("status") for s in status.get(network) or [] if isinstance(s, dict)]
            if not states or "DEPLOYED" in states:
                continue
            name, target = host.get("cnameFrom"), host.get("cnameTo") or host.get("edgeHostnameId")
            if host.get("certProvisioningType") == "DEFAULT":
                cname = status.get("validationCname") or {}
                fix = (f"publish the CNAME {cname.get('hostname')} → {cname.get('target')} and activate" if cname
                       else "complete its domain validation and activate")
                out.append(f"{name}: its DEFAULT certificate is {states[0]} on {network}; {fix}.")
            else:
                out.append(f"{name}: not covered by the certificate of {target} on {network} ({states[0]}); HTTPS "
                           "for it fails there until the certificate's SANs include it.")
    return out


def with_certificate_warnings(data: Any) -> Any:
    """A hostnames answer with `warnings` first when a certificate does not cover a hostname."""
    if not isinstance(data, dict):
        return data
    items = (data.get("hostnames") or {}).get("items") if isinstance(data.get("hostnames"), dict) else None
    warnings = certificate_warnings(items or [])
    return ({"warnings": warnings} | data) if warnings else data


def _edge_hostname(value: str) -> dict[str, str]:
    """An edge hostname as PAPI's hostname items name it: by id (ehn_…) or by domain (….edgekey.net)."""
    return {"edgeHostnameId": value} if value.startswith("ehn_") or value.isdigit() else {"cnameTo": value}


async def edit_hostnames(call: ToolCall, args: dict[str, Any]) -> Any:
    """Adds or removes some of a version's hostnames with PAPI's PATCH (the etag fetched first), saying what was
    already so and warning of hostnames their certificate does not cover."""
    route = fill_path(f"{BASE}/properties/{{propertyId}}/versions/{{propertyVersion}}/hostnames", args)
    current = await call.get(route, params=_scope(args), headers=H, fresh=True)
    have = {str(h.get("cnameFrom")).lower(): h for h in (current.get("hostnames") or {}).get("items") or []}
    wanted = list(dict.fromkeys(str(h).strip().rstrip(".") for h in args["hostnames"]))
    body: dict[str, Any] = {}
    notes: list[str] = []
    if args.get("edgeHostname"):
        target = _edge_hostname(args["edgeHostname"])
        again = [name for name in wanted if name.lower() in have]
        if again:
            notes.append(f"Already on this version, now through {args['edgeHostname']}: {', '.join(again)}.")
        body["add"] = [{"cnameType": "EDGE_HOSTNAME", "cnameFrom": name, "certProvisioningType":
                        args.get("certProvisioningType") or "CPS_MANAGED"} | target for name in wanted]
    else:
        absent = [name for name in wanted if name.lower() not in have]
        if absent:
            notes.append(f"Not on this version, so not removed: {', '.join(absent)}.")
        body["remove"] = [name for name in wanted if name.lower() in have]
        if not body["remove"]:
            raise ToolInputError(f"None of {', '.join(wanted)} is a hostname of {args['propertyId']} "
                                 f"v{args['propertyVersion']}; its hostnames are: {', '.join(have) or 'none'}.")
    headers = H | {"If-Match": str(current.get("etag") or "")}
    params = _scope(args) | {"includeCertStatus": True}
    saved = (await call.send("PATCH", route, params=params, json_body=body, headers=headers)).data or {}
    items = (saved.get("hostnames") or {}).get("items") or []
    result = {"propertyId": args["propertyId"], "propertyVersion": args["propertyVersion"],
              "etag": saved.get("etag"), "added": [h["cnameFrom"] for h in body.get("add", [])],
              "removed": body.get("remove", []), "warnings": notes + certificate_warnings(items), "hostnames": items}
    done = (f"Added {len(result['added'])}" if "add" in body else f"Removed {len(result['removed'])}")
    text = (f"{done} hostname(s) on {args['propertyId']} v{args['propertyVersion']} (etag {saved.get('etag')}): "
            f"{', '.join(result['added'] or result['removed'])}.")
    if result["warnings"]:
        text += "\nwarnings:\n" + "\n".join(f"- {w}" for w in result["warnings"])
    page = render_page({"items": items, "total": len(items)}, HOSTNAME_COLUMNS, noun="hostnames now")
    return ToolOutput(result, text + "\n" + page.text)


HOSTNAME_COLUMNS = ("cnameFrom", "cnameTo", "edgeHostnameId", "certProvisioningType", "certStatus")


async def patch_rules(call: ToolCall, args: dict[str, Any]) -> Any:
    """Applies JSON Patch operations (rules and behaviors addressable by name) to a version's rule tree and saves
    it against the etag it was read with; returns what changed, old and new values, and PAPI's verdict."""
    route = fill_path(f"{BASE}/properties/{{propertyId}}/versions/{{propertyVersion}}/rules", args)
    current = await call.get(route, params=_scope(args), headers=H, fresh=True)
    etag = str(current.get("etag") or "")
    if args.get("etag") and args["etag"].strip('"') != etag.strip('"'):
        raise ToolInputError(f"The rule tree of {args['propertyId']} v{args['propertyVersion']} changed since etag "
                             f"{args['etag']} (it is {etag} now): read it again with get-property-rules and redo "
                             "the change on what it is now.")
    before = {"rules": current.get("rules") or {}}
    after = apply_patch(before, args["operations"], prefix="/rules")
    changes = json_diff(before["rules"], after.get("rules"))
    head = f"{args['propertyId']} v{args['propertyVersion']}"
    if not changes:
        return ToolOutput({"propertyId": args["propertyId"], "propertyVersion": args["propertyVersion"],
                           "etag": etag, "changes": []},
                          f"Nothing to save: the operations leave the rule tree of {head} as it is (etag {etag}).")
    params = _scope(args) | {"dryRun": args.get("dryRun") or None}
    saved = (await call.send("PUT", route, params=params, json_body=after,
                             headers=H | {"If-Match": etag})).data or {}
    result = {"propertyId": args["propertyId"], "propertyVersion": args["propertyVersion"],
              "etag": saved.get("etag", etag)} | ({"dryRun": True} if args.get("dryRun") else {}) | {
              "changes": changes, "errors": saved.get("errors") or [], "warnings": saved.get("warnings") or []}
    verdict = f"{len(result['errors'])} error(s), {len(result['warnings'])} warning(s)"
    if args.get("dryRun"):
        head = f"dryRun: nothing saved; PAPI checked {len(changes)} change(s) to {head}: {verdict}"
    else:
        head = f"Saved {len(changes)} change(s) to the rule tree of {head} (etag {result['etag']}): {verdict}"
    issues = {k: result[k] for k in ("errors", "warnings") if result[k]}
    lines = [head, "changes:", *(diff_line(c).text for c in changes)] + ([render(issues)] if issues else [])
    return ToolOutput(result, "\n".join(lines))


# Activation states of a version that went live on its network (INACTIVE: superseded by a later activation).
WENT_LIVE = frozenset({"ACTIVE", "INACTIVE"})


def rollback_target(activations: list[dict[str, Any]], network: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the activation serving `network` now, the latest earlier one of another version that went live), from a
    property's activation history; raises ToolInputError naming what the history holds when there is none."""
    mine = sorted((a for a in activations if a.get("network") == network
                   and a.get("activationType", "ACTIVATE") == "ACTIVATE"),
                  key=lambda a: (str(a.get("submitDate") or ""), str(a.get("activationId"))), reverse=True)
    current = next((a for a in mine if a.get("status") == "ACTIVE"), None)
    if current is None:
        raise ToolInputError(f"No version is active on {network}: there is nothing to roll back.")
    later = mine.index(current)
    earlier = next((a for a in mine[later + 1:] if a.get("status") in WENT_LIVE
                    and a.get("propertyVersion") != current.get("propertyVersion")), None)
    if earlier is None:
        raise ToolInputError(f"Version {current.get('propertyVersion')} is the only one ever active on {network}: "
                             "there is no earlier version to roll back to.")
    return current, earlier


def fast_fallback_possible(current: dict[str, Any], version: int) -> bool:
    """Whether PAPI's fast fallback (within an hour of an activation) can take `network` back to `version`."""
    info = current.get("fallbackInfo") or {}
    return bool(info.get("canFastFallback") and not info.get("fastFallbackAttempted")
                and info.get("fallbackVersion") == version
                and float(info.get("fastFallbackExpirationTime") or 0) > time.time())


async def rollback_property(call: ToolCall, args: dict[str, Any]) -> Any:
    """Activates, on one network, the version that was active there before the current one (or `toVersion`),
    with PAPI's fast fallback when it is still possible."""
    route = fill_path(f"{BASE}/properties/{{propertyId}}/activations", args)
    history = await call.get(route, params=_scope(args), headers=H, fresh=True)
    current, earlier = rollback_target((history.get("activations") or {}).get("items") or [], args["network"])
    version = int(args.get("toVersion") or earlier["propertyVersion"])
    if version == current.get("propertyVersion"):
        raise ToolInputError(f"Version {version} is the one active on {args['network']} already.")
    request = call.build(args)
    request["json_body"] = (request["json_body"] or {}) | {
        "propertyVersion": version, "acknowledgeAllWarnings": True,
        "note": args.get("note") or f"Roll back {args['network']} from v{current['propertyVersion']} to v{version}"}
    fast = fast_fallback_possible(current, version)
    if fast:
        request["json_body"]["useFastFallback"] = True
    result = await _activate(call, args, request)
    return {"rolledBackFrom": current["propertyVersion"], "propertyVersion": version, "network": args["network"],
            "fastFallback": fast} | result


def _activation_id(link: str) -> str:
    return link.rstrip("/").split("/")[-1].split("?")[0]


async def _activation(call: ToolCall, property_id: str, activation_id: str, args: dict[str, Any]) -> Any:
    route = fill_path(f"{BASE}/properties/{{p}}/activations/{{a}}", {"p": property_id, "a": activation_id})
    return await call.get(route, params=_scope(args), headers=H, fresh=True)


def _activation_status(data: dict[str, Any]) -> str:
    items = (data.get("activations") or {}).get("items") or [{}]
    return str(items[0].get("status", "UNKNOWN"))


async def get_activation(call: ToolCall, args: dict[str, Any]) -> Any:
    """One activation of a property."""
    return await _activation(call, args["propertyId"], args["activationId"], args)


async def activate_property(call: ToolCall, args: dict[str, Any]) -> Any:
    """Activates a version; with wait, polls until ACTIVE or failed."""
    return await _activate(call, args, call.build(args))


async def _activate(call: ToolCall, args: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    created = (await call.send(**request)).data
    activation_id = _activation_id(created["activationLink"])
    result: dict[str, Any] = {"activationId": activation_id, "activationLink": created["activationLink"]}
    if not args.get("wait"):
        result["status"] = "PENDING"
        result["next"] = f"get-property-activation with propertyId={args['propertyId']} activationId={activation_id}"
        return result
    final, finished = await wait_for(
        call, lambda: _activation(call, args["propertyId"], activation_id, args), _activation_status,
        FINAL_ACTIVATION, float(args.get("timeoutSeconds") or 900),
    )
    activation: dict[str, Any] = ((final.get("activations") or {}).get("items") or [{}])[0]
    return result | activation | {"status": _activation_status(final), "finished": finished}
