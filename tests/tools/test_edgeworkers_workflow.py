"""EdgeWorkers through the SDK client against the simulator: create an id, upload a bundle, activate, deactivate."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from pathlib import Path

import pytest

from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from alecs.services import Services
from tests.conformance.samples.edgeworkers import make_bundle
from tests.support.mcp import connect
from tests.support.waiting import poll
from tests.tools.workflow import error_text, ok


async def test_new_edgeworker_bundle_is_uploaded_and_activated_on_staging_with_progress(
        server: AlecsServer, sandbox: Sandbox, tmp_path: Path) -> None:
    async with connect(server) as client:
        created = await ok(client, "create-edgeworker", {"name": "hello-edge", "groupId": 10001,
                                                         "resourceTierId": 100})
        ew = created["edgeWorkerId"]
        assert (created["name"], created["groupId"], created["resourceTierId"]) == ("hello-edge", 10001, 100)

        bundle = make_bundle(tmp_path, "1", main="export function onClientRequest(r) { r.respondWith(200, {}, 'hi'); }")
        sandbox.server.request_log.clear()
        uploaded = await ok(client, "upload-edgeworker-version", {"edgeWorkerId": ew, "bundlePath": str(bundle)})
        assert uploaded["version"] == "1" and uploaded["edgeWorkerId"] == ew
        assert uploaded["bundle"]["files"] == ["bundle.json", "main.js"]
        assert uploaded["bundle"]["edgeworkerVersion"] == "1"
        (sent,) = sandbox.requests
        assert sent.headers.get("Content-Type") == "application/gzip"
        assert sent.body == bundle.read_bytes() and gzip.decompress(sent.body)

        versions = await ok(client, "list-edgeworker-versions", {"edgeWorkerId": ew})
        assert [v["version"] for v in versions["items"]] == ["1"]

        progress: list[tuple[float, float | None, str | None]] = []

        async def on_progress(done: float, total: float | None, message: str | None) -> None:
            progress.append((done, total, message))

        activation = await ok(client, "activate-edgeworker",
                              {"edgeWorkerId": ew, "version": "1", "network": "STAGING", "wait": True,
                               "timeoutSeconds": 30}, progress_callback=on_progress)
        assert activation["status"] == "COMPLETE" and activation["finished"] is True
        # The client runs progress callbacks as tasks of their own: the last may land just after the answer.
        await poll(lambda: progress and "COMPLETE" in (progress[-1][2] or ""), what="the final progress")
        assert any("PENDING" in (m or "") or "IN_PROGRESS" in (m or "") for _, _, m in progress)

        got = await ok(client, "get-edgeworker-activation", {"edgeWorkerId": ew,
                                                             "activationId": activation["activationId"]})
        assert (got["status"], got["network"], got["version"]) == ("COMPLETE", "STAGING", "1")
        live = await ok(client, "list-edgeworker-activations", {"edgeWorkerId": ew, "activeOnNetwork": True})
        assert [(a["network"], a["version"]) for a in live["items"]] == [("STAGING", "1")]


async def test_activation_without_wait_is_pending_and_polls_to_complete(server: AlecsServer) -> None:
    async with connect(server) as client:
        started = await ok(client, "activate-edgeworker", {"edgeWorkerId": 4201, "version": "1",
                                                           "network": "STAGING"})
        assert started["status"] == "PENDING" and "get-edgeworker-activation" in started["next"]
        ids = {"edgeWorkerId": 4201, "activationId": started["activationId"]}
        seen: list[str] = []

        async def complete() -> bool:
            seen.append((await ok(client, "get-edgeworker-activation", ids))["status"])
            return seen[-1] == "COMPLETE"

        await poll(complete, what="the activation to complete")  # the sandbox finishes it after 0.3 s
        assert seen[0] in ("PENDING", "IN_PROGRESS", "COMPLETE") and seen[-1] == "COMPLETE"


async def test_deactivation_waits_and_removes_the_active_version(server: AlecsServer) -> None:
    async with connect(server) as client:
        done = await ok(client, "deactivate-edgeworker", {"edgeWorkerId": 4201, "version": "1",
                                                          "network": "PRODUCTION", "wait": True})
        assert done["status"] == "COMPLETE"
        live = await ok(client, "list-edgeworker-activations", {"edgeWorkerId": 4201, "activeOnNetwork": True})
        assert [a["network"] for a in live["items"]] == ["STAGING"]


async def test_resource_tiers_and_logging_override_are_reported(server: AlecsServer) -> None:
    async with connect(server) as client:
        tiers = await ok(client, "list-edgeworker-resource-tiers", {"contractId": "ctr_C-0SANDBOX"})
        assert {t["resourceTierName"] for t in tiers["items"]} == {"Basic Compute", "Dynamic Compute"}
        tier = await ok(client, "get-edgeworker-resource-tier", {"edgeWorkerId": 4201})
        assert tier["resourceTierId"] == 100 and tier["edgeWorkerLimits"]
        await ok(client, "set-edgeworker-logging-level", {"edgeWorkerId": 4201, "network": "STAGING",
                                                          "level": "DEBUG"})
        overrides = await ok(client, "list-edgeworker-logging-overrides", {"edgeWorkerId": 4201})
        assert [(o["network"], o["level"]) for o in overrides["items"]] == [("STAGING", "DEBUG")]


# -- Akamai's errors, surfaced ---------------------------------------------------------------------------
async def test_unknown_edgeworker_is_akamais_404(server: AlecsServer) -> None:
    async with connect(server) as client:
        text = await error_text(client, "get-edgeworker", {"edgeWorkerId": 999999})
        assert "404" in text and "Not Found" in text and "999999" in text


async def test_same_version_twice_is_a_409_conflict(server: AlecsServer, tmp_path: Path) -> None:
    async with connect(server) as client:
        text = await error_text(client, "upload-edgeworker-version",
                                {"edgeWorkerId": 4201, "bundlePath": str(make_bundle(tmp_path, "1"))})
        assert "409" in text and "Conflict" in text and "already exists" in text


async def test_activating_a_missing_version_is_a_400_and_deleting_an_active_id_a_409(server: AlecsServer) -> None:
    async with connect(server) as client:
        text = await error_text(client, "activate-edgeworker", {"edgeWorkerId": 4201, "version": "7",
                                                                "network": "STAGING"})
        assert "400" in text and "Version 7 does not exist" in text
        text = await error_text(client, "delete-edgeworker", {"edgeWorkerId": 4201})
        assert "409" in text and "deactivate it first" in text


# -- The bundle is checked on disk before anything is sent ---------------------------------------------------
def _bad_paths(tmp_path: Path) -> dict[str, tuple[str, str]]:
    good = make_bundle(tmp_path, "5")
    plain = tmp_path / "plain.tgz"
    plain.write_text("not gzip")
    no_main = tmp_path / "no-main.tgz"
    with tarfile.open(no_main, "w:gz") as tar:
        data = b'{"edgeworker-version": "6"}'
        info = tarfile.TarInfo("bundle.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    no_version = make_bundle(tmp_path, "8", manifest={"description": "no version"})
    link = tmp_path / "link.tgz"
    link.symlink_to(good)
    folder = tmp_path / "folder.tgz"
    folder.mkdir()
    fifo = tmp_path / "pipe.tgz"
    os.mkfifo(fifo)
    return {
        "relative": ("bundle-5.tgz", "absolute path"),
        "not tgz": (str(tmp_path / "main.js"), "not a .tgz file"),
        "missing": (str(tmp_path / "nothing.tgz"), "No file at"),
        "not gzip": (str(plain), "not gzip-compressed"),
        "no main.js": (str(no_main), "no main.js"),
        "no version": (str(no_version), "edgeworker-version"),
        "symlink": (str(link), "symbolic link"),
        "directory": (str(folder), "not a regular file"),
        "fifo": (str(fifo), "not a regular file"),
    }


@pytest.mark.parametrize("case", ["relative", "not tgz", "missing", "not gzip", "no main.js", "no version",
                                  "symlink", "directory", "fifo"])
async def test_bad_bundle_paths_are_refused_before_any_request(case: str, server: AlecsServer, sandbox: Sandbox,
                                                               tmp_path: Path) -> None:
    bundle_path, message = _bad_paths(tmp_path)[case]
    async with connect(server) as client:
        sandbox.server.request_log.clear()
        for tool in ("upload-edgeworker-version", "validate-edgeworker-bundle"):
            args = {"bundlePath": bundle_path} | ({"edgeWorkerId": 4201} if tool.startswith("upload") else {})
            assert message in await error_text(client, tool, args)
        assert sandbox.requests == []


async def test_validation_reports_akamais_verdict_for_a_good_bundle(server: AlecsServer, tmp_path: Path) -> None:
    async with connect(server) as client:
        report = await ok(client, "validate-edgeworker-bundle", {"bundlePath": str(make_bundle(tmp_path, "4"))})
        assert report["valid"] is True and report["errors"] == []
        versions = await ok(client, "list-edgeworker-versions", {"edgeWorkerId": 4201})
        assert "4" not in [v["version"] for v in versions["items"]]


async def test_remote_sessions_read_bundles_only_from_the_upload_folder(fresh_sandbox, registry, tmp_path) -> None:
    from alecs.principal import CURRENT, Principal
    from tests.conformance.samples.edgeworkers import make_bundle
    from tests.support.mcp import make_server

    inside = tmp_path / "uploads"
    inside.mkdir()
    (tmp_path / "elsewhere").mkdir()
    allowed = make_bundle(inside, "1.0.0")
    outside = make_bundle(tmp_path / "elsewhere", "1.0.0")
    args: dict = {}
    token = CURRENT.set(Principal(token_id="tok_remote", scope="write"))
    try:
        for upload_dir, path, refusal in ((None, allowed, "off for remote sessions"),
                                          (str(inside), outside, "inside the upload folder"),
                                          (str(inside), allowed, None)):
            server = make_server(fresh_sandbox, registry, services=Services(upload_dir=upload_dir))
            async with connect(server) as client:
                result = await client.call_tool("validate-edgeworker-bundle", args | {"bundlePath": str(path)})
            server.client.close()
            if refusal:
                assert result.is_error and refusal in result.content[0].text
            else:
                assert not result.is_error, result.content[0].text
    finally:
        CURRENT.reset(token)
