"""SIEM (v1) as the sandbox simulates it.

Seeded: security configurations 14227 (www.example.com: an XSS attack denied, a command injection
alerted, a bot request denied) and 14228 (no events). Events are stored within the last hour. Answers are
newline-delimited JSON: one security event per line, then a response context {total, offset, limit}.
Errors follow the definition: 400 missing/illegal parameters, 404 unknown configuration, 416 expired offset.
"""

from __future__ import annotations

import base64
import itertools
import json
import time
from typing import Any
from urllib.parse import quote, unquote

from alecs.sandbox.account import Account
from alecs.sandbox.http import HttpError, Router, SimRequest, SimResponse

BASE = "/siem/v1"
CONFIGS = {14227: "www.example.com", 14228: "api.example.com"}
WINDOW = 12 * 3600
PROBLEMS = "https://problems.cloudsecurity.akamaiapis.net/siem/v1/"


def encode_values(values: list[str]) -> str:
    """Akamai's rule data: each value base64, joined by semicolons, URL-encoded."""
    return quote(";".join(base64.b64encode(v.encode()).decode() for v in values), safe="")


def encode_headers(headers: dict[str, str]) -> str:
    return quote("".join(f"{k}: {v}\r\n" for k, v in headers.items()), safe="")


def _event(config: int, when: int, ip: str, country: str, method: str, path: str, query: str, status: str,
           rules: list[tuple[str, str, str, str, str, str]], request_id: str) -> dict[str, Any]:
    ids, messages, tags, data, selectors, actions = (list(x) for x in zip(*rules, strict=True))
    host = CONFIGS[config]
    return {
        "type": "akamai_siem", "format": "json", "version": "1.0",
        "attackData": {"configId": str(config), "policyId": "exmp_60088", "clientIP": ip,
                       "rules": encode_values(ids), "ruleVersions": encode_values(["1"] * len(ids)),
                       "ruleMessages": encode_values(messages), "ruleTags": encode_values(tags),
                       "ruleData": encode_values(data), "ruleSelectors": encode_values(selectors),
                       "ruleActions": encode_values(actions)},
        "geo": {"asn": "14618", "city": "ASHBURN", "continent": "NA", "country": country, "regionCode": "VA"},
        "httpMessage": {"bytes": "266", "host": host, "method": method, "path": path, "port": "443",
                        "protocol": "HTTP/2", "query": quote(query, safe="=&"), "requestId": request_id,
                        "requestHeaders": encode_headers({"Host": host, "User-Agent": "curl/8.5.0",
                                                          "Accept": "*/*"}),
                        "responseHeaders": encode_headers({"Server": "AkamaiGHost", "Content-Type": "text/html",
                                                           "Content-Length": "266"}),
                        "start": str(when), "status": status, "tls": "TLSv1.3"},
    }


class SiemSim:
    def __init__(self, account: Account) -> None:
        self.account = account
        now = int(time.time())
        # (stored at, event) per configuration, oldest first.
        self.events: dict[int, list[tuple[int, dict[str, Any]]]] = {c: [] for c in CONFIGS}
        seeds = [
            (now - 1800, _event(14227, now - 1800, "192.0.2.82", "US", "GET", "/search", "q=<script>alert(1)</script>",
                                "403", [("950004", "Cross-site Scripting (XSS) Attack", "WEB_ATTACK/XSS",
                                         "<script>", "ARGS:q", "deny")], "1158db1758e37bfe67b7c09")),
            (now - 1200, _event(14227, now - 1200, "198.51.100.23", "DE", "GET", "/", "option=com_jce telnet.exe",
                                "200", [("950002", "System Command Access", "WEB_ATTACK/FILE_INJECTION",
                                         "telnet.exe", "ARGS:option", "alert"),
                                        ("950006", "System Command Injection", "WEB_ATTACK/COMMAND_INJECTION",
                                         "telnet.exe", "ARGS:option", "alert")], "2ab418ac8515f33")),
            (now - 600, _event(14227, now - 600, "203.0.113.9", "BR", "POST", "/login", "", "403",
                               [("BOT-3990011", "Declared bot: scraper", "BOT/SCRAPER", "python-requests/2.31",
                                 "REQUEST_HEADERS:User-Agent", "deny")], "3cd529bd9626a44")),
        ]
        for stored, event in seeds:
            self.events[int(event["attackData"]["configId"])].append((stored, event))
        self._offsets: dict[str, tuple[frozenset[int], int]] = {}
        self._counter = itertools.count(1)

    def routes(self, r: Router) -> None:
        r.add("GET", BASE + "/configs/{configId}", self.fetch)

    def _problem(self, status: int, title: str, kind: str) -> HttpError:
        return HttpError(status, title, title, type_=PROBLEMS + kind)

    def _configs(self, raw: str) -> frozenset[int]:
        parts = unquote(raw).split(";")
        if not all(p.isdigit() for p in parts):
            raise self._problem(400, "Missing mandatory parameter(s) or illegal parameter(s) in the request",
                                "missing-parameters")
        ids = frozenset(int(p) for p in parts)
        unknown = sorted(ids - CONFIGS.keys())
        if unknown:
            raise HttpError(404, "Not Found", f"Security configuration(s) {', '.join(map(str, unknown))} not found "
                            "or not visible to this API client.", type_=PROBLEMS + "not-found")
        return ids

    def _int(self, q: SimRequest, name: str) -> int | None:
        value = q.query.get(name)
        if value is None:
            return None
        if not value.isdigit():
            raise self._problem(400, "Missing mandatory parameter(s) or illegal parameter(s) in the request",
                                "missing-parameters")
        return int(value)

    def fetch(self, q: SimRequest) -> SimResponse:
        configs = self._configs(q.params["configId"])
        offset, start, end, limit = q.query.get("offset"), self._int(q, "from"), self._int(q, "to"), self._int(
            q, "limit")
        illegal = "Missing mandatory parameter(s) or illegal parameter(s) in the request"
        if (offset is None) == (start is None) or (offset is not None and end is not None):
            raise self._problem(400, illegal, "missing-parameters")
        if limit is not None and not 1 <= limit <= 600000:
            raise self._problem(400, illegal, "missing-parameters")
        now = int(time.time())
        stored = sorted((s, e) for c in configs for s, e in self.events[c])
        if offset is not None:
            known = self._offsets.get(offset)
            if known is None or known[0] != configs:
                raise self._problem(416, "Expired offset parameter in the request", "offset-too-old")
            after = known[1]
            chosen = [(s, e) for s, e in stored if s > after]
        else:
            assert start is not None
            if start < now - WINDOW or (end is not None and end <= start):
                raise self._problem(400, illegal, "missing-parameters")
            chosen = [(s, e) for s, e in stored if start <= s <= (end if end is not None else now)]
        size = limit or 10000
        page = chosen[:size]
        last = page[-1][0] if page else (self._offsets[offset][1] if offset is not None else (start or now) - 1)
        token = f"{next(self._counter):x};{base64.urlsafe_b64encode(str(last).encode()).decode().rstrip('=')}"
        self._offsets[token] = (configs, last)
        lines = [json.dumps(e) for _, e in page]
        lines.append(json.dumps({"total": len(page), "offset": token, "limit": size}))
        return SimResponse(200, ("\n".join(lines) + "\n").encode())
