"""Edge diagnostics (v1) as the sandbox simulates it.

Seeded: edge locations seattle-wa-unitedstates, frankfurt-germany, tokyo-japan; edge server IPs are
192.0.2.0/26; www.example.com resolves to www.example.com.edgekey.net -> 192.0.2.10 (CP code 300001).
Error translation and the connectivity/content scenarios answer 202 IN_PROGRESS and finish (SUCCESS)
after `settings.activation_seconds`. Every POST counts against a limit of 500 (X-RateLimit-* headers, 429).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from alecs.sandbox.account import Account
from alecs.sandbox.diagnostics_results import (
    connectivity_result,
    content_result,
    curl_result,
    dig_answer,
    edge_ip,
    location_of,
    mtr_result,
    translation_result,
)
from alecs.sandbox.http import HttpError, Router, SimRequest, SimResponse, body_of

BASE = "/edge-diagnostics/v1"
USER = "sandbox"
LOCATIONS = {"seattle-wa-unitedstates": "Seattle, WA, United States", "frankfurt-germany": "Frankfurt, Germany",
             "tokyo-japan": "Tokyo, Japan"}
ERROR_CODE = re.compile(r"^\d{1,3}\.[0-9a-f]{6,10}\.\d{9,11}\.[0-9a-f]{4,10}$")
SCENARIOS = ("error-translator", "connectivity-problems", "content-problems")
RATE_LIMIT = 500


def bad(detail: str, field: str, kind: str = "field.invalid", title: str = "Invalid value.") -> HttpError:
    return HttpError(400, "Incorrect request.", detail, type_="bad.request.error",
                     errors=[{"type": kind, "title": title, "requestField": field}])


def _incorrect(detail: str) -> HttpError:
    return HttpError(400, "Incorrect request.", detail, type_="bad.request.error")


def fields_of(req: SimRequest, *required: str) -> dict[str, Any]:
    """The JSON object body with each of `required` present and non-empty."""
    data = body_of(req, _incorrect)
    for name in required:
        if data.get(name) in (None, "", []):
            raise bad(f"`{name}` is required.", name, "field.required", "Missing value.")
    return data


@dataclass
class Job:
    id: int
    scenario: str
    request: dict[str, Any]
    submitted: float
    created: str


class DiagnosticsSim:
    def __init__(self, account: Account) -> None:
        self.account = account
        self.jobs: dict[int, Job] = {}
        self.posts = 0

    def routes(self, r: Router) -> None:
        r.add("GET", f"{BASE}/edge-locations",
              lambda q: {"edgeLocations": [{"id": k, "value": v} for k, v in LOCATIONS.items()]})
        r.add("POST", f"{BASE}/curl", self._limited(self.curl))
        r.add("POST", f"{BASE}/dig", self._limited(self.dig))
        r.add("POST", f"{BASE}/mtr", self._limited(self.mtr))
        r.add("POST", f"{BASE}/locate-ip", self._limited(self.locate))
        r.add("POST", f"{BASE}/verify-edge-ip", self._limited(self.verify))
        r.add("POST", f"{BASE}/translated-url", self._limited(self.translate_url))
        r.add("POST", f"{BASE}/error-translator", self._limited(self.translate_error))
        r.add("POST", f"{BASE}/connectivity-problems", self._limited(self._starter("connectivity-problems")))
        r.add("POST", f"{BASE}/content-problems", self._limited(self._starter("content-problems")))
        for scenario in SCENARIOS:
            r.add("GET", f"{BASE}/{scenario}/requests/{{id}}", self._getter(scenario))

    # -- helpers -------------------------------------------------------------------------------------
    def _limited(self, handler: Any) -> Any:
        def handle(q: SimRequest) -> SimResponse:
            self.posts += 1
            left = max(0, RATE_LIMIT - self.posts)
            headers = {"X-RateLimit-Limit": str(RATE_LIMIT), "X-RateLimit-Remaining": str(left)}
            if self.posts > RATE_LIMIT:
                raise HttpError(429, "Too Many Requests", "You have exceeded total number of requests configured "
                                "for this API.", headers=headers | {"Retry-After": "60"},
                                type_="requests.exceeded.error")
            out = handler(q)
            resp = out if isinstance(out, SimResponse) else SimResponse(200, out)
            resp.headers.update(headers)
            return resp
        return handle

    def _times(self) -> dict[str, str]:
        now = self.account.iso()
        return {"createdBy": USER, "createdTime": now, "completedTime": now}

    def _source(self, data: dict[str, Any]) -> str:
        """The edge IP a request runs from: exactly one of edgeLocationId and edgeIp, if any."""
        if data.get("edgeLocationId") and data.get("edgeIp"):
            raise HttpError(400, "Incorrect request.", "Provide only one of these members, either `edgeLocationId` "
                            "or `edgeIp`.", type_="bad.request.error", errors=[
                                {"type": "field.conflict", "title": "Conflicting values.", "requestField": f}
                                for f in ("edgeLocationId", "edgeIp")])
        if data.get("edgeIp"):
            if not edge_ip(str(data["edgeIp"])):
                raise bad(f"{data['edgeIp']} is not an Akamai edge server IP.", "edgeIp")
            return str(data["edgeIp"])
        location = data.get("edgeLocationId") or "seattle-wa-unitedstates"
        if location not in LOCATIONS:
            raise bad(f"Unknown edge location {location}; see List available edge server locations.",
                      "edgeLocationId")
        return f"192.0.2.{10 + list(LOCATIONS).index(location)}"

    @staticmethod
    def _url(data: dict[str, Any]) -> str:
        parts = urlsplit(str(data["url"]))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad("`url` must be an absolute http or https URL.", "url")
        return parts.hostname

    # -- synchronous tools ---------------------------------------------------------------------------
    def curl(self, q: SimRequest) -> Any:
        data = fields_of(q, "url")
        source = self._source(data)
        host = self._url(data)
        return {"executionStatus": "SUCCESS", "internalIp": source, **self._times(),
                "edgeIpLocation": location_of(source), "result": curl_result(host), "request": data}

    def dig(self, q: SimRequest) -> Any:
        data = fields_of(q, "hostname", "queryType")
        if not isinstance(data.get("isGtmHostname"), bool):
            raise bad("`isGtmHostname` is required.", "isGtmHostname", "field.required", "Missing value.")
        source = self._source(data)
        return {"executionStatus": "SUCCESS", "internalIp": source, **self._times(),
                "result": dig_answer(str(data["hostname"]), str(data["queryType"])),
                "edgeIpLocation": location_of(source), "request": data}

    def mtr(self, q: SimRequest) -> Any:
        data = fields_of(q, "destination", "destinationType", "packetType")
        for flag in ("resolveDns", "showIps", "showLocations"):
            if not isinstance(data.get(flag), bool):
                raise bad(f"`{flag}` is required.", flag, "field.required", "Missing value.")
        if data.get("sourceType") == "LOCATION":
            source = self._source({"edgeLocationId": data.get("source")})
        elif data.get("sourceType") == "EDGE_IP":
            source = self._source({"edgeIp": data.get("source")})
        else:
            source = self._source({})
        return mtr_result(source, str(data["destination"]), data) | self._times()

    def _per_ip(self, q: SimRequest, each: Any) -> Any:
        data = fields_of(q, "ipAddresses")
        results = []
        for ip in data["ipAddresses"]:
            try:
                ipaddress.ip_address(str(ip))
            except ValueError:
                results.append({"executionStatus": "FAILURE", "ipAddress": str(ip)} | each(None))
                continue
            results.append({"executionStatus": "SUCCESS", "ipAddress": str(ip)} | each(str(ip)))
        ok = sum(r["executionStatus"] == "SUCCESS" for r in results)
        status = "SUCCESS" if ok == len(results) else "FAILURE" if not ok else "PARTIAL_SUCCESS"
        return {"request": data, **self._times(), "executionStatus": status, "results": results}

    def locate(self, q: SimRequest) -> Any:
        return self._per_ip(q, lambda ip: {"geoLocation": location_of(ip, full=True) if ip else {}})

    def verify(self, q: SimRequest) -> Any:
        return self._per_ip(q, lambda ip: {"isEdgeIp": bool(ip and edge_ip(ip))})

    def translate_url(self, q: SimRequest) -> Any:
        data = fields_of(q, "url")
        host = urlsplit(str(data["url"])).hostname or str(data["url"]).split("/")[0]
        return {"request": data, "translatedUrl": {
            "typeCode": "S", "serialNumber": "1682", "cpCode": 300001, "ttl": "1d", "cacheKeyHostname": host,
            "cacheControl": "max-age=86400", "pragma": None}}

    # -- asynchronous scenarios ----------------------------------------------------------------------
    def _start(self, scenario: str, request: dict[str, Any]) -> SimResponse:
        job = Job(self.account.next_id(), scenario, request, self.account.now(), self.account.iso())
        self.jobs[job.id] = job
        return SimResponse(202, self._answer(job))

    def _answer(self, job: Job) -> dict[str, Any]:
        done = self.account.now() - job.submitted >= self.account.settings.activation_seconds
        base = {"requestId": job.id, "createdBy": USER, "createdTime": job.created, "request": job.request,
                "executionStatus": "SUCCESS" if done else "IN_PROGRESS"}
        if not done:
            return base | {"retryAfter": max(1, round(self.account.settings.activation_seconds)),
                           "link": f"{BASE}/{job.scenario}/requests/{job.id}", "completedTime": job.created}
        if job.scenario == "error-translator":
            return base | translation_result(job.request["errorCode"]) | {"completedTime": self.account.iso()}
        source = self._source(job.request)
        if job.scenario == "connectivity-problems":
            return base | connectivity_result(source, self._url(job.request), job.request)
        return base | content_result(source, self._url(job.request))

    def translate_error(self, q: SimRequest) -> SimResponse:
        data = fields_of(q, "errorCode")
        if not ERROR_CODE.match(str(data["errorCode"])):
            raise bad(f"`errorCode` {data['errorCode']} is not a valid error reference, e.g. "
                      "18.2a3c2f17.1621415935.409841.", "errorCode")
        return self._start("error-translator", data)

    def _starter(self, scenario: str) -> Any:
        def handle(q: SimRequest) -> SimResponse:
            data = fields_of(q, "url")
            self._source(data)
            self._url(data)
            return self._start(scenario, data)
        return handle

    def _getter(self, scenario: str) -> Any:
        def handle(q: SimRequest) -> Any:
            job = self.jobs.get(int(q.params["id"])) if q.params["id"].isdigit() else None
            if job is None or job.scenario != scenario:
                raise HttpError(404, "Not Found", f"Request {q.params['id']} does not exist.",
                                type_="not.found.error")
            return self._answer(job)
        return handle
