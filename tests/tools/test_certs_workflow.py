"""Certificates (CPS) through the SDK client against the simulator: a DV enrollment from request to production."""

from __future__ import annotations

import pytest

from alecs.errors import AkamaiError
from alecs.sandbox.server import Sandbox
from alecs.server import AlecsServer
from tests.conformance.samples.certs import new_enrollment
from tests.support.mcp import connect
from tests.tools.workflow import assert_requests_match, error_text, ok


async def test_dv_enrollment_goes_from_request_through_acknowledgements_to_production(server: AlecsServer,
                                                                                    fresh_sandbox: Sandbox) -> None:
    async with connect(server) as client:
        request = new_enrollment("shop.example.com", ["shop.example.com", "shop.example.net"])
        created = await ok(client, "create-enrollment", request | {"changeManagement": True})
        enrollment, change = created["enrollmentId"], created["changeId"]
        ids = {"enrollmentId": enrollment, "changeId": change}

        got = await ok(client, "get-enrollment", {"enrollmentId": enrollment})
        assert got["validationType"] == "dv" and got["ra"] == "lets-encrypt"
        assert got["pendingChanges"] == [{"location": f"/cps/v2/enrollments/{enrollment}/changes/{change}",
                                          "changeType": "new-certificate"}]

        # A SAN outside the common name's domain stops the change at pre-verification warnings.
        status = await ok(client, "get-enrollment-change", ids)
        assert (status["state"], status["status"]) == ("awaiting-input", "wait-review-pre-verification-safety-checks")
        assert any("inputType=pre-verification-warnings-ack" in step for step in status["next"])
        warnings = await ok(client, "get-enrollment-change-info", ids | {"inputType": "pre-verification-warnings"})
        assert "shop.example.net" in warnings["warnings"]
        await ok(client, "acknowledge-enrollment-change", ids | {"inputType": "pre-verification-warnings-ack"})

        # Then it waits for the DV challenges of every domain.
        status = await ok(client, "get-enrollment-change", ids)
        assert status["status"] == "coodinate-domain-validation"
        dv = await ok(client, "get-dv-challenges", ids)
        assert sorted(d["domain"] for d in dv["dv"]) == ["shop.example.com", "shop.example.net"]
        http = next(c for c in dv["dv"][0]["challenges"] if c["type"] == "http-01")
        assert http["fullPath"].startswith(f"http://{dv['dv'][0]['domain']}/.well-known/acme-challenge/")
        assert http["responseBody"]
        await ok(client, "acknowledge-enrollment-change", ids | {"inputType": "lets-encrypt-challenges-completed"})

        # Validation and the staging deployment take time; waiting reports progress and stops at change management.
        progress: list[tuple[float, float | None, str | None]] = []

        async def on_progress(done: float, total: float | None, message: str | None) -> None:
            progress.append((done, total, message))

        status = await ok(client, "get-enrollment-change", ids | {"wait": True, "timeoutSeconds": 30},
                          progress_callback=on_progress)
        assert status["finished"] is True
        assert (status["state"], status["status"]) == ("awaiting-input", "wait-ack-change-management")
        assert progress and any("running" in (m or "") for _, _, m in progress)
        staging = await ok(client, "get-enrollment-deployment", {"enrollmentId": enrollment, "network": "staging"})
        assert "certificate" not in staging["primaryCertificate"]  # PEM bodies only with full=true
        pem = await ok(client, "get-enrollment-deployment", {"enrollmentId": enrollment, "network": "staging",
                                                                 "full": True})
        assert pem["primaryCertificate"]["certificate"].startswith("-----BEGIN CERTIFICATE-----")
        assert "no certificate on production" in await error_text(
            client, "get-enrollment-deployment", {"enrollmentId": enrollment, "network": "production"})

        # Approving change management (the tool sends the validation hash) lets it reach production.
        await ok(client, "acknowledge-enrollment-change", ids | {"inputType": "change-management-ack"})
        status = await ok(client, "get-enrollment-change", ids | {"wait": True, "timeoutSeconds": 30})
        assert (status["state"], status["status"]) == ("completed", "complete")

        deployments = await ok(client, "list-enrollment-deployments", {"enrollmentId": enrollment})
        assert deployments["production"]["primaryCertificate"] == deployments["staging"]["primaryCertificate"]
        history = await ok(client, "get-enrollment-change-history", {"enrollmentId": enrollment})
        assert [(c["action"], c["status"]) for c in history["items"]] == [("new-certificate", "completed")]
        certs = await ok(client, "get-certificate-history", {"enrollmentId": enrollment})
        assert [(c["stagingStatus"], c["deploymentStatus"]) for c in certs["items"]] == [("active", "active")]
        dv_history = await ok(client, "get-dv-history", {"enrollmentId": enrollment})
        assert {d["domain"] for d in dv_history["items"]} == {"shop.example.com", "shop.example.net"}
        assert (await ok(client, "get-enrollment", {"enrollmentId": enrollment}))["pendingChanges"] == []
        listed = await ok(client, "list-enrollments", {"contractId": "ctr_C-0SANDBOX"})
        assert enrollment in [e["id"] for e in listed["items"]]
    assert_requests_match(fresh_sandbox, "cps/v2")


