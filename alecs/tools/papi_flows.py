"""Property Manager work that takes more than one request or surfaces more than the raw answer."""

from __future__ import annotations

import time
from typing import Any

from alecs.errors import ToolInputError
from alecs.tools.call import ToolCall, fill_path
from alecs.tools.diff import change_lines, json_diff
from alecs.tools.hints import no_match
from alecs.tools.json_patch import apply_patch
from alecs.tools.recovery import newest, start
from alecs.tools.results import ToolOutput, merged, render
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
    found = (await call.send("POST", f"{BASE}/search/find-by-value", json_body=given, headers=H)).data or {}
    if not ((found.get("versions") or {}).get("items")):
        return ToolOutput(found, no_match(given))
    return found


async def get_rules(call: ToolCall, args: dict[str, Any]) -> Any:
    """A version's rule tree, with validation errors and warnings summarised in the text."""
    route = fill_path(f"{BASE}/properties/{{propertyId}}/versions/{{propertyVersion}}/rules", args)
    params = _scope(args) | {"validateMode": args.get("validateMode")}
    data = await call.get(route, params=params, headers=H)
    return _with_issues(data, "Rule tree")


RULE_FIELDS = frozenset({"behaviors", "children", "criteria"})


def rule_document(sent: Any) -> tuple[dict[str, Any], bool]:
    """PAPI's rule document from what was sent as `rules`, and whether it had to be wrapped: the document itself
    ({"rules": {...}}), or its top rule alone (name, behaviors, children), which is wrapped rather than refused
    with PAPI's puzzling "The top-level rule must be named 'default'"."""
    if isinstance(sent, dict) and isinstance(sent.get("rules"), dict):
        return sent, False
    if isinstance(sent, dict) and "name" in sent and RULE_FIELDS & set(sent):
        return {"rules": sent}, True
    keys = ", ".join(sorted(sent)) if isinstance(sent, dict) else type(sent).__name__
    raise ToolInputError(f"rules is neither a rule document ({{\"rules\": {{\"name\": \"default\", \"behaviors\": "
                         f"[...], \"children\": [...]}}}}) nor its top rule (it has: {keys}). Read the current "
                         "one with get-property-rules and send it back changed, or use patch-property-rules.")


async def update_rules(call: ToolCall, args: dict[str, Any]) -> Any:
    """Saves a rule tree (with its etag), summarising validation errors and warnings; a top rule sent without its
    {"rules": ...} wrapper is wrapped (and the answer says so)."""
    document, wrapped = rule_document(args["rules"])
    req = call.build(args | {"rules": document})
    data = (await call.send(**req)).data
    return _with_issues(data, "Saved the rule tree" + (
        " (sent inside {\"rules\": ...}, as PAPI expects; the top rule alone was given)" if wrapped else ""))


async def _rules(call: ToolCall, kind: str, ident: str, version: int, args: dict[str, Any]) -> Any:
    """The rule tree of a property (`kind` "properties") or include ("includes") version."""
    route = fill_path(f"{BASE}/{kind}/{{i}}/versions/{{v}}/rules", {"i": ident, "v": version})
    return (await call.get(route, params=_scope(args), headers=H)).get("rules", {})


async def diff_versions(call: ToolCall, args: dict[str, Any]) -> Any:
    """The changes between two versions' rule trees."""
    old = await _rules(call, "properties", args["propertyId"], args["fromVersion"], args)
    changes = json_diff(old, await _rules(call, "properties", args["propertyId"], args["toVersion"], args))
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


