"""Reporting API v1 as the sandbox simulates it.

Seeded report types: hits-by-time v1, bytes-by-time v1 (cpcode, time-based), hits-by-cpcode v1 (grouped
by CP code) and the URL reports urlhits-by-url, urlbytes-by-url, urlresponses-by-url v1 (grouped by
hostname.url, seeded traffic in reporting_urls.py). Reportable CP codes: the account's (cpcodes.CpcodeStore:
300001, 300002 and any created since).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from alecs.sandbox.account import Account
from alecs.sandbox.cpcodes import CpcodeStore
from alecs.sandbox.http import HttpError, Router, SimRequest
from alecs.sandbox.reporting_urls import GROUP_BY, URL_FILTERS, URL_METRICS, url_rows

BASE = "/reporting-api/v1"
INTERVALS = {"FIVE_MINUTES": timedelta(minutes=5), "HOUR": timedelta(hours=1), "DAY": timedelta(days=1),
             "WEEK": timedelta(weeks=1), "MONTH": timedelta(days=30)}
MAX_ROWS = 5000

METRICS = {
    "hits-by-time": [("edgeHitsPerSecond", "Edge Hits/Sec", "HIT_PER_SECOND", False),
                     ("originHitsPerSecond", "Origin Hits/Sec", "HIT_PER_SECOND", False),
                     ("hitsOffload", "Offloaded Hits", "PERCENT", False),
                     ("edgeHitsTotal", "Edge Hits Total", "COUNT", True)],
    "bytes-by-time": [("edgeBitsPerSecond", "Edge Bits/Sec", "BIT_PER_SECOND", False),
                      ("originBitsPerSecond", "Origin Bits/Sec", "BIT_PER_SECOND", False),
                      ("bytesOffload", "Offloaded Bytes", "PERCENT", False),
                      ("edgeBytesTotal", "Edge Bytes Total", "BYTE", True)],
    "hits-by-cpcode": [("edgeHits", "Edge Hits", "COUNT", False), ("originHits", "Origin Hits", "COUNT", False),
                       ("hitsOffload", "Offloaded Hits", "PERCENT", False)],
} | URL_METRICS
DELIVERY_TYPE = {"name": "delivery_type", "type": "enum", "required": False, "values": ["secure", "non_secure"]}


def _problem(status: int, title: str, error_type: str, error_title: str) -> HttpError:
    return HttpError(status, title, error_title, errors=[{"type": error_type, "title": error_title}],
                     type_="reporting.re.invalid.request" if status == 400 else "reporting.re.problem")


def _time(value: str | None, name: str) -> datetime:
    if not value:
        raise _problem(400, "Request is invalid.", "date.range.invalid", f"Missing {name}.")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _problem(400, "Request is invalid.", "date.range.invalid.format",
                       f"Invalid {name} '{value}', expected ISO 8601 such as 2025-01-01T00:00:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ReportingSim:
    """Report types, their definitions, and report data for the account's CP codes."""

    def __init__(self, account: Account, cpcodes: CpcodeStore) -> None:
        self.account = account
        self.cpcodes = cpcodes
        self.reports = {name: self._definition(name) for name in METRICS}

    def _definition(self, name: str) -> dict[str, Any]:
        time_based = name.endswith("-by-time")
        by_url = name in URL_METRICS
        href = f"{BASE}/reports/{name}/versions/1"
        return {
            "name": name, "businessObjectName": "cpcode", "version": 1, "status": "PUBLISHED", "deprecated": False,
            "timeBased": time_based, "supportsPagination": False, "outputType": "FLAT", "available": True,
            "requiredProducts": ["Basic Traffic Reports" if by_url else "Ion Standard"],
            "requiredRoles": ["Reports - Traffic Read Only"],
            "metrics": [{"name": m, "label": label, "unit": unit, "summaryStatistic": summary}
                        for m, label, unit, summary in METRICS[name]],
            "groupBy": ["startdatetime"] if time_based else [GROUP_BY] if by_url else ["cpcode"],
            "filters": [DELIVERY_TYPE] + [{"name": f, "type": "string", "required": False}
                                          for f in (URL_FILTERS if by_url else ())],
            "intervals": list(INTERVALS), "dataRetentionDays": 92, "groupOutlyingValues": {"enabled": False},
            "links": [{"rel": "self", "href": href}, {"rel": "versions", "href": f"{BASE}/reports/{name}/versions"},
                      {"rel": "all-reports", "href": f"{BASE}/reports"},
                      {"rel": "execute-report", "href": href + "/report-data"}],
        }

    def routes(self, r: Router) -> None:
        r.add("GET", f"{BASE}/reports", lambda q: list(self.reports.values()))
        r.add("GET", f"{BASE}/reports/{{name}}/versions", lambda q: [self._report(q)])
        r.add("GET", f"{BASE}/reports/{{name}}/versions/{{version}}", self._version)
        r.add("POST", f"{BASE}/reports/{{name}}/versions/{{version}}/report-data", self._run)
        r.add("GET", f"{BASE}/reports/{{name}}/versions/{{version}}/report-data", self._run)

    def _report(self, q: SimRequest) -> dict[str, Any]:
        report = self.reports.get(q.params["name"])
        if report is None:
            raise HttpError(404, "Report not found", f"No report type named {q.params['name']}.",
                            type_="reporting.re.problem")
        return report

    def _version(self, q: SimRequest) -> dict[str, Any]:
        report = self._report(q)
        if q.params["version"] != str(report["version"]):
            raise HttpError(404, "Report version not found",
                            f"{report['name']} has no version {q.params['version']}.", type_="reporting.re.problem")
        return report

    def _allowed_cpcodes(self) -> set[str]:
        return {str(c.number) for c in self.cpcodes.all()}

    def _run(self, q: SimRequest) -> dict[str, Any]:
        report = self._version(q)
        interval = q.query.get("interval")
        if interval not in INTERVALS:
            raise _problem(400, "Request is invalid.", "date.range.invalid.unrecognized.interval",
                           "Missing or invalid interval, should be one of [FIVE_MINUTES, HOUR, DAY, WEEK, MONTH]")
        start, end = _time(q.query.get("start"), "start"), _time(q.query.get("end"), "end")
        if end <= start:
            raise _problem(400, "Request is invalid.", "date.range.invalid.order", "end must be after start.")
        if report["timeBased"] and (end - start) / INTERVALS[interval] > MAX_ROWS:
            raise _problem(400, "Request is invalid.", "date.range.invalid.too.many.points",
                           f"The range would return more than {MAX_ROWS} rows; use a coarser interval.")
        spec = q.json if q.method == "POST" else {
            "objectIds": [o for o in (q.query.get("objectIds") or "").split(",") if o],
            "metrics": [m for m in (q.query.get("metrics") or "").split(",") if m] or None}
        if not isinstance(spec, dict) or not spec.get("objectIds"):
            raise _problem(400, "Request is invalid.", "request.objectids.missing", "objectIds is required.")
        objects = [str(o) for o in spec["objectIds"]]
        denied = [o for o in objects if o not in self._allowed_cpcodes()]
        if denied:
            raise _problem(403, "Reporting exception", "reporting.re.problem.forbidden.objects",
                           f"Some of the requested objects are unauthorized: [{', '.join(denied)}]")
        known = {m["name"]: m for m in report["metrics"]}
        wanted = spec.get("metrics") or [m for m, meta in known.items() if not meta["summaryStatistic"]]
        unknown = [m for m in wanted if m not in known]
        if unknown:
            raise _problem(400, "Request is invalid.", "request.metrics.invalid",
                           f"Unknown metric(s) for {report['name']}: {', '.join(unknown)}")
        filters = spec.get("filters") or {}
        if report["name"] in URL_METRICS:
            rows = url_rows(report["name"], objects, wanted, start, end, filters)
        else:
            rows = self._rows(report, objects, wanted, start, end, INTERVALS[interval])
        group_by = report["groupBy"]
        return {
            "metadata": {
                "name": report["name"], "version": str(report["version"]), "outputType": "FLAT",
                "groupBy": group_by, "interval": interval, "start": _iso(start), "end": _iso(end),
                "availableDataEnds": _iso(min(end, datetime.now(UTC))), "rowCount": len(rows),
                "filters": [{"name": k, "values": v} for k, v in filters.items()],
                "columns": [{"name": "groupBy", "label": group_by[0]}] + [
                    {"name": m, "label": known[m]["label"]} for m in wanted],
                "objectType": "cpcode", "objectIds": objects,
            },
            "data": rows,
            "summaryStatistics": {},
        }

    @staticmethod
    def _value(*parts: Any) -> float:
        digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
        return int.from_bytes(digest[:4], "big") / 2**32

    def _rows(self, report: dict[str, Any], objects: list[str], metrics: list[str], start: datetime,
              end: datetime, step: timedelta) -> list[dict[str, Any]]:
        def row(key: Any) -> dict[str, str]:
            edge_scale = 1e9 if report["name"].startswith("bytes") else 1e4
            edge = edge_scale * (0.2 + self._value(report["name"], key, *objects))
            offload = 95 + 4.9 * self._value(report["name"], "offload", key, *objects)
            values = {"edge": edge, "origin": edge * (100 - offload) / 100, "offload": offload,
                      "total": edge * step.total_seconds()}
            out = {}
            for name in metrics:
                kind = next(k for k in ("Offload", "origin", "Total", "edge") if k.lower() in name.lower())
                out[name] = f"{values[{'Offload': 'offload', 'Total': 'total'}.get(kind, kind)]:.6f}"
            return out

        if report["timeBased"]:
            rows = []
            moment = start
            while moment < end:
                stamp = _iso(moment)
                rows.append({"startdatetime": stamp} | row(stamp))
                moment += step
            return rows
        return [{"cpcode": obj} | row(obj) for obj in objects]

