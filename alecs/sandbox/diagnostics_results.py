"""The simulated results of Edge diagnostics runs (shapes from Akamai's published examples)."""

from __future__ import annotations

import hashlib
import ipaddress
from typing import Any

EDGE_NET = ipaddress.ip_network("192.0.2.0/26")
CITIES = [("SEATTLE", "WA", "US", "GMT-8", 47.61, -122.33), ("FRANKFURT", "HE", "DE", "GMT+1", 50.11, 8.68),
          ("TOKYO", "13", "JP", "GMT+9", 35.69, 139.69), ("SYDNEY", "NSW", "AU", "GMT+10", -33.88, 151.22)]


def edge_ip(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip) in EDGE_NET
    except ValueError:
        return False


def location_of(ip: str, full: bool = False) -> dict[str, Any]:
    index = 0 if edge_ip(ip) and ip.endswith(".10") else int(hashlib.sha1(ip.encode()).hexdigest(), 16) % 4
    city, region, country, zone, lat, lon = CITIES[index]
    asn = 20940 if edge_ip(ip) else 64496 + index
    out: dict[str, Any] = {"city": city, "regionCode": region, "countryCode": country, "asNumber": asn}
    if full:
        out |= {"latitude": lat, "longitude": lon, "timeZone": zone, "continent": "NA" if country == "US" else "EU",
                "throughput": "high", "network": "akamai" if edge_ip(ip) else None}
    return out


def curl_result(host: str) -> dict[str, Any]:
    cached = host.endswith("example.com")
    return {"exitCode": 0, "httpStatusCode": 200 if cached else 502, "httpVersion": "HTTP/1.1",
            "reasonPhrase": "OK" if cached else "Bad Gateway",
            "responseHeaderList": ["X-Cache: TCP_HIT from a192-0-2-10.deploy.akamaitechnologies.com" if cached
                                   else "X-Cache: TCP_MISS", "Cache-Control: max-age=86400",
                                   "Content-Type: text/html; charset=UTF-8"],
            "timing": {"dnsLookupTime": 0.004, "tcpConnectionTime": 0.012, "sslConnectionTime": 0.031,
                       "timeToFirstByte": 0.045, "totalTime": 0.052}}


def dig_answer(hostname: str, query_type: str) -> dict[str, Any]:
    name = hostname.rstrip(".") + "."
    answers: list[dict[str, Any]] = []
    if hostname.rstrip(".").endswith("example.com"):
        target = hostname.rstrip(".") + ".edgekey.net."
        answers.append({"hostname": name, "ttl": 300, "recordClass": "IN", "recordType": "CNAME",
                        "preferenceValue": None, "value": target})
        if query_type in ("A", "ANY", "CNAME"):
            answers.append({"hostname": target, "ttl": 20, "recordClass": "IN", "recordType": "A",
                            "preferenceValue": None, "value": "192.0.2.10"})
        if query_type in ("AAAA", "ANY"):
            answers.append({"hostname": target, "ttl": 20, "recordClass": "IN", "recordType": "AAAA",
                            "preferenceValue": None, "value": "2001:db8::10"})
    authority = [{"domain": "example.com.", "ttl": 86400, "recordClass": "IN", "recordType": "NS",
                  "preferenceValue": None, "value": f"a{i}-64.akam.net."} for i in (1, 2)]
    return {"answerSection": answers, "authoritySection": authority}


def mtr_result(source: str, destination: str, request: dict[str, Any]) -> dict[str, Any]:
    hops: list[dict[str, Any]] = []
    for number, (host, ip) in enumerate([(f"a{source.replace('.', '-')}.deploy.akamaitechnologies.com", source),
                                         ("ae1.edge.example.net", "198.51.100.1"), (destination, "203.0.113.10")],
                                        start=1):
        hops.append({"number": number, "host": host, "ip": ip, "packetLoss": 0.0, "sentPackets": 10,
                     "lastPacketLatency": 1.1 * number, "averageLatency": 1.2 * number, "bestRtt": 1.0 * number,
                     "worstRtt": 2.0 * number, "standardDeviation": 0.3, "ipLocation": location_of(ip)})
    text = "HOST: " + hops[0]["host"] + "  Loss%  Snt  Last  Avg  Best  Wrst StDev\n" + "".join(
        f"  {h['number']}.|-- {h['host']} ({h['ip']})  0.0%  10  {h['lastPacketLatency']:.1f}\n" for h in hops)
    return {"sourceInternalIp": source, "executionStatus": "SUCCESS", "sourceIpLocation": location_of(source),
            "destinationIpLocation": location_of("203.0.113.10"), "request": request,
            "result": {"host": hops[0]["host"], "packetLoss": 0.0, "averageLatency": hops[-1]["averageLatency"],
                       "result": text, "hops": hops}}


def translation_result(code: str) -> dict[str, Any]:
    return {
        "suggestedActions": ["Check that the origin answers within the forward read timeout.",
                             "Check content length/bytes served."],
        "result": {"reasonForFailure": "The forward connection to the origin server from the edge server timed out.",
                   "propertyName": "www.example.com", "url": "https://www.example.com/", "cpCode": 300001,
                   "httpResponseCode": 504, "clientRequestMethod": "GET", "cacheKeyHostname": "www.example.com",
                   "edgeServerIp": {"ip": "192.0.2.10", "ipLocation": location_of("192.0.2.10")},
                   "originIp": {"ip": "203.0.113.10", "ipLocation": location_of("203.0.113.10")},
                   "epochTime": int(code.split(".")[2])}}


def _log(source: str, host: str) -> dict[str, Any]:
    return {"executionContext": "DEFAULT", "executionStatus": "SUCCESS", "suggestedActions": [],
            "result": {"logs": [{"logType": "r", "edgeIp": source, "httpStatus": "200", "hostHeader": host,
                                 "objectStatus": "W", "error": "-"}]}}


def content_result(source: str, host: str) -> dict[str, Any]:
    content = [{"executionContext": "DEFAULT", "executionStatus": "SUCCESS", "result": curl_result(host)}]
    logs = [_log(source, host)]
    return {"internalIp": source, "internalIpLocation": location_of(source), "content": content, "logLines": logs,
            "summary": {"content": content, "logLines": logs}}


def connectivity_result(source: str, host: str, request: dict[str, Any]) -> dict[str, Any]:
    out = content_result(source, host)
    mtr = mtr_result(source, host, request)
    connectivity = [{"executionContext": "DEFAULT", "executionStatus": "SUCCESS",
                     "sourceIpLocation": mtr["sourceIpLocation"], "destinationIpLocation": mtr["destinationIpLocation"],
                     "sourceContext": source, "destinationContext": host, "result": mtr["result"]}]
    out["connectivity"] = connectivity
    out["summary"] = out["summary"] | {"connectivity": connectivity}
    return out
