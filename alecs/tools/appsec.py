"""Application Security (appsec v1): configurations, versions, hostnames, policies, match targets, activations.

WAF, rate policies, custom rules, IP/Geo firewall, reputation and penalty box live in appsec_protections.py.
"""

from __future__ import annotations

from typing import Any, Literal

from alecs.tools import appsec_flows as flows
from alecs.tools import appsec_protections as protections
from alecs.tools import shapes
from alecs.tools.appsec_protections import CFG, POL, VER, P, api
from alecs.tools.declare import body, local, notify_emails, path, query, with_intents
from alecs.tools.spec import ToolSpec

Network = Literal["STAGING", "PRODUCTION"]

TOOLS: list[ToolSpec] = [
    # Configurations and versions
    api.get("list-appsec-configs", "/configs", title="List security configurations",
            doc="Security configurations (ids like 43253) with their latest, staging and production versions.",
            items="configurations", columns=("id", "name", "latestVersion", "stagingVersion", "productionVersion")),
    api.get("list-appsec-contracts-groups", "/contracts-groups", title="List appsec contracts and groups",
            doc="Contract and group pairs that can hold security configurations (needed by create-appsec-config).",
            items="contract_groups", columns=("contractId", "groupId", "displayName")),
    api.post("create-appsec-config", "/configs", title="Create security configuration",
             doc="Create a security configuration (version 1) protecting the given hostnames, or clone one with "
                 "createFrom.",
             params=(body("name", "Configuration name.", required=True, min_length=1),
                     body("description", "What the configuration protects.", required=True),
                     body("hostnames",
                          "Hostnames to protect, e.g. [\"www.example.com\"] (see list-appsec-selectable-hostnames).",
                          list[str], required=True),
                     body("contractId",
                          "Contract ID without prefix, e.g. C-0SANDBOX (see list-appsec-contracts-groups)."),
                     body("groupId", "Group ID as a number, e.g. 10001.", int),
                     body("createFrom", "The configuration version to clone.", shapes.ConfigVersion))),
    api.put("rename-appsec-config", "/configs/{configId}", title="Rename security configuration",
            doc="Change a configuration's name and description.",
            params=(CFG, body("name", "New name.", required=True, min_length=1),
                    body("description", "New description."))),
    api.get("list-appsec-config-versions", "/configs/{configId}/versions", title="List configuration versions",
            doc="Versions of a configuration, newest first, with staging and production status.",
            params=(CFG, query("page", "Page of versions (Akamai paging).", int, ge=1),
                    query("pageSize", "Versions per page (Akamai default 25).", int, ge=1),
                    query("detail", "Include notes and dates.", bool, default=True)),
            items="versionList", columns=("version", "basedOn", "staging.status", "production.status", "createDate")),
    api.get("get-appsec-config-version", "/configs/{configId}/versions/{versionNumber}",
            title="Get configuration version",
            doc="One version: based on, staging and production status. Versions ever activated are locked; clone "
                "them to edit.",
            params=(CFG, VER)),
    api.post("clone-appsec-config-version", "/configs/{configId}/versions", title="Clone configuration version",
             doc="Create a new editable version from an existing one (the usual first step of any change).",
             params=(CFG, body("createFromVersion", "Version to copy.", int, required=True, ge=1),
                     body("ruleUpdate", "Also upgrade the KRS rule set to the latest.", bool, default=False))),
    api.post("diff-appsec-config-versions", "/configs/{configId}/versions/diff", title="Diff configuration versions",
             doc="What changed between two versions (hostnames, policies, rate policies, ...), in Akamai's diff "
                 "format.",
             params=(CFG, body("fromVersion", "Older version.", int, required=True, ge=1, api_name="from"),
                     body("toVersion", "Newer version.", int, required=True, ge=1, api_name="to"),
                     body("outcomes", "MODIFIED (default) and/or UNMODIFIED.",
                          list[Literal["MODIFIED", "UNMODIFIED"]])),
             read_only=True),
    api.get("export-appsec-config-version", "/export/configs/{configId}/versions/{versionNumber}",
            title="Export configuration version",
            doc="The whole version as one JSON document: policies, match targets, rate policies, custom rules, "
                "firewall settings.",
            params=(CFG, VER)),
    # Hostnames
    api.get("list-appsec-selectable-hostnames", "/configs/{configId}/versions/{versionNumber}/selectable-hostnames",
            title="List selectable hostnames",
            doc="Hostnames that could be added to this version (on the account's properties), and where they are "
                "protected today.",
            params=(CFG, VER),
            items="availableSet", columns=("hostname", "activeInProduction", "configNameInProduction")),
    api.get("get-appsec-selected-hostnames", "/configs/{configId}/versions/{versionNumber}/selected-hostnames",
            title="Get protected hostnames",
            doc="Hostnames this version protects.",
            params=(CFG, VER),
            items="hostnameList", columns=("hostname",)),
    api.put("update-appsec-selected-hostnames", "/configs/{configId}/versions/{versionNumber}/selected-hostnames",
            title="Change protected hostnames",
            doc="Add, remove or replace the hostnames an editable version protects.",
            params=(CFG, VER,
                    local("hostnames", "Hostnames, e.g. [\"shop.example.com\"].", list[str], required=True,
                          min_length=1),
                    local("mode", "append, remove or replace.", Literal["append", "remove", "replace"],
                          default="append")),
            handler=flows.update_selected_hostnames),
    api.get("get-appsec-hostname-coverage", "/hostname-coverage", title="Get hostname coverage",
            doc="Every hostname of the account: covered by a production security configuration or not, and by which "
                "policies.",
            items="hostnameCoverage", columns=("hostname", "status", "configuration.name", "policyNames")),
    # Security policies and match targets
    api.get("list-security-policies", "/configs/{configId}/versions/{versionNumber}/security-policies",
            title="List security policies",
            doc="Security policies of a version (ids like WWW1_12345) with the controls they apply.",
            params=(CFG, VER, query("notMatched", "Only policies no match target uses.", bool)),
            items="policies", columns=("policyId", "policyName")),
    api.post("create-security-policy", "/configs/{configId}/versions/{versionNumber}/security-policies",
             title="Create security policy",
             doc="Add a policy to an editable version, with default settings or cloned from another policy.",
             params=(CFG, VER, body("policyName", "Policy name.", required=True, min_length=1),
                     body("policyPrefix", "Four alphanumeric characters that start the policyId, e.g. SHOP.",
                          required=True, pattern=r"^[A-Za-z0-9]{4}$"),
                     body("createFromSecurityPolicy",
                          "Policy ID to clone, e.g. WWW1_12345 (default: Akamai defaults)."))),
    api.get("get-security-policy-protections", P + "/protections", title="Get policy protections",
            doc="Which protections a policy turns on (application layer/WAF, network layer/IP-Geo, rate, "
                "reputation, slow POST, ...).",
            params=(CFG, VER, POL)),
    api.put("update-security-policy-protections", P + "/protections", title="Turn policy protections on or off",
            doc="Switch protections of a policy; only the ones given change.",
            params=(CFG, VER, POL,
                    *[body(name, f"Turn {label} on or off.", bool) for name, label in (
                        ("applyApplicationLayerControls", "WAF (application layer controls)"),
                        ("applyNetworkLayerControls", "IP/Geo firewall"), ("applyRateControls", "rate controls"),
                        ("applyReputationControls", "client reputation"),
                        ("applySlowPostControls", "slow POST protection"),
                        ("applyApiConstraints", "API request constraints"),
                        ("applyMalwareControls", "malware protection"))])),
    api.get("list-match-targets", "/configs/{configId}/versions/{versionNumber}/match-targets",
            title="List match targets",
            doc="Match targets of a version: which hostnames and paths (website) or APIs go to which security "
                "policy.",
            params=(CFG, VER, query("policyId", "Only targets of this policy, e.g. WWW1_12345."))),
    api.post("create-match-target", "/configs/{configId}/versions/{versionNumber}/match-targets",
             title="Create match target",
             doc="Send hostnames/paths of an editable version to a security policy.",
             params=(CFG, VER, local("policyId", "Security policy ID, e.g. WWW1_12345.", required=True),
                     body("type", "website or api.", Literal["website", "api"], default="website"),
                     body("hostnames", "Hostnames, e.g. [\"shop.example.com\"].", list[str]),
                     body("filePaths", "Paths, e.g. [\"/*\"].", list[str]),
                     body("fileExtensions", "File extensions, e.g. [\"php\"].", list[str]),
                     body("isNegativePathMatch", "Match paths NOT listed.", bool),
                     body("isNegativeFileExtensionMatch", "Match extensions NOT listed.", bool),
                     body("defaultFile", "NO_MATCH, BASE_MATCH or RECURSIVE_MATCH.",
                          Literal["NO_MATCH", "BASE_MATCH", "RECURSIVE_MATCH"]),
                     body("apis", "For api targets: the API endpoints.", list[shapes.ApiEndpoint]),
                     body("bypassNetworkLists", "Network lists that skip the policy.", list[shapes.NetworkListRef])),
             handler=flows.match_target),
    api.put("update-match-target", "/configs/{configId}/versions/{versionNumber}/match-targets/{targetId}",
            title="Update match target",
            doc="Change fields of a match target in an editable version; the rest is kept.",
            params=(CFG, VER, path("targetId", "Match target ID, e.g. 2050001.", int, ge=1),
                    local("changes",
                          "Fields to change, e.g. {\"hostnames\": [...]} or {\"securityPolicy\": {\"policyId\": "
                          "\"WWW1_12345\"}}.", dict[str, Any], required=True)),
            handler=flows.merge_update("target")),
    api.delete("delete-match-target", "/configs/{configId}/versions/{versionNumber}/match-targets/{targetId}",
               title="Delete match target",
               doc="Remove a match target from an editable version. Destructive.",
               params=(CFG, VER, path("targetId", "Match target ID, e.g. 2050001.", int, ge=1)),
               destructive=True),
    # Activations
    api.post("activate-appsec-config", "/activations", title="Activate security configuration",
             doc="Activate a configuration version on STAGING or PRODUCTION (production changes live traffic: "
                 "destructive). With wait, polls until ACTIVATED or FAILED and reports progress.",
             params=(local("configId", "Configuration ID.", int, required=True, ge=1),
                     local("versionNumber", "Version to activate.", int, required=True, ge=1),
                     local("network", "STAGING or PRODUCTION.", Network, required=True),
                     notify_emails("local"), local("note", "Activation note.", max_length=500),
                     local("acknowledgedInvalidHosts", "Invalid hostnames you accept activating anyway.", list[str]),
                     local("wait", "Wait until the activation finishes (reports progress).", bool, default=False),
                     local("timeoutSeconds", "Longest wait, in seconds.", int, default=900, ge=1, le=7200)),
             destructive=True, handler=flows.activate_config,
             network="argument:network", confirm=True, preview=flows.activation_preview),
    api.get("get-appsec-activation", "/activations/{activationId}", title="Get appsec activation",
            doc="One activation's status (RECEIVED, ACTIVATED, FAILED, ...).",
            params=(path("activationId", "Activation ID, e.g. 7001.", int, ge=1),)),
    api.get("get-appsec-activation-request", "/activations/status/{statusId}",
            title="Get appsec activation request",
            doc="Follow an activation request Akamai is still creating (the statusId activate-appsec-config returns "
                "without wait): still REQUESTED, or the activation it became.",
            params=(path("statusId", "Status ID from activate-appsec-config, e.g. 0b7c1d2e-...."),),
            handler=flows.activation_request, example={"statusId": "5e6c1d2a-6999-4c41-9b53-a11ec5000001"}),
    api.get("list-appsec-activations", "/configs/{configId}/activations", title="List appsec activation history",
            doc="Activations of a configuration, newest first.",
            params=(CFG,),
            items="activationHistory",
            columns=("activationId", "version", "network", "status", "activationDate", "activatedBy")),
] + protections.TOOLS

# Task phrases for search-tools (alecs.tools.tool_search), kept beside the declarations they describe.
INTENTS: dict[str, tuple[str, ...]] = {
    "list-appsec-configs": ("list security configurations", "waf configurations"),
    "clone-appsec-config-version": ("new security configuration version to edit",),
    "update-appsec-selected-hostnames": ("protect a hostname with the waf", "add a hostname to a security "
                                         "configuration"),
    "get-appsec-hostname-coverage": ("which hostnames are protected", "waf coverage"),
    "activate-appsec-config": ("activate the security configuration", "push waf changes live"),
}
TOOLS = with_intents(TOOLS, INTENTS)
