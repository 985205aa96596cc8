"""Certificate Provisioning System (CPS v2) as the sandbox simulates it.

Seeded: contract C-0SANDBOX (CPS takes contract ids without the ctr_ prefix);
enrollment 10001 (www.example.com, DV, deployed on staging and production, no pending change);
enrollment 10002 (api.example.com, DV) with pending change 20002 waiting for its DV challenges.
Changes move on with time: each running stage lasts `settings.activation_seconds`.
Requests and answers use CPS's vendor media types; a wrong Accept gets 406, a wrong Content-Type 415.
"""

from __future__ import annotations

import copy
import itertools
import re
from typing import Any

from alecs.sandbox.account import Account
from alecs.sandbox.certs_model import (
    ACTIONS,
    BASE,
    Change,
    Enrollment,
    certificate,
    challenges,
    deployment,
    fake_pem,
    mt,
    post_verification_warnings,
    pre_verification_warnings,
    stages_for,
)
from alecs.sandbox.http import HttpError, Router, SimRequest, SimResponse
from alecs.sandbox.ids import CONTRACT

CPS_CONTRACT = CONTRACT.removeprefix("ctr_")
INFO_TYPES = {"pre-verification-warnings": mt("warnings.v1"), "post-verification-warnings": mt("warnings.v1"),
              "change-management-info": mt("change-management-info.v5"), "third-party-csr": mt("csr.v2"),
              "lets-encrypt-challenges": mt("dv-challenges.v2")}
UPDATE_TYPES = {"pre-verification-warnings-ack": (mt("acknowledgement.v1"),),
                "post-verification-warnings-ack": (mt("acknowledgement.v1"),),
                "lets-encrypt-challenges-completed": (mt("acknowledgement.v1"),),
                "change-management-ack": (mt("acknowledgement-with-hash.v1"), mt("acknowledgement.v1")),
                "third-party-cert-and-trust-chain": (mt("certificate-and-trust-chain.v2"),
                                                     mt("certificate-and-trust-chain.v1"))}
REQUIRED = ("ra", "validationType", "certificateType", "changeManagement", "enableMultiStackedCertificates",
            "csr", "networkConfiguration")
NET_REQUIRED = ("geography", "secureNetwork", "sniOnly", "quicEnabled")
HOSTNAME = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CONTACT = {"firstName": "Ada", "lastName": "Admin", "email": "admin@example.com", "phone": "617-555-0111",
           "organizationName": "Example Inc", "addressLineOne": "150 Broadway", "city": "Cambridge",
           "region": "MA", "postalCode": "02142", "country": "US", "title": "Administrator"}


def _accept(q: SimRequest, *allowed: str) -> str:
    given = (q.header("Accept") or "").split(";")[0].strip()
    if given not in allowed:
        raise HttpError(406, "Not Acceptable", f"The Accept header must be {' or '.join(allowed)}; got "
                        f"'{given or 'none'}'.", type_="https://problems.luna.akamaiapis.net/cps/not-acceptable")
    return given


def _content_type(q: SimRequest, *allowed: str) -> None:
    given = (q.header("Content-Type") or "").split(";")[0].strip()
    if given not in allowed:
        raise HttpError(415, "Unsupported Media Type", f"The Content-Type must be {' or '.join(allowed)}; got "
                        f"'{given or 'none'}'.", type_="https://problems.luna.akamaiapis.net/cps/unsupported-media")


def _answer(status: int, body: Any, media: str) -> SimResponse:
    return SimResponse(status, body, content_type=media)


def _flag(q: SimRequest, name: str) -> bool:
    return q.query.get(name, "false").lower() == "true"


