"""Application Security (appsec v1): configurations, versions, hostnames, policies, match targets, activations.

WAF, rate policies, custom rules, IP/Geo firewall, reputation and penalty box live in appsec_protections.py.
"""

from __future__ import annotations

from typing import Any, Literal

from alecs.tools import appsec_flows as flows
from alecs.tools import appsec_protections as protections
from alecs.tools.appsec_protections import CFG, POL, TS, VER, _t
from alecs.tools.spec import ToolSpec, body, local, path, query

Network = Literal["STAGING", "PRODUCTION"]

TOOLS: list[ToolSpec] = [
    # Configurations and versions
    _t("list-appsec-configs", "List security configurations", "Security configurations (ids like 43253) with "
       "their latest, staging and production versions.", "GET", "/configs", items="configurations",
       columns=("id", "name", "latestVersion", "stagingVersion", "productionVersion")),
    _t("list-appsec-contracts-groups", "List appsec contracts and groups", "Contract and group pairs that can "
       "hold security configurations (needed by create-appsec-config).", "GET", "/contracts-groups",
       items="contract_groups", columns=("contractId", "groupId", "displayName")),
    _t("create-appsec-config", "Create security configuration", "Create a security configuration (version 1) "
       "protecting the given hostnames, or clone one with createFrom.", "POST", "/configs",
       body("name", "Configuration name.", required=True, min_length=1),
       body("description", "What the configuration protects.", required=True),
       body("hostnames", "Hostnames to protect, e.g. [\"www.example.com\"] (see list-appsec-selectable-hostnames).",
            list[str], required=True),
       body("contractId", "Contract ID without prefix, e.g. C-0SANDBOX (see list-appsec-contracts-groups)."),
       body("groupId", "Group ID as a number, e.g. 10001.", int),
       body("createFrom", "Clone source: {configId, version}.", dict[str, int])),
    _t("rename-appsec-config", "Rename security configuration", "Change a configuration's name and description.",
       "PUT", "/configs/{configId}", CFG, body("name", "New name.", required=True, min_length=1),
       body("description", "New description.")),
    _t("list-appsec-config-versions", "List configuration versions", "Versions of a configuration, newest first, "
       "with staging and production status.", "GET", "/configs/{configId}/versions", CFG,
       query("page", "Page of versions (Akamai paging).", int, ge=1),
       query("pageSize", "Versions per page (Akamai default 25).", int, ge=1),
       query("detail", "Include notes and dates.", bool, default=True),
       items="versionList", columns=("version", "basedOn", "staging.status", "production.status", "createDate")),
    _t("get-appsec-config-version", "Get configuration version", "One version: based on, staging and production "
       "status. Versions ever activated are locked; clone them to edit.", "GET",
       "/configs/{configId}/versions/{versionNumber}", CFG, VER),
    _t("clone-appsec-config-version", "Clone configuration version", "Create a new editable version from an "
       "existing one (the usual first step of any change).", "POST", "/configs/{configId}/versions", CFG,
       body("createFromVersion", "Version to copy.", int, required=True, ge=1),
       body("ruleUpdate", "Also upgrade the KRS rule set to the latest.", bool, default=False)),
    _t("diff-appsec-config-versions", "Diff configuration versions", "What changed between two versions "
       "(hostnames, policies, rate policies, ...), in Akamai's diff format.", "POST",
       "/configs/{configId}/versions/diff", CFG,
       body("fromVersion", "Older version.", int, required=True, ge=1, api_name="from"),
       body("toVersion", "Newer version.", int, required=True, ge=1, api_name="to"),
       body("outcomes", "MODIFIED (default) and/or UNMODIFIED.", list[Literal["MODIFIED", "UNMODIFIED"]]),
       read_only=True),
    _t("export-appsec-config-version", "Export configuration version", "The whole version as one JSON document: "
       "policies, match targets, rate policies, custom rules, firewall settings.", "GET",
       "/export/configs/{configId}/versions/{versionNumber}", CFG, VER),
    # Hostnames
    _t("list-appsec-selectable-hostnames", "List selectable hostnames", "Hostnames that could be added to this "
       "version (on the account's properties), and where they are protected today.", "GET",
       "/configs/{configId}/versions/{versionNumber}/selectable-hostnames", CFG, VER, items="availableSet",
       columns=("hostname", "activeInProduction", "configNameInProduction")),
    _t("get-appsec-selected-hostnames", "Get protected hostnames", "Hostnames this version protects.", "GET",
       "/configs/{configId}/versions/{versionNumber}/selected-hostnames", CFG, VER, items="hostnameList",
       columns=("hostname",)),
    _t("update-appsec-selected-hostnames", "Change protected hostnames", "Add, remove or replace the hostnames "
       "an editable version protects.", "PUT", "/configs/{configId}/versions/{versionNumber}/selected-hostnames",
       CFG, VER, local("hostnames", "Hostnames, e.g. [\"shop.example.com\"].", list[str], required=True,
                       min_length=1),
       local("mode", "append, remove or replace.", Literal["append", "remove", "replace"], default="append"),
       handler=flows.update_selected_hostnames),
    _t("get-appsec-hostname-coverage", "Get hostname coverage", "Every hostname of the account: covered by a "
       "production security configuration or not, and by which policies.", "GET", "/hostname-coverage",
       items="hostnameCoverage", columns=("hostname", "status", "configuration.name", "policyNames")),
    # Security policies and match targets
    _t("list-security-policies", "List security policies", "Security policies of a version (ids like "
       "WWW1_12345) with the controls they apply.", "GET",
       "/configs/{configId}/versions/{versionNumber}/security-policies", CFG, VER,
       query("notMatched", "Only policies no match target uses.", bool), items="policies",
       columns=("policyId", "policyName")),
    _t("create-security-policy", "Create security policy", "Add a policy to an editable version, with default "
       "settings or cloned from another policy.", "POST",
       "/configs/{configId}/versions/{versionNumber}/security-policies", CFG, VER,
       body("policyName", "Policy name.", required=True, min_length=1),
       body("policyPrefix", "Four alphanumeric characters that start the policyId, e.g. SHOP.", required=True,
            pattern=r"^[A-Za-z0-9]{4}$"),
       body("createFromSecurityPolicy", "Policy ID to clone, e.g. WWW1_12345 (default: Akamai defaults).")),
    _t("get-security-policy-protections", "Get policy protections", "Which protections a policy turns on "
       "(application layer/WAF, network layer/IP-Geo, rate, reputation, slow POST, ...).", "GET",
       "/configs/{configId}/versions/{versionNumber}/security-policies/{policyId}/protections", CFG, VER, POL),
    _t("update-security-policy-protections", "Turn policy protections on or off", "Switch protections of a "
       "policy; only the ones given change.", "PUT",
       "/configs/{configId}/versions/{versionNumber}/security-policies/{policyId}/protections", CFG, VER, POL,
       *[body(name, f"Turn {label} on or off.", bool) for name, label in (
           ("applyApplicationLayerControls", "WAF (application layer controls)"),
           ("applyNetworkLayerControls", "IP/Geo firewall"), ("applyRateControls", "rate controls"),
           ("applyReputationControls", "client reputation"), ("applySlowPostControls", "slow POST protection"),
           ("applyApiConstraints", "API request constraints"), ("applyMalwareControls", "malware protection"))]),
    _t("list-match-targets", "List match targets", "Match targets of a version: which hostnames and paths "
       "(website) or APIs go to which security policy.", "GET",
       "/configs/{configId}/versions/{versionNumber}/match-targets", CFG, VER,
       query("policyId", "Only targets of this policy, e.g. WWW1_12345.")),
    _t("create-match-target", "Create match target", "Send hostnames/paths of an editable version to a security "
       "policy.", "POST", "/configs/{configId}/versions/{versionNumber}/match-targets", CFG, VER,
       local("policyId", "Security policy ID, e.g. WWW1_12345.", required=True),
       body("type", "website or api.", Literal["website", "api"], default="website"),
       body("hostnames", "Hostnames, e.g. [\"shop.example.com\"].", list[str]),
       body("filePaths", "Paths, e.g. [\"/*\"].", list[str]),
       body("fileExtensions", "File extensions, e.g. [\"php\"].", list[str]),
       body("isNegativePathMatch", "Match paths NOT listed.", bool),
       body("isNegativeFileExtensionMatch", "Match extensions NOT listed.", bool),
       body("defaultFile", "NO_MATCH, BASE_MATCH or RECURSIVE_MATCH.",
            Literal["NO_MATCH", "BASE_MATCH", "RECURSIVE_MATCH"]),
       body("apis", "For api targets: [{id}] of API endpoints.", list[dict[str, Any]]),
       body("bypassNetworkLists", "Network lists that skip the policy: [{id}].", list[dict[str, Any]]),
       handler=flows.match_target),
    _t("update-match-target", "Update match target", "Change fields of a match target in an editable version; "
       "the rest is kept.", "PUT", "/configs/{configId}/versions/{versionNumber}/match-targets/{targetId}",
       CFG, VER, path("targetId", "Match target ID, e.g. 2050001.", int, ge=1),
       local("changes", "Fields to change, e.g. {\"hostnames\": [...]} or {\"securityPolicy\": {\"policyId\": "
             "\"WWW1_12345\"}}.", dict[str, Any], required=True),
       handler=flows.merge_update("target")),
    _t("delete-match-target", "Delete match target", "Remove a match target from an editable version. "
       "Destructive.", "DELETE", "/configs/{configId}/versions/{versionNumber}/match-targets/{targetId}",
       CFG, VER, path("targetId", "Match target ID, e.g. 2050001.", int, ge=1), destructive=True),
    # Activations
    _t("activate-appsec-config", "Activate security configuration", "Activate a configuration version on "
       "STAGING or PRODUCTION (production changes live traffic: destructive). With wait, polls until ACTIVATED "
       "or FAILED and reports progress.", "POST", "/activations", local("configId", "Configuration ID.", int,
                                                                        required=True, ge=1),
       local("versionNumber", "Version to activate.", int, required=True, ge=1),
       local("network", "STAGING or PRODUCTION.", Network, required=True),
       local("notificationEmails", "Emails notified of the result.", list[str], required=True, min_length=1),
       local("note", "Activation note.", max_length=500),
       local("acknowledgedInvalidHosts", "Invalid hostnames you accept activating anyway.", list[str]),
       local("wait", "Wait until the activation finishes (reports progress).", bool, default=False),
       local("timeoutSeconds", "Longest wait, in seconds.", int, default=900, ge=1, le=7200),
       destructive=True, handler=flows.activate_config),
    _t("get-appsec-activation", "Get appsec activation", "One activation's status (RECEIVED, ACTIVATED, FAILED, "
       "...).", "GET", "/activations/{activationId}", path("activationId", "Activation ID, e.g. 7001.", int, ge=1)),
    _t("list-appsec-activations", "List appsec activation history", "Activations of a configuration, newest "
       "first.", "GET", "/configs/{configId}/activations", CFG, items="activationHistory",
       columns=("activationId", "version", "network", "status", "activationDate", "activatedBy")),
] + protections.TOOLS

__all__ = ["TOOLS", "TS"]
