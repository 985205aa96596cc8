"""Application Security protections inside a version: WAF mode and attack groups, evaluation, rate policies,
custom rules, IP/Geo firewall, client reputation and penalty box. Imported into appsec.py's TOOLS."""

from __future__ import annotations

from typing import Any, Literal

from alecs.tools import appsec_flows as flows
from alecs.tools import shapes
from alecs.tools.declare import Api, Toolset, body, local, path, whole_body
from alecs.tools.spec import ToolSpec

APPSEC = Toolset("appsec", "Application security: configurations, policies, WAF, rate and custom rules, activations")
api = Api("appsec/v1", toolset=APPSEC, base=flows.BASE, network="none")

CFG = path("configId", "Security configuration ID, e.g. 43253 (see list-appsec-configs).", int, ge=1)
VER = path("versionNumber", "Configuration version; must be editable (never activated) for changes.", int, ge=1)
POL = path("policyId", "Security policy ID, e.g. WWW1_12345 (see list-security-policies).")
RATE = path("ratePolicyId", "Rate policy ID, e.g. 300101 (see list-rate-policies).", int, ge=1)
RULE = path("ruleId", "Custom rule ID, e.g. 500301 (see list-custom-rules).", int, ge=1)
ACTION = body("action", "alert, deny or none.", Literal["alert", "deny", "none"], required=True)
V = "/configs/{configId}/versions/{versionNumber}"
P = V + "/security-policies/{policyId}"
RATE_ACTION_DOC = "alert, deny, none, monitor, tarpit, delay, slow, or a custom action like deny_custom_12345."


