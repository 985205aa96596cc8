"""Property Manager (PAPI v1): properties, versions, rule trees, hostnames, activations, includes."""

from __future__ import annotations

from typing import Any, Literal

from alecs.tools import papi_flows as flows
from alecs.tools.spec import body, header, local, path, query, tool, whole_body

API = "papi/v1"
BASE = "/papi/v1"
TS = "property"
H = {"PAPI-Use-Prefixes": "true"}

Network = Literal["STAGING", "PRODUCTION"]

CTR = query("contractId", "Contract ID, e.g. ctr_C-1ABC234.", required=True)
GRP = query("groupId", "Group ID, e.g. grp_12345.", required=True)
CTR_OPT = query("contractId", "Contract ID, e.g. ctr_C-1ABC234 (optional).")
GRP_OPT = query("groupId", "Group ID, e.g. grp_12345 (optional).")
PRP = path("propertyId", "Property ID, e.g. prp_123456.")
VER = path("propertyVersion", "Property version number.", int, ge=1)
INC = path("includeId", "Include ID, e.g. inc_123456.")
INCVER = path("includeVersion", "Include version number.", int, ge=1)
NET = body("network", "STAGING or PRODUCTION.", Network, required=True)
EMAILS = body("notifyEmails", "Emails notified of the result.", list[str], required=True, min_length=1)
WAIT = local("wait", "Wait until the activation finishes (reports progress).", bool, default=False)
TIMEOUT = local("timeoutSeconds", "Longest wait, in seconds.", int, default=900, ge=1, le=7200)
VALIDATE_MODE = query("validateMode", "fast or full rule validation.", Literal["fast", "full"])


def _t(name: str, title: str, description: str, method: str, route: str, *params: Any, **kw: Any) -> Any:
    kw.setdefault("headers", H)
    return tool(name, TS, title, description, method, BASE + route, API, *params, **kw)


