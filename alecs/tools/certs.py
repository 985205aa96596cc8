"""Certificates (CPS v2): enrollments, pending changes, DV challenges, acknowledgements, deployments, history.

CPS picks the shape of each answer from vendor media types; every tool sends exactly the versions the
published definitions declare (Akamai answers 406/415 to anything else).
"""

from __future__ import annotations

from typing import Any, Literal

from alecs.tools import certs_flows as flows
from alecs.tools.certs_flows import MT
from alecs.tools.spec import body, local, path, query, tool

API = "cps/v2"
BASE = "/cps/v2"
TS = "certs"

ENR = path("enrollmentId", "Enrollment ID (a number, e.g. 10001; see list-enrollments).", int, ge=1)
CHG = path("changeId", "Change ID: the number ending a pendingChanges location (create-enrollment returns it).",
           int, ge=1)
CTR = query("contractId", "Contract ID, e.g. C-0SANDBOX (a ctr_ prefix is removed).", required=True)
CANCEL_PENDING = query("allowCancelPendingChanges", "Cancel pending changes if needed.", bool,
                       api_name="allow-cancel-pending-changes")
NOT_BEFORE = query("deployNotBefore", "Do not deploy before this date (UTC), e.g. 2025-01-31.",
                   api_name="deploy-not-before", pattern=r"^\d{4}-\d{2}-\d{2}$")
NOT_AFTER = query("deployNotAfter", "Do not deploy after this date (UTC), e.g. 2025-03-31.",
                  api_name="deploy-not-after", pattern=r"^\d{4}-\d{2}-\d{2}$")
WAIT = local("wait", "Wait until the change needs input, completes or fails (reports progress).", bool,
             default=False)
TIMEOUT = local("timeoutSeconds", "Longest wait, in seconds.", int, default=900, ge=1, le=7200)
CONTACT = ("{firstName, lastName, email, phone, organizationName, addressLineOne, city, region, postalCode, "
           "country, title}")


def _t(name: str, title: str, description: str, method: str, route: str, *params: Any,
       accept: str, content_type: str | None = None, **kw: Any) -> Any:
    headers = {"Accept": accept} | ({"Content-Type": content_type} if content_type else {})
    return tool(name, TS, title, description, method, BASE + route, API, *params, headers=headers, **kw)