TOOLS: list[ToolSpec] = [
    # WAF mode, evaluation and attack groups
    api.get("get-waf-mode", P + "/mode", title="Get WAF mode",
            doc="A policy's WAF rule update mode (ASE_AUTO, ASE_MANUAL, KRS, AAG) and whether an evaluation is "
                "running.",
            params=(CFG, VER, POL)),
    api.put("set-waf-mode", P + "/mode", title="Set WAF mode",
            doc="Change how a policy's WAF rules are updated: ASE_AUTO (Akamai updates them), ASE_MANUAL, KRS or "
                "AAG.",
            params=(CFG, VER, POL,
                    body("mode", "ASE_AUTO, ASE_MANUAL, KRS or AAG.", Literal["ASE_AUTO", "ASE_MANUAL", "KRS", "AAG"],
                         required=True))),
    api.post("set-waf-evaluation", P + "/eval", title="Start or stop WAF evaluation",
             doc="Evaluation mode: try newer WAF rules alongside the current ones without blocking (START, STOP, "
                 "RESTART, UPDATE, COMPLETE to adopt them).",
             params=(CFG, VER, POL,
                     body("eval", "START, STOP, RESTART, UPDATE or COMPLETE.",
                          Literal["START", "STOP", "RESTART", "UPDATE", "COMPLETE"], required=True),
                     body("mode", "Rule update mode to evaluate: ASE_AUTO or ASE_MANUAL.",
                          Literal["ASE_AUTO", "ASE_MANUAL"]))),
    api.get("list-attack-group-actions", P + "/attack-groups", title="List attack group actions",
            doc="Action (alert, deny, none) of each WAF attack group (SQL, XSS, CMDI, ...) in a policy.",
            params=(CFG, VER, POL),
            items="attackGroupActions", columns=("group", "action")),
    api.put("set-attack-group-action", P + "/attack-groups/{attackGroupId}", title="Set attack group action",
            doc="Set one attack group to alert, deny or none.",
            params=(CFG, VER, POL,
                    path("attackGroupId", "Attack group, e.g. SQL, XSS, CMDI, LFI, RFI, PLATFORM, PROTOCOL, TOOL."),
                    ACTION)),
    # Rate policies
    api.get("list-rate-policies", V + "/rate-policies", title="List rate policies",
            doc="Rate policies of a version with their thresholds (requests per second averaged and in bursts).",
            params=(CFG, VER),
            items="ratePolicies",
            columns=("id", "name", "averageThreshold", "burstThreshold", "clientIdentifier", "matchType")),
    api.get("get-rate-policy", V + "/rate-policies/{ratePolicyId}", title="Get rate policy",
            doc="One rate policy in full.",
            params=(CFG, VER, RATE)),
    api.post("create-rate-policy", V + "/rate-policies", title="Create rate policy",
             doc="Add a rate policy to an editable version; then set its action per security policy with "
                 "set-rate-policy-action.",
             params=(CFG, VER,
                     whole_body("ratePolicy", "The rate policy, e.g. with pathMatchType Custom and path: "
                                "{positiveMatch: true, values: [\"/login\"]}.", shapes.RatePolicy))),
    api.put("update-rate-policy", V + "/rate-policies/{ratePolicyId}", title="Update rate policy",
            doc="Change fields of a rate policy in an editable version (the rest is kept), e.g. "
                "{\"averageThreshold\": 20}.",
            params=(CFG, VER, RATE, local("changes", "Fields to change.", dict[str, Any], required=True)),
            handler=flows.merge_update("rate")),
    api.delete("delete-rate-policy", V + "/rate-policies/{ratePolicyId}", title="Delete rate policy",
               doc="Remove a rate policy from an editable version. Destructive.",
               params=(CFG, VER, RATE),
               destructive=True),
    api.get("list-rate-policy-actions", P + "/rate-policies", title="List rate policy actions",
            doc="What each rate policy does in a security policy (IPv4 and IPv6 action).",
            params=(CFG, VER, POL),
            items="ratePolicyActions", columns=("id", "ipv4Action", "ipv6Action")),
    api.put("set-rate-policy-action", P + "/rate-policies/{ratePolicyId}", title="Set rate policy action",
            doc="Set what a rate policy does in a security policy.",
            params=(CFG, VER, POL, RATE, body("ipv4Action", RATE_ACTION_DOC, required=True,
                                              pattern=shapes.RATE_ACTION),
                    body("ipv6Action", RATE_ACTION_DOC, required=True, pattern=shapes.RATE_ACTION))),
    # Custom rules (configuration-wide)
    api.get("list-custom-rules", "/configs/{configId}/custom-rules", title="List custom rules",
            doc="Custom rules of a configuration (shared by all versions) with their status (activated, published, "
                "unused).",
            params=(CFG,),
            items="customRules", columns=("id", "name", "status", "version")),
    api.get("get-custom-rule", "/configs/{configId}/custom-rules/{ruleId}", title="Get custom rule",
            doc="One custom rule with its conditions.",
            params=(CFG, RULE)),
    api.post("create-custom-rule", "/configs/{configId}/custom-rules", title="Create custom rule",
             doc="Add a custom rule to a configuration; then enable it in a policy with set-custom-rule-action.",
             params=(CFG,
                     whole_body("customRule", "The rule, e.g. conditions: [{type: pathMatch, value: "
                                "[\"/admin\"]}].", shapes.CustomRule))),
    api.put("update-custom-rule", "/configs/{configId}/custom-rules/{ruleId}", title="Update custom rule",
            doc="Change fields of a custom rule (the rest is kept); Akamai bumps its version.",
            params=(CFG, RULE,
                    local("changes", "Fields to change, e.g. {\"conditions\": [...]}.", dict[str, Any], required=True)),
            handler=flows.merge_update("custom")),
    api.get("list-custom-rule-actions", P + "/custom-rules", title="List custom rule actions",
            doc="Custom rules a security policy uses and their action.",
            params=(CFG, VER, POL),
            items="customRules", columns=("id", "name", "action")),
    api.put("set-custom-rule-action", P + "/custom-rules/{ruleId}", title="Set custom rule action",
            doc="Use a custom rule in a policy (alert or deny) or stop using it (none).",
            params=(CFG, VER, POL, RULE, ACTION)),
    # IP/Geo firewall, client reputation, penalty box
    api.get("get-ip-geo-firewall", P + "/ip-geo-firewall", title="Get IP/Geo firewall",
            doc="A policy's IP/Geo firewall: blocked and allowed network lists for IPs, geographies and ASNs.",
            params=(CFG, VER, POL)),
    api.put("update-ip-geo-firewall", P + "/ip-geo-firewall", title="Update IP/Geo firewall",
            doc="Replace a policy's IP/Geo firewall settings. Network list ids look like 53712_BADACTORS (network "
                "lists toolset).",
            params=(CFG, VER, POL,
                    body("block", "blockSpecificIPGeo, or blockAllTrafficExceptAllowedIPs (allow list only).",
                         Literal["blockSpecificIPGeo", "blockAllTrafficExceptAllowedIPs"], required=True),
                    body("ipControls", "{allowedIPNetworkLists: {networkList: [...]}, blockedIPNetworkLists: {...}}.",
                         dict[str, Any]),
                    body("geoControls", "{blockedIPNetworkLists: {networkList: [...]}}.", dict[str, Any]),
                    body("asnControls", "{allowedIPNetworkLists: {...}, blockedIPNetworkLists: {...}}.",
                         dict[str, Any]), body("ukraineGeoControl", "{action: alert|deny|none}.", dict[str, Any]))),
    api.get("list-reputation-profiles", V + "/reputation-profiles", title="List reputation profiles",
            doc="Client reputation profiles of a version (web attackers, DoS attackers, scanners, ...) with "
                "thresholds.",
            params=(CFG, VER),
            items="reputationProfiles", columns=("id", "name", "context", "threshold", "sharedIpHandling")),
    api.put("set-reputation-profile-action", P + "/reputation-profiles/{reputationProfileId}",
            title="Set reputation profile action",
            doc="Set what a reputation profile does in a policy: alert, deny or none.",
            params=(CFG, VER, POL, path("reputationProfileId", "Reputation profile ID, e.g. 400201.", int, ge=1),
                    ACTION)),
    api.get("get-penalty-box", P + "/penalty-box", title="Get penalty box",
            doc="A policy's penalty box: whether clients that trigger a deny are held for 10 minutes, and the "
                "action applied to them.",
            params=(CFG, VER, POL)),
    api.put("update-penalty-box", P + "/penalty-box", title="Update penalty box",
            doc="Turn the penalty box on or off and set its action.",
            params=(CFG, VER, POL, body("penaltyBoxProtection", "Turn the penalty box on.", bool, required=True),
                    body("action", "alert, abort (deny), none, or deny_custom_<id>.", required=True,
                         pattern=r"^(alert|abort|none|deny_custom_\d+)$"))),
]