async def _rollback_versions(call: ToolCall, args: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The activation serving the network now and the version a rollback activates there."""
    route = fill_path(f"{BASE}/properties/{{propertyId}}/activations", args)
    history = await call.get(route, params=_scope(args), headers=H, fresh=True)
    current, earlier = rollback_target((history.get("activations") or {}).get("items") or [], args["network"])
    version = int(args.get("toVersion") or earlier["propertyVersion"])
    if version == current.get("propertyVersion"):
        raise ToolInputError(f"Version {version} is the one active on {args['network']} already.")
    return current, version


async def rollback_preview(call: ToolCall, args: dict[str, Any]) -> list[str]:
    """For the confirmation of rollback-property: the version it goes back to and the rule paths that change."""
    current, version = await _rollback_versions(call, args)
    lines = await _preview(call, args, "properties", args["propertyId"], version)
    return [f"Rolls {args['network']} back from version {current.get('propertyVersion')} to version {version}.",
            *lines]


async def rollback_property(call: ToolCall, args: dict[str, Any]) -> Any:
    """Activates, on one network, the version that was active there before the current one (or `toVersion`),
    with PAPI's fast fallback when it is still possible."""
    current, version = await _rollback_versions(call, args)
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


def _items(data: Any, kind: str) -> list[Any]:
    return list(((data or {}).get(kind) or {}).get("items") or [])


async def _preview(call: ToolCall, args: dict[str, Any], kind: str, ident: str, version: int) -> list[str]:
    """The version that goes live, the one it replaces on that network and the rule paths that change."""
    network = args["network"]
    summary = await call.get(fill_path(f"{BASE}/{kind}/{{i}}", {"i": ident}), params=_scope(args), headers=H,
                             fresh=True)
    active = (_items(summary, kind) or [{}])[0].get("productionVersion" if network == "PRODUCTION" else
                                                    "stagingVersion")
    if not active:
        return [f"Nothing is active on {network} yet: version {version} will be the first."]
    if active == version:
        return [f"Version {version} is already active on {network}."]
    changes = json_diff(await _rules(call, kind, ident, active, args), await _rules(call, kind, ident, version, args))
    head = (f"Version {version} replaces version {active}, active on {network} now; "
            + (f"rule paths changed ({len(changes)}):" if changes else "the rule trees are the same."))
    return [head, *change_lines(changes)]


async def activation_preview(call: ToolCall, args: dict[str, Any]) -> list[str]:
    """For the confirmation of activate-property: versions and changed rule paths (diff-property-versions)."""
    return await _preview(call, args, "properties", args["propertyId"], args["propertyVersion"])


async def include_activation_preview(call: ToolCall, args: dict[str, Any]) -> list[str]:
    """For the confirmation of activate-include: versions and changed rule paths."""
    return await _preview(call, args, "includes", args["includeId"], args["includeVersion"])


async def bulk_activation_preview(call: ToolCall, args: dict[str, Any]) -> list[str]:
    """For the confirmation of bulk-activate-properties: each property version and its network."""
    items = args["activatePropertyVersions"]
    lines = [f"- {i.get('propertyId')} version {i.get('propertyVersion')} on {i.get('network')}" for i in items[:20]]
    return [f"{len(items)} activation(s):", *lines] + ([f"- ... and {len(items) - 20} more"] if len(items) > 20 else [])


async def _start(call: ToolCall, args: dict[str, Any], kind: str, ident: str, version_key: str,
                 request: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """Sends the activation request (the tool's own, or `request`: rollback-property builds its own) once: the
    activation id and the first fields of the result (its link, or a `recovered` note). After a lost answer or
    Akamai's 422 for a version already active or pending on that network, the activation of that version there,
    looked up."""
    request = call.build(args) if request is None else request
    version, network = (request.get("json_body") or {}).get(version_key, args.get(version_key)), args["network"]

    async def lookup(sent_at: float | None) -> dict[str, Any] | None:
        route = fill_path(f"{BASE}/{kind}/{{i}}/activations", {"i": ident})
        items = _items(await call.get(route, params=_scope(args), headers=H, fresh=True), "activations")
        return newest(items, lambda a: a.get(version_key) == version and a.get("network") == network
                      and a.get("activationType", "ACTIVATE") == "ACTIVATE", "submitDate", sent_at)

    started = await start(call, lambda: call.send(**request), lookup,
                          f"version {version} of {ident} on {network}")
    if started.found is not None:
        activation_id = str(started.found["activationId"])
        return activation_id, {"activationId": activation_id, "recovered": started.note,
                               "activationLink": f"{BASE}/{kind}/{ident}/activations/{activation_id}"}
    link = started.created.data["activationLink"]
    return _activation_id(link), {"activationId": _activation_id(link), "activationLink": link}


async def activate_include(call: ToolCall, args: dict[str, Any]) -> Any:
    """Activates an include version, recovering the activation after a lost answer or a repeated request."""
    _, result = await _start(call, args, "includes", args["includeId"], "includeVersion")
    return result | {"next": f"list-include-activations with includeId={args['includeId']}"}


async def activate_property(call: ToolCall, args: dict[str, Any]) -> Any:
    """Activates a version; with wait, polls until ACTIVE or failed. A lost answer or a repeat of an activation
    already active or pending returns that activation (with `recovered` saying so)."""
    return await _activate(call, args, call.build(args))


async def _activate(call: ToolCall, args: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """Sends a property activation `request` (recovering it after a lost answer) and, with `wait`, follows it: the
    summary (ids, status, what next) followed by the rest of the final activation."""
    activation_id, result = await _start(call, args, "properties", args["propertyId"], "propertyVersion", request)
    if not args.get("wait"):
        recovered = "recovered" in result  # then it may be active already: say what it is now
        result["status"] = _activation_status(await _activation(call, args["propertyId"], activation_id, args)) \
            if recovered else "PENDING"
        result["next"] = f"get-property-activation with propertyId={args['propertyId']} activationId={activation_id}"
        return result
    final, finished = await wait_for(
        call, lambda: _activation(call, args["propertyId"], activation_id, args), _activation_status,
        FINAL_ACTIVATION, float(args.get("timeoutSeconds") or 900),
    )
    activation: dict[str, Any] = ((final.get("activations") or {}).get("items") or [{}])[0]
    return merged(result | {"status": _activation_status(final), "finished": finished}, activation)
