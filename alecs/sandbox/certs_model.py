"""CPS state for the simulator: enrollments and their changes, which move through stages with time and input."""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from alecs.sandbox.account import Account

BASE = "/cps/v2"


def mt(name: str) -> str:
    return f"application/vnd.akamai.cps.{name}+json"


@dataclass(frozen=True)
class Stage:
    state: str
    status: str
    description: str
    info: str | None = None  # allowedInput info type, when the stage waits for input
    update: str | None = None  # the update type that answers it
    input_type: str | None = None  # allowedInput[].type


STAGES: dict[str, Stage] = {
    "pre-verification-warnings": Stage(
        "awaiting-input", "wait-review-pre-verification-safety-checks",
        "Waiting for you to review and acknowledge the pre-verification safety check warnings.",
        "pre-verification-warnings", "pre-verification-warnings-ack", "pre-verification-warnings"),
    "third-party": Stage(
        "awaiting-input", "wait-upload-third-party",
        "Waiting for you to upload and submit your third party certificate and trust chain.",
        "third-party-csr", "third-party-cert-and-trust-chain", "third-party-certificate"),
    "dv": Stage(
        "awaiting-input", "coodinate-domain-validation",
        "Waiting for the domain validation challenges to be in place for every domain.",
        "lets-encrypt-challenges", "lets-encrypt-challenges-completed", "lets-encrypt-challenges"),
    "verify": Stage("running", "verify-domains", "Validating the domains and issuing the certificate."),
    "post-verification-warnings": Stage(
        "awaiting-input", "wait-review-cert-warning",
        "Waiting for you to review and acknowledge the post-verification warnings.",
        "post-verification-warnings", "post-verification-warnings-ack", "post-verification-warnings"),
    "deploy-staging": Stage("running", "wait-deploy-staging", "Deploying the certificate to the staging network."),
    "change-management": Stage(
        "awaiting-input", "wait-ack-change-management",
        "The certificate is on staging; waiting for you to approve deployment to production.",
        "change-management-info", "change-management-ack", "change-management-info"),
    "deploy-production": Stage("running", "wait-deploy-production",
                               "Deploying the certificate to the production network."),
    "complete": Stage("completed", "complete", "The change is complete; the certificate is live on production."),
}
ACTIONS = {"new-certificate": "Create New Certificate", "modify-san": "Modify SANs", "renewal": "Renew Certificate"}


def fake_pem(kind: str, seed: str) -> str:
    blob = base64.b64encode(hashlib.sha256(f"{kind}:{seed}".encode()).digest() * 6).decode()
    lines = [blob[i:i + 64] for i in range(0, len(blob), 64)]
    return f"-----BEGIN {kind}-----\nMIIF" + "\n".join(lines) + f"\n-----END {kind}-----"


def covers(names: list[str], hostname: str) -> bool:
    """Whether a certificate for `names` (CN and SANs) is valid for `hostname`, matched as TLS clients do: exact
    names in any case, and a wildcard `*.example.com` for exactly one label (a.example.com, not example.com nor
    a.b.example.com)."""
    host = hostname.strip().rstrip(".").lower()
    for raw in names:
        name = raw.strip().rstrip(".").lower()
        if name == host or (name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]):
            return True
    return False


def base_domain(name: str) -> str:
    return ".".join(name.lstrip("*.").split(".")[-2:])


@dataclass
class Change:
    id: int
    enrollment_id: int
    action: str
    sans: list[str]
    stages: list[str]
    created: str
    started: float
    index: int = 0
    cancelled: bool = False
    pre_warnings: str = ""
    post_warnings: str = ""
    updated: str | None = None
    cert: dict[str, Any] | None = None  # issued when verification ends

    @property
    def stage(self) -> Stage:
        if self.cancelled:
            return Stage("cancelled", "cancelled", "The change was cancelled.")
        return STAGES[self.stages[self.index]]

    @property
    def name(self) -> str:
        return "cancelled" if self.cancelled else self.stages[self.index]

    @property
    def open(self) -> bool:
        return not self.cancelled and self.stages[self.index] != "complete"

    def location(self) -> str:
        return f"{BASE}/enrollments/{self.enrollment_id}/changes/{self.id}"

    def json(self) -> dict[str, Any]:
        st = self.stage
        allowed = []
        if st.info:
            allowed.append({"info": f"{self.location()}/input/info/{st.info}", "requiredToProceed": True,
                            "type": st.input_type, "update": f"{self.location()}/input/update/{st.update}"})
        return {"statusInfo": {"state": st.state, "status": st.status, "description": st.description,
                               "error": None, "deploymentSchedule": {"notBefore": None, "notAfter": None}},
                "allowedInput": allowed}


