"""EdgeWorkers (v1): EdgeWorker ids, versions (code bundles), activations, resource tiers, logging overrides.

The EdgeKV and Edge diagnostics toolsets are declared in `edgekv.py` and `diagnostics.py`.
"""

from __future__ import annotations

from typing import Literal

from alecs.tools import edgeworkers_flows as flows
from alecs.tools.declare import Api, Toolset, body, local, path, query
from alecs.tools.spec import ToolSpec

EDGEWORKERS = Toolset("edgeworkers", "EdgeWorkers: ids, versions and bundles, activations, resource tiers, logging")
api = Api("edgeworkers/v1", toolset=EDGEWORKERS, base=flows.BASE, network="none")

Network = Literal["STAGING", "PRODUCTION"]

EWID = path("edgeWorkerId", "EdgeWorker ID, a number such as 4201 (see list-edgeworkers).", int, ge=1)
VERSION = path("version", "EdgeWorker version number, e.g. 3 (see list-edgeworker-versions).", int, ge=1)
GROUP = "Access group as a number: grp_12345 is 12345."
NETWORK = body("network", "STAGING or PRODUCTION.", Network, required=True)
BUNDLE = local("bundlePath", "Absolute path on the server's disk of a .tgz code bundle holding main.js and "
               "bundle.json (e.g. /home/me/hello/bundle.tgz). Only that regular file is read.",
               required=True, min_length=2, max_length=4096)
WAIT = local("wait", "Wait until it finishes (reports progress).", bool, default=False)
TIMEOUT = local("timeoutSeconds", "Longest wait, in seconds.", int, default=900, ge=1, le=7200)
JOB_COLUMNS = ("version", "network", "status", "createdTime")


