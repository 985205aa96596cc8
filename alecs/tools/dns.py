"""Edge DNS (config-dns v2): zones, record sets, changelists, versions, zone files, DNSSEC, TSIG, bulk jobs."""

from __future__ import annotations

from typing import Literal

from alecs.tools import dns_flows as flows
from alecs.tools import shapes
from alecs.tools.declare import Api, Param, Toolset, body, local, path, query
from alecs.tools.shapes import TsigAlgorithm, ZoneType
from alecs.tools.spec import ToolSpec

DNS = Toolset("dns", "Edge DNS: zones, record sets, changelists, zone versions, DNSSEC, TSIG keys, bulk zone jobs",
              default=True)
api = Api("config-dns/v2", toolset=DNS, base=flows.BASE, network="production")

Algorithm = Literal["RSA_SHA1", "RSA_SHA256", "RSA_SHA512", "ECDSA_P256_SHA256", "ECDSA_P384_SHA384"]

ZONE = path("zone", "Zone name, e.g. example.com.")
NAME = path("name", "Record name (fully qualified), e.g. www.example.com.")
TYPE = path("type", "Record type, e.g. A, AAAA, CNAME, TXT, MX, NS, SRV, CAA.")
TTL = body("ttl", "Time to live in seconds, e.g. 300.", int, required=True, ge=0, le=2147483647)
RDATA = body("rdata", "Record values, one per record: A 192.0.2.10; AAAA 2001:db8::1; CNAME www.example.net.; "
             "TXT \"v=spf1 -all\"; MX \"10 mail.example.com.\".", list[str], required=True, min_length=1)
CONTRACT = query("contractId", "Edge DNS contract ID, e.g. C-1ABC234 (a ctr_ prefix is removed).", required=True)
GROUP = query("groupId", "Group ID, e.g. 12345 or grp_12345.", required=True, api_name="gid", pattern=r"^(grp_)?\d+$")
SHOW_ALL = query("showAll", "Every item in one answer (alecs pages it).", bool, default=True)
TYPES = query("types", "Comma-separated record types to keep, e.g. A,AAAA,TXT.")
SEARCH = query("search", "Only names containing this text.")
ZONES = body("zones", "Zone names, e.g. [\"example.com\"].", list[str], required=True, min_length=1, max_length=1000)
WAIT = local("wait", "Wait until the request completes (reports progress) and return its result.", bool,
             default=False)
TIMEOUT = local("timeoutSeconds", "Longest wait, in seconds.", int, default=600, ge=1, le=7200)
VERSION = path("versionId", "Zone version ID (a UUID from list-zone-versions).")
REQUEST_ID = path("requestId", "Bulk request ID (a UUID from bulk-create-zones or delete-zones).")
COMMENT = query("comment", "Comment stored with the new zone version.")
SETTINGS = (
    body("comment", "Zone comment."),
    body("masters", "SECONDARY zones: IPs of the primary name servers to transfer from.", list[str]),
    body("target", "ALIAS zones: the zone this one mirrors, e.g. example.com."),
    body("signAndServe", "Sign the zone with DNSSEC.", bool),
    body("signAndServeAlgorithm", "DNSSEC algorithm when signAndServe is true.", Algorithm),
    body("tsigKey", "SECONDARY zones: TSIG key for zone transfers.", shapes.TsigKey),
    body("endCustomerId", "Free-form end-customer id (resellers)."),
)


ZONE_COLUMNS = ("zone", "type", "activationState", "versionId", "lastModifiedDate")
RECORD_COLUMNS = ("name", "type", "ttl", "rdata")

