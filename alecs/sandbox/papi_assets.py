"""Property Manager (PAPI v1) simulation: account assets (contracts, groups, products, CP codes, edge
hostnames) and bulk jobs. PapiSim routes these beside its properties.

Seeded edge hostname: ehn_200001 www.example.com.edgekey.net (Enhanced TLS, certificate of CPS enrollment 10001,
which covers www.example.com and static.example.com)."""

from __future__ import annotations

import json
from typing import Any

from alecs.sandbox.account import Account
from alecs.sandbox.cpcodes import CpCode, CpcodeStore
from alecs.sandbox.http import HttpError, Router, SimRequest, SimResponse, body_of
from alecs.sandbox.ids import ACCOUNT, CONTRACT, GROUP, SUBGROUP
from alecs.sandbox.papi_model import BASE, BEHAVIORS, CRITERIA, PRODUCTS, RULE_FORMATS, need, prefixes, scope, strip
from alecs.sandbox.papi_store import PropertyStore

SECURE_NETWORKS = {"STANDARD_TLS": "edgesuite.net", "ENHANCED_TLS": "edgekey.net", "SHARED_CERT": "akamaized.net"}


def cpcode_json(cpcode: CpCode) -> dict[str, Any]:
    """A CP code as PAPI shows it."""
    return {"cpcodeId": f"cpc_{cpcode.number}", "cpcodeName": cpcode.name, "productIds": [cpcode.product],
            "createdDate": cpcode.created}


