"""Network lists through the SDK client against the simulator: build a list, edit it, activate it, read status."""

from __future__ import annotations

from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from tests.support.mcp import connect
from tests.tools.workflow import assert_requests_match, error_text, ok


async def test_list_is_created_edited_and_activated_on_staging_with_progress(server: AlecsServer,
                                                                            fresh_sandbox: Sandbox) -> None:
    async with connect(server) as client:
        created = await ok(client, "create-network-list", {"name": "Partner offices", "type": "IP",
                                                           "list": ["203.0.113.0/24"]})
        lid = created["uniqueId"]
        assert lid.endswith("_PARTNEROFFICES") and created["syncPoint"] == 1

        appended = await ok(client, "append-network-list-elements", {"networkListId": lid,
                                                                    "list": ["198.51.100.10", "2001:db8::/32"]})
        assert appended["list"] == ["203.0.113.0/24", "198.51.100.10", "2001:db8::/32"]
        removed = await ok(client, "remove-network-list-element", {"networkListId": lid, "element": "198.51.100.10"})
        assert removed["list"] == ["203.0.113.0/24", "2001:db8::/32"] and removed["syncPoint"] == 3

        before = await ok(client, "get-network-list-activation-status", {"networkListId": lid,
                                                                        "network": "STAGING"})
        assert before["activationStatus"] == "INACTIVE"

        progress: list[tuple[float, float | None, str | None]] = []

        async def on_progress(done: float, total: float | None, message: str | None) -> None:
            progress.append((done, total, message))

        activated = await ok(client, "activate-network-list", {
            "networkListId": lid, "network": "STAGING", "comments": "partners", "wait": True,
            "timeoutSeconds": 30}, progress_callback=on_progress)
        assert activated["finished"] is True and activated["activationStatus"] == "ACTIVE"
        assert any("PENDING_ACTIVATION" in (m or "") for _, _, m in progress)
        assert progress[-1][2] is not None and progress[-1][2].startswith("ACTIVE")

        status = await ok(client, "get-network-list-activation-status", {"networkListId": lid,
                                                                        "network": "STAGING"})
        assert (status["activationStatus"], status["syncPoint"]) == ("ACTIVE", 3)
        assert status["activationComments"] == "partners"
        production = await ok(client, "get-network-list-activation-status", {"networkListId": lid,
                                                                            "network": "PRODUCTION"})
        assert production["activationStatus"] == "INACTIVE"
        details = await ok(client, "get-network-list-activation", {"activationId": activated["activationId"]})
        assert details["environment"] == "STAGING" and details["initial"] is True
        snapshot = await ok(client, "get-network-list-snapshot", {"networkListId": lid, "syncPoint": 3})
        assert snapshot["list"] == ["203.0.113.0/24", "2001:db8::/32"]

        # A later edit shows the staging copy as MODIFIED until activated again.
        await ok(client, "append-network-list-elements", {"networkListId": lid, "list": ["192.0.2.1"]})
        got = await ok(client, "get-network-list", {"networkListId": lid, "extended": True})
        assert got["stagingActivationStatus"] == "MODIFIED" and got["productionActivationStatus"] == "INACTIVE"
    assert_requests_match(fresh_sandbox, "network-lists/v2", "/network-list/v2")


async def test_update_with_a_stale_sync_point_is_akamais_409(server: AlecsServer) -> None:
    async with connect(server) as client:
        got = await ok(client, "get-network-list", {"networkListId": "1024_BLOCKEDIPS"})
        args = {"networkListId": "1024_BLOCKEDIPS", "name": got["name"], "type": "IP",
                "list": got["list"] + ["192.0.2.200"], "syncPoint": got["syncPoint"]}
        updated = await ok(client, "update-network-list", args)
        assert updated["syncPoint"] == got["syncPoint"] + 1
        text = await error_text(client, "update-network-list", args)
        assert "Akamai error 409: Conflict" in text and "stale" in text


async def test_active_list_cannot_be_deleted(server: AlecsServer) -> None:
    async with connect(server) as client:
        text = await error_text(client, "delete-network-list", {"networkListId": "1024_BLOCKEDIPS"})
        assert "Akamai error 409" in text and "cannot be deleted" in text


async def test_elements_of_the_wrong_kind_are_a_400(server: AlecsServer) -> None:
    async with connect(server) as client:
        text = await error_text(client, "append-network-list-elements", {"networkListId": "1025_EMBARGOEDGEOS",
                                                                        "list": ["192.0.2.1"]})
        assert "Akamai error 400: Invalid network list elements" in text and "country codes" in text


async def test_unknown_list_is_a_404(server: AlecsServer) -> None:
    async with connect(server) as client:
        text = await error_text(client, "get-network-list", {"networkListId": "999_NOPE"})
        assert "Akamai error 404" in text and "999_NOPE" in text
