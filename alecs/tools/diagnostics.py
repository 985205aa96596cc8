"""Edge diagnostics (v1): curl, dig and mtr from edge servers, IP checks, error translation, scenarios."""

from __future__ import annotations

from typing import Literal

from alecs.tools import diagnostics_flows as flows
from alecs.tools.declare import Api, Toolset, body, local, path, query, with_intents
from alecs.tools.spec import ToolSpec

DIAGNOSTICS = Toolset("diagnostics", "Edge diagnostics: curl, dig, mtr from the edge, IP location, error translation")
api = Api("edge-diagnostics/v1", toolset=DIAGNOSTICS, base=flows.BASE)

LOCATION = body("edgeLocationId", "Edge location to run from, e.g. seattle-wa-unitedstates (see "
                "list-edge-locations). Give this or edgeIp, not both.", min_length=1)
EDGE_IP = body("edgeIp", "Edge server IP to run from. Give this or edgeLocationId, not both.", min_length=1)
FROM_ONE_EDGE = (("edgeLocationId", "edgeIp"),)  # Akamai: "provide either this value or ..."
IP_VERSION = body("ipVersion", "IPV4 or IPV6.", Literal["IPV4", "IPV6"])
HEADERS = body("requestHeaders", "Extra request headers as 'Name: value', e.g. Pragma: akamai-x-cache-on.",
               list[str])
SPOOF = body("spoofEdgeIp", "Serve from this edge IP as if DNS had returned it.", min_length=1)
URL = body("url", "Full URL, e.g. https://www.example.com/index.html.", required=True, min_length=8,
           pattern=r"^https?://")
IPS = body("ipAddresses", "Up to 10 IPv4 or IPv6 addresses.", list[str], required=True, min_length=1, max_length=10)
WAIT = local("wait", "Wait for the result (reports progress); otherwise return the requestId to poll.", bool,
             default=True)
TIMEOUT = local("timeoutSeconds", "Longest wait, in seconds.", int, default=300, ge=1, le=1800)


