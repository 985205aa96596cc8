"""EdgeWorkers (v1): EdgeWorker ids, versions (code bundles), activations, resource tiers, logging overrides.

The EdgeKV and Edge diagnostics toolsets are declared in `edgekv.py` and `diagnostics.py`.
"""

from __future__ import annotations

from typing import Any, Literal

from alecs.tools import edgeworkers_flows as flows
from alecs.tools.spec import body, local, path, query, tool

API = "edgeworkers/v1"
BASE = "/edgeworkers/v1"
TS = "edgeworkers"

Network = Literal["STAGING", "PRODUCTION"]

EWID = path("edgeWorkerId", "EdgeWorker ID, a number such as 4201 (see list-edgeworkers).", int, ge=1)
VERSION = path("version", "EdgeWorker version, as in bundle.json's edgeworker-version, e.g. 1.0.2.")
GROUP = "Access group as a number: grp_12345 is 12345."
NETWORK = body("network", "STAGING or PRODUCTION.", Network, required=True)
BUNDLE = local("bundlePath", "Absolute path on the server's disk of a .tgz code bundle holding main.js and "
               "bundle.json (e.g. /home/me/hello/bundle.tgz). Only that regular file is read.",
               required=True, min_length=2, max_length=4096)
WAIT = local("wait", "Wait until it finishes (reports progress).", bool, default=False)
TIMEOUT = local("timeoutSeconds", "Longest wait, in seconds.", int, default=900, ge=1, le=7200)
JOB_COLUMNS = ("version", "network", "status", "createdTime")


def _t(name: str, title: str, description: str, method: str, route: str, *params: Any, **kw: Any) -> Any:
    return tool(name, TS, title, description, method, BASE + route, API, *params, **kw)