class CertsSim:
    def __init__(self, account: Account) -> None:
        self.account = account
        self.enrollments: dict[int, Enrollment] = {}
        self._enrollment_ids = itertools.count(10010)
        self._change_ids = itertools.count(20010)
        self._seed()

    # -- seed ----------------------------------------------------------------------------------
    def _seed(self) -> None:
        live = self._enrollment_data("www.example.com", ["static.example.com"])
        enr = Enrollment(10001, CPS_CONTRACT, live)
        done = Change(20001, 10001, "new-certificate", enr.sans, stages_for(live, "", ""), self.account.iso(),
                      self.account.now())
        done.index = len(done.stages) - 1
        done.updated = self.account.iso()
        enr.changes.append(done)
        cert = certificate(enr, done, self.account)
        enr.staging = enr.production = deployment(enr, cert)
        enr.deployed_names = {"staging": list(done.sans), "production": list(done.sans)}
        enr.certificates.append(self._cert_history(cert, "active", "active"))
        for item in challenges(enr, done, self.account, done=True):
            enr.dv_history[item["domain"]] = [item | {"validationRecords": []}]
        self.enrollments[10001] = enr
        pending = self._enrollment_data("api.example.com", [])
        enr2 = Enrollment(10002, CPS_CONTRACT, pending)
        enr2.changes.append(Change(20002, 10002, "new-certificate", enr2.sans, stages_for(pending, "", ""),
                                   self.account.iso(), self.account.now()))
        self.enrollments[10002] = enr2

    @staticmethod
    def _enrollment_data(cn: str, sans: list[str]) -> dict[str, Any]:
        return {"ra": "lets-encrypt", "validationType": "dv", "certificateType": "san", "certificateChainType":
                "default", "changeManagement": False, "enableMultiStackedCertificates": False,
                "signatureAlgorithm": None, "csr": {"cn": cn, "sans": [cn] + sans, "c": "US", "st": "MA",
                                                    "l": "Cambridge", "o": "Example Inc"},
                "networkConfiguration": {"geography": "core", "secureNetwork": "enhanced-tls", "sniOnly": True,
                                         "quicEnabled": False, "disallowedTlsVersions": ["TLSv1", "TLSv1_1"],
                                         "dnsNameSettings": {"cloneDnsNames": True, "dnsNames": []}},
                "org": {"name": "Example Inc", "addressLineOne": "150 Broadway", "city": "Cambridge",
                        "region": "MA", "postalCode": "02142", "country": "US", "phone": "617-555-0111"},
                "adminContact": dict(CONTACT), "techContact": dict(CONTACT, email="tech@akamai.com")}

    @staticmethod
    def _cert_history(cert: dict[str, Any], staging: str, production: str) -> dict[str, Any]:
        return {"type": "san", "ra": "lets-encrypt", "geography": "core", "stagingStatus": staging,
                "deploymentStatus": production, "slots": [], "primaryCertificate": cert,
                "multiStackedCertificates": []}

    # -- routes --------------------------------------------------------------------------------
    def routes(self, r: Router) -> None:
        e = f"{BASE}/enrollments"
        c = e + "/{enrollmentId}/changes/{changeId}"
        r.add("GET", e, self.list_enrollments)
        r.add("POST", e, self.create_enrollment)
        r.add("GET", e + "/{enrollmentId}", self.get_enrollment)
        r.add("PUT", e + "/{enrollmentId}", self.update_enrollment)
        r.add("DELETE", e + "/{enrollmentId}", self.delete_enrollment)
        r.add("GET", c, self.get_change)
        r.add("DELETE", c, self.cancel_change)
        r.add("GET", c + "/input/info/{inputType}", self.get_input)
        r.add("POST", c + "/input/update/{inputType}", self.post_input)
        r.add("GET", e + "/{enrollmentId}/deployments", self.deployments)
        r.add("GET", e + "/{enrollmentId}/deployments/{network}", self.deployment)
        r.add("GET", e + "/{enrollmentId}/history/changes", self.change_history)
        r.add("GET", e + "/{enrollmentId}/history/certificates", self.certificate_history)
        r.add("GET", e + "/{enrollmentId}/dv-history", self.dv_history)

    # -- time ----------------------------------------------------------------------------------
    def _tick(self) -> None:
        delay = self.account.settings.activation_seconds
        now = self.account.now()
        for enr in self.enrollments.values():
            for ch in enr.pending():
                while ch.open and ch.stage.state == "running" and now - ch.started >= delay:
                    self._advance(enr, ch, ch.started + delay)

    def _advance(self, enr: Enrollment, ch: Change, when: float) -> None:
        leaving = ch.name
        if leaving == "dv":
            history = challenges(enr, ch, self.account, done=True)
            for item in history:
                enr.dv_history.setdefault(item["domain"], []).append(item | {"validationRecords": []})
        if leaving == "verify":
            ch.cert = certificate(enr, ch, self.account)
        if leaving in ("deploy-staging", "deploy-production"):
            cert = ch.cert or certificate(enr, ch, self.account)
            network = leaving.removeprefix("deploy-")
            enr.deployed_names[network] = list(ch.sans)
            if leaving == "deploy-staging":
                enr.staging = deployment(enr, cert)
                enr.certificates.insert(0, self._cert_history(cert, "active", "inactive"))
            else:
                enr.production = deployment(enr, cert)
                for old in enr.certificates[1:]:
                    old["stagingStatus"] = old["deploymentStatus"] = "inactive"
                if enr.certificates:
                    enr.certificates[0]["deploymentStatus"] = "active"
        ch.index += 1
        ch.started = when
        ch.updated = self.account.iso()

    # -- queries from other simulators ---------------------------------------------------------
    def certificate_names(self, enrollment_id: int, network: str) -> list[str]:
        """The names (CN and SANs) on the enrollment's certificate deployed on `network` (staging or
        production); none when the enrollment is unknown or has nothing deployed there yet."""
        self._tick()
        enr = self.enrollments.get(enrollment_id)
        return list(enr.deployed_names.get(network.lower(), [])) if enr else []

    # -- lookups -------------------------------------------------------------------------------
    def _enrollment(self, q: SimRequest) -> Enrollment:
        raw = q.params["enrollmentId"]
        enr = self.enrollments.get(int(raw)) if raw.isdigit() else None
        if enr is None:
            raise HttpError(404, "Enrollment not found", f"No enrollment {raw} in this account.")
        self._tick()
        return enr

    def _change(self, q: SimRequest) -> tuple[Enrollment, Change]:
        enr = self._enrollment(q)
        raw = q.params["changeId"]
        ch = next((c for c in enr.changes if str(c.id) == raw), None)
        if ch is None:
            raise HttpError(404, "Change not found", f"Enrollment {enr.id} has no change {raw}.")
        return enr, ch

    # -- enrollments ---------------------------------------------------------------------------
    def _contract(self, q: SimRequest) -> str:
        contract = q.query.get("contractId")
        if not contract:
            raise HttpError(400, "Missing contractId", "Provide contractId as a query parameter, e.g. C-0SANDBOX.")
        if contract != CPS_CONTRACT:
            raise HttpError(403, "Forbidden", f"You have no access to contract {contract}.")
        return contract

    def list_enrollments(self, q: SimRequest) -> SimResponse:
        media = _accept(q, mt("enrollments.v11"))
        contract = self._contract(q)
        self._tick()
        items = [e.json() for e in self.enrollments.values() if e.contract == contract]
        return _answer(200, {"enrollments": items}, media)

    def _validate(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise HttpError(400, "Invalid enrollment", "The body must be an enrollment object.")
        errors = [{"field": f, "message": f"{f} is required."} for f in REQUIRED if data.get(f) is None]
        raw_net = data.get("networkConfiguration")
        net: dict[str, Any] = raw_net if isinstance(raw_net, dict) else {}
        errors += [{"field": f"networkConfiguration.{f}", "message": "required."} for f in NET_REQUIRED
                   if "networkConfiguration" in data and net.get(f) is None]
        raw_csr = data.get("csr")
        csr: dict[str, Any] = raw_csr if isinstance(raw_csr, dict) else {}
        if "csr" in data and not csr.get("cn"):
            errors.append({"field": "csr.cn", "message": "The common name is required."})
        names = [csr.get("cn")] + list(csr.get("sans") or [])
        for name in [n for n in names if n]:
            if not HOSTNAME.match(str(name).lower()):
                errors.append({"field": "csr.sans", "message": f"{name} is not a valid hostname."})
            elif data.get("validationType") == "dv" and str(name).startswith("*."):
                errors.append({"field": "csr.sans", "message": f"DV certificates cannot include wildcard {name}."})
        if len(set(names)) > 100:
            errors.append({"field": "csr.sans", "message": "At most 100 SANs."})
        if data.get("validationType") == "dv" and data.get("ra") != "lets-encrypt":
            errors.append({"field": "ra", "message": "DV certificates are issued by lets-encrypt."})
        for contact in ("org", "adminContact", "techContact"):
            if not isinstance(data.get(contact), dict):
                errors.append({"field": contact, "message": f"{contact} is required."})
        if errors:
            raise HttpError(400, "Invalid enrollment", "The enrollment has invalid or missing fields.", errors=errors)
        return data

    def _start_change(self, enr: Enrollment, action: str) -> Change:
        sans = enr.sans
        pre = pre_verification_warnings(enr.data, sans)
        post = post_verification_warnings(enr.data)
        ch = Change(next(self._change_ids), enr.id, action, sans, stages_for(enr.data, pre, post),
                    self.account.iso(), self.account.now(), pre_warnings=pre, post_warnings=post)
        enr.changes.append(ch)
        return ch

    def create_enrollment(self, q: SimRequest) -> SimResponse:
        media = _accept(q, mt("enrollment-status.v1"))
        _content_type(q, mt("enrollment.v11"))
        contract = self._contract(q)
        data = self._validate(q.json)
        cn = data["csr"]["cn"]
        if any(e.data["csr"]["cn"] == cn for e in self.enrollments.values()):
            raise HttpError(409, "Duplicate enrollment", f"An enrollment for {cn} already exists on this contract.")
        enr = Enrollment(next(self._enrollment_ids), contract, copy.deepcopy(
            {k: v for k, v in data.items() if k not in ("id", "location", "pendingChanges")}))
        self.enrollments[enr.id] = enr
        ch = self._start_change(enr, "new-certificate")
        body = {"enrollment": f"{BASE}/enrollments/{enr.id}", "changes": [ch.location()]}
        return _answer(202, body, media)

    def get_enrollment(self, q: SimRequest) -> SimResponse:
        media = _accept(q, mt("enrollment.v11"))
        return _answer(200, self._enrollment(q).json(), media)

    def update_enrollment(self, q: SimRequest) -> SimResponse:
        media = _accept(q, mt("enrollment-status.v1"))
        _content_type(q, mt("enrollment.v11"))
        enr = self._enrollment(q)
        data = self._validate(q.json)
        if data.get("validationType") != enr.data.get("validationType"):
            raise HttpError(400, "Invalid change", "The validation type of an enrollment cannot change.")
        new = copy.deepcopy({k: v for k, v in data.items() if k not in ("id", "location", "pendingChanges")})
        old_sans = set(enr.sans)
        old_csr = {k: v for k, v in (enr.data.get("csr") or {}).items() if k != "sans"}
        enr_new = Enrollment(enr.id, enr.contract, new)
        needs_cert = (set(enr_new.sans) != old_sans or old_csr != {k: v for k, v in new["csr"].items()
                                                                  if k != "sans"} or _flag(q, "force-renewal"))
        pending = enr.pending()
        if needs_cert and pending and not _flag(q, "allow-cancel-pending-changes"):
            raise HttpError(409, "Pending change exists", f"Change {pending[0].id} is in progress; set "
                            "allow-cancel-pending-changes=true to cancel it, or wait until it completes.")
        enr.data = new
        changes = []
        if needs_cert:
            for ch in pending:
                ch.cancelled = True
            action = "renewal" if _flag(q, "force-renewal") else "modify-san"
            changes.append(self._start_change(enr, action).location())
        body = {"enrollment": f"{BASE}/enrollments/{enr.id}", "changes": changes}
        return _answer(202 if changes else 200, body, media)

    def delete_enrollment(self, q: SimRequest) -> SimResponse:
        media = _accept(q, mt("enrollment-status.v1"))
        enr = self._enrollment(q)
        if enr.pending() and not _flag(q, "allow-cancel-pending-changes"):
            raise HttpError(409, "Pending change exists", f"Change {enr.pending()[0].id} is in progress; set "
                            "allow-cancel-pending-changes=true to remove the enrollment anyway.")
        deployed = enr.production is not None or enr.staging is not None
        del self.enrollments[enr.id]
        return _answer(202 if deployed else 200, {"enrollment": f"{BASE}/enrollments/{enr.id}", "changes": []},
                       media)

    # -- changes -------------------------------------------------------------------------------
    def get_change(self, q: SimRequest) -> SimResponse:
        media = _accept(q, mt("change.v2"))
        return _answer(200, self._change(q)[1].json(), media)

    def cancel_change(self, q: SimRequest) -> SimResponse:
        media = _accept(q, mt("change-id.v1"))
        _, ch = self._change(q)
        if not ch.open:
            raise HttpError(409, "Change not pending", f"Change {ch.id} is {ch.stage.state}; only pending changes "
                            "can be cancelled.")
        ch.cancelled = True
        ch.updated = self.account.iso()
        return _answer(200, {"change": ch.location()}, media)

    def _awaited(self, ch: Change, kind: str, field: str) -> None:
        if getattr(ch.stage, field) != kind:
            expected = getattr(ch.stage, field)
            raise HttpError(400, "Input not allowed", f"Change {ch.id} is {ch.stage.status}; it "
                            + (f"accepts {expected}, not {kind}." if expected else f"accepts no input now ({kind})."))

    def get_input(self, q: SimRequest) -> SimResponse:
        kind = q.params["inputType"]
        if kind not in INFO_TYPES:
            raise HttpError(404, "Unknown input type", f"No input info {kind}.")
        media = _accept(q, INFO_TYPES[kind])
        enr, ch = self._change(q)
        self._awaited(ch, kind, "info")
        if kind == "lets-encrypt-challenges":
            body: Any = {"dv": challenges(enr, ch, self.account, done=False)}
        elif kind == "pre-verification-warnings":
            body = {"warnings": ch.pre_warnings}
        elif kind == "post-verification-warnings":
            body = {"warnings": ch.post_warnings}
        elif kind == "third-party-csr":
            body = {"csrs": [{"csr": fake_pem("CERTIFICATE REQUEST", str(ch.id)), "keyAlgorithm": "RSA"}]}
        else:
            body = self._change_management_info(enr, ch)
        return _answer(200, body, media)

    @staticmethod
    def _change_management_info(enr: Enrollment, ch: Change) -> dict[str, Any]:
        staged = enr.staging or {}
        return {"acknowledgementDeadline": None, "validationResultHash": f"{ch.id:040x}",
                "pendingState": {"pendingNetworkConfiguration": staged.get("networkConfiguration"),
                                 "pendingCertificates": [{"certificateType": "san", "keyAlgorithm": "RSA",
                                                          "fullCertificate": (staged.get("primaryCertificate") or {})
                                                          .get("certificate"), "signatureAlgorithm": "SHA-256",
                                                          "ocspStapled": "false", "ocspUris": None}]},
                "validationResult": {"errors": None, "warnings": []}}

    def post_input(self, q: SimRequest) -> SimResponse:
        kind = q.params["inputType"]
        if kind not in UPDATE_TYPES:
            raise HttpError(404, "Unknown input type", f"No input update {kind}.")
        media = _accept(q, mt("change-id.v1"))
        _content_type(q, *UPDATE_TYPES[kind])
        enr, ch = self._change(q)
        self._awaited(ch, kind, "update")
        data = q.json if isinstance(q.json, dict) else {}
        if kind == "third-party-cert-and-trust-chain":
            if not data.get("certificatesAndTrustChains"):
                raise HttpError(400, "Invalid certificate", "certificatesAndTrustChains is required.")
        else:
            answer = data.get("acknowledgement")
            if answer not in ("acknowledge", "deny"):
                raise HttpError(400, "Invalid acknowledgement", "acknowledgement must be acknowledge or deny.",
                                errors=[{"field": "acknowledgement", "message": "acknowledge or deny"}])
            if kind == "change-management-ack" and data.get("hash") != f"{ch.id:040x}":
                raise HttpError(409, "Stale acknowledgement", "The hash does not match the current "
                                "change-management-info validationResultHash; read it again.")
            if answer == "deny":
                ch.cancelled = True
                ch.updated = self.account.iso()
                return _answer(200, {"change": ch.location()}, media)
        self._advance(enr, ch, self.account.now())
        return _answer(200, {"change": ch.location()}, media)

    # -- deployments and history ---------------------------------------------------------------
    def deployments(self, q: SimRequest) -> SimResponse:
        media = _accept(q, mt("deployments.v7"))
        enr = self._enrollment(q)
        return _answer(200, {"production": enr.production, "staging": enr.staging}, media)

    def deployment(self, q: SimRequest) -> SimResponse:
        network = q.params["network"]
        if network not in ("production", "staging"):
            raise HttpError(404, "Not found", f"No network {network}; use production or staging.")
        media = _accept(q, mt("deployment.v7"))
        enr = self._enrollment(q)
        found = enr.production if network == "production" else enr.staging
        if found is None:
            raise HttpError(404, "Deployment not found", f"Enrollment {enr.id} has no certificate on {network} yet.")
        return _answer(200, found, media)

    def change_history(self, q: SimRequest) -> SimResponse:
        media = _accept(q, mt("change-history.v5"))
        enr = self._enrollment(q)
        items = []
        for ch in reversed(enr.changes):
            status = "cancelled" if ch.cancelled else ("completed" if not ch.open else "incomplete")
            cert = None
            if "verify" in ch.stages and ch.index > ch.stages.index("verify"):
                cert = {"certificate": fake_pem("CERTIFICATE", f"{enr.id}:{ch.id}"), "keyAlgorithm": "RSA",
                        "csr": fake_pem("CERTIFICATE REQUEST", str(ch.id)),
                        "trustChain": fake_pem("CERTIFICATE", "R3-intermediate")}
            items.append({"action": ch.action, "actionDescription": ACTIONS.get(ch.action, ch.action),
                          "status": status, "createdBy": "sandbox", "createdOn": ch.created,
                          "lastUpdated": ch.updated, "ra": enr.data.get("ra", "lets-encrypt"),
                          "businessCaseId": None, "primaryCertificate": cert,
                          "primaryCertificateOrderDetails": None, "multiStackedCertificates": []})
        return _answer(200, {"changes": items}, media)

    def certificate_history(self, q: SimRequest) -> SimResponse:
        media = _accept(q, mt("certificate-history.v2"))
        return _answer(200, {"certificates": self._enrollment(q).certificates}, media)

    def dv_history(self, q: SimRequest) -> SimResponse:
        media = _accept(q, mt("dv-history.v1"))
        enr = self._enrollment(q)
        results = [{"domain": d, "domainHistory": h} for d, h in enr.dv_history.items()]
        return _answer(200, {"results": results}, media)
