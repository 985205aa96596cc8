"""Edge DNS (config-dns v2): zones, record sets, changelists, versions, zone files, DNSSEC, TSIG, bulk jobs."""

from __future__ import annotations

from typing import Any, Literal

from alecs.tools import dns_flows as flows
from alecs.tools.spec import Param, ToolSpec, body, local, path, query, tool

API = "config-dns/v2"
BASE = "/config-dns/v2"
TS = "dns"

ZoneType = Literal["PRIMARY", "SECONDARY", "ALIAS"]
Algorithm = Literal["RSA_SHA1", "RSA_SHA256", "RSA_SHA512", "ECDSA_P256_SHA256", "ECDSA_P384_SHA384"]
TsigAlgorithm = Literal["hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512"]

ZONE = path("zone", "Zone name, e.g. example.com.")
NAME = path("name", "Record name (fully qualified), e.g. www.example.com.")
TYPE = path("type", "Record type, e.g. A, AAAA, CNAME, TXT, MX, NS, SRV, CAA.")
TTL = body("ttl", "Time to live in seconds, e.g. 300.", int, required=True, ge=0, le=2147483647)
RDATA = body("rdata", "Record values, one per record: A 192.0.2.10; AAAA 2001:db8::1; CNAME www.example.net.; "
             "TXT \"v=spf1 -all\"; MX \"10 mail.example.com.\".", list[str], required=True, min_length=1)
CONTRACT = query("contractId", "Edge DNS contract ID, e.g. C-1ABC234 (a ctr_ prefix is removed).", required=True)
GROUP = query("groupId", "Group ID, e.g. 12345 or grp_12345.", required=True, api_name="gid")
SHOW_ALL = query("showAll", "Fetch every item in one answer (alecs pages it with limit/cursor).", bool, default=True)
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
    body("tsigKey", "SECONDARY zones: TSIG key {name, algorithm, secret} for zone transfers.", dict[str, Any]),
    body("endCustomerId", "Free-form end-customer id (resellers)."),
)


def _t(name: str, title: str, description: str, method: str, route: str, *params: Any, **kw: Any) -> ToolSpec:
    return tool(name, TS, title, description, method, BASE + route, API, *params, **kw)


ZONE_COLUMNS = ("zone", "type", "activationState", "versionId", "lastModifiedDate")
RECORD_COLUMNS = ("name", "type", "ttl", "rdata")