TOOLS: list[ToolSpec] = [
    api.get("list-edge-locations", "/edge-locations", title="List edge locations",
            doc="Edge server locations diagnostics can run from (ids like seattle-wa-unitedstates).",
            items="edgeLocations", columns=("id", "value")),
    api.post("run-edge-curl", "/curl", title="curl from the edge",
             doc="Request a URL from an edge server and see the status, headers and timings, as a user near that "
                 "edge would.",
             params=(URL, LOCATION, EDGE_IP, IP_VERSION, HEADERS, SPOOF), one_of=FROM_ONE_EDGE,
             read_only=True, example={"url": "https://www.example.com/", "edgeLocationId": "seattle-wa-unitedstates"}),
    api.post("run-edge-dig", "/dig", title="dig from the edge",
             doc="Resolve a hostname from an edge server (A, AAAA, CNAME, ...) to see what users near that edge get.",
             params=(body("hostname", "Hostname, e.g. www.example.com.", required=True, min_length=1, max_length=253),
                     body("queryType", "Record type.",
                          Literal["A", "AAAA", "SOA", "CNAME", "PTR", "MX", "NS", "TXT", "SRV", "CAA", "ANY"],
                          default="A"),
                     body("isGtmHostname", "The hostname is a GTM property hostname.", bool, default=False), LOCATION,
                     EDGE_IP), one_of=FROM_ONE_EDGE,
             read_only=True, example={"hostname": "www.example.com", "edgeLocationId": "seattle-wa-unitedstates"}),
    api.post("run-edge-mtr", "/mtr", title="mtr from the edge",
             doc="Trace the network path and packet loss from an edge server (or location) to a host or IP.",
             params=(body("destination", "Hostname or IP to trace to.", required=True, min_length=1),
                     body("destinationType", "HOST or IP.", Literal["HOST", "IP"], default="HOST"),
                     body("source", "Edge location id (sourceType LOCATION) or edge IP (sourceType EDGE_IP).",
                          min_length=1), body("sourceType", "LOCATION or EDGE_IP.", Literal["LOCATION", "EDGE_IP"]),
                     body("packetType", "ICMP or TCP.", Literal["ICMP", "TCP"], default="TCP"),
                     body("port", "TCP port, 80 or 443.", Literal[80, 443]),
                     body("resolveDns", "Show hostnames of hops.", bool, default=True),
                     body("showIps", "Show IPs of hops.", bool, default=True),
                     body("showLocations", "Show locations of hops.", bool, default=True)),
             read_only=True,
             example={"destination": "origin.example.com", "source": "seattle-wa-unitedstates",
                      "sourceType": "LOCATION", "port": 443}),
    api.post("locate-ip", "/locate-ip", title="Locate IP",
             doc="Geolocation and network (AS number, city, country) of IP addresses.",
             params=(IPS,),
             read_only=True, example={"ipAddresses": ["192.0.2.9"]}),
    api.post("verify-edge-ip", "/verify-edge-ip", title="Verify edge IP",
             doc="Whether IP addresses belong to Akamai edge servers.",
             params=(IPS,),
             read_only=True, items="results", columns=("ipAddress", "isEdgeIp"),
             example={"ipAddresses": ["192.0.2.9"]}),
    api.post("translate-akamai-url", "/translated-url", title="Translate Akamai URL",
             doc="What an Akamaized URL or ARL maps to: CP code, TTL, cache key hostname.",
             params=(body("url", "Akamaized URL or ARL, e.g. https://www.example.com/img.png.", required=True,
                          min_length=1),),
             read_only=True, example={"url": "https://www.example.com/index.html"}),
    api.post("translate-error", "/error-translator", title="Translate error reference",
             doc="Explain an Akamai error page's reference string (e.g. 'Reference "
                 "#18.2a3c2f17.1621415935.409841'): reason, property, origin, logs. Waits for the result.",
             params=(body("errorCode",
                          "The reference, e.g. 18.2a3c2f17.1621415935.409841 ('Reference #' is removed).",
                          required=True, min_length=5, max_length=200),
                     body("traceForwardLogs", "Also fetch logs of the forward (origin) requests.", bool), WAIT,
                     TIMEOUT),
             read_only=True, handler=flows.translate_error, example={"errorCode": "18.2a3c2f17.1621415935.409841"}),
    api.post("diagnose-connectivity", "/connectivity-problems", title="Diagnose connectivity problem",
             doc="Run Akamai's connectivity scenario for a URL (curl, dig, mtr and logs from the edge) and "
                 "summarize. Waits for the result.",
             params=(URL, LOCATION, SPOOF, IP_VERSION, HEADERS,
                     body("clientIp", "End user's IP, to test from the edge closest to it.", min_length=1),
                     body("packetType", "ICMP or TCP.", Literal["ICMP", "TCP"]),
                     body("port", "80 or 443.", Literal[80, 443]), WAIT, TIMEOUT),
             read_only=True, handler=flows.connectivity,
             example={"url": "https://www.example.com/", "edgeLocationId": "seattle-wa-unitedstates"}),
    api.post("diagnose-content", "/content-problems", title="Diagnose content problem",
             doc="Run Akamai's content scenario for a URL (what the edge serves, cache status, logs) and summarize. "
                 "Waits for the result.",
             params=(URL, LOCATION, SPOOF, IP_VERSION, HEADERS, WAIT, TIMEOUT),
             read_only=True, handler=flows.content,
             example={"url": "https://www.example.com/", "edgeLocationId": "seattle-wa-unitedstates"}),
    api.get("get-diagnostic-result", "/{scenario}/requests/{requestId}", title="Get diagnostic result",
            doc="Result of an error translation or a connectivity or content scenario started without waiting.",
            params=(path("scenario", "error-translator, connectivity-problems or content-problems.",
                         Literal["error-translator", "connectivity-problems", "content-problems"]),
                    path("requestId", "Request ID returned when it was started.", int, ge=0),
                    query("includeContentResponseBody", "Include the full response body (scenarios only).", bool)),
            handler=flows.get_result),
]

# Task phrases for search-tools (alecs.tools.tool_search), kept beside the declarations they describe.
INTENTS: dict[str, tuple[str, ...]] = {
    "run-edge-dig": ("dig from the edge", "dns lookup from akamai", "resolve a hostname from an edge server"),
    "run-edge-curl": ("curl a url from the edge", "check response headers from an edge server",
                      "is the page cached"),
    "run-edge-mtr": ("traceroute to the origin", "network path from the edge"),
    "locate-ip": ("where is this ip", "geolocate an ip"),
    "verify-edge-ip": ("is this an akamai ip",),
    "translate-error": ("what does this error reference mean", "akamai error page reference number"),
    "translate-akamai-url": ("which cp code serves a url",),
    "diagnose-connectivity": ("the site is unreachable", "connectivity problem"),
}
TOOLS = with_intents(TOOLS, INTENTS)
