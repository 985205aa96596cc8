"""Global Traffic Management (config-gtm v1): domains, datacenters, properties, resources, maps, status."""

from __future__ import annotations

from typing import Any, Literal

from alecs.tools import gtm_flows as flows
from alecs.tools.declare import Api, Param, Toolset, local, path
from alecs.tools.spec import ToolSpec

GTM = Toolset("gtm", "Global Traffic Management: domains, properties, datacenters, resources, maps, status")
api = Api("config-gtm/v1", toolset=GTM, base=flows.BASE, network="production")

PropertyType = Literal["static", "failover", "geographic", "cidrmapping", "asmapping", "weighted-round-robin",
                       "weighted-hashed", "weighted-round-robin-load-feedback", "qtr", "performance"]
DOMAIN = path("domainName", "GTM domain, e.g. example.akadns.net.")
PROPERTY = path("propertyName", "Property name (the label before the domain), e.g. www.")
DATACENTER = path("datacenterId", "Datacenter ID, e.g. 3131 (see list-gtm-datacenters).", int, ge=1)
MAP_TYPE = Param("mapType", "geographic (countries) or cidr (IP blocks).", Literal["geographic", "cidr"], "path",
                 True)
WAIT = local("wait", "Wait until the change has propagated to GTM name servers (COMPLETE; reports progress).",
             bool, default=False)
TIMEOUT = local("timeoutSeconds", "Longest wait, in seconds.", int, default=900, ge=1, le=7200)
COMMENT = local("comment", "Change comment stored with the domain.", max_length=4000)