TOOLS: list[ToolSpec] = [
    # Zones
    _t("list-zones", "List DNS zones", "Edge DNS zones of the account (PRIMARY, SECONDARY, ALIAS) with their "
       "activation state.", "GET", "/zones", query("contractIds", "Comma-separated contract IDs, e.g. C-1ABC234."),
       query("types", "Comma-separated zone types, e.g. PRIMARY,SECONDARY."), SEARCH, SHOW_ALL,
       items="zones", columns=ZONE_COLUMNS),
    _t("get-zone", "Get DNS zone", "One zone's settings: type, current versionId, activation state, DNSSEC, "
       "masters (records: list-record-sets).", "GET", "/zones/{zone}", ZONE),
    _t("create-zone", "Create DNS zone", "Create a PRIMARY zone (Akamai serves its records; SOA and NS are "
       "created), a SECONDARY zone (transferred from masters) or an ALIAS zone (mirrors target).", "POST", "/zones",
       CONTRACT, GROUP, body("zone", "Zone name, e.g. example.com.", required=True, min_length=3, max_length=253),
       body("type", "PRIMARY, SECONDARY or ALIAS.", ZoneType, required=True), *SETTINGS,
       handler=flows.send_with_ids),
    _t("update-zone", "Update DNS zone settings", "Change a zone's settings (comment, masters, TSIG key, DNSSEC, "
       "alias target); fields left out keep their current value.", "PUT", "/zones/{zone}", ZONE, *SETTINGS,
       query("skipSignAndServeSafetyCheck", "Allow turning DNSSEC off while DS records may still exist.", bool),
       handler=flows.update_zone),
    _t("delete-zones", "Delete DNS zones", "Delete zones with a bulk delete request. Destructive: the zones stop "
       "resolving. Zones still delegated to Akamai fail unless bypassSafetyChecks. With wait, returns the result.",
       "POST", "/zones/delete-requests", ZONES,
       query("bypassSafetyChecks", "Delete even zones still delegated to Akamai name servers.", bool),
       WAIT, TIMEOUT, destructive=True, handler=flows.bulk_zones),
    _t("bulk-create-zones", "Bulk create DNS zones", "Create many zones in one asynchronous request. With wait, "
       "returns which zones were created and which failed.", "POST", "/zones/create-requests", CONTRACT, GROUP,
       body("zones", "Zones to create: [{zone, type, comment, masters, target}].", list[dict[str, Any]],
            required=True, min_length=1, max_length=1000),
       WAIT, TIMEOUT, handler=flows.bulk_zones),
    _t("get-bulk-zone-request", "Get bulk zone request", "Progress of a bulk zone create or delete request, "
       "and its per-zone result once complete.", "GET", "/zones/{kind}-requests/{requestId}",
       Param("kind", "create or delete: which kind of request.", Literal["create", "delete"], "path", True),
       REQUEST_ID, handler=flows.get_bulk_request),
    # Record sets
    _t("list-record-sets", "List DNS records", "Record sets of a zone (name, type, TTL, values), optionally "
       "filtered by type or name.", "GET", "/zones/{zone}/recordsets", ZONE, TYPES, SEARCH,
       query("sortBy", "Sort keys, e.g. name,type."), SHOW_ALL, items="recordsets", columns=RECORD_COLUMNS),
    _t("get-record-set", "Get DNS record", "One record set of a zone by name and type.", "GET",
       "/zones/{zone}/names/{name}/types/{type}", ZONE, NAME, TYPE),
    _t("create-record-set", "Add DNS record", "Add DNS records to a zone: creates the record set for one name and "
       "type (A, AAAA, CNAME, TXT, MX, NS, SRV, CAA...) and makes it live at once. For several changes at once use "
       "a changelist.", "POST", "/zones/{zone}/names/{name}/types/{type}", ZONE, NAME, TYPE, TTL, RDATA,
       handler=flows.save_record_set),
    _t("update-record-set", "Update DNS record", "Replace the values and TTL of an existing record set (e.g. "
       "change an A record's IPs or a TXT value); live at once.", "PUT", "/zones/{zone}/names/{name}/types/{type}",
       ZONE, NAME, TYPE, TTL, RDATA, handler=flows.save_record_set),
    _t("delete-record-set", "Delete DNS record", "Delete one record set (all values of a name and type). "
       "Destructive: the name stops resolving for that type.", "DELETE",
       "/zones/{zone}/names/{name}/types/{type}", ZONE, NAME, TYPE, destructive=True),
    _t("replace-record-sets", "Replace all DNS records", "Replace every record set of a zone with the given list "
       "(must include the apex SOA and NS). Destructive: records not listed are removed.", "PUT",
       "/zones/{zone}/recordsets", ZONE,
       body("recordsets", "All record sets: [{name, type, ttl, rdata}].", list[dict[str, Any]], required=True,
            min_length=1), destructive=True),
    # Changelists
    _t("list-changelists", "List DNS changelists", "Pending changelists (drafts of zone changes) and whether "
       "they are stale.", "GET", "/changelists", items="changeLists",
       columns=("zone", "zoneVersionId", "stale", "lastModifiedDate")),
    _t("create-changelist", "Create DNS changelist", "Start a changelist for a zone: a draft copy of its records "
       "to stage several changes and submit them together.", "POST", "/changelists",
       query("zone", "Zone name, e.g. example.com.", required=True),
       query("overwrite", "If one exists: none (refuse, default), stale (replace only a stale one) or any.",
             Literal["any", "stale", "none"])),
    _t("get-changelist", "Get DNS changelist", "A zone's changelist: the version it is based on and whether it "
       "is stale.", "GET", "/changelists/{zone}", ZONE),
    _t("add-changelist-change", "Stage DNS record change", "Stage adding, editing or deleting a record set (A, "
       "AAAA, CNAME, TXT, MX...) in the zone's changelist; nothing is live until submit-changelist.", "POST",
       "/changelists/{zone}/recordsets/add-change", ZONE,
       body("name", "Record name, e.g. www.example.com.", required=True),
       body("type", "Record type, e.g. A, TXT, MX.", required=True),
       body("op", "ADD, EDIT or DELETE.", Literal["ADD", "EDIT", "DELETE"], required=True),
       body("ttl", "TTL in seconds (ADD and EDIT).", int, ge=0, le=2147483647),
       body("rdata", "Record values (ADD and EDIT), e.g. [\"192.0.2.10\"].", list[str])),
    _t("get-changelist-diff", "Diff DNS changelist", "What submitting the changelist would change: record sets "
       "added, edited or deleted compared with its base version.", "GET", "/changelists/{zone}/diff", ZONE),
    _t("submit-changelist", "Submit DNS changelist", "Apply the changelist to the zone as a new version (live "
       "at once). Fails with 409 if the zone changed since the changelist was made.", "POST",
       "/changelists/{zone}/submit", ZONE, COMMENT,
       query("skipSignAndServeSafetyCheck", "Skip the DNSSEC safety check.", bool),
       handler=flows.submit_changelist),
    _t("delete-changelist", "Discard DNS changelist", "Discard a zone's changelist and its staged changes. "
       "Destructive for the draft only; live records are untouched.", "DELETE", "/changelists/{zone}", ZONE,
       destructive=True),
    # Versions and master zone files
    _t("list-zone-versions", "List DNS zone versions", "Versions of a zone, newest first (each change makes one).",
       "GET", "/zones/{zone}/versions", ZONE, SHOW_ALL, items="versions",
       columns=("versionId", "activationState", "lastModifiedDate", "lastModifiedBy")),
    _t("get-zone-version", "Get DNS zone version", "One zone version's settings and, by default, its record "
       "sets.", "GET", "/zones/{zone}/versions/{versionId}", ZONE, VERSION,
       local("includeRecordSets", "Also return the version's record sets.", bool, default=True),
       handler=flows.get_zone_version),
    _t("diff-zone-versions", "Diff DNS zone versions", "Record sets and settings that differ between two "
       "versions of a zone.", "GET", "/zones/{zone}/versions/diff", ZONE,
       query("from", "Older version ID.", required=True), query("to", "Newer version ID.", required=True)),
    _t("activate-zone-version", "Restore DNS zone version", "Make an older version's record sets live again "
       "(creates a new version). Destructive: current records are replaced.", "POST",
       "/zones/{zone}/versions/{versionId}/recordsets/activate", ZONE, VERSION, COMMENT, destructive=True),
    _t("get-zone-file", "Get DNS master zone file", "The zone as a BIND master file (text/dns), current or of "
       "one version.", "GET", "/zones/{zone}/zone-file", ZONE,
       local("versionId", "Version ID; current version when omitted."), handler=flows.get_zone_file),
    # Status
    _t("get-zone-transfer-status", "Get zone transfer status", "Last zone transfers (SOA/XFR) of SECONDARY zones "
       "from their masters, with serials and errors.", "POST", "/zones/zone-transfer-status", ZONES,
       read_only=True),
    _t("get-dnssec-status", "Get DNSSEC status", "DNSKEY and DS records and alerts of signed (signAndServe) "
       "zones: what to publish at the registrar.", "POST", "/zones/dns-sec-status", ZONES, read_only=True),
    # TSIG keys
    _t("list-tsig-keys", "List TSIG keys", "TSIG keys used by zones for zone transfers, with how many zones use "
       "each.", "GET", "/keys", query("contractIds", "Comma-separated contract IDs."), SEARCH,
       items="keys", columns=("name", "algorithm", "zonesCount")),
    _t("get-zone-tsig-key", "Get zone TSIG key", "The TSIG key a zone uses for transfers.", "GET",
       "/zones/{zone}/key", ZONE),
    _t("set-zone-tsig-key", "Set zone TSIG key", "Set or replace the TSIG key a zone uses for zone transfers.",
       "PUT", "/zones/{zone}/key", ZONE, body("name", "Key name, e.g. xfr.example.com.", required=True),
       body("algorithm", "HMAC algorithm, e.g. hmac-sha256.", TsigAlgorithm, required=True),
       body("secret", "Base64 shared secret.", required=True, min_length=1)),
    # Reference data
    _t("list-dns-contracts", "List DNS contracts", "Contracts a group can create zones in (ids like C-1ABC234, "
       "zone limits, features).", "GET", "/data/contracts", GROUP, items="contracts",
       columns=("contractId", "contractName", "zoneCount", "maximumZones"), handler=flows.send_with_ids),
    _t("list-record-types", "List DNS record types", "Record types a zone accepts.", "GET",
       "/data/recordset-types", query("zone", "Zone name, e.g. example.com.", required=True), items="types"),
]