TOOLS = [
    # EdgeWorker ids
    _t("list-edgeworkers", "List EdgeWorkers", "EdgeWorker IDs of the account, optionally in one group or "
       "resource tier.", "GET", "/ids", query("groupId", "Only this group. " + GROUP, int, ge=1),
       query("resourceTierId", "Only this resource tier, e.g. 100.", int, ge=1), items="edgeWorkerIds",
       columns=("edgeWorkerId", "name", "groupId", "resourceTierId")),
    _t("get-edgeworker", "Get EdgeWorker", "One EdgeWorker ID: name, group, resource tier.", "GET",
       "/ids/{edgeWorkerId}", EWID),
    _t("create-edgeworker", "Create EdgeWorker", "Register a new EdgeWorker ID in a group with a resource tier "
       "(see list-edgeworker-resource-tiers). Returns its edgeWorkerId.", "POST", "/ids",
       body("name", "Name, e.g. hello-world.", required=True, min_length=1, max_length=128),
       body("groupId", GROUP, int, required=True, ge=1),
       body("resourceTierId", "Resource tier, e.g. 100 (Basic Compute) or 200 (Dynamic Compute).", int,
            required=True, ge=1),
       body("description", "What it does.", min_length=1, max_length=128)),
    _t("delete-edgeworker", "Delete EdgeWorker", "Delete an EdgeWorker ID and all its versions. Destructive: it "
       "must not be active on any network.", "DELETE", "/ids/{edgeWorkerId}", EWID, destructive=True),
    _t("list-edgeworker-properties", "List EdgeWorker properties", "Properties whose rules run this EdgeWorker.",
       "GET", "/ids/{edgeWorkerId}/properties", EWID,
       query("activeOnly", "Only properties with an active version that uses it.", bool), items="properties",
       columns=("propertyId", "propertyName", "stagingVersion", "productionVersion")),
    # Versions
    _t("list-edgeworker-versions", "List EdgeWorker versions", "Uploaded versions (code bundles) of an "
       "EdgeWorker.", "GET", "/ids/{edgeWorkerId}/versions", EWID, items="versions",
       columns=("version", "sequenceNumber", "createdTime", "checksum")),
    _t("get-edgeworker-version", "Get EdgeWorker version", "One version: checksum, author, time.", "GET",
       "/ids/{edgeWorkerId}/versions/{version}", EWID, VERSION),
    _t("upload-edgeworker-version", "Upload EdgeWorker bundle", "Create a version by uploading a .tgz code bundle "
       "from the server's disk. The bundle is checked first (gzip tarball with main.js and bundle.json); the "
       "version comes from bundle.json.", "POST", "/ids/{edgeWorkerId}/versions", EWID, BUNDLE,
       read_only=False, handler=flows.upload_version),
    _t("validate-edgeworker-bundle", "Validate EdgeWorker bundle", "Have Akamai check a .tgz code bundle on the "
       "server's disk without creating a version; returns errors and warnings.", "POST", "/validations", BUNDLE,
       read_only=True, handler=flows.validate_bundle),
    _t("delete-edgeworker-version", "Delete EdgeWorker version", "Delete a version. Destructive: it must not be "
       "active.", "DELETE", "/ids/{edgeWorkerId}/versions/{version}", EWID, VERSION, destructive=True),
    # Activations
    _t("list-edgeworker-activations", "List EdgeWorker activations", "Activations of an EdgeWorker, newest first; "
       "filter by version or network, or only the active ones.", "GET", "/ids/{edgeWorkerId}/activations", EWID,
       query("version", "Only this version."), query("network", "Only STAGING or PRODUCTION.", Network),
       query("activeOnNetwork", "Only the version currently active on each network.", bool),
       items="activations", columns=("activationId",) + JOB_COLUMNS),
    _t("get-edgeworker-activation", "Get EdgeWorker activation", "One activation's status (PENDING, IN_PROGRESS, "
       "COMPLETE, ...).", "GET", "/ids/{edgeWorkerId}/activations/{activationId}", EWID,
       path("activationId", "Activation ID, a number.", int, ge=1)),
    _t("activate-edgeworker", "Activate EdgeWorker", "Activate a version on STAGING or PRODUCTION. Production "
       "changes live traffic (destructive). With wait, polls until COMPLETE or failed.", "POST",
       "/ids/{edgeWorkerId}/activations", EWID, body("version", "Version to activate, e.g. 1.0.2.", required=True,
                                                      min_length=1), NETWORK,
       body("note", "Activation note.", min_length=1, max_length=500), WAIT, TIMEOUT, destructive=True,
       handler=flows.activate),
    _t("cancel-edgeworker-activation", "Cancel EdgeWorker activation", "Cancel an activation that has not "
       "finished. Destructive.", "DELETE", "/ids/{edgeWorkerId}/activations/{activationId}", EWID,
       path("activationId", "Activation ID, a number.", int, ge=1), destructive=True),
    _t("deactivate-edgeworker", "Deactivate EdgeWorker", "Deactivate the version active on a network; requests "
       "then run without it. Destructive. With wait, polls until COMPLETE.", "POST",
       "/ids/{edgeWorkerId}/deactivations", EWID, body("version", "Active version to deactivate.", required=True,
                                                        min_length=1), NETWORK,
       body("note", "Note.", min_length=1, max_length=500), WAIT, TIMEOUT, destructive=True,
       handler=flows.deactivate),
    _t("get-edgeworker-deactivation", "Get EdgeWorker deactivation", "One deactivation's status.", "GET",
       "/ids/{edgeWorkerId}/deactivations/{deactivationId}", EWID,
       path("deactivationId", "Deactivation ID, a number.", int, ge=1)),
    # Resource tiers
    _t("list-edgeworker-resource-tiers", "List resource tiers", "Resource tiers a contract offers, with their "
       "limits (CPU, memory, wall time, sub-requests).", "GET", "/resource-tiers",
       query("contractId", "Contract ID, e.g. C-1ABC234 or ctr_C-1ABC234.", required=True, min_length=1),
       items="resourceTiers", columns=("resourceTierId", "resourceTierName")),
    _t("get-edgeworker-resource-tier", "Get EdgeWorker resource tier", "The resource tier of an EdgeWorker and "
       "its limits.", "GET", "/ids/{edgeWorkerId}/resource-tier", EWID),
    # Logging overrides (not in Akamai's published definitions; shapes from Akamai's API documentation)
    _t("list-edgeworker-logging-overrides", "List logging overrides", "JavaScript logging level overrides of an "
       "EdgeWorker and their status.", "GET", "/ids/{edgeWorkerId}/loggings", EWID, items="loggings",
       columns=("loggingId", "network", "level", "status", "expirationTime"), published=False),
    _t("set-edgeworker-logging-level", "Override logging level", "Raise or lower an EdgeWorker's JavaScript "
       "logging level on a network for a while (default level ERROR), e.g. DEBUG while troubleshooting.",
       "POST", "/ids/{edgeWorkerId}/loggings", EWID, NETWORK,
       body("level", "TRACE, DEBUG, INFO, WARN or ERROR.", Literal["TRACE", "DEBUG", "INFO", "WARN", "ERROR"],
            required=True),
       body("ds2Id", "DataStream 2 stream that receives the logs.", int, ge=1), published=False),
]
