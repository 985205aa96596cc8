"""The simulator verifies EdgeGrid exactly as Akamai does: known-answer vectors and tampered requests."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from akamai.edgegrid import EdgeGridAuth, edgegrid

from alecs.sandbox.edgegrid import TIMESTAMP_FORMAT, Client, SignatureError, Verifier
from alecs.sandbox.server import Sandbox
from tests.openapi_defs import REPO

VECTORS = Path(REPO.parent / "shared" / "edgegrid-vectors")


def _vectors() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if not (VECTORS / "testcases.json").exists():
        pytest.skip(f"EdgeGrid vectors not found at {VECTORS}")
    return json.loads((VECTORS / "testdata.json").read_text()), json.loads((VECTORS / "testcases.json").read_text())


def _vector_request(data: dict[str, Any], case: dict[str, Any]) -> tuple[str, str, str, dict[str, str], bytes]:
    req = case["request"]
    headers: dict[str, str] = {}
    for h in req.get("headers", []):
        headers.update(h)
    host = headers.get("Host") or data["base_url"].split("//", 1)[1].rstrip("/")
    headers["Authorization"] = case["expectedAuthorization"]
    return req["method"], host, req["path"], headers, (req.get("data") or "").encode()


def _vector_verifier(data: dict[str, Any]) -> tuple[Verifier, float]:
    client = Client(data["client_token"], data["client_secret"], data["access_token"], data["max_body"])
    ts = datetime.strptime(data["timestamp"], TIMESTAMP_FORMAT).replace(tzinfo=UTC).timestamp()
    return Verifier([client], headers_to_sign=data["headers_to_sign"]), ts


def test_verifier_accepts_every_akamai_known_answer_vector() -> None:
    data, cases = _vectors()
    assert len(cases) >= 10
    for case in cases:
        verifier, ts = _vector_verifier(data)
        verifier.verify(*_vector_request(data, case), now=ts)


def test_verifier_refuses_each_vector_with_one_byte_of_signature_changed() -> None:
    data, cases = _vectors()
    for case in cases:
        verifier, ts = _vector_verifier(data)
        method, host, path, headers, body = _vector_request(data, case)
        auth = headers["Authorization"]
        headers["Authorization"] = auth[:-2] + ("A" if auth[-2] != "A" else "B") + auth[-1]
        with pytest.raises(SignatureError, match="signature"):
            verifier.verify(method, host, path, headers, body, now=ts)


# -- differential: the real signer (edgegrid-python, as alecs uses it) against the running simulator ----------
def _signed(sandbox: Sandbox, method: str, path: str, body: Any = None) -> requests.PreparedRequest:
    creds = sandbox.credentials()
    auth = EdgeGridAuth(client_token=creds.client_token, client_secret=creds.client_secret,
                        access_token=creds.access_token)
    req = requests.Request(method, f"https://{sandbox.host}{path}", json=body,
                           headers={"PAPI-Use-Prefixes": "true"}).prepare()
    return auth(req)


def _send(sandbox: Sandbox, prepared: requests.PreparedRequest) -> requests.Response:
    with requests.Session() as s:
        return s.send(prepared, verify=str(sandbox.ca_path), timeout=10)


def test_signed_request_from_edgegrid_python_is_accepted(fresh_sandbox: Sandbox) -> None:
    resp = _send(fresh_sandbox, _signed(fresh_sandbox, "GET", "/papi/v1/groups"))
    assert resp.status_code == 200, resp.text
    assert resp.json()["groups"]["items"]


@pytest.mark.parametrize("tamper", ["body", "path", "query", "host"])
def test_tampered_request_is_refused_with_401(fresh_sandbox: Sandbox, tamper: str) -> None:
    path = "/papi/v1/properties?contractId=ctr_C-0SANDBOX&groupId=grp_10001"
    prepared = _signed(fresh_sandbox, "POST", path, {"propertyName": "a.example.com", "productId": "prd_SPM"})
    if tamper == "body":
        prepared.body = json.dumps({"propertyName": "b.example.com", "productId": "prd_SPM"}).encode()
        prepared.headers["Content-Length"] = str(len(prepared.body))
    elif tamper == "path":
        prepared.url = prepared.url.replace("/properties", "/cpcodes")
    elif tamper == "query":
        prepared.url = prepared.url.replace("grp_10001", "grp_10002")
    else:
        prepared.headers["Host"] = "evil.example.com"
    resp = _send(fresh_sandbox, prepared)
    assert resp.status_code == 401
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert "signature" in resp.json()["detail"]


def test_stale_timestamp_is_refused(fresh_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(edgegrid, "eg_timestamp", lambda: "20200101T00:00:00+0000")
    resp = _send(fresh_sandbox, _signed(fresh_sandbox, "GET", "/papi/v1/groups"))
    assert resp.status_code == 401
    assert "timestamp" in resp.json()["detail"]


def test_replayed_nonce_is_refused(fresh_sandbox: Sandbox) -> None:
    prepared = _signed(fresh_sandbox, "GET", "/papi/v1/groups")
    assert _send(fresh_sandbox, prepared).status_code == 200
    replay = _send(fresh_sandbox, prepared)
    assert replay.status_code == 401
    assert "Nonce" in replay.json()["detail"]


def test_unknown_client_token_is_refused(fresh_sandbox: Sandbox) -> None:
    auth = EdgeGridAuth(client_token="akab-someone-else", client_secret="c2VjcmV0", access_token="akab-x")
    req = auth(requests.Request("GET", f"https://{fresh_sandbox.host}/papi/v1/groups").prepare())
    resp = _send(fresh_sandbox, req)
    assert resp.status_code == 401
    assert "client token" in resp.json()["detail"]
