"""Samples for the EdgeWorkers, EdgeKV and Edge diagnostics tools (seeded ids: see the sandbox modules)."""

from __future__ import annotations

import io
import json
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from mcp import Client

from alecs.tools import edgekv
from tests.conformance.samples.base import BY_NAME, OVERRIDES, call_ok, prepares

EW = 4201  # hello-world: version 1 active on STAGING and PRODUCTION


def make_bundle(folder: Path, version: str, *, main: str | None = None, manifest: Any = None) -> Path:
    """A .tgz code bundle as `tar -czf` makes it: main.js and bundle.json at the top level."""
    files = {"main.js": main if main is not None else "export function onClientRequest(request) {}\n",
             "bundle.json": json.dumps(manifest if manifest is not None else
                                       {"edgeworker-version": version, "description": "sample"})}
    target = folder / f"bundle-{version}.tgz"
    with tarfile.open(target, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


def _bundle(version: str) -> str:
    return str(make_bundle(Path(tempfile.mkdtemp(prefix="alecs-ew-")), version))


BY_NAME.update({"edgeWorkerId": EW, "namespaceId": "default"})

# -- EdgeWorkers -----------------------------------------------------------------------------------------
OVERRIDES.update({
    "list-edgeworkers": {"groupId": 10001},
    "create-edgeworker": {"name": "image-resizer", "groupId": 10001, "resourceTierId": 100},
    "delete-edgeworker": {"edgeWorkerId": 4202},
    "get-edgeworker-version": {"version": "1"},
    "list-edgeworker-activations": {"version": "1"},
    "get-edgeworker-activation": {"activationId": 1},
    "activate-edgeworker": {"version": "1", "network": "STAGING", "note": "conformance"},
    "deactivate-edgeworker": {"version": "1", "network": "STAGING"},
    "list-edgeworker-resource-tiers": {"contractId": "ctr_C-0SANDBOX"},
    "set-edgeworker-logging-level": {"network": "STAGING", "level": "DEBUG"},
})


@prepares("upload-edgeworker-version")
async def _upload(client: Client) -> dict[str, Any]:
    return {"bundlePath": _bundle("2")}


@prepares("validate-edgeworker-bundle")
async def _validate(client: Client) -> dict[str, Any]:
    return {"bundlePath": _bundle("3")}


@prepares("delete-edgeworker-version")
async def _deletable_version(client: Client) -> dict[str, Any]:
    await call_ok(client, "upload-edgeworker-version", {"edgeWorkerId": EW, "bundlePath": _bundle("9")})
    return {"version": "9"}


@prepares("cancel-edgeworker-activation")
async def _pending_activation(client: Client) -> dict[str, Any]:
    out = await call_ok(client, "activate-edgeworker", {"edgeWorkerId": EW, "version": "1",
                                                         "network": "STAGING"})
    return {"activationId": out["activationId"]}


@prepares("get-edgeworker-deactivation")
async def _deactivation(client: Client) -> dict[str, Any]:
    out = await call_ok(client, "deactivate-edgeworker", {"edgeWorkerId": EW, "version": "1",
                                                           "network": "PRODUCTION"})
    return {"deactivationId": out["deactivationId"]}


# -- EdgeKV: lowercase networks, the seeded "default" namespace and its "countries" group --------------------
for _spec in edgekv.TOOLS:
    _names = {p.name for p in _spec.params}
    _args = {k: v for k, v in {"network": "staging", "group": "countries", "item": "US"}.items() if k in _names}
    OVERRIDES[_spec.name] = OVERRIDES.get(_spec.name, {}) | _args

OVERRIDES["create-edgekv-namespace"] |= {"namespace": "marketing", "retentionInSeconds": 0, "groupId": 0}
OVERRIDES["update-edgekv-namespace"] |= {"namespace": "default", "retentionInSeconds": 86400}
OVERRIDES["write-edgekv-item"] |= {"item": "BE", "value": {"name": "Belgium", "currency": "\u20ac"}}
OVERRIDES["delete-edgekv-item"] |= {"item": "DE"}
OVERRIDES["create-edgekv-token"] = {"name": "conformance_token", "allowOnStaging": True, "allowOnProduction": False,
                                    "expiry": "2030-01-31", "namespacePermissions": {"default": ["r", "w"]}}


# -- Edge diagnostics --------------------------------------------------------------------------------------
@prepares("get-diagnostic-result")
async def _diagnostic(client: Client) -> dict[str, Any]:
    out = await call_ok(client, "translate-error", {"errorCode": "18.2a3c2f17.1621415935.409841", "wait": False})
    return {"scenario": "error-translator", "requestId": out["requestId"]}