TOOLS = [
    # Enrollments
    _t("list-enrollments", "List certificate enrollments", "CPS enrollments of a contract: id, common name, "
       "SANs, validation type and pending changes.", "GET", "/enrollments", CTR, accept=MT["enrollments"],
       handler=flows.send_scoped, items="enrollments",
       columns=("id", "csr.cn", "validationType", "certificateType", "ra", "pendingChanges")),
    _t("get-enrollment", "Get certificate enrollment", "One enrollment: CSR (cn, sans), network configuration, "
       "contacts, change management and pending changes.", "GET", "/enrollments/{enrollmentId}", ENR,
       accept=MT["enrollment"]),
    _t("create-enrollment", "Create certificate enrollment", "Request a new certificate (default: a Let's "
       "Encrypt DV SAN certificate on Enhanced TLS). Starts a pending change; follow it with "
       "get-enrollment-change and get-dv-challenges.", "POST", "/enrollments", CTR,
       body("csr", "{cn: 'www.example.com', sans: [...], c, st, l, o, ou}.", dict[str, Any], required=True),
       body("networkConfiguration", "{geography: core, secureNetwork: enhanced-tls|standard-tls, sniOnly, "
            "quicEnabled, disallowedTlsVersions, dnsNameSettings}.", dict[str, Any],
            default={"geography": "core", "secureNetwork": "enhanced-tls", "sniOnly": True, "quicEnabled": False}),
       body("adminContact", f"Administrative contact {CONTACT}.", dict[str, Any], required=True),
       body("techContact", f"Akamai technical contact {CONTACT}.", dict[str, Any], required=True),
       body("org", "{name, addressLineOne, city, region, postalCode, country, phone}.", dict[str, Any],
            required=True),
       body("ra", "Certificate authority: lets-encrypt (DV), symantec (OV/EV) or third-party.",
            Literal["lets-encrypt", "symantec", "third-party"], default="lets-encrypt"),
       body("validationType", "dv, ov, ev or third-party.", Literal["dv", "ov", "ev", "third-party"], default="dv"),
       body("certificateType", "san, single, wildcard, wildcard-san or third-party.",
            Literal["san", "single", "wildcard", "wildcard-san", "third-party"], default="san"),
       body("changeManagement", "Pause after staging until you acknowledge (change-management-ack).", bool,
            default=False),
       body("enableMultiStackedCertificates", "Also issue an ECDSA certificate next to RSA.", bool, default=False),
       body("signatureAlgorithm", "SHA-256 (OV/EV/third-party only).", Literal["SHA-256", "SHA-1"]),
       NOT_BEFORE, NOT_AFTER, accept=MT["enrollment-status"], content_type=MT["enrollment"],
       handler=flows.create_enrollment),
    _t("update-enrollment", "Update certificate enrollment", "Change an enrollment: give only the fields to "
       "change (e.g. {csr: {sans: [...]}} or {techContact: {...}}); the tool merges them into the current "
       "enrollment. SAN or CSR changes start a new pending change.", "PUT", "/enrollments/{enrollmentId}", ENR,
       local("changes", "Fields to change, as in get-enrollment; objects are merged, lists replaced.",
             dict[str, Any], required=True),
       CANCEL_PENDING, NOT_BEFORE, NOT_AFTER,
       query("allowStagingBypass", "Push metadata-only changes straight to production.", bool,
             api_name="allow-staging-bypass"),
       query("forceRenewal", "Force a certificate renewal.", bool, api_name="force-renewal"),
       accept=MT["enrollment-status"], content_type=MT["enrollment"], handler=flows.update_enrollment),
    _t("delete-enrollment", "Remove certificate enrollment", "Remove an enrollment and, once deployed, its "
       "certificate from the network. Destructive: HTTPS for its hostnames stops working.", "DELETE",
       "/enrollments/{enrollmentId}", ENR, CANCEL_PENDING, NOT_BEFORE, NOT_AFTER,
       accept=MT["enrollment-status"], destructive=True),
    # Pending changes
    _t("get-enrollment-change", "Get pending change status", "Status of an enrollment's pending change (state, "
       "status, what input it awaits). With wait, polls until it needs input, completes or fails.", "GET",
       "/enrollments/{enrollmentId}/changes/{changeId}", ENR, CHG, WAIT, TIMEOUT,
       accept=MT["change"], handler=flows.get_change),
    _t("cancel-enrollment-change", "Cancel pending change", "Cancel an enrollment's pending change (a new "
       "enrollment's first change cannot be redone). Destructive.", "DELETE",
       "/enrollments/{enrollmentId}/changes/{changeId}", ENR, CHG, accept=MT["change-id"], destructive=True),
    _t("get-dv-challenges", "Get DV challenges", "Domain validation challenges of a pending Let's Encrypt "
       "change: per domain the HTTP token (path and body) and the DNS TXT record to publish.", "GET",
       "/enrollments/{enrollmentId}/changes/{changeId}/input/info/lets-encrypt-challenges", ENR, CHG,
       accept=MT["lets-encrypt-challenges"], handler=flows.get_dv_challenges),
    _t("get-enrollment-change-info", "Get pending change input", "What a pending change waits on: pre- or "
       "post-verification warnings, the change-management info (what staging shows before production) or "
       "the CSR of a third-party certificate.", "GET",
       "/enrollments/{enrollmentId}/changes/{changeId}/input/info/{inputType}", ENR, CHG,
       path("inputType", "Which input to read.", Literal["pre-verification-warnings", "post-verification-warnings",
                                                           "change-management-info", "third-party-csr"]),
       accept=MT["warnings"], handler=flows.get_change_info),
    _t("acknowledge-enrollment-change", "Acknowledge pending change", "Let a pending change continue: "
       "acknowledge (or deny) pre-/post-verification warnings, confirm DV challenges are in place "
       "(lets-encrypt-challenges-completed) or approve deployment to production (change-management-ack). "
       "Deny cancels the change.", "POST",
       "/enrollments/{enrollmentId}/changes/{changeId}/input/update/{inputType}", ENR, CHG,
       path("inputType", "The allowedInput to answer.",
            Literal["pre-verification-warnings-ack", "post-verification-warnings-ack", "change-management-ack",
                    "lets-encrypt-challenges-completed"]),
       local("acknowledgement", "acknowledge or deny.", Literal["acknowledge", "deny"], default="acknowledge"),
       accept=MT["change-id"], content_type=MT["acknowledgement"], read_only=False,
       handler=flows.acknowledge_change),
    # Deployments
    _t("list-enrollment-deployments", "List certificate deployments", "Certificates deployed on staging and "
       "production for an enrollment (expiry, key algorithm, SANs).", "GET",
       "/enrollments/{enrollmentId}/deployments", ENR, accept=MT["deployments"]),
    _t("get-enrollment-deployment", "Get certificate deployment", "The certificate deployed on one network "
       "(production or staging); 404 until the enrollment's first change reaches it.", "GET",
       "/enrollments/{enrollmentId}/deployments/{network}", ENR,
       path("network", "production or staging.", Literal["production", "staging"]), accept=MT["deployment"]),
    # History
    _t("get-enrollment-change-history", "Get change history", "Every change of an enrollment (new "
       "certificate, renewals, SAN edits) with status and certificates.", "GET",
       "/enrollments/{enrollmentId}/history/changes", ENR, accept=MT["change-history"], items="changes",
       columns=("action", "status", "createdOn", "lastUpdated", "ra")),
    _t("get-certificate-history", "Get certificate history", "Certificates an enrollment has had, with staging "
       "and production status and expiry.", "GET", "/enrollments/{enrollmentId}/history/certificates", ENR,
       accept=MT["certificate-history"], items="certificates",
       columns=("stagingStatus", "deploymentStatus", "primaryCertificate.expiry", "type")),
    _t("get-dv-history", "Get DV history", "Domain validation attempts of an enrollment per domain, with "
       "errors (why validation failed).", "GET", "/enrollments/{enrollmentId}/dv-history", ENR,
       accept=MT["dv-history"], items="results", columns=("domain",)),
]
