"""Property Manager (PAPI v1): properties, versions, rule trees, hostnames, activations, includes."""

from __future__ import annotations

from typing import Literal

from alecs.tools import papi_flows as flows
from alecs.tools import shapes
from alecs.tools.declare import Api, Toolset, body, header, local, path, query, whole_body
from alecs.tools.spec import ToolSpec

PROPERTY = Toolset("property", "Property Manager: properties, versions, rule trees, hostnames, activations, includes",
                   default=True)
api = Api("papi/v1", toolset=PROPERTY, base=flows.BASE, headers=flows.H)

Network = Literal["STAGING", "PRODUCTION"]

CTR = query("contractId", "Contract ID, e.g. ctr_C-1ABC234.", required=True)
GRP = query("groupId", "Group ID, e.g. grp_12345.", required=True)
# Optional scope hints PAPI accepts on most calls: self-describing (the server's instructions name the id prefixes),
# so they cost no description in the 26 tools that take them.
CTR_OPT = query("contractId", "")
GRP_OPT = query("groupId", "")
PRP = path("propertyId", "Property ID, e.g. prp_123456.")
VER = path("propertyVersion", "Property version number.", int, ge=1)
INC = path("includeId", "Include ID, e.g. inc_123456.")
INCVER = path("includeVersion", "Include version number.", int, ge=1)
NET = body("network", "STAGING or PRODUCTION.", Network, required=True)
EMAILS = body("notifyEmails", "Emails notified of the result.", list[str], required=True, min_length=1)
WAIT = local("wait", "Wait until the activation finishes (reports progress).", bool, default=False)
TIMEOUT = local("timeoutSeconds", "Longest wait, in seconds.", int, default=900, ge=1, le=7200)
VALIDATE_MODE = query("validateMode", "fast or full rule validation.", Literal["fast", "full"])