async def test_changing_sans_starts_a_new_change_and_a_pending_one_blocks_it(server: AlecsServer) -> None:
    async with connect(server) as client:
        updated = await ok(client, "update-enrollment", {"enrollmentId": 10001, "changes": {
            "csr": {"sans": ["www.example.com", "static.example.com", "cdn.example.com"]}}})
        assert updated["changeId"]
        got = await ok(client, "get-enrollment", {"enrollmentId": 10001})
        assert "cdn.example.com" in got["csr"]["sans"]
        assert got["pendingChanges"][0]["changeType"] == "modify-san"
        text = await error_text(client, "update-enrollment", {"enrollmentId": 10001, "changes": {
            "csr": {"sans": ["www.example.com"]}}})
        assert "409" in text and "allow-cancel-pending-changes" in text


async def test_unknown_enrollment_is_akamais_404(server: AlecsServer) -> None:
    async with connect(server) as client:
        text = await error_text(client, "get-enrollment", {"enrollmentId": 99999})
        assert "Akamai error 404: Enrollment not found" in text


async def test_invalid_san_is_a_400_naming_the_field(server: AlecsServer) -> None:
    async with connect(server) as client:
        text = await error_text(client, "create-enrollment", new_enrollment("bad_name!.example.com", []))
        assert "Akamai error 400: Invalid enrollment" in text and "csr" in text


async def test_acknowledging_input_the_change_does_not_await_is_refused(server: AlecsServer) -> None:
    async with connect(server) as client:
        text = await error_text(client, "acknowledge-enrollment-change", {
            "enrollmentId": 10002, "changeId": 20002, "inputType": "post-verification-warnings-ack"})
        assert "Input not allowed" in text and "lets-encrypt-challenges-completed" in text


async def test_cancelled_change_cannot_be_cancelled_again(server: AlecsServer) -> None:
    async with connect(server) as client:
        await ok(client, "cancel-enrollment-change", {"enrollmentId": 10002, "changeId": 20002})
        status = await ok(client, "get-enrollment-change", {"enrollmentId": 10002, "changeId": 20002})
        assert status["state"] == "cancelled"
        assert "409" in await error_text(client, "cancel-enrollment-change", {"enrollmentId": 10002, "changeId": 20002})


@pytest.mark.parametrize(("headers", "status"), [
    ({"Accept": "application/json"}, 406),
    ({"Accept": "application/vnd.akamai.cps.enrollment-status.v1+json", "Content-Type": "application/json"}, 415),
])
async def test_simulator_refuses_media_types_cps_does_not_serve(server: AlecsServer, headers: dict[str, str],
                                                               status: int) -> None:
    method = "PUT" if "Content-Type" in headers else "GET"
    with pytest.raises(AkamaiError) as caught:
        await server.client.request("default", method, "/cps/v2/enrollments/10001", headers=headers,
                                    json_body={} if method == "PUT" else None)
    assert caught.value.status == status


async def test_certificates_expiring_within_n_days_come_from_one_call(server: AlecsServer,
                                                                      fresh_sandbox: Sandbox) -> None:
    progress: list[float] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append(done)

    async with connect(server) as client:
        fresh_sandbox.server.request_log.clear()
        soon = await client.call_tool("list-expiring-certificates", {"contractId": "ctr_C-0SANDBOX", "days": 120},
                                      progress_callback=on_progress)
        assert not soon.is_error, soon.content[0].text
        data = soon.structured_content
        # The seeded Let's Encrypt certificate of enrollment 10001 expires in about 90 days; 10002 has none yet.
        [row] = data["items"]
        assert row["enrollmentId"] == 10001 and 85 <= row["daysLeft"] <= 90
        assert row["sans"] == ["www.example.com", "static.example.com"]
        assert data["withoutCertificate"] == [10002] and data["enrollmentsChecked"] == 2
        text = soon.content[0].text
        assert "- enrollmentId=10001, cn=www.example.com, sans=[www.example.com, static.example.com]" in text
        assert "withoutCertificate: [10002]" in text
        # One list, then one read of each enrollment's deployments; progress for each.
        paths = sorted(r.path for r in fresh_sandbox.requests)
        assert paths == ["/cps/v2/enrollments", "/cps/v2/enrollments/10001/deployments",
                         "/cps/v2/enrollments/10002/deployments"]
        assert progress and max(progress) == 2
        assert_requests_match(fresh_sandbox, "cps/v2", "/cps/")

        later = await ok(client, "list-expiring-certificates", {"contractId": "C-0SANDBOX", "days": 30})
        assert later["items"] == [] and later["total"] == 0