TOOLS: list[ToolSpec] = [
    # EdgeWorker ids
    api.get("list-edgeworkers", "/ids", title="List EdgeWorkers",
            doc="EdgeWorker IDs of the account, optionally in one group or resource tier.",
            params=(query("groupId", "Only this group. " + GROUP, int, ge=1),
                    query("resourceTierId", "Only this resource tier, e.g. 100.", int, ge=1)),
            items="edgeWorkerIds", columns=("edgeWorkerId", "name", "groupId", "resourceTierId")),
    api.get("get-edgeworker", "/ids/{edgeWorkerId}", title="Get EdgeWorker",
            doc="One EdgeWorker ID: name, group, resource tier.",
            params=(EWID,)),
    api.post("create-edgeworker", "/ids", title="Create EdgeWorker",
             doc="Register a new EdgeWorker ID in a group with a resource tier (see "
                 "list-edgeworker-resource-tiers). Returns its edgeWorkerId.",
             params=(body("name", "Name, e.g. hello-world.", required=True, min_length=1, max_length=128),
                     body("groupId", GROUP, int, required=True, ge=1),
                     body("resourceTierId", "Resource tier, e.g. 100 (Basic Compute) or 200 (Dynamic Compute).", int,
                          required=True, ge=1), body("description", "What it does.", min_length=1, max_length=128))),
    api.delete("delete-edgeworker", "/ids/{edgeWorkerId}", title="Delete EdgeWorker",
               doc="Delete an EdgeWorker ID and all its versions. Destructive: it must not be active on any network.",
               params=(EWID,),
               destructive=True),
    api.get("list-edgeworker-properties", "/ids/{edgeWorkerId}/properties", title="List EdgeWorker properties",
            doc="Properties whose rules run this EdgeWorker.",
            params=(EWID, query("activeOnly", "Only properties with an active version that uses it.", bool)),
            items="properties", columns=("propertyId", "propertyName", "stagingVersion", "productionVersion")),
    # Versions
    api.get("list-edgeworker-versions", "/ids/{edgeWorkerId}/versions", title="List EdgeWorker versions",
            doc="Uploaded versions (code bundles) of an EdgeWorker.",
            params=(EWID,),
            items="versions", columns=("version", "sequenceNumber", "createdTime", "checksum")),
    api.get("get-edgeworker-version", "/ids/{edgeWorkerId}/versions/{version}", title="Get EdgeWorker version",
            doc="One version: checksum, author, time.",
            params=(EWID, VERSION)),
    api.post("upload-edgeworker-version", "/ids/{edgeWorkerId}/versions", title="Upload EdgeWorker bundle",
             doc="Create a version by uploading a .tgz code bundle from the server's disk. The bundle is checked "
                 "first (gzip tarball with main.js and bundle.json); the version comes from bundle.json.",
             params=(EWID, BUNDLE),
             handler=flows.upload_version),
    api.post("validate-edgeworker-bundle", "/validations", title="Validate EdgeWorker bundle",
             doc="Have Akamai check a .tgz code bundle on the server's disk without creating a version; returns "
                 "errors and warnings.",
             params=(BUNDLE,),
             read_only=True, handler=flows.validate_bundle),
    api.delete("delete-edgeworker-version", "/ids/{edgeWorkerId}/versions/{version}",
               title="Delete EdgeWorker version",
               doc="Delete a version. Destructive: it must not be active.",
               params=(EWID, VERSION),
               destructive=True),
    # Activations
    api.get("list-edgeworker-activations", "/ids/{edgeWorkerId}/activations", title="List EdgeWorker activations",
            doc="Activations of an EdgeWorker, newest first; filter by version or network, or only the active ones.",
            params=(EWID, query("version", "Only this version."),
                    query("network", "Only STAGING or PRODUCTION.", Network),
                    query("activeOnNetwork", "Only the version currently active on each network.", bool)),
            items="activations", columns=("activationId",) + JOB_COLUMNS),
    api.get("get-edgeworker-activation", "/ids/{edgeWorkerId}/activations/{activationId}",
            title="Get EdgeWorker activation",
            doc="One activation's status (PENDING, IN_PROGRESS, COMPLETE, ...).",
            params=(EWID, path("activationId", "Activation ID, a number.", int, ge=1))),
    api.post("activate-edgeworker", "/ids/{edgeWorkerId}/activations", title="Activate EdgeWorker",
             doc="Activate a version on STAGING or PRODUCTION. Production changes live traffic (destructive). With "
                 "wait, polls until COMPLETE or failed.",
             params=(EWID, body("version", "Version to activate, e.g. 1.0.2.", required=True, min_length=1), NETWORK,
                     body("note", "Activation note.", min_length=1, max_length=500), WAIT, TIMEOUT),
             destructive=True, handler=flows.activate,
             network="argument:network", confirm=True, preview=flows.activation_preview),
    api.delete("cancel-edgeworker-activation", "/ids/{edgeWorkerId}/activations/{activationId}",
               title="Cancel EdgeWorker activation",
               doc="Cancel an activation that has not finished. Destructive.",
               params=(EWID, path("activationId", "Activation ID, a number.", int, ge=1)),
               destructive=True,
               network="production"),
    api.post("deactivate-edgeworker", "/ids/{edgeWorkerId}/deactivations", title="Deactivate EdgeWorker",
             doc="Deactivate the version active on a network; requests then run without it. Destructive. With wait, "
                 "polls until COMPLETE.",
             params=(EWID, body("version", "Active version to deactivate.", required=True, min_length=1), NETWORK,
                     body("note", "Note.", min_length=1, max_length=500), WAIT, TIMEOUT),
             destructive=True, handler=flows.deactivate,
             network="argument:network", confirm=True, preview=flows.activation_preview),
    api.get("get-edgeworker-deactivation", "/ids/{edgeWorkerId}/deactivations/{deactivationId}",
            title="Get EdgeWorker deactivation",
            doc="One deactivation's status.",
            params=(EWID, path("deactivationId", "Deactivation ID, a number.", int, ge=1))),
    # Resource tiers
    api.get("list-edgeworker-resource-tiers", "/resource-tiers", title="List resource tiers",
            doc="Resource tiers a contract offers, with their limits (CPU, memory, wall time, sub-requests).",
            params=(query("contractId", "Contract ID, e.g. C-1ABC234 or ctr_C-1ABC234.", required=True, min_length=1),),
            items="resourceTiers", columns=("resourceTierId", "resourceTierName")),
    api.get("get-edgeworker-resource-tier", "/ids/{edgeWorkerId}/resource-tier",
            title="Get EdgeWorker resource tier",
            doc="The resource tier of an EdgeWorker and its limits.",
            params=(EWID,)),
    # Logging overrides (not in Akamai's published definitions; shapes from Akamai's API documentation)
    api.get("list-edgeworker-logging-overrides", "/ids/{edgeWorkerId}/loggings", title="List logging overrides",
            doc="JavaScript logging level overrides of an EdgeWorker and their status.",
            params=(EWID,),
            items="loggings", columns=("loggingId", "network", "level", "status", "expirationTime"), published=False),
    api.post("set-edgeworker-logging-level", "/ids/{edgeWorkerId}/loggings", title="Override logging level",
             doc="Raise or lower an EdgeWorker's JavaScript logging level on a network for a while (default level "
                 "ERROR), e.g. DEBUG while troubleshooting.",
             params=(EWID, NETWORK,
                     body("level", "TRACE, DEBUG, INFO, WARN or ERROR.",
                          Literal["TRACE", "DEBUG", "INFO", "WARN", "ERROR"], required=True),
                     body("ds2Id", "DataStream 2 stream that receives the logs.", int, ge=1)),
             published=False,
             network="argument:network"),
]
