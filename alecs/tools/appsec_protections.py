"""Application Security protections inside a version: WAF mode and attack groups, evaluation, rate policies,
custom rules, IP/Geo firewall, client reputation and penalty box. Imported into appsec.py's TOOLS."""

from __future__ import annotations

from typing import Any, Literal

from alecs.tools import appsec_flows as flows
from alecs.tools.spec import ToolSpec, body, local, path, tool, whole_body

API = "appsec/v1"
BASE = "/appsec/v1"
TS = "appsec"

CFG = path("configId", "Security configuration ID, e.g. 43253 (see list-appsec-configs).", int, ge=1)
VER = path("versionNumber", "Configuration version; must be editable (never activated) for changes.", int, ge=1)
POL = path("policyId", "Security policy ID, e.g. WWW1_12345 (see list-security-policies).")
RATE = path("ratePolicyId", "Rate policy ID, e.g. 300101 (see list-rate-policies).", int, ge=1)
RULE = path("ruleId", "Custom rule ID, e.g. 500301 (see list-custom-rules).", int, ge=1)
ACTION = body("action", "alert, deny or none.", Literal["alert", "deny", "none"], required=True)
V = "/configs/{configId}/versions/{versionNumber}"
P = V + "/security-policies/{policyId}"
RATE_ACTION_DOC = "alert, deny, none, monitor, tarpit, delay, slow, or a custom action like deny_custom_12345."


def _t(name: str, title: str, description: str, method: str, route: str, *params: Any, **kw: Any) -> ToolSpec:
    return tool(name, TS, title, description, method, BASE + route, API, *params, **kw)


