"""EdgeWorkers (v1) as the sandbox simulates it.

Seeded: EdgeWorker 4201 "hello-world" (group 10001, tier 100) with version 1 active on STAGING and
PRODUCTION (activations 1 and 2) and used by property 100001; EdgeWorker 4202 "geo-redirect" (tier 200,
no versions). Resource tiers 100 (Basic Compute) and 200 (Dynamic Compute) on contract C-0SANDBOX.
Activations go PENDING -> IN_PROGRESS -> COMPLETE over `settings.activation_seconds`.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from alecs.sandbox.account import Account
from alecs.sandbox.http import HttpError, Router, SimRequest, SimResponse, body_of
from alecs.sandbox.ids import ACCOUNT, CONTRACT, GROUP

BASE = "/edgeworkers/v1"
ACCOUNT_ID = ACCOUNT.removeprefix("act_")
GROUP_ID = int(GROUP.removeprefix("grp_"))
CONTRACT_ID = CONTRACT.removeprefix("ctr_")
USER = "sandbox"
UNFINISHED = {"PRESUBMIT", "PENDING", "IN_PROGRESS"}
NETWORKS = ("STAGING", "PRODUCTION")
LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")


def _limits(cpu: int, memory: int, wall: int, subrequests: int) -> list[dict[str, Any]]:
    return [
        {"limitName": "Maximum CPU time per event handler", "limitValue": cpu, "limitUnit": "MILLISECOND"},
        {"limitName": "Maximum memory usage per event handler", "limitValue": memory, "limitUnit": "BYTE"},
        {"limitName": "Maximum wall time per event handler", "limitValue": wall, "limitUnit": "MILLISECOND"},
        {"limitName": "Maximum number of HTTP sub-requests allowed from a parent request",
         "limitValue": subrequests, "limitUnit": "COUNT"},
    ]


TIERS = {
    100: {"resourceTierId": 100, "resourceTierName": "Basic Compute", "edgeWorkerLimits": _limits(10, 1310720, 100, 0)},
    200: {"resourceTierId": 200, "resourceTierName": "Dynamic Compute",
          "edgeWorkerLimits": _limits(50, 2621440, 5000, 4)},
}


def error(status: int, title: str, detail: str, *, errors: list[Any] | None = None) -> HttpError:
    kind = title.lower().replace(" ", "-")
    return HttpError(status, title, detail, errors=errors, type_=f"/edgeworkers/error-types/edgeworkers-{kind}")


def bad_request(detail: str) -> HttpError:
    """EdgeWorkers' 400 for a request it cannot take."""
    return error(400, "Bad Request", detail)


def being_activated(network: str) -> HttpError:
    """EdgeWorkers' documented 400 (EW1021) for activating a version whose activation is still running."""
    return HttpError(400, "Bad Request.", f"This version is already being activated on {network.lower()}",
                     type_="/edgeworkers/error-types/edgeworkers-bad-request", extra={"errorCode": "EW1021"})


def inspect_bundle(data: bytes) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """Akamai's checks of a code bundle: (validation errors, bundle.json)."""
    def fail(kind: str, message: str) -> tuple[list[dict[str, str]], dict[str, Any]]:
        return [{"type": kind, "message": message}], {}
    if not data:
        return fail("EMPTY_TARBALL", "The code bundle is empty.")
    try:
        raw = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, 50 * 1024 * 1024)
    except zlib.error:
        return fail("INVALID_GZIP_FORMAT", "The code bundle is not in gzip format.")
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
            files = {str(PurePath(m.name)): m for m in tar.getmembers() if m.isfile()}
            missing = [n for n in ("main.js", "bundle.json") if n not in files]
            if missing:
                return fail("MISSING_MANDATORY_FILES", f"The code bundle is missing {', '.join(missing)}.")
            handle = tar.extractfile(files["bundle.json"])
            manifest = json.loads(handle.read() if handle else b"")
    except tarfile.TarError:
        return fail("INVALID_TAR_ARCHIVE", "The code bundle is not a valid tar archive.")
    except ValueError:
        return fail("INVALID_MANIFEST", "bundle.json is not valid JSON.")
    if not isinstance(manifest, dict) or not str(manifest.get("edgeworker-version") or "").strip():
        return fail("INVALID_MANIFEST", "bundle.json must contain edgeworker-version.")
    return [], manifest


