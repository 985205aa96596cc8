"""A property hostname's certStatus says DEPLOYED on a network only when the certificate it is served with there
really covers it: its edge hostname's CPS certificate (CN and SANs, wildcards for one label), or its own DEFAULT
certificate once a version serving it is active. Anything else is PENDING, as Akamai reports a hostname whose
certificate is not in place."""

from __future__ import annotations

from typing import Any

from alecs.sandbox.certs_model import covers
from tests.support.sandbox_api import PAPI, SandboxApi
from tests.support.waiting import wait_until

PROPERTY = "/papi/v1/properties/prp_100001"
SCOPE = {"contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001"}
CPS = "/cps/v2/enrollments"


def cps(name: str) -> str:
    return f"application/vnd.akamai.cps.{name}+json"


def test_names_are_matched_as_tls_clients_match_them() -> None:
    names = ["www.example.com", "*.static.example.com"]
    assert covers(names, "www.example.com") and covers(names, "WWW.Example.COM.")
    assert covers(names, "img.static.example.com")
    assert not covers(names, "static.example.com")  # a wildcard needs a label
    assert not covers(names, "a.img.static.example.com")  # and stands for exactly one
    assert not covers(names, "api.example.com") and not covers([], "www.example.com")


def _new_version_with(api: SandboxApi, hostnames: list[dict[str, Any]]) -> int:
    created = api.request("POST", f"{PROPERTY}/versions", params=SCOPE, headers=PAPI,
                          json={"createFromVersion": 1})
    assert created.status_code == 201, created.text
    number = int(created.json()["versionLink"].split("/versions/")[1].split("?")[0])
    current = api.get(f"{PROPERTY}/versions/{number}/hostnames", params=SCOPE, headers=PAPI)
    put = api.request("PUT", f"{PROPERTY}/versions/{number}/hostnames", params=SCOPE, json=hostnames,
                      headers=PAPI | {"If-Match": current["etag"]})
    assert put.status_code == 200, put.text
    return number


def _status(api: SandboxApi, version: int) -> dict[str, tuple[str, str]]:
    """hostname -> (staging status, production status)."""
    got = api.get(f"{PROPERTY}/versions/{version}/hostnames", params=SCOPE | {"includeCertStatus": "true"},
                  headers=PAPI)
    return {h["cnameFrom"]: (h["certStatus"]["staging"][0]["status"], h["certStatus"]["production"][0]["status"])
            for h in got["hostnames"]["items"]}


def _on_ehn(*names: str, provisioning: str = "CPS_MANAGED") -> list[dict[str, Any]]:
    return [{"cnameType": "EDGE_HOSTNAME", "cnameFrom": n, "edgeHostnameId": "ehn_200001",
             "certProvisioningType": provisioning} for n in names]


def test_only_names_on_the_edge_hostnames_certificate_are_deployed(api: SandboxApi) -> None:
    assert _status(api, 1) == {"www.example.com": ("DEPLOYED", "DEPLOYED")}
    version = _new_version_with(api, _on_ehn("www.example.com", "static.example.com", "api.example.com"))
    assert _status(api, version) == {"www.example.com": ("DEPLOYED", "DEPLOYED"),
                                     "static.example.com": ("DEPLOYED", "DEPLOYED"),  # a SAN of enrollment 10001
                                     "api.example.com": ("PENDING", "PENDING")}  # on no certificate of ehn_200001


def test_a_san_added_in_cps_is_deployed_network_by_network(api: SandboxApi) -> None:
    version = _new_version_with(api, _on_ehn("www.example.com", "api.example.com"))
    enrollment = api.get(f"{CPS}/10001", headers={"Accept": cps("enrollment.v11")})
    enrollment["csr"]["sans"] = [*enrollment["csr"]["sans"], "api.example.com"]
    enrollment["changeManagement"] = True  # holds the new certificate on staging until acknowledged
    put = api.request("PUT", f"{CPS}/10001", json=enrollment,
                      headers={"Accept": cps("enrollment-status.v1"), "Content-Type": cps("enrollment.v11")})
    assert put.status_code == 202, put.text
    change = put.json()["changes"][0]

    def stage() -> str:
        status = api.get(change, headers={"Accept": cps("change.v2")})["statusInfo"]["status"]
        return str(status)

    assert stage() == "coodinate-domain-validation"
    done = api.request("POST", f"{change}/input/update/lets-encrypt-challenges-completed",
                       json={"acknowledgement": "acknowledge"},
                       headers={"Accept": cps("change-id.v1"), "Content-Type": cps("acknowledgement.v1")})
    assert done.status_code == 200, done.text
    wait_until(lambda: stage() == "wait-ack-change-management", what="the certificate on staging only",
               interval=0.3)  # CPS allows 20 requests in 2 s
    assert _status(api, version)["api.example.com"] == ("DEPLOYED", "PENDING")

    info = api.get(f"{change}/input/info/change-management-info",
                   headers={"Accept": cps("change-management-info.v5")})
    ack = api.request("POST", f"{change}/input/update/change-management-ack",
                      json={"acknowledgement": "acknowledge", "hash": info["validationResultHash"]},
                      headers={"Accept": cps("change-id.v1"), "Content-Type": cps("acknowledgement-with-hash.v1")})
    assert ack.status_code == 200, ack.text
    wait_until(lambda: stage() == "complete", what="the certificate on production", interval=0.3)
    assert _status(api, version)["api.example.com"] == ("DEPLOYED", "DEPLOYED")