class PapiAssets:
    """Contracts, groups, products, CP codes, edge hostnames and bulk jobs of the account."""

    def __init__(self, account: Account, store: PropertyStore, cpcodes: CpcodeStore) -> None:
        self.account = account
        self.store = store
        self.cpcodes = cpcodes
        self.edge_hostnames: dict[str, dict[str, Any]] = {
            "ehn_200001": {"edgeHostnameId": "ehn_200001", "edgeHostnameDomain": "www.example.com.edgekey.net",
                           "productId": "prd_SPM", "domainPrefix": "www.example.com", "domainSuffix": "edgekey.net",
                           "secure": True, "ipVersionBehavior": "IPV6_COMPLIANCE", "status": "ACTIVE"}}
        # Enhanced TLS edge hostnames serve the certificate of a CPS enrollment (certEnrollmentId on creation);
        # PAPI does not show it, so it is kept beside the edge hostname.
        self.certificate_enrollments: dict[str, int] = {"ehn_200001": 10001}
        self.bulk: dict[str, dict[str, Any]] = {}

    def routes(self, r: Router) -> None:
        r.add("GET", BASE + "/contracts", self.contracts)
        r.add("GET", BASE + "/groups", self.groups)
        r.add("GET", BASE + "/products", self.products)
        r.add("GET", BASE + "/rule-formats", lambda q: {"ruleFormats": {"items": RULE_FORMATS}})
        r.add("GET", BASE + "/schemas/products/{productId}/{ruleFormat}", self.schema)
        r.add("GET", BASE + "/cpcodes", self.list_cpcodes)
        r.add("POST", BASE + "/cpcodes", self.create_cpcode)
        r.add("GET", BASE + "/cpcodes/{cpcodeId}", self.get_cpcode)
        r.add("GET", BASE + "/edgehostnames", self.list_edge_hostnames)
        r.add("POST", BASE + "/edgehostnames", self.create_edge_hostname)
        r.add("GET", BASE + "/edgehostnames/{edgeHostnameId}", self.get_edge_hostname)
        r.add("POST", BASE + "/bulk/rules-search-requests-synch", self.bulk_search)
        r.add("POST", BASE + "/bulk/activations", self.bulk_activate)
        r.add("GET", BASE + "/bulk/activations/{bulkActivationId}", self.get_bulk_activation)

    def edge_hostname(self, edge_hostname_id: str) -> dict[str, Any] | None:
        """The edge hostname by id (with or without ehn_), if the account has it."""
        return self.edge_hostnames.get(strip("ehn_", edge_hostname_id))

    def certificate_enrollment(self, edge_hostname_id: str) -> int | None:
        """The CPS enrollment whose certificate an Enhanced TLS edge hostname serves, if any."""
        return self.certificate_enrollments.get(strip("ehn_", edge_hostname_id))

    def contracts(self, q: SimRequest) -> Any:
        prefixes(q)
        return {"accountId": ACCOUNT, "contracts": {"items": [
            {"contractId": CONTRACT, "contractTypeName": "DIRECT_CUSTOMER"}]}}

    def groups(self, q: SimRequest) -> Any:
        prefixes(q)
        return {"accountId": ACCOUNT, "accountName": "Sandbox Account", "groups": {"items": [
            {"groupId": GROUP, "groupName": "Sandbox Group", "contractIds": [CONTRACT]},
            {"groupId": SUBGROUP, "groupName": "Sandbox Subgroup", "parentGroupId": GROUP,
             "contractIds": [CONTRACT]}]}}

    def products(self, q: SimRequest) -> Any:
        prefixes(q)
        need(q, "contractId")
        scope(q)
        return {"accountId": ACCOUNT, "contractId": CONTRACT, "products": {"items": [
            {"productId": k, "productName": v} for k, v in PRODUCTS.items()]}}

    def schema(self, q: SimRequest) -> Any:
        if q.params["productId"] not in PRODUCTS:
            raise HttpError(404, "Product not found", f"Unknown product {q.params['productId']}.")
        if q.params["ruleFormat"] not in RULE_FORMATS:
            raise HttpError(404, "Rule format not found", f"Unknown rule format {q.params['ruleFormat']}.")
        return {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
                "definitions": {"catalog": {"behaviors": {b: {"type": "object"} for b in BEHAVIORS},
                                            "criteria": {c: {"type": "object"} for c in CRITERIA}}}}

    def list_cpcodes(self, q: SimRequest) -> Any:
        prefixes(q)
        need(q, "contractId", "groupId")
        scope(q)
        return {"cpcodes": {"items": [cpcode_json(c) for c in self.cpcodes.all()]}}

    def create_cpcode(self, q: SimRequest) -> Any:
        prefixes(q)
        need(q, "contractId", "groupId")
        scope(q)
        data = body_of(q)
        if not data.get("cpcodeName") or data.get("productId") not in PRODUCTS:
            raise HttpError(400, "Invalid CP code", "cpcodeName and a valid productId are required.")
        cpcode = self.cpcodes.add(data["cpcodeName"], data["productId"])
        link = f"{BASE}/cpcodes/cpc_{cpcode.number}?contractId={CONTRACT}&groupId={GROUP}"
        return SimResponse(201, {"cpcodeLink": link}, {"Location": link})

    def get_cpcode(self, q: SimRequest) -> Any:
        prefixes(q)
        need(q, "contractId", "groupId")
        raw = q.params["cpcodeId"].removeprefix("cpc_")
        cpcode = self.cpcodes.get(int(raw)) if raw.isdigit() else None
        if cpcode is None:
            raise HttpError(404, "CP code not found", f"No CP code {q.params['cpcodeId']}.")
        return {"cpcodes": {"items": [cpcode_json(cpcode)]}}

    def list_edge_hostnames(self, q: SimRequest) -> Any:
        prefixes(q)
        need(q, "contractId", "groupId")
        scope(q)
        return {"edgeHostnames": {"items": list(self.edge_hostnames.values())}}

    def create_edge_hostname(self, q: SimRequest) -> Any:
        prefixes(q)
        need(q, "contractId", "groupId")
        scope(q)
        data = body_of(q)
        for key in ("productId", "domainPrefix", "domainSuffix", "ipVersionBehavior"):
            if not data.get(key):
                raise HttpError(400, "Invalid edge hostname", f"{key} is required.")
        if data["domainSuffix"] not in ("edgesuite.net", "edgekey.net", "akamaized.net"):
            raise HttpError(400, "Invalid domainSuffix", "Use edgesuite.net, edgekey.net or akamaized.net.")
        network = data.get("secureNetwork")
        if network is not None and SECURE_NETWORKS.get(network) != data["domainSuffix"]:
            raise HttpError(400, "Invalid edge hostname", f"secureNetwork {network} needs the domainSuffix "
                            f"{SECURE_NETWORKS.get(network, 'of STANDARD_TLS, ENHANCED_TLS or SHARED_CERT')}.")
        enrollment = data.get("certEnrollmentId")
        if network == "ENHANCED_TLS" and not isinstance(enrollment, int):
            raise HttpError(400, "Invalid edge hostname", "An ENHANCED_TLS edge hostname needs certEnrollmentId, "
                            "the CPS enrollment whose certificate it serves.")
        eid = f"ehn_{self.account.next_id() + 200000}"
        self.edge_hostnames[eid] = {
            "edgeHostnameId": eid, "edgeHostnameDomain": f"{data['domainPrefix']}.{data['domainSuffix']}",
            "productId": data["productId"], "domainPrefix": data["domainPrefix"],
            "domainSuffix": data["domainSuffix"], "secure": data["domainSuffix"] == "edgekey.net",
            "ipVersionBehavior": data["ipVersionBehavior"], "status": "PENDING"}
        if isinstance(enrollment, int) and data["domainSuffix"] == "edgekey.net":
            self.certificate_enrollments[eid] = enrollment
        link = f"{BASE}/edgehostnames/{eid}?contractId={CONTRACT}&groupId={GROUP}"
        return SimResponse(201, {"edgeHostnameLink": link}, {"Location": link})

    def get_edge_hostname(self, q: SimRequest) -> Any:
        prefixes(q)
        item = self.edge_hostname(q.params["edgeHostnameId"])
        if item is None:
            raise HttpError(404, "Edge hostname not found", f"No edge hostname {q.params['edgeHostnameId']}.")
        return {"edgeHostnames": {"items": [item]}}


    def bulk_search(self, q: SimRequest) -> Any:
        prefixes(q)
        data = body_of(q)
        query = data.get("bulkSearchQuery") or {}
        if query.get("syntax") != "JSONPATH" or not query.get("match"):
            raise HttpError(400, "Invalid bulk search", "bulkSearchQuery needs syntax JSONPATH and a match.")
        needle = next((b for b in BEHAVIORS + CRITERIA if f"'{b}'" in query["match"] or f'"{b}"' in query["match"]),
                      None)
        results = []
        for prop in (p for p in self.store.properties.values() if p.kind == "property"):
            v = prop.versions[prop.latest]
            if needle and needle in json.dumps(v.rules):
                results.append({"propertyId": prop.id, "propertyName": prop.name, "propertyVersion": v.number,
                                "isLatest": True, "productionStatus": v.production, "stagingStatus": v.staging,
                                "matchLocations": ["/rules/behaviors/0"]})
        return {"bulkSearchId": self.account.next_id(), "searchTargetStatus": "COMPLETE",
                "bulkSearchQuery": query, "results": results}

    def bulk_activate(self, q: SimRequest) -> Any:
        prefixes(q)
        data = body_of(q)
        items = data.get("activatePropertyVersions") or []
        if not items:
            raise HttpError(400, "Invalid bulk activation", "activatePropertyVersions must not be empty.")
        bid = self.account.next_id()
        out = []
        for item in items:
            prop = self.store.find(item.get("propertyId", ""))
            v = self.store.version(prop, item.get("propertyVersion", ""))
            out.append({"propertyId": prop.id, "propertyVersion": v.number, "network": item.get("network"),
                        "activationStatus": "SUBMITTED", "note": item.get("note", "")})
        self.bulk[str(bid)] = {"bulkActivationId": bid, "bulkActivationStatus": "COMPLETE",
                               "activatePropertyVersions": out, "submitDate": self.account.iso()}
        link = f"{BASE}/bulk/activations/{bid}"
        return SimResponse(202, {"bulkActivationLink": link}, {"Location": link})

    def get_bulk_activation(self, q: SimRequest) -> Any:
        prefixes(q)
        item = self.bulk.get(q.params["bulkActivationId"])
        if item is None:
            raise HttpError(404, "Bulk activation not found", f"No bulk activation {q.params['bulkActivationId']}.")
        return item