@dataclass
class Enrollment:
    id: int
    contract: str
    data: dict[str, Any]
    staging: dict[str, Any] | None = None
    production: dict[str, Any] | None = None
    changes: list[Change] = field(default_factory=list)
    certificates: list[dict[str, Any]] = field(default_factory=list)
    dv_history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    deployed_names: dict[str, list[str]] = field(default_factory=dict)  # network -> names on its certificate

    @property
    def sans(self) -> list[str]:
        csr = self.data.get("csr") or {}
        names = [csr.get("cn")] + list(csr.get("sans") or [])
        return list(dict.fromkeys(n for n in names if n))

    def pending(self) -> list[Change]:
        return [c for c in self.changes if c.open]

    def json(self) -> dict[str, Any]:
        out = dict(self.data)
        out["csr"] = dict(out.get("csr") or {}) | {"sans": self.sans}
        slots = [self.id + 5000] if self.production else []
        out |= {"id": self.id, "location": f"{BASE}/enrollments/{self.id}", "assignedSlots": slots,
                "productionSlots": slots, "stagingSlots": [self.id + 5000] if self.staging else [],
                "maxAllowedSanNames": 100, "maxAllowedWildcardSanNames": 100, "autoRenewalStartTime": None,
                "pendingChanges": [{"location": c.location(), "changeType": c.action} for c in self.pending()]}
        return out


def stages_for(data: dict[str, Any], pre_warnings: str, post_warnings: str) -> list[str]:
    stages = ["pre-verification-warnings"] if pre_warnings else []
    if data.get("validationType") == "third-party":
        stages.append("third-party")
    elif data.get("validationType") == "dv":
        stages.append("dv")
    stages.append("verify")
    if post_warnings:
        stages.append("post-verification-warnings")
    stages.append("deploy-staging")
    if data.get("changeManagement"):
        stages.append("change-management")
    return stages + ["deploy-production", "complete"]


def pre_verification_warnings(data: dict[str, Any], sans: list[str]) -> str:
    cn = (data.get("csr") or {}).get("cn") or ""
    other = sorted(s for s in sans if base_domain(s) != base_domain(cn))
    if not other:
        return ""
    return (f"[WARNINGS]\nThe SANs {', '.join(other)} are not in the domain of the common name {cn}. "
            "Each domain is validated separately and the certificate reveals that these sites share it.")


def post_verification_warnings(data: dict[str, Any]) -> str:
    if (data.get("networkConfiguration") or {}).get("sniOnly", True):
        return ""
    return ("[WARNINGS]\nThe certificate will be deployed for non-SNI clients: every edge server presents it to "
            "clients that do not send SNI.")


def certificate(enrollment: Enrollment, change: Change, account: Account, days: int = 90) -> dict[str, Any]:
    expiry = account.iso(time.time() + days * 86400)
    return {"certificate": fake_pem("CERTIFICATE", f"{enrollment.id}:{change.id}"),
            "trustChain": fake_pem("CERTIFICATE", "R3-intermediate"), "expiry": expiry,
            "keyAlgorithm": "RSA", "signatureAlgorithm": "SHA-256"}


def deployment(enrollment: Enrollment, cert: dict[str, Any]) -> dict[str, Any]:
    net = enrollment.data.get("networkConfiguration") or {}
    config = {"geography": net.get("geography", "core"), "secureNetwork": net.get("secureNetwork", "enhanced-tls"),
              "mustHaveCiphers": net.get("mustHaveCiphers", "ak-akamai-2020q1"),
              "preferredCiphers": net.get("preferredCiphers", "ak-akamai-2020q1"),
              "ocspStapling": "not-set", "quicEnabled": bool(net.get("quicEnabled", False)),
              "sniOnly": bool(net.get("sniOnly", True)),
              "disallowedTlsVersions": list(net.get("disallowedTlsVersions") or []),
              "dnsNames": list(((net.get("dnsNameSettings") or {}).get("dnsNames")) or [])}
    return {"ocspStapled": False, "ocspUris": [], "networkConfiguration": config, "primaryCertificate": cert,
            "multiStackedCertificates": []}


def challenges(enrollment: Enrollment, change: Change, account: Account, done: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for domain in change.sans:
        token = hashlib.sha256(f"{change.id}:{domain}".encode()).hexdigest()[:43]
        body = hashlib.sha256(f"body:{change.id}:{domain}".encode()).hexdigest()
        status = "pending" if not done else "valid"
        out.append({
            "domain": domain, "status": "Awaiting user" if not done else "Validated",
            "validationStatus": "AWAITING_USER" if not done else "VALIDATED", "error": None,
            "requestTimestamp": change.created, "validatedTimestamp": None,
            "expires": account.iso(time.time() + 7 * 86400),
            "challenges": [
                {"type": "http-01", "status": status, "error": None, "token": token, "responseBody": body,
                 "fullPath": f"http://{domain}/.well-known/acme-challenge/{token}",
                 "redirectFullPath": f"http://dcv.akamai.com/.well-known/acme-challenge/{token}",
                 "validationRecords": []},
                {"type": "dns-01", "status": status, "error": None, "token": token, "responseBody": body[:43],
                 "fullPath": f"_acme-challenge.{domain}.", "redirectFullPath": "", "validationRecords": []}]})
    return out