def test_a_default_certificate_is_deployed_where_a_version_serving_it_is_active(api: SandboxApi) -> None:
    version = _new_version_with(api, _on_ehn("www.example.com") + _on_ehn("shop.example.com", provisioning="DEFAULT"))
    got = api.get(f"{PROPERTY}/versions/{version}/hostnames", params=SCOPE | {"includeCertStatus": "true"},
                  headers=PAPI)
    shop = next(h for h in got["hostnames"]["items"] if h["cnameFrom"] == "shop.example.com")
    assert shop["certProvisioningType"] == "DEFAULT"
    assert shop["certStatus"]["validationCname"]["hostname"] == "_acme-challenge.shop.example.com"
    assert _status(api, version)["shop.example.com"] == ("PENDING", "PENDING")

    started = api.request("POST", f"{PROPERTY}/activations", params=SCOPE, headers=PAPI, json={
        "propertyVersion": version, "network": "STAGING", "notifyEmails": ["noc@example.com"]})
    assert started.status_code == 201, started.text
    wait_until(lambda: _status(api, version)["shop.example.com"] == ("DEPLOYED", "PENDING"),
               what="the DEFAULT certificate on staging")


def test_shared_and_missing_certificates_cover_no_customer_hostname(api: SandboxApi) -> None:
    for suffix in ("akamaized.net", "edgesuite.net"):
        made = api.request("POST", "/papi/v1/edgehostnames", params=SCOPE, headers=PAPI, json={
            "productId": "prd_SPM", "domainPrefix": "media.example.com", "domainSuffix": suffix,
            "ipVersionBehavior": "IPV4"})
        assert made.status_code == 201, made.text
        ehn = made.json()["edgeHostnameLink"].split("/")[-1].split("?")[0]
        version = _new_version_with(api, [{"cnameType": "EDGE_HOSTNAME", "cnameFrom": "media.example.com",
                                           "edgeHostnameId": ehn}])
        assert _status(api, version) == {"media.example.com": ("PENDING", "PENDING")}, suffix

    refused = api.request("PUT", f"{PROPERTY}/versions/{version}/hostnames", params=SCOPE, headers=PAPI | {
        "If-Match": api.get(f"{PROPERTY}/versions/{version}/hostnames", params=SCOPE, headers=PAPI)["etag"]},
        json=[{"cnameType": "EDGE_HOSTNAME", "cnameFrom": "media.example.com",
               "cnameTo": "media.example.com.akamaized.net", "certProvisioningType": "DEFAULT"}])
    assert refused.status_code == 400 and "akamaized.net" in refused.json()["detail"]


def test_an_enhanced_tls_edge_hostname_names_its_enrollment(api: SandboxApi) -> None:
    body = {"productId": "prd_SPM", "domainPrefix": "shop.example.com", "domainSuffix": "edgekey.net",
            "ipVersionBehavior": "IPV4", "secureNetwork": "ENHANCED_TLS"}
    missing = api.request("POST", "/papi/v1/edgehostnames", params=SCOPE, headers=PAPI, json=body)
    assert missing.status_code == 400 and "certEnrollmentId" in missing.json()["detail"]
    wrong = api.request("POST", "/papi/v1/edgehostnames", params=SCOPE, headers=PAPI,
                        json=body | {"domainSuffix": "edgesuite.net", "certEnrollmentId": 10001})
    assert wrong.status_code == 400 and "edgekey.net" in wrong.json()["detail"]
    made = api.request("POST", "/papi/v1/edgehostnames", params=SCOPE, headers=PAPI,
                       json=body | {"domainPrefix": "static.example.com", "certEnrollmentId": 10001})
    assert made.status_code == 201, made.text
    ehn = made.json()["edgeHostnameLink"].split("/")[-1].split("?")[0]
    version = _new_version_with(api, [{"cnameType": "EDGE_HOSTNAME", "cnameFrom": "static.example.com",
                                       "edgeHostnameId": ehn}])
    assert _status(api, version) == {"static.example.com": ("DEPLOYED", "DEPLOYED")}
