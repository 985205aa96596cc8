"""DataStream 2 (v2) as the sandbox simulates it.

Seeded: stream 7050 (diagnostics-log-stream, version 2, ACTIVATED) and stream 7051 (security-events,
version 1, INACTIVE: never activated), both in group 10001 for property 100001 (www.example.com).
Activating/deactivating takes `activation_seconds` (ACTIVATING -> ACTIVATED, DEACTIVATING -> DEACTIVATED).
"""

from __future__ import annotations

import copy
from typing import Any

from alecs.sandbox.account import Account
from alecs.sandbox.http import HttpError, Router, SimRequest, SimResponse
from alecs.sandbox.ids import CONTRACT, GROUP

BASE = "/datastream-config-api/v2/log"
GROUP_ID = int(GROUP.removeprefix("grp_"))
USER = "sandbox-user"
FIELDS = [{"datasetFieldId": 1000, "datasetFieldName": "CP code", "datasetFieldJsonKey": "cp"},
          {"datasetFieldId": 1002, "datasetFieldName": "Request ID", "datasetFieldJsonKey": "reqId"},
          {"datasetFieldId": 1100, "datasetFieldName": "Request time", "datasetFieldJsonKey": "reqTimeSec"},
          {"datasetFieldId": 1005, "datasetFieldName": "Bytes", "datasetFieldJsonKey": "bytes"}]


def _error(status: int, title: str, detail: str) -> HttpError:
    return HttpError(status, title, detail, type_=f"/datastream-config-api/error-types/{status}")


class DatastreamSim:
    def __init__(self, account: Account) -> None:
        self.account = account
        self.streams: dict[int, dict[str, Any]] = {}
        self.history: dict[int, list[dict[str, Any]]] = {}
        self.pending: dict[int, tuple[str, float]] = {}
        self._seed(7050, "diagnostics-log-stream", 2, "ACTIVATED",
                   [(1, "ACTIVATED", "2024-11-01T08:00:00Z"), (1, "DEACTIVATED", "2024-12-01T08:00:00Z"),
                    (2, "ACTIVATED", "2024-12-01T08:05:00Z")])
        self._seed(7051, "security-events", 1, "INACTIVE", [])

    def _seed(self, number: int, name: str, version: int, status: str,
              history: list[tuple[int, str, str]]) -> None:
        self.streams[number] = {
            "streamId": number, "streamName": name, "streamVersion": version, "latestVersion": version,
            "groupId": GROUP_ID, "contractId": CONTRACT.removeprefix("ctr_"), "productId": "Adaptive_Media_Delivery",
            "streamStatus": status, "createdBy": USER, "createdDate": "2024-11-01T07:55:00Z", "modifiedBy": USER,
            "modifiedDate": "2024-12-01T08:00:00Z", "collectMidgress": False,
            "notificationEmails": ["noc@example.com"],
            "destination": {"destinationType": "S3", "displayName": "logs-bucket", "bucket": "example-logs",
                            "region": "us-east-1", "path": f"ds2/{name}", "compressLogs": True},
            "deliveryConfiguration": {"format": "JSON", "frequency": {"intervalInSeconds": 30},
                                      "uploadFilePrefix": "ak", "uploadFileSuffix": "ds"},
            "properties": [{"propertyId": 100001, "propertyName": "www.example.com"}],
            "datasetFields": FIELDS,
        }
        self.history[number] = [{"streamId": number, "streamVersion": v, "status": s, "modifiedBy": USER,
                                 "modifiedDate": when} for v, s, when in history]

    def _tick(self) -> None:
        now = self.account.now()
        for number, (final, ready) in list(self.pending.items()):
            if now >= ready:
                stream = self.streams[number]
                stream["streamStatus"] = final
                stream["modifiedDate"] = self.account.iso()
                self.history[number].append({"streamId": number, "streamVersion": stream["latestVersion"],
                                             "status": final, "modifiedBy": USER,
                                             "modifiedDate": stream["modifiedDate"]})
                del self.pending[number]

    def _find(self, q: SimRequest) -> dict[str, Any]:
        self._tick()
        raw = q.params["streamId"]
        stream = self.streams.get(int(raw)) if raw.isdigit() else None
        if stream is None:
            raise _error(404, "Not Found", f"Stream {raw} does not exist or you do not have access to it.")
        return stream

    def routes(self, r: Router) -> None:
        r.add("GET", f"{BASE}/streams", self._list)
        r.add("GET", f"{BASE}/streams/{{streamId}}", self._get)
        r.add("POST", f"{BASE}/streams/{{streamId}}/activate", lambda q: self._change(q, "ACTIVATED"))
        r.add("POST", f"{BASE}/streams/{{streamId}}/deactivate", lambda q: self._change(q, "DEACTIVATED"))
        r.add("GET", f"{BASE}/streams/{{streamId}}/activation-history",
              lambda q: list(reversed(self.history[self._find(q)["streamId"]])))

    def _list(self, q: SimRequest) -> list[dict[str, Any]]:
        self._tick()
        items = list(self.streams.values())
        if q.query.get("groupId"):
            if not q.query["groupId"].isdigit():
                raise _error(400, "Bad Request", "groupId must be a number.")
            items = [s for s in items if s["groupId"] == int(q.query["groupId"])]
        summary = ("streamId", "streamName", "streamVersion", "groupId", "contractId", "latestVersion", "productId",
                   "streamStatus", "createdBy", "createdDate", "modifiedBy", "modifiedDate", "properties")
        return [{k: s[k] for k in summary} for s in items]

    def _get(self, q: SimRequest) -> dict[str, Any]:
        stream = self._find(q)
        version = q.query.get("version")
        if version and (not version.isdigit() or not 1 <= int(version) <= stream["latestVersion"]):
            raise _error(404, "Not Found", f"Stream {stream['streamId']} has no version {version}.")
        return copy.deepcopy(stream) | ({"streamVersion": int(version)} if version else {})

    def _change(self, q: SimRequest, final: str) -> SimResponse:
        stream = self._find(q)
        status = stream["streamStatus"]
        if status in ("ACTIVATING", "DEACTIVATING"):
            raise _error(409, "Conflict", f"Stream {stream['streamId']} is {status}; wait until it settles.")
        if final == "ACTIVATED" and status == "ACTIVATED":
            raise _error(400, "Bad Request", f"Stream {stream['streamId']} is already active.")
        if final == "DEACTIVATED" and status != "ACTIVATED":
            raise _error(400, "Bad Request", f"Stream {stream['streamId']} is not active ({status}).")
        stream["streamStatus"] = "ACTIVATING" if final == "ACTIVATED" else "DEACTIVATING"
        stream["modifiedDate"] = self.account.iso()
        self.pending[stream["streamId"]] = (final, self.account.now() + self.account.settings.activation_seconds)
        return self.account.activation_answer(SimResponse(200, copy.deepcopy(stream)))