TOOLS = [
    # Account structure
    _t("list-contracts", "List contracts", "Contracts this account can use (ids like ctr_C-1ABC234).",
       "GET", "/contracts", items="contracts.items", columns=("contractId", "contractTypeName")),
    _t("list-groups", "List groups", "Groups with their contracts (ids like grp_12345); needed to list or create "
       "properties.", "GET", "/groups", items="groups.items", columns=("groupId", "groupName", "contractIds")),
    _t("list-products", "List products", "Products on a contract (ids like prd_Fresca, prd_SPM).", "GET",
       "/products", CTR, items="products.items", columns=("productId", "productName")),
    _t("list-rule-formats", "List rule formats", "Rule format versions (e.g. v2024-10-21, latest).", "GET",
       "/rule-formats", items="ruleFormats.items"),
    _t("get-rule-format-schema", "Get rule format schema", "JSON schema of the behaviors and criteria a product "
       "supports in a rule format: the catalogue to write rules from.", "GET",
       "/schemas/products/{productId}/{ruleFormat}",
       path("productId", "Product ID, e.g. prd_SPM."), path("ruleFormat", "Rule format, e.g. latest."),
       headers={}),
    # Properties
    _t("list-properties", "List properties", "Properties in a contract and group.", "GET", "/properties",
       CTR, GRP, items="properties.items",
       columns=("propertyId", "propertyName", "latestVersion", "stagingVersion", "productionVersion")),
    _t("get-property", "Get property", "One property: versions active on staging and production, ids.", "GET",
       "/properties/{propertyId}", PRP, CTR_OPT, GRP_OPT),
    _t("create-property", "Create property", "Create a property (version 1 with default rules), or clone one "
       "with cloneFrom. Returns its propertyLink.", "POST", "/properties", CTR, GRP,
       body("propertyName", "Name, e.g. www.example.com.", required=True, min_length=1, max_length=85),
       body("productId", "Product ID, e.g. prd_SPM (see list-products).", required=True),
       body("ruleFormat", "Rule format, e.g. latest (default: the product's current one)."),
       body("cloneFrom", "Clone source: {propertyId, version, copyHostnames, cloneFromVersionEtag}.",
            dict[str, Any])),
    _t("delete-property", "Delete property", "Delete a property. Destructive: it must not be active on any "
       "network.", "DELETE", "/properties/{propertyId}", PRP, CTR_OPT, GRP_OPT, destructive=True),
    _t("search-properties", "Search properties", "Find properties by name, hostname or edge hostname with PAPI's "
       "search (one request, no group walking).", "POST", "/search/find-by-value",
       body("propertyName", "Exact property name."), body("hostname", "Property hostname, e.g. www.example.com."),
       body("edgeHostname", "Edge hostname, e.g. www.example.com.edgekey.net."),
       read_only=True, handler=flows.search_properties, items="versions.items",
       columns=("propertyId", "propertyName", "propertyVersion", "stagingStatus", "productionStatus")),
    # Versions
    _t("list-property-versions", "List property versions", "Versions of a property, newest first.", "GET",
       "/properties/{propertyId}/versions", PRP, CTR_OPT, GRP_OPT, items="versions.items",
       columns=("propertyVersion", "updatedDate", "stagingStatus", "productionStatus", "note")),
    _t("get-property-version", "Get property version", "One version: status on each network, etag.", "GET",
       "/properties/{propertyId}/versions/{propertyVersion}", PRP, VER, CTR_OPT, GRP_OPT),
    _t("get-latest-property-version", "Get latest property version", "The latest version, or the one active "
       "on a network.", "GET", "/properties/{propertyId}/versions/latest", PRP, CTR_OPT, GRP_OPT,
       query("activatedOn", "Latest version active on STAGING or PRODUCTION.", Network)),
    _t("create-property-version", "Create property version", "New editable version based on another one.",
       "POST", "/properties/{propertyId}/versions", PRP, CTR_OPT, GRP_OPT,
       body("createFromVersion", "Version to copy.", int, required=True, ge=1),
       body("createFromVersionEtag", "Etag of that version, to be sure it has not changed.")),
    _t("diff-property-versions", "Diff property versions", "What changed between two versions' rule trees, as "
       "a list of JSON paths with old and new values.", "GET",
       "/properties/{propertyId}/versions/{propertyVersion}/rules", PRP,
       path("fromVersion", "Older version.", int, api_name="propertyVersion", ge=1),
       local("toVersion", "Newer version.", int, required=True, ge=1), CTR_OPT, GRP_OPT,
       handler=flows.diff_versions, items="changes", columns=("op", "path")),
    # Rule trees
    _t("get-property-rules", "Get rule tree", "A version's rule tree with its etag, and any validation errors "
       "and warnings.", "GET", "/properties/{propertyId}/versions/{propertyVersion}/rules", PRP, VER,
       CTR_OPT, GRP_OPT, VALIDATE_MODE, handler=flows.get_rules),
    _t("update-property-rules", "Update rule tree", "Replace a version's rule tree. Pass the etag from "
       "get-property-rules; a stale etag is refused (412). Returns validation errors and warnings.",
       "PUT", "/properties/{propertyId}/versions/{propertyVersion}/rules", PRP, VER, CTR_OPT, GRP_OPT,
       header("etag", "Etag from get-property-rules.", api_name="If-Match", required=True),
       whole_body("rules", "The rule tree: {\"rules\": {name, behaviors, criteria, children, ...}}."),
       query("dryRun", "Validate without saving.", bool), VALIDATE_MODE,
       handler=flows.update_rules),
    _t("list-available-behaviors", "List available behaviors", "Behaviors this version's product allows.",
       "GET", "/properties/{propertyId}/versions/{propertyVersion}/available-behaviors", PRP, VER,
       CTR_OPT, GRP_OPT, items="behaviors.items", columns=("name",)),
    _t("list-available-criteria", "List available criteria", "Match criteria this version's product allows.",
       "GET", "/properties/{propertyId}/versions/{propertyVersion}/available-criteria", PRP, VER,
       CTR_OPT, GRP_OPT, items="criteria.items", columns=("name",)),
    # Hostnames
    _t("get-property-hostnames", "Get version hostnames", "Hostnames of a version with their edge hostnames "
       "and certificate status.", "GET", "/properties/{propertyId}/versions/{propertyVersion}/hostnames",
       PRP, VER, CTR_OPT, GRP_OPT, query("includeCertStatus", "Include certificate status.", bool, default=True),
       items="hostnames.items", columns=("cnameFrom", "cnameTo", "edgeHostnameId", "certStatus.production")),
    _t("update-property-hostnames", "Set version hostnames", "Replace a version's hostnames (cnameFrom -> "
       "edge hostname).", "PUT", "/properties/{propertyId}/versions/{propertyVersion}/hostnames",
       PRP, VER, CTR_OPT, GRP_OPT, header("etag", "Etag of the version; fetched when omitted.", api_name="If-Match"),
       whole_body("hostnames", "List of {cnameType: EDGE_HOSTNAME, cnameFrom, cnameTo or edgeHostnameId}.",
                  list[dict[str, Any]]), handler=flows.put_hostnames),
    _t("list-account-hostnames", "List all property hostnames", "Active hostnames across the account, with "
       "property and network.", "GET", "/hostnames", CTR_OPT, GRP_OPT,
       query("hostname", "Filter by hostname (substring)."), query("network", "STAGING or PRODUCTION.", Network),
       items="hostnames.items", columns=("cnameFrom", "propertyId", "stagingEdgeHostnameId",
                                          "productionEdgeHostnameId")),
    # Activations
    _t("list-property-activations", "List activations", "Activations of a property, newest first.", "GET",
       "/properties/{propertyId}/activations", PRP, CTR_OPT, GRP_OPT, items="activations.items",
       columns=("activationId", "propertyVersion", "network", "status", "submitDate")),
    _t("get-property-activation", "Get activation", "One activation's status (PENDING, ACTIVE, FAILED, ...).",
       "GET", "/properties/{propertyId}/activations/{activationId}", PRP,
       path("activationId", "Activation ID, e.g. atv_123456."), CTR_OPT, GRP_OPT, handler=flows.get_activation),
    _t("activate-property", "Activate property", "Activate a version on STAGING or PRODUCTION. Production "
       "changes live traffic (destructive). With wait, polls until ACTIVE or FAILED.", "POST",
       "/properties/{propertyId}/activations", PRP, CTR_OPT, GRP_OPT,
       body("propertyVersion", "Version to activate.", int, required=True, ge=1), NET, EMAILS,
       body("note", "Activation note.", max_length=500),
       body("acknowledgeAllWarnings", "Acknowledge all warnings.", bool, default=True),
       WAIT, TIMEOUT, destructive=True, handler=flows.activate_property),
    _t("cancel-property-activation", "Cancel activation",
       "Cancel a PENDING activation (destructive: the version will not go live).", "DELETE",
       "/properties/{propertyId}/activations/{activationId}", PRP,
       path("activationId", "Activation ID, e.g. atv_123456."), CTR_OPT, GRP_OPT, destructive=True),
    # CP codes and edge hostnames through PAPI
    _t("list-cpcodes", "List CP codes", "CP codes in a contract and group (ids like cpc_12345).", "GET",
       "/cpcodes", CTR, GRP, items="cpcodes.items", columns=("cpcodeId", "cpcodeName", "productIds")),
    _t("get-cpcode", "Get CP code", "One CP code.", "GET", "/cpcodes/{cpcodeId}",
       path("cpcodeId", "CP code ID, e.g. cpc_12345."), CTR, GRP),
    _t("create-cpcode", "Create CP code", "Create a CP code for reporting and purging.", "POST", "/cpcodes",
       CTR, GRP, body("cpcodeName", "Name.", required=True, min_length=1),
       body("productId", "Product ID, e.g. prd_SPM.", required=True)),
    _t("list-edge-hostnames", "List edge hostnames", "Edge hostnames (ids like ehn_12345) in a contract and "
       "group.", "GET", "/edgehostnames", CTR, GRP, items="edgeHostnames.items",
       columns=("edgeHostnameId", "edgeHostnameDomain", "secure", "ipVersionBehavior")),
    _t("get-edge-hostname", "Get edge hostname", "One edge hostname.", "GET",
       "/edgehostnames/{edgeHostnameId}", path("edgeHostnameId", "Edge hostname ID, e.g. ehn_12345."), CTR, GRP),
    _t("create-edge-hostname", "Create edge hostname", "Create an edge hostname (e.g. www.example.com on "
       "edgesuite.net, or edgekey.net with a CPS certificate).", "POST", "/edgehostnames", CTR, GRP,
       body("productId", "Product ID.", required=True),
       body("domainPrefix", "Prefix, e.g. www.example.com.", required=True),
       body("domainSuffix", "edgesuite.net, edgekey.net or akamaized.net.", required=True),
       body("ipVersionBehavior", "IPV4, IPV6_COMPLIANCE or IPV6_PERFORMANCE.",
            Literal["IPV4", "IPV6_COMPLIANCE", "IPV6_PERFORMANCE"], required=True),
       body("secureNetwork", "STANDARD_TLS, ENHANCED_TLS or SHARED_CERT.",
            Literal["STANDARD_TLS", "ENHANCED_TLS", "SHARED_CERT"]),
       body("certEnrollmentId", "CPS enrollment ID for ENHANCED_TLS.", int)),
    # Includes
    _t("list-includes", "List includes", "Includes (reusable rule fragments, ids like inc_123) in a contract "
       "and group.", "GET", "/includes", CTR, GRP, items="includes.items",
       columns=("includeId", "includeName", "latestVersion", "stagingVersion", "productionVersion")),
    _t("get-include", "Get include", "One include.", "GET", "/includes/{includeId}", INC, CTR_OPT, GRP_OPT),
    _t("list-include-versions", "List include versions", "Versions of an include.", "GET",
       "/includes/{includeId}/versions", INC, CTR_OPT, GRP_OPT, items="versions.items",
       columns=("includeVersion", "stagingStatus", "productionStatus", "updatedDate")),
    _t("get-include-rules", "Get include rules", "An include version's rule tree.", "GET",
       "/includes/{includeId}/versions/{includeVersion}/rules", INC, INCVER, CTR_OPT, GRP_OPT),
    _t("list-include-activations", "List include activations", "Activations of an include.", "GET",
       "/includes/{includeId}/activations", INC, CTR_OPT, GRP_OPT, items="activations.items",
       columns=("activationId", "includeVersion", "network", "status")),
    _t("activate-include", "Activate include", "Activate an include version on STAGING or PRODUCTION "
       "(production is destructive).", "POST", "/includes/{includeId}/activations", INC, CTR_OPT, GRP_OPT,
       body("includeVersion", "Version to activate.", int, required=True, ge=1), NET, EMAILS,
       body("note", "Note.", max_length=500),
       body("acknowledgeAllWarnings", "Acknowledge all warnings.", bool, default=True), destructive=True),
    # Bulk
    _t("bulk-search-properties", "Bulk search rules", "Find property versions whose rules match a JSONPath "
       "query, synchronously.", "POST", "/bulk/rules-search-requests-synch", CTR_OPT, GRP_OPT,
       body("bulkSearchQuery", "{syntax: JSONPATH, match: '$..behaviors[?(@.name == \"origin\")]'}.",
            dict[str, Any], required=True),
       read_only=True, items="results", columns=("propertyId", "propertyName", "propertyVersion")),
    _t("bulk-activate-properties", "Bulk activate properties",
       "Activate many property versions at once. Destructive on PRODUCTION.",
       "POST", "/bulk/activations", CTR_OPT, GRP_OPT,
       body("activatePropertyVersions", "List of {propertyId, propertyVersion, network, note, "
            "acknowledgeAllWarnings}.", list[dict[str, Any]], required=True, min_length=1),
       body("defaultActivationSettings", "{notifyEmails, acknowledgeAllWarnings}.", dict[str, Any]),
       destructive=True),
    _t("get-bulk-activation", "Get bulk activation", "Status of a bulk activation.", "GET",
       "/bulk/activations/{bulkActivationId}", path("bulkActivationId", "Bulk activation ID."), CTR_OPT, GRP_OPT),
]