TOOLS: list[ToolSpec] = [
    # WAF mode, evaluation and attack groups
    _t("get-waf-mode", "Get WAF mode", "A policy's WAF rule update mode (ASE_AUTO, ASE_MANUAL, KRS, AAG) and "
       "whether an evaluation is running.", "GET", P + "/mode", CFG, VER, POL),
    _t("set-waf-mode", "Set WAF mode", "Change how a policy's WAF rules are updated: ASE_AUTO (Akamai updates "
       "them), ASE_MANUAL, KRS or AAG.", "PUT", P + "/mode", CFG, VER, POL,
       body("mode", "ASE_AUTO, ASE_MANUAL, KRS or AAG.", Literal["ASE_AUTO", "ASE_MANUAL", "KRS", "AAG"],
            required=True)),
    _t("set-waf-evaluation", "Start or stop WAF evaluation", "Evaluation mode: try newer WAF rules alongside "
       "the current ones without blocking (START, STOP, RESTART, UPDATE, COMPLETE to adopt them).", "POST",
       P + "/eval", CFG, VER, POL,
       body("eval", "START, STOP, RESTART, UPDATE or COMPLETE.",
            Literal["START", "STOP", "RESTART", "UPDATE", "COMPLETE"], required=True),
       body("mode", "Rule update mode to evaluate: ASE_AUTO or ASE_MANUAL.", Literal["ASE_AUTO", "ASE_MANUAL"])),
    _t("list-attack-group-actions", "List attack group actions", "Action (alert, deny, none) of each WAF attack "
       "group (SQL, XSS, CMDI, ...) in a policy.", "GET", P + "/attack-groups", CFG, VER, POL,
       items="attackGroupActions", columns=("group", "action")),
    _t("set-attack-group-action", "Set attack group action", "Set one attack group to alert, deny or none.",
       "PUT", P + "/attack-groups/{attackGroupId}", CFG, VER, POL,
       path("attackGroupId", "Attack group, e.g. SQL, XSS, CMDI, LFI, RFI, PLATFORM, PROTOCOL, TOOL."), ACTION),
    # Rate policies
    _t("list-rate-policies", "List rate policies", "Rate policies of a version with their thresholds (requests "
       "per second averaged and in bursts).", "GET", V + "/rate-policies", CFG, VER, items="ratePolicies",
       columns=("id", "name", "averageThreshold", "burstThreshold", "clientIdentifier", "matchType")),
    _t("get-rate-policy", "Get rate policy", "One rate policy in full.", "GET", V + "/rate-policies/{ratePolicyId}",
       CFG, VER, RATE),
    _t("create-rate-policy", "Create rate policy", "Add a rate policy to an editable version; then set its action "
       "per security policy with set-rate-policy-action.", "POST", V + "/rate-policies", CFG, VER,
       whole_body("ratePolicy", "The rate policy: {name, type: WAF, matchType: path, averageThreshold, "
                  "burstThreshold, clientIdentifier: ip, requestType: ClientRequest, sameActionOnIpv6, "
                  "pathMatchType: Custom, path: {positiveMatch, values}, ...}.")),
    _t("update-rate-policy", "Update rate policy", "Change fields of a rate policy in an editable version (the "
       "rest is kept), e.g. {\"averageThreshold\": 20}.", "PUT", V + "/rate-policies/{ratePolicyId}", CFG, VER,
       RATE, local("changes", "Fields to change.", dict[str, Any], required=True),
       handler=flows.merge_update("rate")),
    _t("delete-rate-policy", "Delete rate policy", "Remove a rate policy from an editable version. Destructive.",
       "DELETE", V + "/rate-policies/{ratePolicyId}", CFG, VER, RATE, destructive=True),
    _t("list-rate-policy-actions", "List rate policy actions", "What each rate policy does in a security policy "
       "(IPv4 and IPv6 action).", "GET", P + "/rate-policies", CFG, VER, POL, items="ratePolicyActions",
       columns=("id", "ipv4Action", "ipv6Action")),
    _t("set-rate-policy-action", "Set rate policy action", "Set what a rate policy does in a security policy.",
       "PUT", P + "/rate-policies/{ratePolicyId}", CFG, VER, POL, RATE,
       body("ipv4Action", RATE_ACTION_DOC, required=True, min_length=1),
       body("ipv6Action", RATE_ACTION_DOC, required=True, min_length=1)),
    # Custom rules (configuration-wide)
    _t("list-custom-rules", "List custom rules", "Custom rules of a configuration (shared by all versions) with "
       "their status (activated, published, unused).", "GET", "/configs/{configId}/custom-rules", CFG,
       items="customRules", columns=("id", "name", "status", "version")),
    _t("get-custom-rule", "Get custom rule", "One custom rule with its conditions.", "GET",
       "/configs/{configId}/custom-rules/{ruleId}", CFG, RULE),
    _t("create-custom-rule", "Create custom rule", "Add a custom rule to a configuration; then enable it in a "
       "policy with set-custom-rule-action.", "POST", "/configs/{configId}/custom-rules", CFG,
       whole_body("customRule", "The rule: {name, operation: AND|OR, structured: true, conditions: [{type, "
                  "positiveMatch, value}], tag, ...}.")),
    _t("update-custom-rule", "Update custom rule", "Change fields of a custom rule (the rest is kept); Akamai "
       "bumps its version.", "PUT", "/configs/{configId}/custom-rules/{ruleId}", CFG, RULE,
       local("changes", "Fields to change, e.g. {\"conditions\": [...]}.", dict[str, Any], required=True),
       handler=flows.merge_update("custom")),
    _t("list-custom-rule-actions", "List custom rule actions", "Custom rules a security policy uses and their "
       "action.", "GET", P + "/custom-rules", CFG, VER, POL, items="customRules", columns=("id", "name", "action")),
    _t("set-custom-rule-action", "Set custom rule action", "Use a custom rule in a policy (alert or deny) or stop "
       "using it (none).", "PUT", P + "/custom-rules/{ruleId}", CFG, VER, POL, RULE, ACTION),
    # IP/Geo firewall, client reputation, penalty box
    _t("get-ip-geo-firewall", "Get IP/Geo firewall", "A policy's IP/Geo firewall: blocked and allowed network "
       "lists for IPs, geographies and ASNs.", "GET", P + "/ip-geo-firewall", CFG, VER, POL),
    _t("update-ip-geo-firewall", "Update IP/Geo firewall", "Replace a policy's IP/Geo firewall settings. Network "
       "list ids look like 53712_BADACTORS (network lists toolset).", "PUT", P + "/ip-geo-firewall",
       CFG, VER, POL,
       body("block", "blockSpecificIPGeo, or blockAllTrafficExceptAllowedIPs (allow list only).",
            Literal["blockSpecificIPGeo", "blockAllTrafficExceptAllowedIPs"], required=True),
       body("ipControls", "{allowedIPNetworkLists: {networkList: [...]}, blockedIPNetworkLists: {...}}.",
            dict[str, Any]),
       body("geoControls", "{blockedIPNetworkLists: {networkList: [...]}}.", dict[str, Any]),
       body("asnControls", "{allowedIPNetworkLists: {...}, blockedIPNetworkLists: {...}}.", dict[str, Any]),
       body("ukraineGeoControl", "{action: alert|deny|none}.", dict[str, Any])),
    _t("list-reputation-profiles", "List reputation profiles", "Client reputation profiles of a version (web "
       "attackers, DoS attackers, scanners, ...) with thresholds.", "GET", V + "/reputation-profiles", CFG, VER,
       items="reputationProfiles", columns=("id", "name", "context", "threshold", "sharedIpHandling")),
    _t("set-reputation-profile-action", "Set reputation profile action", "Set what a reputation profile does in "
       "a policy: alert, deny or none.", "PUT", P + "/reputation-profiles/{reputationProfileId}", CFG, VER, POL,
       path("reputationProfileId", "Reputation profile ID, e.g. 400201.", int, ge=1), ACTION),
    _t("get-penalty-box", "Get penalty box", "A policy's penalty box: whether clients that trigger a deny are "
       "held for 10 minutes, and the action applied to them.", "GET", P + "/penalty-box", CFG, VER, POL),
    _t("update-penalty-box", "Update penalty box", "Turn the penalty box on or off and set its action.", "PUT",
       P + "/penalty-box", CFG, VER, POL,
       body("penaltyBoxProtection", "Turn the penalty box on.", bool, required=True),
       body("action", "alert, abort (deny), none, or deny_custom_<id>.", required=True,
            pattern=r"^(alert|abort|none|deny_custom_\d+)$")),
]
