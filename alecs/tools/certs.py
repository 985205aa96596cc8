"""Certificates (CPS v2): enrollments, pending changes, DV challenges, acknowledgements, deployments, history.

CPS picks the shape of each answer from vendor media types; every tool sends exactly the versions the
published definitions declare (Akamai answers 406/415 to anything else).
"""

from __future__ import annotations

from typing import Any, Literal

from alecs.tools import certs_flows as flows
from alecs.tools import shapes
from alecs.tools.certs_flows import MT
from alecs.tools.declare import Api, Toolset, body, local, path, query
from alecs.tools.spec import ToolSpec

CERTS = Toolset("certs", "Certificates (CPS): enrollments, DV challenges, pending changes, deployments, history",
                default=True)
api = Api("cps/v2", toolset=CERTS, base=flows.BASE, network="production")

ENR = path("enrollmentId", "Enrollment ID, e.g. 10001.", int, ge=1)
CHG = path("changeId", "Change ID: the number ending a pendingChanges location.",
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


def media(accept: str, content_type: str | None = None) -> dict[str, str]:
    """The CPS media types a tool exchanges: what it accepts and, for writes, what it sends."""
    return {"Accept": accept} | ({"Content-Type": content_type} if content_type else {})


TOOLS: list[ToolSpec] = [
    # Enrollments
    api.get("list-enrollments", "/enrollments", title="List certificate enrollments",
            doc="CPS enrollments of a contract: id, common name, SANs, validation type and pending changes.",
            params=(CTR,),
            headers=media(MT["enrollments"]), handler=flows.send_scoped, items="enrollments",
            columns=("id", "csr.cn", "validationType", "certificateType", "ra", "pendingChanges")),
    api.get("get-enrollment", "/enrollments/{enrollmentId}", title="Get certificate enrollment",
            doc="One enrollment: CSR (cn, sans), network configuration, contacts, change management and pending "
                "changes.",
            params=(ENR,),
            headers=media(MT["enrollment"])),
    api.post("create-enrollment", "/enrollments", title="Create certificate enrollment",
             doc="Request a new certificate (default: a Let's Encrypt DV SAN certificate on Enhanced TLS). Starts a "
                 "pending change; follow it with get-enrollment-change and get-dv-challenges.",
             params=(CTR,
                     body("csr", "Names: cn, sans (c, st, l, o, ou accepted too).", shapes.Csr, required=True),
                     body("networkConfiguration", "", shapes.NetworkConfiguration,
                          default=shapes.NetworkConfiguration()),
                     body("adminContact", f"Administrative contact {CONTACT}.", dict[str, Any], required=True),
                     body("techContact", "Akamai technical contact, fields as adminContact.", dict[str, Any],
                          required=True),
                     body("org", "{name, addressLineOne, city, region, postalCode, country, phone}.", dict[str, Any],
                          required=True),
                     body("ra", "Certificate authority: lets-encrypt (DV), symantec (OV/EV) or third-party.",
                          Literal["lets-encrypt", "symantec", "third-party"], default="lets-encrypt"),
                     body("validationType", "dv, ov, ev or third-party.", Literal["dv", "ov", "ev", "third-party"],
                          default="dv"),
                     body("certificateType", "san, single, wildcard, wildcard-san or third-party.",
                          Literal["san", "single", "wildcard", "wildcard-san", "third-party"], default="san"),
                     body("changeManagement", "Pause after staging until you acknowledge (change-management-ack).",
                          bool, default=False),
                     body("enableMultiStackedCertificates", "Also issue an ECDSA certificate next to RSA.", bool,
                          default=False),
                     body("signatureAlgorithm", "SHA-256 (OV/EV/third-party only).", Literal["SHA-256", "SHA-1"]),
                     NOT_BEFORE, NOT_AFTER),
             headers=media(MT["enrollment-status"], MT["enrollment"]), handler=flows.create_enrollment),
    api.put("update-enrollment", "/enrollments/{enrollmentId}", title="Update certificate enrollment",
            doc="Change an enrollment: give only the fields to change (e.g. {csr: {sans: [...]}} or {techContact: "
                "{...}}); the tool merges them into the current enrollment. SAN or CSR changes start a new pending "
                "change.",
            params=(ENR,
                    local("changes", "Fields to change, as in get-enrollment; objects are merged, lists replaced.",
                          dict[str, Any], required=True, min_length=1), CANCEL_PENDING, NOT_BEFORE, NOT_AFTER,
                    query("allowStagingBypass", "Push metadata-only changes straight to production.", bool,
                          api_name="allow-staging-bypass"),
                    query("forceRenewal", "Force a certificate renewal.", bool, api_name="force-renewal")),
            headers=media(MT["enrollment-status"], MT["enrollment"]), handler=flows.update_enrollment,
            confirm=True),
    api.delete("delete-enrollment", "/enrollments/{enrollmentId}", title="Remove certificate enrollment",
               doc="Remove an enrollment and, once deployed, its certificate from the network. Destructive: HTTPS "
                   "for its hostnames stops working.",
               params=(ENR, CANCEL_PENDING, NOT_BEFORE, NOT_AFTER),
               headers=media(MT["enrollment-status"]), destructive=True,
               confirm=True),
    # Pending changes
    api.get("get-enrollment-change", "/enrollments/{enrollmentId}/changes/{changeId}",
            title="Get pending change status",
            doc="Status of an enrollment's pending change (state, status, what input it awaits). With wait, polls "
                "until it needs input, completes or fails.",
            params=(ENR, CHG, WAIT, TIMEOUT),
            headers=media(MT["change"]), handler=flows.get_change),
    api.delete("cancel-enrollment-change", "/enrollments/{enrollmentId}/changes/{changeId}",
               title="Cancel pending change",
               doc="Cancel an enrollment's pending change (a new enrollment's first change cannot be redone). "
                   "Destructive.",
               params=(ENR, CHG),
               headers=media(MT["change-id"]), destructive=True,
               confirm=True),
    api.get("get-dv-challenges", "/enrollments/{enrollmentId}/changes/{changeId}/input/info/lets-encrypt-challenges",
            title="Get DV challenges",
            doc="Domain validation challenges of a pending Let's Encrypt change: per domain the HTTP token (path "
                "and body) and the DNS TXT record to publish.",
            params=(ENR, CHG),
            headers=media(MT["lets-encrypt-challenges"]), handler=flows.get_dv_challenges),
    api.get("get-enrollment-change-info", "/enrollments/{enrollmentId}/changes/{changeId}/input/info/{inputType}",
            title="Get pending change input",
            doc="What a pending change waits on: pre- or post-verification warnings, the change-management info "
                "(what staging shows before production) or the CSR of a third-party certificate.",
            params=(ENR, CHG,
                    path("inputType", "Which input to read.",
                         Literal["pre-verification-warnings", "post-verification-warnings",
                                   "change-management-info", "third-party-csr"])),
            headers=media(MT["warnings"]), handler=flows.get_change_info),
    api.post("acknowledge-enrollment-change", "/enrollments/{enrollmentId}/changes/{changeId}/input/update/{inputType}",
             title="Acknowledge pending change",
             doc="Let a pending change continue: acknowledge (or deny) pre-/post-verification warnings, confirm DV "
                 "challenges are in place (lets-encrypt-challenges-completed) or approve deployment to production "
                 "(change-management-ack). Deny cancels the change.",
             params=(ENR, CHG,
                     path("inputType", "The allowedInput to answer.",
                          Literal["pre-verification-warnings-ack", "post-verification-warnings-ack",
                                  "change-management-ack", "lets-encrypt-challenges-completed"]),
                     local("acknowledgement", "acknowledge or deny.", Literal["acknowledge", "deny"],
                           default="acknowledge")),
             headers=media(MT["change-id"], MT["acknowledgement"]), handler=flows.acknowledge_change,
             confirm=True),
    # Deployments
    api.get("list-enrollment-deployments", "/enrollments/{enrollmentId}/deployments",
            title="List certificate deployments",
            doc="Certificates deployed on staging and production for an enrollment (expiry, key algorithm, SANs).",
            params=(ENR,),
            headers=media(MT["deployments"])),
    api.get("get-enrollment-deployment", "/enrollments/{enrollmentId}/deployments/{network}",
            title="Get certificate deployment",
            doc="The certificate deployed on one network (production or staging); 404 until the enrollment's first "
                "change reaches it.",
            params=(ENR, path("network", "production or staging.", Literal["production", "staging"])),
            headers=media(MT["deployment"])),
    # History
    api.get("get-enrollment-change-history", "/enrollments/{enrollmentId}/history/changes",
            title="Get change history",
            doc="Every change of an enrollment (new certificate, renewals, SAN edits) with status and certificates.",
            params=(ENR,),
            headers=media(MT["change-history"]), items="changes",
            columns=("action", "status", "createdOn", "lastUpdated", "ra")),
    api.get("get-certificate-history", "/enrollments/{enrollmentId}/history/certificates",
            title="Get certificate history",
            doc="Certificates an enrollment has had, with staging and production status and expiry.",
            params=(ENR,),
            headers=media(MT["certificate-history"]), items="certificates",
            columns=("stagingStatus", "deploymentStatus", "primaryCertificate.expiry", "type")),
    api.get("get-dv-history", "/enrollments/{enrollmentId}/dv-history", title="Get DV history",
            doc="Domain validation attempts of an enrollment per domain, with errors (why validation failed).",
            params=(ENR,),
            headers=media(MT["dv-history"]), items="results", columns=("domain",)),
]