TOOLS: list[ToolSpec] = [
    # Zones
    api.get("list-zones", "/zones", title="List DNS zones",
            doc="Edge DNS zones of the account (PRIMARY, SECONDARY, ALIAS) with their activation state.",
            params=(query("contractIds", "Comma-separated contract IDs, e.g. C-1ABC234."),
                    query("types", "Comma-separated zone types, e.g. PRIMARY,SECONDARY."), SEARCH, SHOW_ALL),
            items="zones", columns=ZONE_COLUMNS),
    api.get("get-zone", "/zones/{zone}", title="Get DNS zone",
            doc="One zone's settings: type, current versionId, activation state, DNSSEC, masters (records: "
                "list-record-sets).",
            params=(ZONE,)),
    api.post("create-zone", "/zones", title="Create DNS zone",
             doc="Create a PRIMARY zone (Akamai serves its records; SOA and NS are created), a SECONDARY zone "
                 "(transferred from masters) or an ALIAS zone (mirrors target).",
             params=(CONTRACT, GROUP,
                     body("zone", "Zone name, e.g. example.com.", required=True, min_length=3, max_length=253),
                     body("type", "PRIMARY, SECONDARY or ALIAS.", ZoneType, required=True), *SETTINGS),
             handler=flows.send_with_ids),
    api.put("update-zone", "/zones/{zone}", title="Update DNS zone settings",
            doc="Change a zone's settings (comment, masters, TSIG key, DNSSEC, alias target); fields left out keep "
                "their current value.",
            params=(ZONE, *SETTINGS,
                    query("skipSignAndServeSafetyCheck", "Allow turning DNSSEC off while DS records may still exist.",
                          bool)),
            handler=flows.update_zone,
            confirm=True),
    api.post("delete-zones", "/zones/delete-requests", title="Delete DNS zones",
             doc="Delete zones with a bulk delete request. Destructive: the zones stop resolving. Zones still "
                 "delegated to Akamai fail unless bypassSafetyChecks. With wait, returns the result.",
             params=(ZONES,
                     query("bypassSafetyChecks", "Delete even zones still delegated to Akamai name servers.", bool),
                     WAIT, TIMEOUT),
             destructive=True, handler=flows.bulk_zones("delete"),
             confirm=True),
    api.post("bulk-create-zones", "/zones/create-requests", title="Bulk create DNS zones",
             doc="Create many zones in one asynchronous request. With wait, returns which zones were created and "
                 "which failed.",
             params=(CONTRACT, GROUP,
                     body("zones", "Zones to create.", list[shapes.NewZone], required=True, min_length=1,
                          max_length=1000), WAIT, TIMEOUT),
             handler=flows.bulk_zones("create")),
    api.get("get-bulk-zone-request", "/zones/{kind}-requests/{requestId}", title="Get bulk zone request",
            doc="Progress of a bulk zone create or delete request, and its per-zone result once complete.",
            params=(Param("kind", "create or delete: which kind of request.", flows.BulkKind, "path",
                          True), REQUEST_ID),
            handler=flows.get_bulk_request),
    # Record sets
    api.get("list-record-sets", "/zones/{zone}/recordsets", title="List DNS records",
            doc="Record sets of a zone (name, type, TTL, values), optionally filtered by type or name.",
            params=(ZONE, TYPES, SEARCH, query("sortBy", "Sort keys, e.g. name,type."), SHOW_ALL),
            items="recordsets", columns=RECORD_COLUMNS),
    api.get("get-record-set", "/zones/{zone}/names/{name}/types/{type}", title="Get DNS record",
            doc="One record set of a zone by name and type.",
            params=(ZONE, NAME, TYPE)),
    api.post("create-record-set", "/zones/{zone}/names/{name}/types/{type}", title="Add DNS record",
             doc="Add DNS records to a zone: creates the record set for one name and type (A, AAAA, CNAME, TXT, MX, "
                 "NS, SRV, CAA...) and makes it live at once. For several changes at once use a changelist.",
             params=(ZONE, NAME, TYPE, TTL, RDATA),
             handler=flows.save_record_set),
    api.put("update-record-set", "/zones/{zone}/names/{name}/types/{type}", title="Update DNS record",
            doc="Replace the values and TTL of an existing record set (e.g. change an A record's IPs or a TXT "
                "value); live at once.",
            params=(ZONE, NAME, TYPE, TTL, RDATA),
            handler=flows.save_record_set),
    api.delete("delete-record-set", "/zones/{zone}/names/{name}/types/{type}", title="Delete DNS record",
               doc="Delete one record set (all values of a name and type). Destructive: the name stops resolving "
                   "for that type.",
               params=(ZONE, NAME, TYPE),
               destructive=True,
               confirm=True),
    api.put("replace-record-sets", "/zones/{zone}/recordsets", title="Replace all DNS records",
            doc="Replace every record set of a zone with the given list (must include the apex SOA and NS). "
                "Destructive: records not listed are removed.",
            params=(ZONE,
                    body("recordsets", "All record sets of the zone.", list[shapes.RecordSet], required=True,
                         min_length=1)),
            destructive=True,
            confirm=True),
    # Changelists
    api.get("list-changelists", "/changelists", title="List DNS changelists",
            doc="Pending changelists (drafts of zone changes) and whether they are stale.",
            items="changeLists", columns=("zone", "zoneVersionId", "stale", "lastModifiedDate")),
    api.post("create-changelist", "/changelists", title="Create DNS changelist",
             doc="Start a changelist for a zone: a draft copy of its records to stage several changes and submit "
                 "them together.",
             params=(query("zone", "Zone name, e.g. example.com.", required=True),
                     query("overwrite",
                           "If one exists: none (refuse, default), stale (replace only a stale one) or any.",
                           Literal["any", "stale", "none"])),
             network="none"),
    api.get("get-changelist", "/changelists/{zone}", title="Get DNS changelist",
            doc="A zone's changelist: the version it is based on and whether it is stale.",
            params=(ZONE,)),
    api.post("add-changelist-change", "/changelists/{zone}/recordsets/add-change", title="Stage DNS record change",
             doc="Stage adding, editing or deleting a record set (A, AAAA, CNAME, TXT, MX...) in the zone's "
                 "changelist; nothing is live until submit-changelist.",
             params=(ZONE, body("name", "Record name, e.g. www.example.com.", required=True),
                     body("type", "Record type, e.g. A, TXT, MX.", required=True),
                     body("op", "ADD, EDIT or DELETE.", Literal["ADD", "EDIT", "DELETE"], required=True),
                     body("ttl", "TTL in seconds (ADD and EDIT).", int, ge=0, le=2147483647),
                     body("rdata", "Record values (ADD and EDIT), e.g. [\"192.0.2.10\"].", list[str])),
             network="none"),
    api.get("get-changelist-diff", "/changelists/{zone}/diff", title="Diff DNS changelist",
            doc="What submitting the changelist would change: record sets added, edited or deleted compared with "
                "its base version.",
            params=(ZONE,)),
    api.post("submit-changelist", "/changelists/{zone}/submit", title="Submit DNS changelist",
             doc="Apply the changelist to the zone as a new version (live at once). Fails with 409 if the zone "
                 "changed since the changelist was made.",
             params=(ZONE, COMMENT, query("skipSignAndServeSafetyCheck", "Skip the DNSSEC safety check.", bool)),
             handler=flows.submit_changelist,
             confirm=True),
    api.delete("delete-changelist", "/changelists/{zone}", title="Discard DNS changelist",
               doc="Discard a zone's changelist and its staged changes. Destructive for the draft only; live "
                   "records are untouched.",
               params=(ZONE,),
               destructive=True,
               network="none"),
    # Versions and master zone files
    api.get("list-zone-versions", "/zones/{zone}/versions", title="List DNS zone versions",
            doc="Versions of a zone, newest first (each change makes one).",
            params=(ZONE, SHOW_ALL),
            items="versions", columns=("versionId", "activationState", "lastModifiedDate", "lastModifiedBy")),
    api.get("get-zone-version", "/zones/{zone}/versions/{versionId}", title="Get DNS zone version",
            doc="One zone version's settings and, by default, its record sets.",
            params=(ZONE, VERSION,
                    local("includeRecordSets", "Also return the version's record sets.", bool, default=True)),
            handler=flows.get_zone_version),
    api.get("diff-zone-versions", "/zones/{zone}/versions/diff", title="Diff DNS zone versions",
            doc="Record sets and settings that differ between two versions of a zone.",
            params=(ZONE, query("from", "Older version ID.", required=True),
                    query("to", "Newer version ID.", required=True))),
    api.post("activate-zone-version", "/zones/{zone}/versions/{versionId}/recordsets/activate",
             title="Restore DNS zone version",
             doc="Make an older version's record sets live again (creates a new version). Destructive: current "
                 "records are replaced.",
             params=(ZONE, VERSION, COMMENT),
             destructive=True,
             confirm=True),
    api.get("get-zone-file", "/zones/{zone}/zone-file", title="Get DNS master zone file",
            doc="The zone as a BIND master file (text/dns), current or of one version.",
            params=(ZONE, local("versionId", "Version ID; current version when omitted.")),
            handler=flows.get_zone_file),
    # Status
    api.post("get-zone-transfer-status", "/zones/zone-transfer-status", title="Get zone transfer status",
             doc="Last zone transfers (SOA/XFR) of SECONDARY zones from their masters, with serials and errors.",
             params=(ZONES,),
             read_only=True),
    api.post("get-dnssec-status", "/zones/dns-sec-status", title="Get DNSSEC status",
             doc="DNSKEY and DS records and alerts of signed (signAndServe) zones: what to publish at the registrar.",
             params=(ZONES,),
             read_only=True),
    # TSIG keys
    api.get("list-tsig-keys", "/keys", title="List TSIG keys",
            doc="TSIG keys used by zones for zone transfers, with how many zones use each.",
            params=(query("contractIds", "Comma-separated contract IDs."), SEARCH),
            items="keys", columns=("name", "algorithm", "zonesCount")),
    api.get("get-zone-tsig-key", "/zones/{zone}/key", title="Get zone TSIG key",
            doc="The TSIG key a zone uses for transfers.",
            params=(ZONE,)),
    api.put("set-zone-tsig-key", "/zones/{zone}/key", title="Set zone TSIG key",
            doc="Set or replace the TSIG key a zone uses for zone transfers.",
            params=(ZONE, body("name", "Key name, e.g. xfr.example.com.", required=True),
                    body("algorithm", "HMAC algorithm, e.g. hmac-sha256.", TsigAlgorithm, required=True),
                    body("secret", "Base64 shared secret.", required=True, min_length=1))),
    # Reference data
    api.get("list-dns-contracts", "/data/contracts", title="List DNS contracts",
            doc="Contracts a group can create zones in (ids like C-1ABC234, zone limits, features).",
            params=(GROUP,),
            items="contracts", columns=("contractId", "contractName", "zoneCount", "maximumZones"),
            handler=flows.send_with_ids),
    api.get("list-record-types", "/data/recordset-types", title="List DNS record types",
            doc="Record types a zone accepts.",
            params=(query("zone", "Zone name, e.g. example.com.", required=True),),
            items="types"),
]
