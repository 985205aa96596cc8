"""Property Manager (PAPI v1) as the sandbox simulates it: properties, versions, rule trees, hostnames,
activations and includes (assets and bulk jobs are in papi_assets.py, the model in papi_model.py)."""

from __future__ import annotations

import copy
from typing import Any

from alecs.sandbox.account import ACCOUNT, CONTRACT, GROUP, Account
from alecs.sandbox.http import HttpError, Router, SimRequest, SimResponse, body_of
from alecs.sandbox.papi_assets import PapiAssets
from alecs.sandbox.papi_model import (
    BASE,
    BEHAVIORS,
    CRITERIA,
    PRODUCTS,
    RULE_FORMATS,
    Activation,
    Property,
    Version,
    default_rules,
    need,
    strip,
    validate_rules,
)


class PapiSim(PapiAssets):
    def __init__(self, account: Account) -> None:
        self.account = account
        self.properties: dict[str, Property] = {}
        self.activations: dict[str, Activation] = {}
        self.cpcodes: dict[str, dict[str, Any]] = {
            "cpc_300001": {"cpcodeId": "cpc_300001", "cpcodeName": "www.example.com", "productIds": ["prd_SPM"],
                           "createdDate": account.iso()}}
        self.edge_hostnames: dict[str, dict[str, Any]] = {
            "ehn_200001": {"edgeHostnameId": "ehn_200001", "edgeHostnameDomain": "www.example.com.edgekey.net",
                           "productId": "prd_SPM", "domainPrefix": "www.example.com", "domainSuffix": "edgekey.net",
                           "secure": True, "ipVersionBehavior": "IPV6_COMPLIANCE", "status": "ACTIVE"}}
        self.bulk: dict[str, dict[str, Any]] = {}
        prop = self._new("prp_100001", "www.example.com", CONTRACT, GROUP, "prd_SPM")
        prop.versions[1].hostnames = [self._hostname("www.example.com", "ehn_200001")]
        prop.versions[1].staging = prop.versions[1].production = "ACTIVE"
        inc = self._new("inc_400001", "common-rules", CONTRACT, GROUP, "prd_SPM", kind="include")
        inc.versions[1].rules = {"name": "default", "children": [], "criteria": [], "behaviors": [
            {"name": "gzipResponse", "options": {"behavior": "ALWAYS"}}]}

    # -- helpers -------------------------------------------------------------------------------
    def _hostname(self, cname_from: str, ehn: str) -> dict[str, Any]:
        domain = self.edge_hostnames.get(ehn, {}).get("edgeHostnameDomain", cname_from + ".edgesuite.net")
        return {"cnameType": "EDGE_HOSTNAME", "cnameFrom": cname_from, "cnameTo": domain, "edgeHostnameId": ehn,
                "certProvisioningType": "CPS_MANAGED"}

    def _new(self, pid: str, name: str, contract: str, group: str, product: str, kind: str = "property",
             rule_format: str = "latest") -> Property:
        prop = Property(pid, name, contract, group, product, kind=kind)
        prop.versions[1] = Version(1, default_rules(), [], product, rule_format, updated=self.account.iso())
        self.properties[pid] = prop
        return prop

    def _find(self, pid: str, kind: str = "property") -> Property:
        prefix = "prp_" if kind == "property" else "inc_"
        prop = self.properties.get(strip(prefix, pid))
        if prop is None or prop.kind != kind:
            raise HttpError(404, f"{kind.title()} not found", f"No {kind} {pid} in this account.")
        return prop

    def _version(self, prop: Property, number: str | int) -> Version:
        version = prop.versions.get(int(number)) if str(number).isdigit() else None
        if version is None:
            raise HttpError(404, "Version not found", f"{prop.id} has no version {number}.")
        return version

    def _summary(self, prop: Property) -> dict[str, Any]:
        key = "propertyId" if prop.kind == "property" else "includeId"
        name = "propertyName" if prop.kind == "property" else "includeName"
        out = {"accountId": ACCOUNT, "contractId": prop.contract, "groupId": prop.group, key: prop.id, name: prop.name,
               "latestVersion": prop.latest, "stagingVersion": prop.active("STAGING"),
               "productionVersion": prop.active("PRODUCTION"), "assetId": "aid_" + prop.id[4:]}
        if prop.kind == "property":
            out["productId"] = prop.product
            out["ruleFormat"] = prop.versions[prop.latest].rule_format
        else:
            out["includeType"] = "MICROSERVICES"
        return out

    def _version_json(self, prop: Property, v: Version) -> dict[str, Any]:
        key = "propertyVersion" if prop.kind == "property" else "includeVersion"
        return {key: v.number, "updatedByUser": "sandbox", "updatedDate": v.updated, "productId": v.product_id,
                "ruleFormat": v.rule_format, "productionStatus": v.production, "stagingStatus": v.staging,
                "etag": v.etag, "note": v.note}

    def _tick(self) -> None:
        """Activations move on with time: PENDING -> ACTIVE after the configured delay."""
        now = self.account.now()
        for act in self.activations.values():
            if act.status == "PENDING" and now - act.submitted >= self.account.settings.activation_seconds:
                act.status = "ACTIVE"
                field_name = "staging" if act.network == "STAGING" else "production"
                for v in act.target.versions.values():
                    if getattr(v, field_name) == "ACTIVE":
                        setattr(v, field_name, "DEACTIVATED")
                setattr(act.target.versions[act.version], field_name, "ACTIVE")

    def _activation_json(self, act: Activation) -> dict[str, Any]:
        key = "propertyId" if act.target.kind == "property" else "includeId"
        ver = "propertyVersion" if act.target.kind == "property" else "includeVersion"
        name = "propertyName" if act.target.kind == "property" else "includeName"
        return {"activationId": act.id, key: act.target.id, name: act.target.name, ver: act.version,
                "network": act.network, "activationType": act.type, "status": act.status,
                "submitDate": act.submitted_iso, "updateDate": act.submitted_iso, "note": act.note,
                "notifyEmails": act.emails}
    def _validate_rules(self, rules: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return validate_rules(rules)

    # -- routes ----------------------------------------------------------------------------------
    def routes(self, r: Router) -> None:
        r.add("GET", BASE + "/contracts", self.contracts)
        r.add("GET", BASE + "/groups", self.groups)
        r.add("GET", BASE + "/products", self.products)
        r.add("GET", BASE + "/rule-formats", lambda q: {"ruleFormats": {"items": RULE_FORMATS}})
        r.add("GET", BASE + "/schemas/products/{productId}/{ruleFormat}", self.schema)
        r.add("GET", BASE + "/properties", self.list_properties)
        r.add("POST", BASE + "/properties", self.create_property)
        r.add("GET", BASE + "/properties/{propertyId}", self.get_property)
        r.add("DELETE", BASE + "/properties/{propertyId}", self.delete_property)
        r.add("POST", BASE + "/search/find-by-value", self.search)
        r.add("GET", BASE + "/properties/{propertyId}/versions", self.list_versions)
        r.add("POST", BASE + "/properties/{propertyId}/versions", self.create_version)
        r.add("GET", BASE + "/properties/{propertyId}/versions/latest", self.latest_version)
        r.add("GET", BASE + "/properties/{propertyId}/versions/{propertyVersion}", self.get_version)
        r.add("GET", BASE + "/properties/{propertyId}/versions/{propertyVersion}/rules", self.get_rules)
        r.add("PUT", BASE + "/properties/{propertyId}/versions/{propertyVersion}/rules", self.put_rules)
        r.add("GET", BASE + "/properties/{propertyId}/versions/{propertyVersion}/available-behaviors",
              lambda q: {"behaviors": {"items": [{"name": b} for b in BEHAVIORS]}})
        r.add("GET", BASE + "/properties/{propertyId}/versions/{propertyVersion}/available-criteria",
              lambda q: {"criteria": {"items": [{"name": c} for c in CRITERIA]}})
        r.add("GET", BASE + "/properties/{propertyId}/versions/{propertyVersion}/hostnames", self.get_hostnames)
        r.add("PUT", BASE + "/properties/{propertyId}/versions/{propertyVersion}/hostnames", self.put_hostnames)
        r.add("GET", BASE + "/hostnames", self.account_hostnames)
        r.add("GET", BASE + "/properties/{propertyId}/activations", self.list_activations)
        r.add("POST", BASE + "/properties/{propertyId}/activations", self.activate)
        r.add("GET", BASE + "/properties/{propertyId}/activations/{activationId}", self.get_activation)
        r.add("DELETE", BASE + "/properties/{propertyId}/activations/{activationId}", self.cancel_activation)
        r.add("GET", BASE + "/cpcodes", self.list_cpcodes)
        r.add("POST", BASE + "/cpcodes", self.create_cpcode)
        r.add("GET", BASE + "/cpcodes/{cpcodeId}", self.get_cpcode)
        r.add("GET", BASE + "/edgehostnames", self.list_edge_hostnames)
        r.add("POST", BASE + "/edgehostnames", self.create_edge_hostname)
        r.add("GET", BASE + "/edgehostnames/{edgeHostnameId}", self.get_edge_hostname)
        r.add("GET", BASE + "/includes", self.list_includes)
        r.add("GET", BASE + "/includes/{includeId}", self.get_include)
        r.add("GET", BASE + "/includes/{includeId}/versions", self.list_include_versions)
        r.add("GET", BASE + "/includes/{includeId}/versions/{includeVersion}/rules", self.get_include_rules)
        r.add("GET", BASE + "/includes/{includeId}/activations", self.list_include_activations)
        r.add("POST", BASE + "/includes/{includeId}/activations", self.activate_include)
        r.add("POST", BASE + "/bulk/rules-search-requests-synch", self.bulk_search)
        r.add("POST", BASE + "/bulk/activations", self.bulk_activate)
        r.add("GET", BASE + "/bulk/activations/{bulkActivationId}", self.get_bulk_activation)


    def list_properties(self, q: SimRequest) -> Any:
        self._prefixes(q)
        need(q, "contractId", "groupId")
        self._scope(q)
        group = strip("grp_", q.query["groupId"])
        items = [self._summary(p) for p in self.properties.values() if p.kind == "property" and p.group == group]
        return {"properties": {"items": items}}

    def create_property(self, q: SimRequest) -> Any:
        self._prefixes(q)
        need(q, "contractId", "groupId")
        self._scope(q)
        data = body_of(q)
        clone = data.get("cloneFrom")
        if not data.get("propertyName"):
            raise HttpError(400, "Invalid request", "propertyName is required.",
                            errors=[{"title": "Missing field", "detail": "propertyName"}])
        if data.get("productId") not in PRODUCTS:
            raise HttpError(400, "Invalid product", f"productId {data.get('productId')} is not on this contract.")
        if any(p.name == data["propertyName"] for p in self.properties.values()):
            raise HttpError(409, "Property name exists", f"A property named {data['propertyName']} exists.")
        pid = f"prp_{self.account.next_id() + 100000}"
        prop = self._new(pid, data["propertyName"], CONTRACT, strip("grp_", q.query["groupId"]), data["productId"],
                         rule_format=data.get("ruleFormat") or "latest")
        if clone:
            src = self._find(clone.get("propertyId", ""))
            src_v = self._version(src, clone.get("version", src.latest))
            prop.versions[1].rules = copy.deepcopy(src_v.rules)
            if clone.get("copyHostnames"):
                prop.versions[1].hostnames = copy.deepcopy(src_v.hostnames)
        link = f"{BASE}/properties/{pid}?contractId={CONTRACT}&groupId={prop.group}"
        return SimResponse(201, {"propertyLink": link}, {"Location": link})

    def get_property(self, q: SimRequest) -> Any:
        self._prefixes(q)
        self._tick()
        return {"properties": {"items": [self._summary(self._find(q.params["propertyId"]))]}}

    def delete_property(self, q: SimRequest) -> Any:
        self._prefixes(q)
        self._tick()
        prop = self._find(q.params["propertyId"])
        if prop.active("STAGING") or prop.active("PRODUCTION"):
            raise HttpError(400, "Property is active", "Deactivate the property on both networks before deleting.")
        del self.properties[prop.id]
        return {"message": "Deletion Successful."}

    def search(self, q: SimRequest) -> Any:
        data = body_of(q)
        if len(data) != 1 or next(iter(data)) not in ("propertyName", "hostname", "edgeHostname"):
            raise HttpError(400, "Invalid search", "Search by exactly one of propertyName, hostname, edgeHostname.")
        key, value = next(iter(data.items()))
        self._tick()
        items = []
        for prop in (p for p in self.properties.values() if p.kind == "property"):
            for v in prop.versions.values():
                hit = (key == "propertyName" and prop.name == value) or any(
                    (key == "hostname" and h["cnameFrom"] == value) or (key == "edgeHostname" and h["cnameTo"] == value)
                    for h in v.hostnames)
                if hit and (v.number == prop.latest or "ACTIVE" in (v.staging, v.production)):
                    items.append({"accountId": ACCOUNT, "contractId": prop.contract, "groupId": prop.group,
                                  "propertyId": prop.id, "propertyName": prop.name, "propertyVersion": v.number,
                                  "updatedDate": v.updated, "stagingStatus": v.staging,
                                  "productionStatus": v.production, "updatedByUser": "sandbox"})
        return {"versions": {"items": items}}

    def list_versions(self, q: SimRequest) -> Any:
        self._prefixes(q)
        self._tick()
        prop = self._find(q.params["propertyId"])
        items = [self._version_json(prop, v) for v in sorted(prop.versions.values(), key=lambda v: -v.number)]
        return {"propertyId": prop.id, "propertyName": prop.name, "versions": {"items": items}}

    def create_version(self, q: SimRequest) -> Any:
        self._prefixes(q)
        prop = self._find(q.params["propertyId"])
        data = body_of(q)
        base = self._version(prop, data.get("createFromVersion", ""))
        if data.get("createFromVersionEtag") and data["createFromVersionEtag"] != base.etag:
            raise HttpError(412, "Precondition failed", "createFromVersionEtag does not match that version.")
        number = prop.latest + 1
        prop.versions[number] = Version(number, copy.deepcopy(base.rules), copy.deepcopy(base.hostnames),
                                        base.product_id, base.rule_format, updated=self.account.iso())
        link = f"{BASE}/properties/{prop.id}/versions/{number}?contractId={prop.contract}&groupId={prop.group}"
        return SimResponse(201, {"versionLink": link}, {"Location": link})

    def latest_version(self, q: SimRequest) -> Any:
        self._prefixes(q)
        self._tick()
        prop = self._find(q.params["propertyId"])
        net = q.query.get("activatedOn")
        number = prop.active(net) if net in ("STAGING", "PRODUCTION") else prop.latest
        if number is None:
            raise HttpError(404, "No active version", f"{prop.id} has no version active on {net}.")
        return self._version_envelope(prop, prop.versions[number])

    def _version_envelope(self, prop: Property, v: Version) -> Any:
        key = "propertyId" if prop.kind == "property" else "includeId"
        return {key: prop.id, "contractId": prop.contract, "groupId": prop.group,
                "versions": {"items": [self._version_json(prop, v)]}}

    def get_version(self, q: SimRequest) -> Any:
        self._prefixes(q)
        self._tick()
        prop = self._find(q.params["propertyId"])
        return self._version_envelope(prop, self._version(prop, q.params["propertyVersion"]))

    def get_rules(self, q: SimRequest) -> Any:
        self._prefixes(q)
        prop = self._find(q.params["propertyId"])
        v = self._version(prop, q.params["propertyVersion"])
        return self._rules_json(prop, v)

    def _rules_json(self, prop: Property, v: Version) -> Any:
        errors, warnings = self._validate_rules(v.rules)
        out = {"accountId": ACCOUNT, "contractId": prop.contract, "groupId": prop.group, "propertyId": prop.id,
               "propertyVersion": v.number, "etag": v.etag, "ruleFormat": v.rule_format, "rules": v.rules}
        if prop.kind == "include":
            out["includeId"] = out.pop("propertyId")
            out["includeVersion"] = out.pop("propertyVersion")
        if errors:
            out["errors"] = errors
        if warnings:
            out["warnings"] = warnings
        return out

    def _editable(self, v: Version) -> None:
        self._tick()
        if v.staging != "INACTIVE" or v.production != "INACTIVE":
            raise HttpError(403, "Version is not editable",
                            f"Version {v.number} has been activated; create a new version to edit it.")

    def _if_match(self, q: SimRequest, v: Version) -> None:
        tag = (q.header("If-Match") or "").strip('"')
        if not tag:
            raise HttpError(428, "Precondition required", "Send the version's etag in If-Match.")
        if tag != v.etag:
            raise HttpError(412, "Precondition failed", "The etag does not match: someone else changed this "
                            "version. Get it again and reapply your change.")

    def put_rules(self, q: SimRequest) -> Any:
        self._prefixes(q)
        prop = self._find(q.params["propertyId"])
        v = self._version(prop, q.params["propertyVersion"])
        self._editable(v)
        self._if_match(q, v)
        data = body_of(q)
        rules: Any = data.get("rules")
        errors, warnings = self._validate_rules(rules)
        if q.query.get("dryRun") != "true":
            v.rules = rules
            v.updated = self.account.iso()
        out = self._rules_json(prop, v) if q.query.get("dryRun") != "true" else {
            "propertyId": prop.id, "propertyVersion": v.number, "etag": v.etag, "rules": rules}
        if errors:
            out["errors"] = errors
        if warnings:
            out["warnings"] = warnings
        return out

    def get_hostnames(self, q: SimRequest) -> Any:
        self._prefixes(q)
        prop = self._find(q.params["propertyId"])
        v = self._version(prop, q.params["propertyVersion"])
        items = copy.deepcopy(v.hostnames)
        if q.query.get("includeCertStatus") == "true":
            for h in items:
                h["certStatus"] = {"production": [{"status": "DEPLOYED"}], "staging": [{"status": "DEPLOYED"}],
                                   "validationCname": {"hostname": f"_acme-challenge.{h['cnameFrom']}",
                                                       "target": f"{h['cnameFrom']}.acme-validate.edgekey.net"}}
        return {"propertyId": prop.id, "propertyVersion": v.number, "etag": v.etag,
                "hostnames": {"items": items}}

    def put_hostnames(self, q: SimRequest) -> Any:
        self._prefixes(q)
        prop = self._find(q.params["propertyId"])
        v = self._version(prop, q.params["propertyVersion"])
        self._editable(v)
        self._if_match(q, v)
        data = q.json
        if not isinstance(data, list):
            raise HttpError(400, "Bad request", "The body must be a list of hostnames.")
        items = []
        for i, h in enumerate(data):
            if not isinstance(h, dict) or not h.get("cnameFrom"):
                raise HttpError(400, "Invalid hostname", f"Item {i} needs cnameFrom.")
            ehn = h.get("edgeHostnameId") or next(
                (k for k, e in self.edge_hostnames.items() if e["edgeHostnameDomain"] == h.get("cnameTo")), None)
            if ehn is None:
                raise HttpError(400, "Unknown edge hostname", f"Item {i}: create the edge hostname first.")
            items.append(self._hostname(h["cnameFrom"], strip("ehn_", ehn)))
        v.hostnames = items
        return {"propertyId": prop.id, "propertyVersion": v.number, "etag": v.etag, "hostnames": {"items": items}}

    def account_hostnames(self, q: SimRequest) -> Any:
        self._prefixes(q)
        self._tick()
        items = []
        for prop in (p for p in self.properties.values() if p.kind == "property"):
            for net in ("STAGING", "PRODUCTION"):
                number = prop.active(net)
                if number is None or (q.query.get("network") and q.query["network"] != net):
                    continue
                for h in prop.versions[number].hostnames:
                    if q.query.get("hostname") and q.query["hostname"] not in h["cnameFrom"]:
                        continue
                    items.append({"cnameFrom": h["cnameFrom"], "cnameType": "EDGE_HOSTNAME", "propertyId": prop.id,
                                  "propertyName": prop.name, f"{net.lower()}CnameTo": h["cnameTo"],
                                  f"{net.lower()}EdgeHostnameId": h["edgeHostnameId"]})
        return {"hostnames": {"items": items, "totalItems": len(items)}}

    def list_activations(self, q: SimRequest) -> Any:
        self._prefixes(q)
        self._tick()
        prop = self._find(q.params["propertyId"])
        items = [self._activation_json(a) for a in self.activations.values() if a.target is prop]
        return {"activations": {"items": sorted(items, key=lambda a: a["activationId"], reverse=True)}}

    def _activate(self, q: SimRequest, prop: Property, version_key: str) -> SimResponse:
        data = body_of(q)
        if data.get("network") not in ("STAGING", "PRODUCTION"):
            raise HttpError(400, "Invalid network", "network must be STAGING or PRODUCTION.")
        if not data.get("notifyEmails"):
            raise HttpError(400, "Missing notifyEmails", "Give at least one email address.")
        v = self._version(prop, data.get(version_key, ""))
        errors, _ = self._validate_rules(v.rules)
        if errors:
            raise HttpError(400, "Validation errors", "Fix the rule tree's errors before activating.", errors=errors)
        self._tick()
        if any(a.target is prop and a.network == data["network"] and a.status == "PENDING"
               for a in self.activations.values()):
            raise HttpError(409, "Activation pending", f"{prop.id} already has a pending activation on "
                            f"{data['network']}.")
        act = Activation(f"atv_{self.account.next_id() + 500000}", prop, v.number, data["network"],
                         data.get("note", ""), data["notifyEmails"], self.account.now(), self.account.iso())
        self.activations[act.id] = act
        setattr(v, "staging" if act.network == "STAGING" else "production", "PENDING")
        kind = "properties" if prop.kind == "property" else "includes"
        link = f"{BASE}/{kind}/{prop.id}/activations/{act.id}?contractId={prop.contract}&groupId={prop.group}"
        return SimResponse(201, {"activationLink": link}, {"Location": link})

    def activate(self, q: SimRequest) -> Any:
        self._prefixes(q)
        return self._activate(q, self._find(q.params["propertyId"]), "propertyVersion")

    def _get_act(self, q: SimRequest, prop: Property) -> Activation:
        act = self.activations.get(q.params["activationId"])
        if act is None or act.target is not prop:
            raise HttpError(404, "Activation not found", f"No activation {q.params['activationId']} on {prop.id}.")
        return act

    def get_activation(self, q: SimRequest) -> Any:
        self._prefixes(q)
        self._tick()
        prop = self._find(q.params["propertyId"])
        return {"activations": {"items": [self._activation_json(self._get_act(q, prop))]}}

    def cancel_activation(self, q: SimRequest) -> Any:
        self._prefixes(q)
        self._tick()
        prop = self._find(q.params["propertyId"])
        act = self._get_act(q, prop)
        if act.status != "PENDING":
            raise HttpError(422, "Cannot cancel", f"Activation {act.id} is {act.status}; only PENDING can be "
                            "cancelled.")
        act.status = "ABORTED"
        setattr(prop.versions[act.version], "staging" if act.network == "STAGING" else "production", "INACTIVE")
        return {"activations": {"items": [self._activation_json(act)]}}

    def list_includes(self, q: SimRequest) -> Any:
        self._prefixes(q)
        need(q, "contractId", "groupId")
        self._scope(q)
        self._tick()
        return {"includes": {"items": [self._summary(p) for p in self.properties.values() if p.kind == "include"]}}

    def get_include(self, q: SimRequest) -> Any:
        self._prefixes(q)
        self._tick()
        return {"includes": {"items": [self._summary(self._find(q.params["includeId"], "include"))]}}

    def list_include_versions(self, q: SimRequest) -> Any:
        self._prefixes(q)
        self._tick()
        inc = self._find(q.params["includeId"], "include")
        items = [self._version_json(inc, v) for v in sorted(inc.versions.values(), key=lambda v: -v.number)]
        return {"includeId": inc.id, "includeName": inc.name, "versions": {"items": items}}

    def get_include_rules(self, q: SimRequest) -> Any:
        self._prefixes(q)
        inc = self._find(q.params["includeId"], "include")
        return self._rules_json(inc, self._version(inc, q.params["includeVersion"]))

    def list_include_activations(self, q: SimRequest) -> Any:
        self._prefixes(q)
        self._tick()
        inc = self._find(q.params["includeId"], "include")
        return {"activations": {"items": [self._activation_json(a) for a in self.activations.values()
                                          if a.target is inc]}}

    def activate_include(self, q: SimRequest) -> Any:
        self._prefixes(q)
        return self._activate(q, self._find(q.params["includeId"], "include"), "includeVersion")
