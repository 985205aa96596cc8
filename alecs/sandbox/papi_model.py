"""Property Manager (PAPI v1) simulation: the data model and rule validation."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from alecs.sandbox.http import HttpError, SimRequest
from alecs.sandbox.ids import CONTRACT, GROUP, SUBGROUP

BASE = "/papi/v1"
PRODUCTS = {"prd_SPM": "Ion Standard", "prd_Fresca": "Ion Premier", "prd_Site_Accel": "Dynamic Site Accelerator"}
RULE_FORMATS = ["latest", "v2023-01-05", "v2024-10-21"]
BEHAVIORS = ["origin", "cpCode", "caching", "allowPost", "gzipResponse", "http2", "sureRoute", "edgeWorker",
             "modifyOutgoingResponseHeader", "redirect", "denyAccess", "prefetch", "downstreamCache", "include"]
CRITERIA = ["path", "fileExtension", "hostname", "requestHeader", "contentType", "matchAdvanced", "cookie"]
FINAL = {"ACTIVE", "FAILED", "ABORTED", "INACTIVE", "DEACTIVATED"}


class Certificates(Protocol):
    """What Property Manager asks the certificate system (CPS): the names on an enrollment's certificate."""

    def certificate_names(self, enrollment_id: int, network: str) -> list[str]: ...


def default_rules(cpcode: int = 300001) -> dict[str, Any]:
    return {"name": "default", "children": [], "criteria": [], "options": {"is_secure": True},
            "behaviors": [
                {"name": "origin", "options": {"originType": "CUSTOMER", "hostname": "origin.example.com",
                                               "forwardHostHeader": "REQUEST_HOST_HEADER"}},
                {"name": "cpCode", "options": {"value": {"id": cpcode}}},
                {"name": "caching", "options": {"behavior": "MAX_AGE", "ttl": "1d"}}]}


def etag_of(value: Any) -> str:
    return hashlib.sha1(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def need(req: SimRequest, *names: str) -> None:
    missing = [n for n in names if not req.query.get(n)]
    if missing:
        raise HttpError(400, "Missing required parameters", f"Provide {', '.join(missing)} as query parameters.")


def prefixes(q: SimRequest) -> None:
    """PAPI refuses requests without the PAPI-Use-Prefixes header (schemas excepted)."""
    if q.header("PAPI-Use-Prefixes") not in ("true", "false") and not q.path.startswith(BASE + "/schemas"):
        raise HttpError(400, "Missing PAPI-Use-Prefixes header", "Set PAPI-Use-Prefixes to true or false.")


def scope(q: SimRequest) -> None:
    """403 for a contractId or groupId the sandbox's API client cannot use."""
    if q.query.get("contractId") and strip("ctr_", q.query["contractId"]) != CONTRACT:
        raise HttpError(403, "Forbidden", f"You have no access to contract {q.query['contractId']}.")
    if q.query.get("groupId") and strip("grp_", q.query["groupId"]) not in (GROUP, SUBGROUP):
        raise HttpError(403, "Forbidden", f"You have no access to group {q.query['groupId']}.")


def strip(prefix: str, value: Any) -> str:
    text = str(value)
    return text if text.startswith(prefix) else prefix + text


@dataclass
class Version:
    number: int
    rules: dict[str, Any]
    hostnames: list[dict[str, Any]]
    product_id: str
    rule_format: str = "latest"
    note: str = ""
    staging: str = "INACTIVE"
    production: str = "INACTIVE"
    updated: str = ""

    @property
    def etag(self) -> str:
        return etag_of({"rules": self.rules, "hostnames": self.hostnames, "n": self.number})


@dataclass
class Property:
    id: str
    name: str
    contract: str
    group: str
    product: str
    versions: dict[int, Version] = field(default_factory=dict)
    kind: str = "property"  # or "include"

    @property
    def latest(self) -> int:
        return max(self.versions)

    def active(self, network: str) -> int | None:
        key = "staging" if network == "STAGING" else "production"
        found = [v.number for v in self.versions.values() if getattr(v, key) == "ACTIVE"]
        return max(found) if found else None


@dataclass
class Activation:
    id: str
    target: Property
    version: int
    network: str
    note: str
    emails: list[str]
    submitted: float
    submitted_iso: str
    status: str = "PENDING"
    type: str = "ACTIVATE"




PROBLEMS = "https://problems.luna.akamaiapis.net"


def activation_refused(prop: Property, version: int, pending: bool) -> HttpError:
    """PAPI's 422 for an activation POST that cannot start because that network already has the version
    active, or an activation of the property still pending.

    The pending case is the 422 of PAPI's reference (techdocs property-mgr/reference/422: two consecutive
    activations). For the active case PAPI's error reference lists the type activation/already-activated
    ("The property version has already been activated"), given here in the same envelope (messageId,
    params, result; no top-level detail)."""
    if pending:
        kind, message = "papi/v1/property_activation_still_pending", "property_activation_still_pending"
    else:
        kind, message = "papi/v0/activation/already-activated", "The property version has already been activated."
    title = "Property Manager Exception"
    noun = "Property" if prop.kind == "property" else "Include"
    return HttpError(422, title, type_=f"{PROBLEMS}/{kind}", errors=[{"type": kind, "title": title,
                                                                        "detail": message}],
                     extra={"details": {}, "messageId": kind.rsplit("/", 1)[-1].replace("-", "_"),
                            "params": [f"{noun} {prop.id[4:]}", f"Version {version}"], "result": "ERROR"})


def validate_rules(rules: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Errors and warnings the way PAPI reports them for a rule tree (unknown behaviors and criteria)."""
    errors: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    if not isinstance(rules, dict) or rules.get("name") != "default":
        raise HttpError(400, "Invalid rule tree", "The top-level rule must be named 'default'.",
                        type_="https://problems.luna.akamaiapis.net/papi/v0/json-schema-invalid")

    def walk(rule: dict[str, Any], where: str) -> None:
        for i, b in enumerate(rule.get("behaviors") or []):
            if b.get("name") not in BEHAVIORS:
                errors.append({"type": "https://problems.luna.akamaiapis.net/papi/v0/validation/unknown_behavior",
                               "title": "Unknown behavior", "errorLocation": f"{where}/behaviors/{i}",
                               "detail": f"The behavior `{b.get('name')}` is not available for this product."})
        for i, c in enumerate(rule.get("criteria") or []):
            if c.get("name") not in CRITERIA:
                errors.append({"type": "https://problems.luna.akamaiapis.net/papi/v0/validation/unknown_criteria",
                               "title": "Unknown criteria", "errorLocation": f"{where}/criteria/{i}",
                               "detail": f"The criteria `{c.get('name')}` is not available for this product."})
        for i, child in enumerate(rule.get("children") or []):
            walk(child, f"{where}/children/{i}")

    walk(rules, "#/rules")
    if not any(b.get("name") == "cpCode" for b in rules.get("behaviors") or []):
        warnings.append({"type": "https://problems.luna.akamaiapis.net/papi/v0/validation/missing_cpcode",
                         "title": "No CP code", "errorLocation": "#/rules/behaviors",
                         "detail": "The default rule has no cpCode behavior; reporting will not work."})
    return errors, warnings
