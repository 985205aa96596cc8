"""Property Manager (PAPI v1) as the sandbox simulates it: properties, versions, rule trees, hostnames,
activations and includes (state in papi_store.py, assets and bulk jobs in papi_assets.py, the model in
papi_model.py)."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from alecs.sandbox.account import Account
from alecs.sandbox.certs_model import covers
from alecs.sandbox.cpcodes import CpcodeStore
from alecs.sandbox.http import HttpError, Router, SimRequest, SimResponse, body_of
from alecs.sandbox.ids import ACCOUNT, CONTRACT
from alecs.sandbox.papi_assets import PapiAssets
from alecs.sandbox.papi_model import (
    BASE,
    BEHAVIORS,
    CRITERIA,
    PRODUCTS,
    Activation,
    Certificates,
    Property,
    Version,
    activation_refused,
    need,
    prefixes,
    scope,
    strip,
    validate_rules,
)
from alecs.sandbox.papi_store import PropertyStore


class PapiSim:
    """Property, version, rule tree, hostname, activation and include routes over the property store; the
    account's assets (contracts, CP codes, edge hostnames, bulk jobs) are routed by PapiAssets."""

    def __init__(self, account: Account, cpcodes: CpcodeStore, certificates: Certificates) -> None:
        self.account = account
        self.certificates = certificates
        self.store = PropertyStore(account)
        self.assets = PapiAssets(account, self.store, cpcodes)
        self.store.properties["prp_100001"].versions[1].hostnames = [self._hostname("www.example.com", "ehn_200001")]

    # -- helpers -------------------------------------------------------------------------------
    def _hostname(self, cname_from: str, ehn: str, provisioning: str = "CPS_MANAGED") -> dict[str, Any]:
        domain = (self.assets.edge_hostname(ehn) or {}).get("edgeHostnameDomain", cname_from + ".edgesuite.net")
        return {"cnameType": "EDGE_HOSTNAME", "cnameFrom": cname_from, "cnameTo": domain, "edgeHostnameId": ehn,
                "certProvisioningType": provisioning}

    def _certificate_covers(self, hostname: dict[str, Any], network: str) -> bool:
        """Whether the certificate the hostname is served with on `network` is valid for it.

        DEFAULT hostnames get their own certificate once a version serving them is active on the network.
        CPS_MANAGED ones are served with their edge hostname's certificate: the CPS enrollment's (Enhanced
        TLS, edgekey.net), Akamai's shared *.akamaized.net one, or none (edgesuite.net without an enrollment)."""
        if hostname["certProvisioningType"] == "DEFAULT":
            return hostname["cnameFrom"] in self.store.active_hostnames(network.upper())
        ehn = hostname["edgeHostnameId"]
        if (self.assets.edge_hostname(ehn) or {}).get("domainSuffix") == "akamaized.net":
            names = ["*.akamaized.net"]
        else:
            enrollment = self.assets.certificate_enrollment(ehn)
            names = self.certificates.certificate_names(enrollment, network) if enrollment is not None else []
        return covers(names, hostname["cnameFrom"])

    def _cert_status(self, hostname: dict[str, Any]) -> dict[str, Any]:
        """certStatus as PAPI reports it: DEPLOYED on a network only when the certificate there covers the
        hostname; otherwise PENDING, Akamai's status for a hostname whose certificate is not in place yet."""
        out: dict[str, Any] = {network: [{"status": "DEPLOYED" if self._certificate_covers(hostname, network)
                                          else "PENDING"}] for network in ("production", "staging")}
        if hostname["certProvisioningType"] == "DEFAULT":
            name = hostname["cnameFrom"]
            token = hashlib.sha256(name.encode()).hexdigest()[:32]
            out["validationCname"] = {"hostname": f"_acme-challenge.{name}",
                                      "target": f"ac.{token}.{name}.validate-akdv.net"}
        return out

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

    def _activation_json(self, act: Activation) -> dict[str, Any]:
        key = "propertyId" if act.target.kind == "property" else "includeId"
        ver = "propertyVersion" if act.target.kind == "property" else "includeVersion"
        name = "propertyName" if act.target.kind == "property" else "includeName"
        return {"activationId": act.id, key: act.target.id, name: act.target.name, ver: act.version,
                "network": act.network, "activationType": act.type, "status": act.status,
                "submitDate": act.submitted_iso, "updateDate": act.submitted_iso, "note": act.note,
                "notifyEmails": act.emails}

    # -- routes ----------------------------------------------------------------------------------
    def routes(self, r: Router) -> None:
        self.assets.routes(r)
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
        r.add("PATCH", BASE + "/properties/{propertyId}/versions/{propertyVersion}/hostnames", self.patch_hostnames)
        r.add("GET", BASE + "/hostnames", self.account_hostnames)
        r.add("GET", BASE + "/properties/{propertyId}/activations", self.list_activations)
        r.add("POST", BASE + "/properties/{propertyId}/activations", self.activate)
        r.add("GET", BASE + "/properties/{propertyId}/activations/{activationId}", self.get_activation)
        r.add("DELETE", BASE + "/properties/{propertyId}/activations/{activationId}", self.cancel_activation)
        r.add("GET", BASE + "/includes", self.list_includes)
        r.add("GET", BASE + "/includes/{includeId}", self.get_include)
        r.add("GET", BASE + "/includes/{includeId}/versions", self.list_include_versions)
        r.add("GET", BASE + "/includes/{includeId}/versions/{includeVersion}/rules", self.get_include_rules)
        r.add("GET", BASE + "/includes/{includeId}/activations", self.list_include_activations)
        r.add("POST", BASE + "/includes/{includeId}/activations", self.activate_include)


    def list_properties(self, q: SimRequest) -> Any:
        prefixes(q)
        need(q, "contractId", "groupId")
        scope(q)
        group = strip("grp_", q.query["groupId"])
        items = [self._summary(p) for p in self.store.properties.values() if p.kind == "property" and p.group == group]
        return {"properties": {"items": items}}

    def create_property(self, q: SimRequest) -> Any:
        prefixes(q)
        need(q, "contractId", "groupId")
        scope(q)
        data = body_of(q)
        clone = data.get("cloneFrom")
        if not data.get("propertyName"):
            raise HttpError(400, "Invalid request", "propertyName is required.",
                            errors=[{"title": "Missing field", "detail": "propertyName"}])
        if data.get("productId") not in PRODUCTS:
            raise HttpError(400, "Invalid product", f"productId {data.get('productId')} is not on this contract.")
        if any(p.name == data["propertyName"] for p in self.store.properties.values()):
            raise HttpError(409, "Property name exists", f"A property named {data['propertyName']} exists.")
        pid = f"prp_{self.account.next_id() + 100000}"
        prop = self.store.new(pid, data["propertyName"], CONTRACT, strip("grp_", q.query["groupId"]), data["productId"],
                         rule_format=data.get("ruleFormat") or "latest")
        if clone:
            src = self.store.find(clone.get("propertyId", ""))
            src_v = self.store.version(src, clone.get("version", src.latest))
            prop.versions[1].rules = copy.deepcopy(src_v.rules)
            if clone.get("copyHostnames"):
                prop.versions[1].hostnames = copy.deepcopy(src_v.hostnames)
        link = f"{BASE}/properties/{pid}?contractId={CONTRACT}&groupId={prop.group}"
        return SimResponse(201, {"propertyLink": link}, {"Location": link})

    def get_property(self, q: SimRequest) -> Any:
        prefixes(q)
        self.store.tick()
        return {"properties": {"items": [self._summary(self.store.find(q.params["propertyId"]))]}}

    def delete_property(self, q: SimRequest) -> Any:
        prefixes(q)
        self.store.tick()
        prop = self.store.find(q.params["propertyId"])
        if prop.active("STAGING") or prop.active("PRODUCTION"):
            raise HttpError(400, "Property is active", "Deactivate the property on both networks before deleting.")
        del self.store.properties[prop.id]
        return {"message": "Deletion Successful."}

    def search(self, q: SimRequest) -> Any:
        data = body_of(q)
        if len(data) != 1 or next(iter(data)) not in ("propertyName", "hostname", "edgeHostname"):
            raise HttpError(400, "Invalid search", "Search by exactly one of propertyName, hostname, edgeHostname.")
        key, value = next(iter(data.items()))
        self.store.tick()
        items = []
        for prop in (p for p in self.store.properties.values() if p.kind == "property"):
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
        prefixes(q)
        self.store.tick()
        prop = self.store.find(q.params["propertyId"])
        items = [self._version_json(prop, v) for v in sorted(prop.versions.values(), key=lambda v: -v.number)]
        return {"propertyId": prop.id, "propertyName": prop.name, "versions": {"items": items}}

    def create_version(self, q: SimRequest) -> Any:
        prefixes(q)
        prop = self.store.find(q.params["propertyId"])
        data = body_of(q)
        base = self.store.version(prop, data.get("createFromVersion", ""))
        if data.get("createFromVersionEtag") and data["createFromVersionEtag"] != base.etag:
            raise HttpError(412, "Precondition failed", "createFromVersionEtag does not match that version.")
        number = prop.latest + 1
        prop.versions[number] = Version(number, copy.deepcopy(base.rules), copy.deepcopy(base.hostnames),
                                        base.product_id, base.rule_format, updated=self.account.iso())
        link = f"{BASE}/properties/{prop.id}/versions/{number}?contractId={prop.contract}&groupId={prop.group}"
        return SimResponse(201, {"versionLink": link}, {"Location": link})

    def latest_version(self, q: SimRequest) -> Any:
        prefixes(q)
        self.store.tick()
        prop = self.store.find(q.params["propertyId"])
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
        prefixes(q)
        self.store.tick()
        prop = self.store.find(q.params["propertyId"])
        return self._version_envelope(prop, self.store.version(prop, q.params["propertyVersion"]))

    def get_rules(self, q: SimRequest) -> Any:
        prefixes(q)
        prop = self.store.find(q.params["propertyId"])
        v = self.store.version(prop, q.params["propertyVersion"])
        return self._rules_json(prop, v)

    def _rules_json(self, prop: Property, v: Version) -> Any:
        errors, warnings = validate_rules(v.rules)
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
        self.store.tick()
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
        prop, v = self._version_to_edit(q)
        data = body_of(q)
        rules: Any = data.get("rules")
        errors, warnings = validate_rules(rules)
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
        prefixes(q)
        prop = self.store.find(q.params["propertyId"])
        return self._hostnames_answer(q, prop, self.store.version(prop, q.params["propertyVersion"]))

    def _new_hostname(self, i: int, h: Any) -> dict[str, Any]:
        """One hostname of a PUT or a PATCH's `add`, checked as PAPI checks it."""
        if not isinstance(h, dict) or not h.get("cnameFrom"):
            raise HttpError(400, "Invalid hostname", f"Item {i} needs cnameFrom.")
        ehn = h.get("edgeHostnameId") or next(
            (k for k, e in self.assets.edge_hostnames.items() if e["edgeHostnameDomain"] == h.get("cnameTo")), None)
        if ehn is None:
            raise HttpError(400, "Unknown edge hostname", f"Item {i}: create the edge hostname first.")
        provisioning = h.get("certProvisioningType") or "CPS_MANAGED"
        if provisioning not in ("CPS_MANAGED", "DEFAULT"):
            raise HttpError(400, "Invalid hostname", f"Item {i}: certProvisioningType is CPS_MANAGED or DEFAULT.")
        if provisioning == "DEFAULT" and str(h.get("cnameTo") or (self.assets.edge_hostname(ehn) or {}).get(
                "edgeHostnameDomain", "")).endswith(".akamaized.net"):
            raise HttpError(400, "Invalid hostname", f"Item {i}: DEFAULT certificates are not available on "
                            "akamaized.net edge hostnames.")
        return self._hostname(h["cnameFrom"], strip("ehn_", ehn), provisioning)

    def _hostnames_answer(self, q: SimRequest, prop: Property, v: Version) -> dict[str, Any]:
        items = copy.deepcopy(v.hostnames)
        if q.query.get("includeCertStatus") == "true":
            for h in items:
                h["certStatus"] = self._cert_status(h)
        return {"propertyId": prop.id, "propertyVersion": v.number, "etag": v.etag, "hostnames": {"items": items}}

    def _version_to_edit(self, q: SimRequest) -> tuple[Property, Version]:
        """The property and version a write names, checked editable and matching its If-Match."""
        prefixes(q)
        prop = self.store.find(q.params["propertyId"])
        v = self.store.version(prop, q.params["propertyVersion"])
        self._editable(v)
        self._if_match(q, v)
        return prop, v

    def put_hostnames(self, q: SimRequest) -> Any:
        prop, v = self._version_to_edit(q)
        data = q.json
        if not isinstance(data, list):
            raise HttpError(400, "Bad request", "The body must be a list of hostnames.")
        v.hostnames = [self._new_hostname(i, h) for i, h in enumerate(data)]
        return self._hostnames_answer(q, prop, v)

    def patch_hostnames(self, q: SimRequest) -> Any:
        """PAPI's add/remove edit of a version's hostnames: removals by name, additions as PUT items; a name added
        again gets the new edge hostname."""
        prop, v = self._version_to_edit(q)
        data = q.json
        if not isinstance(data, dict) or not isinstance(data.get("add", []), list) \
                or not isinstance(data.get("remove", []), list):
            raise HttpError(400, "Bad request", "The body is {add: [hostname objects], remove: [hostnames]}.")
        added = [self._new_hostname(i, h) for i, h in enumerate(data.get("add", []))]
        gone = {str(name).lower() for name in data.get("remove", [])} | {h["cnameFrom"].lower() for h in added}
        v.hostnames = [h for h in v.hostnames if h["cnameFrom"].lower() not in gone] + added
        return self._hostnames_answer(q, prop, v)

    def account_hostnames(self, q: SimRequest) -> Any:
        prefixes(q)
        self.store.tick()
        items = []
        for prop in (p for p in self.store.properties.values() if p.kind == "property"):
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
        prefixes(q)
        self.store.tick()
        prop = self.store.find(q.params["propertyId"])
        items = [self._activation_json(a) for a in self.store.activations.values() if a.target is prop]
        return {"activations": {"items": sorted(items, key=lambda a: a["activationId"], reverse=True)}}

    def _activate(self, q: SimRequest, prop: Property, version_key: str) -> SimResponse:
        data = body_of(q)
        if data.get("network") not in ("STAGING", "PRODUCTION"):
            raise HttpError(400, "Invalid network", "network must be STAGING or PRODUCTION.")
        if not data.get("notifyEmails"):
            raise HttpError(400, "Missing notifyEmails", "Give at least one email address.")
        v = self.store.version(prop, data.get(version_key, ""))
        self.store.tick()
        pending = next((a for a in self.store.activations.values()
                        if a.target is prop and a.network == data["network"] and a.status == "PENDING"), None)
        if pending is not None:
            raise activation_refused(prop, pending.version, pending=True)
        if getattr(v, "staging" if data["network"] == "STAGING" else "production") == "ACTIVE":
            raise activation_refused(prop, v.number, pending=False)
        errors, _ = validate_rules(v.rules)
        if errors:
            raise HttpError(400, "Validation errors", "Fix the rule tree's errors before activating.", errors=errors)
        act = Activation(f"atv_{self.account.next_id() + 500000}", prop, v.number, data["network"],
                         data.get("note", ""), data["notifyEmails"], self.account.now(), self.account.iso())
        self.store.activations[act.id] = act
        setattr(v, "staging" if act.network == "STAGING" else "production", "PENDING")
        kind = "properties" if prop.kind == "property" else "includes"
        link = f"{BASE}/{kind}/{prop.id}/activations/{act.id}?contractId={prop.contract}&groupId={prop.group}"
        return self.account.activation_answer(SimResponse(201, {"activationLink": link}, {"Location": link}))

    def activate(self, q: SimRequest) -> Any:
        prefixes(q)
        return self._activate(q, self.store.find(q.params["propertyId"]), "propertyVersion")

    def _get_act(self, q: SimRequest, prop: Property) -> Activation:
        act = self.store.activations.get(q.params["activationId"])
        if act is None or act.target is not prop:
            raise HttpError(404, "Activation not found", f"No activation {q.params['activationId']} on {prop.id}.")
        return act

    def get_activation(self, q: SimRequest) -> Any:
        prefixes(q)
        self.store.tick()
        prop = self.store.find(q.params["propertyId"])
        return {"activations": {"items": [self._activation_json(self._get_act(q, prop))]}}

    def cancel_activation(self, q: SimRequest) -> Any:
        prefixes(q)
        self.store.tick()
        prop = self.store.find(q.params["propertyId"])
        act = self._get_act(q, prop)
        if act.status != "PENDING":
            raise HttpError(422, "Cannot cancel", f"Activation {act.id} is {act.status}; only PENDING can be "
                            "cancelled.")
        act.status = "ABORTED"
        setattr(prop.versions[act.version], "staging" if act.network == "STAGING" else "production", "INACTIVE")
        return {"activations": {"items": [self._activation_json(act)]}}

    def list_includes(self, q: SimRequest) -> Any:
        prefixes(q)
        need(q, "contractId", "groupId")
        scope(q)
        self.store.tick()
        includes = [p for p in self.store.properties.values() if p.kind == "include"]
        return {"includes": {"items": [self._summary(p) for p in includes]}}

    def get_include(self, q: SimRequest) -> Any:
        prefixes(q)
        self.store.tick()
        return {"includes": {"items": [self._summary(self.store.find(q.params["includeId"], "include"))]}}

    def list_include_versions(self, q: SimRequest) -> Any:
        prefixes(q)
        self.store.tick()
        inc = self.store.find(q.params["includeId"], "include")
        items = [self._version_json(inc, v) for v in sorted(inc.versions.values(), key=lambda v: -v.number)]
        return {"includeId": inc.id, "includeName": inc.name, "versions": {"items": items}}

    def get_include_rules(self, q: SimRequest) -> Any:
        prefixes(q)
        inc = self.store.find(q.params["includeId"], "include")
        return self._rules_json(inc, self.store.version(inc, q.params["includeVersion"]))

    def list_include_activations(self, q: SimRequest) -> Any:
        prefixes(q)
        self.store.tick()
        inc = self.store.find(q.params["includeId"], "include")
        return {"activations": {"items": [self._activation_json(a) for a in self.store.activations.values()
                                          if a.target is inc]}}

    def activate_include(self, q: SimRequest) -> Any:
        prefixes(q)
        return self._activate(q, self.store.find(q.params["includeId"], "include"), "includeVersion")