@dataclass
class Job:
    """An activation or a deactivation."""

    id: int
    kind: str
    version: str
    network: str
    note: str | None
    submitted: float
    created: str
    status: str = "PENDING"
    modified: str = ""

    def json(self, ew_id: int) -> dict[str, Any]:
        out = {"edgeWorkerId": ew_id, "version": self.version, f"{self.kind}Id": self.id, "accountId": ACCOUNT_ID,
               "status": self.status, "network": self.network, "createdBy": USER, "createdTime": self.created,
               "lastModifiedTime": self.modified or self.created}
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class EdgeWorker:
    id: int
    name: str
    group: int
    tier: int
    created: str
    description: str | None = None
    versions: dict[str, dict[str, Any]] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)
    active: dict[str, str] = field(default_factory=dict)
    loggings: list[dict[str, Any]] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        out = {"edgeWorkerId": self.id, "name": self.name, "accountId": ACCOUNT_ID, "groupId": self.group,
               "resourceTierId": self.tier, "createdBy": USER, "createdTime": self.created,
               "lastModifiedBy": USER, "lastModifiedTime": self.created}
        if self.description:
            out["description"] = self.description
        return out


class EdgeworkersSim:
    def __init__(self, account: Account) -> None:
        self.account = account
        self.ids: dict[int, EdgeWorker] = {}
        self._next_id = 4201
        now = account.iso()
        hello = self._new("hello-world", GROUP_ID, 100, "Adds a hello header")
        self._add_version(hello, "1", b"seed")
        for job_id, network in enumerate(NETWORKS, start=1):
            hello.jobs.append(Job(job_id, "activation", "1", network, None, account.now(), now, "COMPLETE"))
            hello.active[network] = "1"
        self._new("geo-redirect", GROUP_ID, 200, None)

    # -- state ---------------------------------------------------------------------------------------
    def _new(self, name: str, group: int, tier: int, description: str | None) -> EdgeWorker:
        ew = EdgeWorker(self._next_id, name, group, tier, self.account.iso(), description)
        self.ids[ew.id] = ew
        self._next_id += 1
        return ew

    def _add_version(self, ew: EdgeWorker, version: str, data: bytes) -> dict[str, Any]:
        entry = {"edgeWorkerId": ew.id, "version": version, "accountId": ACCOUNT_ID,
                 "checksum": hashlib.sha256(data).hexdigest(), "sequenceNumber": str(len(ew.versions) + 1),
                 "createdBy": USER, "createdTime": self.account.iso()}
        ew.versions[version] = entry
        return entry

    def _find(self, raw: str) -> EdgeWorker:
        ew = self.ids.get(int(raw)) if raw.isdigit() else None
        if ew is None:
            raise error(404, "Not Found", f"EdgeWorker ID {raw} does not exist or you have no access to it.")
        self._tick(ew)
        return ew

    def _job(self, ew: EdgeWorker, kind: str, raw: str) -> Job:
        job = next((j for j in ew.jobs if j.kind == kind and str(j.id) == raw), None)
        if job is None:
            raise error(404, "Not Found", f"{kind.title()} {raw} does not exist for EdgeWorker ID {ew.id}.")
        return job

    def _tick(self, ew: EdgeWorker) -> None:
        """Jobs move on with time: PENDING, then IN_PROGRESS, then COMPLETE (and the network changes)."""
        span = self.account.settings.activation_seconds
        for job in sorted(ew.jobs, key=lambda j: j.submitted):
            if job.status not in UNFINISHED:
                continue
            elapsed = self.account.now() - job.submitted
            if elapsed >= span:
                job.status, job.modified = "COMPLETE", self.account.iso()
                if job.kind == "activation":
                    ew.active[job.network] = job.version
                elif ew.active.get(job.network) == job.version:
                    del ew.active[job.network]
            elif elapsed >= span / 3 and job.status != "IN_PROGRESS":
                job.status, job.modified = "IN_PROGRESS", self.account.iso()

    # -- routes --------------------------------------------------------------------------------------
    def routes(self, r: Router) -> None:
        r.add("GET", f"{BASE}/ids", self.list_ids)
        r.add("POST", f"{BASE}/ids", self.create_id)
        r.add("GET", f"{BASE}/ids/{{ew}}", lambda q: self._find(q.params["ew"]).json())
        r.add("DELETE", f"{BASE}/ids/{{ew}}", self.delete_id)
        r.add("GET", f"{BASE}/ids/{{ew}}/properties", self.properties)
        r.add("GET", f"{BASE}/ids/{{ew}}/versions", self.list_versions)
        r.add("POST", f"{BASE}/ids/{{ew}}/versions", self.create_version)
        r.add("GET", f"{BASE}/ids/{{ew}}/versions/{{v}}", self.get_version)
        r.add("DELETE", f"{BASE}/ids/{{ew}}/versions/{{v}}", self.delete_version)
        r.add("POST", f"{BASE}/validations", self.validate)
        for kind in ("activation", "deactivation"):
            r.add("GET", f"{BASE}/ids/{{ew}}/{kind}s", self._lister(kind))
            r.add("POST", f"{BASE}/ids/{{ew}}/{kind}s", self._submitter(kind))
            r.add("GET", f"{BASE}/ids/{{ew}}/{kind}s/{{job}}", self._getter(kind))
        r.add("DELETE", f"{BASE}/ids/{{ew}}/activations/{{job}}", self.cancel)
        r.add("GET", f"{BASE}/resource-tiers", self.tiers)
        r.add("GET", f"{BASE}/ids/{{ew}}/resource-tier", lambda q: TIERS[self._find(q.params["ew"]).tier])
        r.add("GET", f"{BASE}/ids/{{ew}}/loggings", lambda q: {"loggings": self._find(q.params["ew"]).loggings})
        r.add("POST", f"{BASE}/ids/{{ew}}/loggings", self.create_logging)

    def list_ids(self, q: SimRequest) -> Any:
        out = list(self.ids.values())
        for key, attr in (("groupId", "group"), ("resourceTierId", "tier")):
            if key in q.query:
                if not q.query[key].isdigit():
                    raise error(400, "Bad Request", f"{key} must be a number.")
                out = [ew for ew in out if getattr(ew, attr) == int(q.query[key])]
        return {"edgeWorkerIds": [ew.json() for ew in out]}

    def create_id(self, q: SimRequest) -> SimResponse:
        data = body_of(q, bad_request)
        problems = [{"field": k, "message": f"{k} is required."} for k in ("name", "groupId", "resourceTierId")
                    if data.get(k) in (None, "")]
        if problems:
            raise error(400, "Bad Request", "The request is missing required fields.", errors=problems)
        if not isinstance(data["groupId"], int) or data["groupId"] != GROUP_ID:
            raise error(403, "Forbidden", f"You have no EdgeWorkers access to group {data['groupId']}.")
        if data["resourceTierId"] not in TIERS:
            raise error(400, "Bad Request", f"Resource tier {data['resourceTierId']} is not on your contract.")
        if any(ew.name == data["name"] for ew in self.ids.values()):
            raise error(409, "Conflict", f"An EdgeWorker named {data['name']} already exists.")
        ew = self._new(str(data["name"]), data["groupId"], data["resourceTierId"], data.get("description"))
        return SimResponse(201, ew.json(), {"Location": f"{BASE}/ids/{ew.id}"})

    def delete_id(self, q: SimRequest) -> SimResponse:
        ew = self._find(q.params["ew"])
        if ew.active or any(j.status in UNFINISHED for j in ew.jobs):
            raise error(409, "Conflict", f"EdgeWorker ID {ew.id} is active on {', '.join(ew.active) or 'a network'}; "
                        "deactivate it first.")
        del self.ids[ew.id]
        return SimResponse(204)

    def properties(self, q: SimRequest) -> Any:
        ew = self._find(q.params["ew"])
        items = []
        if ew.id == 4201:
            items.append({"propertyId": 100001, "propertyName": "www.example.com", "stagingVersion": 1,
                          "productionVersion": 1, "latestVersion": 1})
        return {"properties": items, "limitedAccessToProperties": False}

    def list_versions(self, q: SimRequest) -> Any:
        return {"versions": list(self._find(q.params["ew"]).versions.values())}

    def get_version(self, q: SimRequest) -> Any:
        ew = self._find(q.params["ew"])
        version = ew.versions.get(q.params["v"])
        if version is None:
            raise error(404, "Not Found", f"Version {q.params['v']} does not exist for EdgeWorker ID {ew.id}.")
        return version

    def _bundle(self, q: SimRequest) -> tuple[list[dict[str, str]], dict[str, Any]]:
        ctype = (q.header("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/gzip":
            raise error(415, "Unsupported Media Type", "Send the code bundle as application/gzip.")
        return inspect_bundle(q.body)

    def create_version(self, q: SimRequest) -> SimResponse:
        ew = self._find(q.params["ew"])
        problems, manifest = self._bundle(q)
        if problems:
            raise error(400, "Bad Request", "The code bundle is invalid: " + problems[0]["message"], errors=problems)
        version = str(manifest["edgeworker-version"])
        if version in ew.versions:
            raise error(409, "Conflict", f"Version {version} already exists for EdgeWorker ID {ew.id}; change "
                        "edgeworker-version in bundle.json.")
        entry = self._add_version(ew, version, q.body)
        return SimResponse(201, entry, {"Location": f"{BASE}/ids/{ew.id}/versions/{version}"})

    def delete_version(self, q: SimRequest) -> SimResponse:
        ew = self._find(q.params["ew"])
        version = self.get_version(q)["version"]
        if version in ew.active.values():
            raise error(409, "Conflict", f"Version {version} is active; deactivate it before deleting it.")
        del ew.versions[version]
        return SimResponse(204)

    def validate(self, q: SimRequest) -> Any:
        problems, _ = self._bundle(q)
        return {"errors": problems, "warnings": []}

    def _lister(self, kind: str) -> Any:
        def handle(q: SimRequest) -> Any:
            ew = self._find(q.params["ew"])
            jobs = [j for j in ew.jobs if j.kind == kind]
            if q.query.get("version"):
                jobs = [j for j in jobs if j.version == q.query["version"]]
            if q.query.get("network"):
                jobs = [j for j in jobs if j.network == q.query["network"]]
            if q.query.get("activeOnNetwork") == "true":
                live = [j for j in jobs if j.status == "COMPLETE" and ew.active.get(j.network) == j.version]
                jobs = [max(group, key=lambda j: j.id) for n in NETWORKS
                        if (group := [j for j in live if j.network == n])]
            return {f"{kind}s": [j.json(ew.id) for j in sorted(jobs, key=lambda j: -j.id)]}
        return handle

    def _getter(self, kind: str) -> Any:
        def handle(q: SimRequest) -> Any:
            ew = self._find(q.params["ew"])
            return self._job(ew, kind, q.params["job"]).json(ew.id)
        return handle

    def _submitter(self, kind: str) -> Any:
        def handle(q: SimRequest) -> SimResponse:
            ew = self._find(q.params["ew"])
            data = body_of(q, bad_request)
            network, version = data.get("network"), str(data.get("version") or "")
            if network not in NETWORKS:
                raise error(400, "Bad Request", "network must be STAGING or PRODUCTION.",
                            errors=[{"field": "network", "message": "Must be STAGING or PRODUCTION."}])
            if version not in ew.versions:
                raise error(400, "Bad Request", f"Version {version or '(none)'} does not exist for EdgeWorker ID "
                            f"{ew.id}.", errors=[{"field": "version", "message": "Unknown version."}])
            running = [j for j in ew.jobs if j.network == network and j.status in UNFINISHED]
            if kind == "activation" and any(j.kind == kind and j.version == version for j in running):
                raise being_activated(network)
            if running:
                raise error(409, "Conflict", f"An activation or deactivation is already in progress on {network}.")
            if kind == "deactivation" and ew.active.get(network) != version:
                raise error(400, "Bad Request", f"Version {version} is not active on {network}.")
            job = Job(1 + max((j.id for j in ew.jobs if j.kind == kind), default=0), kind, version, network,
                      data.get("note"), self.account.now(), self.account.iso())
            ew.jobs.append(job)
            return self.account.activation_answer(
                SimResponse(201, job.json(ew.id), {"Location": f"{BASE}/ids/{ew.id}/{kind}s/{job.id}"}))
        return handle

    def cancel(self, q: SimRequest) -> Any:
        ew = self._find(q.params["ew"])
        job = self._job(ew, "activation", q.params["job"])
        if job.status not in UNFINISHED:
            raise error(409, "Conflict", f"Activation {job.id} is {job.status} and can no longer be cancelled.")
        job.status, job.modified = "CANCELLED", self.account.iso()
        return job.json(ew.id)

    def tiers(self, q: SimRequest) -> Any:
        contract = q.query.get("contractId", "")
        if not contract:
            raise error(400, "Bad Request", "contractId is a required query parameter.")
        if contract.removeprefix("ctr_") != CONTRACT_ID:
            raise error(403, "Forbidden", f"You have no access to contract {contract}.")
        return {"resourceTiers": list(TIERS.values())}

    def create_logging(self, q: SimRequest) -> SimResponse:
        ew = self._find(q.params["ew"])
        data = body_of(q, bad_request)
        if data.get("network") not in NETWORKS or data.get("level") not in LEVELS:
            raise error(400, "Bad Request", "network must be STAGING or PRODUCTION and level one of "
                        + ", ".join(LEVELS) + ".")
        entry = {"loggingId": len(ew.loggings) + 1, "edgeWorkerId": ew.id, "network": data["network"],
                 "level": data["level"], "status": "ACTIVE", "createdBy": USER, "createdTime": self.account.iso(),
                 "expirationTime": self.account.iso(time.time() + 86400)}
        if data.get("ds2Id") is not None:
            entry["ds2Id"] = data["ds2Id"]
        ew.loggings.append(entry)
        return SimResponse(201, entry)