TOOLS: list[ToolSpec] = [
    api.get("list-gtm-domains", "/domains", title="List GTM domains",
            doc="GTM domains (names like example.akadns.net) with their propagation status.",
            items="items", columns=("name", "status", "lastModified")),
    api.get("get-gtm-domain", "/domains/{domainName}", title="Get GTM domain",
            doc="A whole GTM domain: settings, datacenters, properties, resources, maps and status.",
            params=(DOMAIN,)),
    api.get("get-gtm-domain-status", "/domains/{domainName}/status/current", title="Get GTM domain status",
            doc="Whether the domain's last change has propagated (PENDING, COMPLETE or DENIED). With wait, polls "
                "until it is COMPLETE or DENIED.",
            params=(DOMAIN, WAIT, TIMEOUT),
            handler=flows.domain_status),
    # Datacenters
    api.get("list-gtm-datacenters", "/domains/{domainName}/datacenters", title="List GTM datacenters",
            doc="Datacenters of a domain (ids like 3131) with location.",
            params=(DOMAIN,),
            items="items", columns=("datacenterId", "nickname", "city", "country", "continent")),
    api.get("get-gtm-datacenter", "/domains/{domainName}/datacenters/{datacenterId}", title="Get GTM datacenter",
            doc="One datacenter of a domain.",
            params=(DOMAIN, DATACENTER)),
    api.post("create-gtm-datacenter", "/domains/{domainName}/datacenters", title="Create GTM datacenter",
             doc="Add a datacenter (a location traffic can go to) to a domain; GTM assigns its id. The change "
                 "propagates asynchronously: use wait to follow it.",
             params=(DOMAIN,
                     local("nickname", "Unique name, e.g. Frankfurt.", required=True, min_length=1, max_length=256),
                     local("city", "City, e.g. Frankfurt."), local("stateOrProvince", "State or province."),
                     local("country", "ISO country code, e.g. DE.", min_length=2, max_length=2),
                     local("continent", "AF, AS, EU, NA, OC, OT or SA.",
                           Literal["AF", "AS", "EU", "NA", "OC", "OT", "SA"]),
                     local("latitude", "Latitude, e.g. 50.11.", float, ge=-90, le=90),
                     local("longitude", "Longitude, e.g. 8.68.", float, ge=-180, le=180),
                     local("defaultLoadObject", "{loadObject, loadObjectPort, loadServers} for load feedback.",
                           dict[str, Any]), WAIT, TIMEOUT),
             handler=flows.create_datacenter),
    api.delete("delete-gtm-datacenter", "/domains/{domainName}/datacenters/{datacenterId}",
               title="Delete GTM datacenter",
               doc="Remove a datacenter from a domain. Destructive; refused while a property still targets it.",
               params=(DOMAIN, DATACENTER, WAIT, TIMEOUT),
               destructive=True, handler=flows.delete_item,
               confirm=True),
    # Properties
    api.get("list-gtm-properties", "/domains/{domainName}/properties", title="List GTM properties",
            doc="Properties (load-balanced hostnames such as www) of a domain with type and traffic targets.",
            params=(DOMAIN,),
            items="items", columns=("name", "type", "handoutMode", "trafficTargets")),
    api.get("get-gtm-property", "/domains/{domainName}/properties/{propertyName}", title="Get GTM property",
            doc="One property: traffic targets, liveness tests, TTLs.",
            params=(DOMAIN, PROPERTY)),
    api.put("save-gtm-property", "/domains/{domainName}/properties/{propertyName}",
            title="Create or update GTM property",
            doc="Create a property or change an existing one; fields left out keep their current (or default) "
                "value. Traffic targets route to datacenters; liveness tests check servers. Use wait to follow "
                "propagation.",
            params=(DOMAIN, PROPERTY,
                    local("type",
                          "Load-balancing type (required for a new property), e.g. weighted-round-robin, failover.",
                          PropertyType),
                    local("trafficTargets",
                          "[{datacenterId, enabled, weight, servers: [IPs or hostnames], handoutCName}].",
                          list[dict[str, Any]]),
                    local("livenessTests",
                          "[{name, testObjectProtocol: HTTP|HTTPS|TCP|..., testObject: /health, testObjectPort, "
                          "testInterval, testTimeout, hostHeader}].", list[dict[str, Any]]),
                    local("handoutMode", "normal, persistent, one-ip, one-ip-hashed or all-live-ips.",
                          Literal["normal", "persistent", "one-ip", "one-ip-hashed", "all-live-ips"]),
                    local("scoreAggregationType", "mean, median, best or worst.",
                          Literal["mean", "median", "best", "worst"]),
                    local("dynamicTTL", "TTL of answers in seconds (30-3600).", int, ge=30, le=3600),
                    local("staticTTL", "TTL of static answers (30-3600).", int, ge=30, le=3600),
                    local("failoverDelay", "Seconds before failing over.", int, ge=0),
                    local("failbackDelay", "Seconds before failing back.", int, ge=0),
                    local("mapName", "Map used by geographic or cidrmapping properties."),
                    local("backupIp", "Answer when every target is down."),
                    local("backupCName", "CNAME answer when all are down."), local("ipv6", "Targets are IPv6.", bool),
                    local("comments", "Property comments."),
                    local("extra", "Any other property fields, as Akamai names them.", dict[str, Any]), COMMENT, WAIT,
                    TIMEOUT),
            handler=flows.save_property,
            confirm=True),
    api.delete("delete-gtm-property", "/domains/{domainName}/properties/{propertyName}", title="Delete GTM property",
               doc="Remove a property from a domain. Destructive: its hostname stops resolving.",
               params=(DOMAIN, PROPERTY, WAIT, TIMEOUT),
               destructive=True, handler=flows.delete_item,
               confirm=True),
    # Resources and maps
    api.get("list-gtm-resources", "/domains/{domainName}/resources", title="List GTM resources",
            doc="Resources (load feedback objects) of a domain and the datacenters reporting them.",
            params=(DOMAIN,),
            items="items", columns=("name", "type", "aggregationType")),
    api.get("list-gtm-maps", "/domains/{domainName}/{mapType}-maps", title="List GTM maps",
            doc="Geographic maps (countries to datacenters) or CIDR maps (IP blocks to datacenters) of a domain.",
            params=(DOMAIN, MAP_TYPE),
            items="items", columns=("name", "defaultDatacenter.datacenterId", "assignments")),
    api.put("save-gtm-map", "/domains/{domainName}/{mapType}-maps/{mapName}", title="Create or update GTM map",
            doc="Create or replace a geographic map (assignments with countries) or CIDR map (assignments with "
                "blocks). Use wait to follow propagation.",
            params=(DOMAIN, MAP_TYPE, path("mapName", "Map name, e.g. Europe.", pattern=r"^[^/\\]{1,128}$"),
                    local("defaultDatacenter",
                          "Where unmatched traffic goes: {datacenterId: 5400, nickname: Default}.", dict[str, Any],
                          required=True),
                    local("assignments",
                          "[{datacenterId, nickname, countries: [DE, FR]}] or [{datacenterId, nickname, blocks: "
                          "[192.0.2.0/24]}].", list[dict[str, Any]]), COMMENT, WAIT, TIMEOUT),
            handler=flows.save_map,
            confirm=True),
]
