"""Property Manager (PAPI v1) simulation: account assets (contracts, groups, products, CP codes, edge
hostnames) and bulk jobs, mixed into PapiSim."""

from __future__ import annotations

import json
from typing import Any

from alecs.sandbox.account import ACCOUNT, CONTRACT, GROUP, SUBGROUP, Account
from alecs.sandbox.http import HttpError, SimRequest, SimResponse, body_of
from alecs.sandbox.papi_model import (
    BASE,
    BEHAVIORS,
    CRITERIA,
    PRODUCTS,
    RULE_FORMATS,
    Property,
    Version,
    need,
    strip,
)


class PapiAssets:
    """Routes that need only the account's assets; PapiSim supplies properties, _find and _version."""

    account: Account
    properties: dict[str, Property]
    cpcodes: dict[str, dict[str, Any]]
    edge_hostnames: dict[str, dict[str, Any]]
    bulk: dict[str, dict[str, Any]]

    def _find(self, pid: str, kind: str = "property") -> Property:  # provided by PapiSim
        raise NotImplementedError

    def _version(self, prop: Property, number: str | int) -> Version:  # provided by PapiSim
        raise NotImplementedError

    def _prefixes(self, q: SimRequest) -> None:
        if q.header("PAPI-Use-Prefixes") not in ("true", "false") and not q.path.startswith(BASE + "/schemas"):
            raise HttpError(400, "Missing PAPI-Use-Prefixes header", "Set PAPI-Use-Prefixes to true or false.")

    def contracts(self, q: SimRequest) -> Any:
        self._prefixes(q)
        return {"accountId": ACCOUNT, "contracts": {"items": [
            {"contractId": CONTRACT, "contractTypeName": "DIRECT_CUSTOMER"}]}}

    def groups(self, q: SimRequest) -> Any:
        self._prefixes(q)
        return {"accountId": ACCOUNT, "accountName": "Sandbox Account", "groups": {"items": [
            {"groupId": GROUP, "groupName": "Sandbox Group", "contractIds": [CONTRACT]},
            {"groupId": SUBGROUP, "groupName": "Sandbox Subgroup", "parentGroupId": GROUP,
             "contractIds": [CONTRACT]}]}}

    def _scope(self, q: SimRequest) -> None:
        if q.query.get("contractId") and strip("ctr_", q.query["contractId"]) != CONTRACT:
            raise HttpError(403, "Forbidden", f"You have no access to contract {q.query['contractId']}.")
        if q.query.get("groupId") and strip("grp_", q.query["groupId"]) not in (GROUP, SUBGROUP):
            raise HttpError(403, "Forbidden", f"You have no access to group {q.query['groupId']}.")

    def products(self, q: SimRequest) -> Any:
        self._prefixes(q)
        need(q, "contractId")
        self._scope(q)
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
        self._prefixes(q)
        need(q, "contractId", "groupId")
        self._scope(q)
        return {"cpcodes": {"items": list(self.cpcodes.values())}}

    def create_cpcode(self, q: SimRequest) -> Any:
        self._prefixes(q)
        need(q, "contractId", "groupId")
        self._scope(q)
        data = body_of(q)
        if not data.get("cpcodeName") or data.get("productId") not in PRODUCTS:
            raise HttpError(400, "Invalid CP code", "cpcodeName and a valid productId are required.")
        cid = f"cpc_{self.account.next_id() + 300000}"
        self.cpcodes[cid] = {"cpcodeId": cid, "cpcodeName": data["cpcodeName"], "productIds": [data["productId"]],
                             "createdDate": self.account.iso()}
        link = f"{BASE}/cpcodes/{cid}?contractId={CONTRACT}&groupId={GROUP}"
        return SimResponse(201, {"cpcodeLink": link}, {"Location": link})

    def get_cpcode(self, q: SimRequest) -> Any:
        self._prefixes(q)
        need(q, "contractId", "groupId")
        item = self.cpcodes.get(strip("cpc_", q.params["cpcodeId"]))
        if item is None:
            raise HttpError(404, "CP code not found", f"No CP code {q.params['cpcodeId']}.")
        return {"cpcodes": {"items": [item]}}

    def list_edge_hostnames(self, q: SimRequest) -> Any:
        self._prefixes(q)
        need(q, "contractId", "groupId")
        self._scope(q)
        return {"edgeHostnames": {"items": list(self.edge_hostnames.values())}}

    def create_edge_hostname(self, q: SimRequest) -> Any:
        self._prefixes(q)
        need(q, "contractId", "groupId")
        self._scope(q)
        data = body_of(q)
        for key in ("productId", "domainPrefix", "domainSuffix", "ipVersionBehavior"):
            if not data.get(key):
                raise HttpError(400, "Invalid edge hostname", f"{key} is required.")
        if data["domainSuffix"] not in ("edgesuite.net", "edgekey.net", "akamaized.net"):
            raise HttpError(400, "Invalid domainSuffix", "Use edgesuite.net, edgekey.net or akamaized.net.")
        eid = f"ehn_{self.account.next_id() + 200000}"
        self.edge_hostnames[eid] = {
            "edgeHostnameId": eid, "edgeHostnameDomain": f"{data['domainPrefix']}.{data['domainSuffix']}",
            "productId": data["productId"], "domainPrefix": data["domainPrefix"],
            "domainSuffix": data["domainSuffix"], "secure": data["domainSuffix"] == "edgekey.net",
            "ipVersionBehavior": data["ipVersionBehavior"], "status": "PENDING"}
        link = f"{BASE}/edgehostnames/{eid}?contractId={CONTRACT}&groupId={GROUP}"
        return SimResponse(201, {"edgeHostnameLink": link}, {"Location": link})

    def get_edge_hostname(self, q: SimRequest) -> Any:
        self._prefixes(q)
        item = self.edge_hostnames.get(strip("ehn_", q.params["edgeHostnameId"]))
        if item is None:
            raise HttpError(404, "Edge hostname not found", f"No edge hostname {q.params['edgeHostnameId']}.")
        return {"edgeHostnames": {"items": [item]}}


    def bulk_search(self, q: SimRequest) -> Any:
        self._prefixes(q)
        data = body_of(q)
        query = data.get("bulkSearchQuery") or {}
        if query.get("syntax") != "JSONPATH" or not query.get("match"):
            raise HttpError(400, "Invalid bulk search", "bulkSearchQuery needs syntax JSONPATH and a match.")
        needle = next((b for b in BEHAVIORS + CRITERIA if f"'{b}'" in query["match"] or f'"{b}"' in query["match"]),
                      None)
        results = []
        for prop in (p for p in self.properties.values() if p.kind == "property"):
            v = prop.versions[prop.latest]
            if needle and needle in json.dumps(v.rules):
                results.append({"propertyId": prop.id, "propertyName": prop.name, "propertyVersion": v.number,
                                "isLatest": True, "productionStatus": v.production, "stagingStatus": v.staging,
                                "matchLocations": ["/rules/behaviors/0"]})
        return {"bulkSearchId": self.account.next_id(), "searchTargetStatus": "COMPLETE",
                "bulkSearchQuery": query, "results": results}

    def bulk_activate(self, q: SimRequest) -> Any:
        self._prefixes(q)
        data = body_of(q)
        items = data.get("activatePropertyVersions") or []
        if not items:
            raise HttpError(400, "Invalid bulk activation", "activatePropertyVersions must not be empty.")
        bid = self.account.next_id()
        out = []
        for item in items:
            prop = self._find(item.get("propertyId", ""))
            v = self._version(prop, item.get("propertyVersion", ""))
            out.append({"propertyId": prop.id, "propertyVersion": v.number, "network": item.get("network"),
                        "activationStatus": "SUBMITTED", "note": item.get("note", "")})
        self.bulk[str(bid)] = {"bulkActivationId": bid, "bulkActivationStatus": "COMPLETE",
                               "activatePropertyVersions": out, "submitDate": self.account.iso()}
        link = f"{BASE}/bulk/activations/{bid}"
        return SimResponse(202, {"bulkActivationLink": link}, {"Location": link})

    def get_bulk_activation(self, q: SimRequest) -> Any:
        self._prefixes(q)
        item = self.bulk.get(q.params["bulkActivationId"])
        if item is None:
            raise HttpError(404, "Bulk activation not found", f"No bulk activation {q.params['bulkActivationId']}.")
        return item