TOOLS: list[ToolSpec] = [
    # Account structure
    api.get("list-contracts", "/contracts", title="List contracts",
            doc="Contracts this account can use (ids like ctr_C-1ABC234).",
            items="contracts.items", columns=("contractId", "contractTypeName")),
    api.get("list-groups", "/groups", title="List groups",
            doc="Groups with their contracts (ids like grp_12345); needed to list or create properties.",
            items="groups.items", columns=("groupId", "groupName", "contractIds")),
    api.get("list-products", "/products", title="List products",
            doc="Products on a contract (ids like prd_Fresca, prd_SPM).",
            params=(CTR,),
            items="products.items", columns=("productId", "productName")),
    api.get("list-rule-formats", "/rule-formats", title="List rule formats",
            doc="Rule format versions (e.g. v2024-10-21, latest).",
            items="ruleFormats.items"),
    api.get("get-rule-format-schema", "/schemas/products/{productId}/{ruleFormat}", title="Get rule format schema",
            doc="JSON schema of the behaviors and criteria a product supports in a rule format: the catalogue to "
                "write rules from.",
            params=(path("productId", "Product ID, e.g. prd_SPM."), path("ruleFormat", "Rule format, e.g. latest.")),
            headers={}),
    # Properties
    api.get("list-properties", "/properties", title="List properties",
            doc="Properties in a contract and group.",
            params=(CTR, GRP),
            items="properties.items",
            columns=("propertyId", "propertyName", "latestVersion", "stagingVersion", "productionVersion")),
    api.get("get-property", "/properties/{propertyId}", title="Get property",
            doc="One property: versions active on staging and production, ids.",
            params=(PRP, CTR_OPT, GRP_OPT)),
    api.post("create-property", "/properties", title="Create property",
             doc="Create a property (version 1 with default rules), or clone one with cloneFrom. Returns its "
                 "propertyLink.",
             params=(CTR, GRP,
                     body("propertyName", "Name, e.g. www.example.com.", required=True, min_length=1, max_length=85),
                     body("productId", "Product ID, e.g. prd_SPM (see list-products).", required=True),
                     body("ruleFormat", "Rule format, e.g. latest (default: the product's current one)."),
                     body("cloneFrom", "The property version to clone.", shapes.CloneFrom))),
    api.delete("delete-property", "/properties/{propertyId}", title="Delete property",
               doc="Delete a property. Destructive: it must not be active on any network.",
               params=(PRP, CTR_OPT, GRP_OPT),
               destructive=True),
    api.post("search-properties", "/search/find-by-value", title="Search properties",
             doc="Find properties by name, hostname or edge hostname with PAPI's search (one request, no group "
                 "walking).",
             params=(body("propertyName", "Exact property name."),
                     body("hostname", "Property hostname, e.g. www.example.com."),
                     body("edgeHostname", "Edge hostname, e.g. www.example.com.edgekey.net.")),
             read_only=True, handler=flows.search_properties, items="versions.items",
             columns=("propertyId", "propertyName", "propertyVersion", "stagingStatus", "productionStatus")),
    # Versions
    api.get("list-property-versions", "/properties/{propertyId}/versions", title="List property versions",
            doc="Versions of a property, newest first.",
            params=(PRP, CTR_OPT, GRP_OPT),
            items="versions.items",
            columns=("propertyVersion", "updatedDate", "stagingStatus", "productionStatus", "note")),
    api.get("get-property-version", "/properties/{propertyId}/versions/{propertyVersion}",
            title="Get property version",
            doc="One version: status on each network, etag.",
            params=(PRP, VER, CTR_OPT, GRP_OPT)),
    api.get("get-latest-property-version", "/properties/{propertyId}/versions/latest",
            title="Get latest property version",
            doc="The latest version, or the one active on a network.",
            params=(PRP, CTR_OPT, GRP_OPT,
                    query("activatedOn", "Latest version active on STAGING or PRODUCTION.", Network))),
    api.post("create-property-version", "/properties/{propertyId}/versions", title="Create property version",
             doc="New editable version based on another one.",
             params=(PRP, CTR_OPT, GRP_OPT, body("createFromVersion", "Version to copy.", int, required=True, ge=1),
                     body("createFromVersionEtag", "Etag of that version, to be sure it has not changed."))),
    api.get("diff-property-versions", "/properties/{propertyId}/versions/{propertyVersion}/rules",
            title="Diff property versions",
            doc="What changed between two versions' rule trees, as a list of JSON paths with old and new values.",
            params=(PRP, path("fromVersion", "Older version.", int, api_name="propertyVersion", ge=1),
                    local("toVersion", "Newer version.", int, required=True, ge=1), CTR_OPT, GRP_OPT),
            handler=flows.diff_versions, items="changes", columns=("op", "path")),
    # Rule trees
    api.get("get-property-rules", "/properties/{propertyId}/versions/{propertyVersion}/rules", title="Get rule tree",
            doc="A version's rule tree with its etag, and any validation errors and warnings.",
            params=(PRP, VER, CTR_OPT, GRP_OPT, VALIDATE_MODE),
            handler=flows.get_rules),
    api.put("update-property-rules", "/properties/{propertyId}/versions/{propertyVersion}/rules",
            title="Update rule tree",
            doc="Replace a version's rule tree. Pass the etag from get-property-rules; a stale etag is refused "
                "(412). Returns validation errors and warnings.",
            params=(PRP, VER, CTR_OPT, GRP_OPT,
                    header("etag", "Etag from get-property-rules.", api_name="If-Match", required=True),
                    whole_body("rules", "The rule tree: {\"rules\": {name, behaviors, criteria, children, ...}}."),
                    query("dryRun", "Validate without saving.", bool), VALIDATE_MODE),
            handler=flows.update_rules),
    api.get("list-available-behaviors", "/properties/{propertyId}/versions/{propertyVersion}/available-behaviors",
            title="List available behaviors",
            doc="Behaviors this version's product allows.",
            params=(PRP, VER, CTR_OPT, GRP_OPT),
            items="behaviors.items", columns=("name",)),
    api.get("list-available-criteria", "/properties/{propertyId}/versions/{propertyVersion}/available-criteria",
            title="List available criteria",
            doc="Match criteria this version's product allows.",
            params=(PRP, VER, CTR_OPT, GRP_OPT),
            items="criteria.items", columns=("name",)),
    # Hostnames
    api.get("get-property-hostnames", "/properties/{propertyId}/versions/{propertyVersion}/hostnames",
            title="Get version hostnames",
            doc="Hostnames of a version with their edge hostnames and certificate status.",
            params=(PRP, VER, CTR_OPT, GRP_OPT,
                    query("includeCertStatus", "Include certificate status.", bool, default=True)),
            items="hostnames.items", columns=("cnameFrom", "cnameTo", "edgeHostnameId", "certStatus.production")),
    api.put("update-property-hostnames", "/properties/{propertyId}/versions/{propertyVersion}/hostnames",
            title="Set version hostnames",
            doc="Replace a version's hostnames (cnameFrom -> edge hostname).",
            params=(PRP, VER, CTR_OPT, GRP_OPT,
                    header("etag", "Etag of the version; fetched when omitted.", api_name="If-Match"),
                    whole_body("hostnames", "Every hostname of the version, each to an edgeHostnameId or cnameTo.",
                               list[shapes.PropertyHostname])),
            handler=flows.put_hostnames),
    api.get("list-account-hostnames", "/hostnames", title="List all property hostnames",
            doc="Active hostnames across the account, with property and network.",
            params=(CTR_OPT, GRP_OPT, query("hostname", "Filter by hostname (substring)."),
                    query("network", "STAGING or PRODUCTION.", Network)),
            items="hostnames.items",
            columns=("cnameFrom", "propertyId", "stagingEdgeHostnameId", "productionEdgeHostnameId")),
    # Activations
    api.get("list-property-activations", "/properties/{propertyId}/activations", title="List activations",
            doc="Activations of a property, newest first.",
            params=(PRP, CTR_OPT, GRP_OPT),
            items="activations.items", columns=("activationId", "propertyVersion", "network", "status", "submitDate")),
    api.get("get-property-activation", "/properties/{propertyId}/activations/{activationId}", title="Get activation",
            doc="One activation's status (PENDING, ACTIVE, FAILED, ...).",
            params=(PRP, path("activationId", "Activation ID, e.g. atv_123456."), CTR_OPT, GRP_OPT),
            handler=flows.get_activation),
    api.post("activate-property", "/properties/{propertyId}/activations", title="Activate property",
             doc="Activate a version on STAGING or PRODUCTION. Production changes live traffic (destructive). With "
                 "wait, polls until ACTIVE or FAILED.",
             params=(PRP, CTR_OPT, GRP_OPT, body("propertyVersion", "Version to activate.", int, required=True, ge=1),
                     NET, EMAILS, body("note", "Activation note.", max_length=500),
                     body("acknowledgeAllWarnings", "Acknowledge all warnings.", bool, default=True), WAIT, TIMEOUT),
             destructive=True, handler=flows.activate_property),
    api.delete("cancel-property-activation", "/properties/{propertyId}/activations/{activationId}",
               title="Cancel activation",
               doc="Cancel a PENDING activation (destructive: the version will not go live).",
               params=(PRP, path("activationId", "Activation ID, e.g. atv_123456."), CTR_OPT, GRP_OPT),
               destructive=True),
    # CP codes and edge hostnames through PAPI
    api.get("list-cpcodes", "/cpcodes", title="List CP codes",
            doc="CP codes in a contract and group (ids like cpc_12345).",
            params=(CTR, GRP),
            items="cpcodes.items", columns=("cpcodeId", "cpcodeName", "productIds")),
    api.get("get-cpcode", "/cpcodes/{cpcodeId}", title="Get CP code",
            doc="One CP code.",
            params=(path("cpcodeId", "CP code ID, e.g. cpc_12345."), CTR, GRP)),
    api.post("create-cpcode", "/cpcodes", title="Create CP code",
             doc="Create a CP code for reporting and purging.",
             params=(CTR, GRP, body("cpcodeName", "Name.", required=True, min_length=1),
                     body("productId", "Product ID, e.g. prd_SPM.", required=True))),
    api.get("list-edge-hostnames", "/edgehostnames", title="List edge hostnames",
            doc="Edge hostnames (ids like ehn_12345) in a contract and group.",
            params=(CTR, GRP),
            items="edgeHostnames.items",
            columns=("edgeHostnameId", "edgeHostnameDomain", "secure", "ipVersionBehavior")),
    api.get("get-edge-hostname", "/edgehostnames/{edgeHostnameId}", title="Get edge hostname",
            doc="One edge hostname.",
            params=(path("edgeHostnameId", "Edge hostname ID, e.g. ehn_12345."), CTR, GRP)),
    api.post("create-edge-hostname", "/edgehostnames", title="Create edge hostname",
             doc="Create an edge hostname (e.g. www.example.com on edgesuite.net, or edgekey.net with a CPS "
                 "certificate).",
             params=(CTR, GRP, body("productId", "Product ID.", required=True),
                     body("domainPrefix", "Prefix, e.g. www.example.com.", required=True),
                     body("domainSuffix", "edgesuite.net, edgekey.net or akamaized.net.", required=True),
                     body("ipVersionBehavior", "IPV4 or IPV6_COMPLIANCE (dual stack).",
                          Literal["IPV4", "IPV6_COMPLIANCE"], required=True),
                     body("secureNetwork", "STANDARD_TLS, ENHANCED_TLS or SHARED_CERT.",
                          Literal["STANDARD_TLS", "ENHANCED_TLS", "SHARED_CERT"]),
                     body("certEnrollmentId", "CPS enrollment ID for ENHANCED_TLS.", int, ge=1))),
    # Includes
    api.get("list-includes", "/includes", title="List includes",
            doc="Includes (reusable rule fragments, ids like inc_123) in a contract and group.",
            params=(CTR, GRP),
            items="includes.items",
            columns=("includeId", "includeName", "latestVersion", "stagingVersion", "productionVersion")),
    api.get("get-include", "/includes/{includeId}", title="Get include",
            doc="One include.",
            params=(INC, CTR_OPT, GRP_OPT)),
    api.get("list-include-versions", "/includes/{includeId}/versions", title="List include versions",
            doc="Versions of an include.",
            params=(INC, CTR_OPT, GRP_OPT),
            items="versions.items", columns=("includeVersion", "stagingStatus", "productionStatus", "updatedDate")),
    api.get("get-include-rules", "/includes/{includeId}/versions/{includeVersion}/rules", title="Get include rules",
            doc="An include version's rule tree.",
            params=(INC, INCVER, CTR_OPT, GRP_OPT)),
    api.get("list-include-activations", "/includes/{includeId}/activations", title="List include activations",
            doc="Activations of an include.",
            params=(INC, CTR_OPT, GRP_OPT),
            items="activations.items", columns=("activationId", "includeVersion", "network", "status")),
    api.post("activate-include", "/includes/{includeId}/activations", title="Activate include",
             doc="Activate an include version on STAGING or PRODUCTION (production is destructive).",
             params=(INC, CTR_OPT, GRP_OPT, body("includeVersion", "Version to activate.", int, required=True, ge=1),
                     NET, EMAILS, body("note", "Note.", max_length=500),
                     body("acknowledgeAllWarnings", "Acknowledge all warnings.", bool, default=True)),
             destructive=True),
    # Bulk
    api.post("bulk-search-properties", "/bulk/rules-search-requests-synch", title="Bulk search rules",
             doc="Find property versions whose rules match a JSONPath query, synchronously.",
             params=(CTR_OPT, GRP_OPT,
                     body("bulkSearchQuery", "", shapes.BulkSearchQuery, required=True)),
             read_only=True, items="results", columns=("propertyId", "propertyName", "propertyVersion")),
    api.post("bulk-activate-properties", "/bulk/activations", title="Bulk activate properties",
             doc="Activate many property versions at once. Destructive on PRODUCTION.",
             params=(CTR_OPT, GRP_OPT,
                     body("activatePropertyVersions", "", list[shapes.BulkActivation], required=True, min_length=1),
                     body("defaultActivationSettings", "", shapes.ActivationDefaults)),
             destructive=True),
    api.get("get-bulk-activation", "/bulk/activations/{bulkActivationId}", title="Get bulk activation",
            doc="Status of a bulk activation.",
            params=(path("bulkActivationId", "Bulk activation ID.", int, ge=1), CTR_OPT, GRP_OPT)),
]
