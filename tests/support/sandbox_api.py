"""Talk to the simulator the way any EdgeGrid client does: signed HTTPS requests with the sandbox's credentials."""

from __future__ import annotations

from typing import Any

import requests
from akamai.edgegrid import EdgeGridAuth

from alecs.sandbox.server import Sandbox

PAPI = {"PAPI-Use-Prefixes": "true"}


class SandboxApi:
    """A signed requests session on one sandbox; `timeout` is (connect, read) seconds like any client's."""

    def __init__(self, sandbox: Sandbox, timeout: float | tuple[float, float] = 30.0) -> None:
        creds = sandbox.credentials()
        self.base = f"https://{creds.host}"
        self.timeout = timeout
        self.session = requests.Session()
        self.session.auth = EdgeGridAuth(client_token=creds.client_token, client_secret=creds.client_secret,
                                          access_token=creds.access_token, max_body=creds.max_body)
        self.ca_bundle = creds.ca_bundle  # per request: REQUESTS_CA_BUNDLE would override session.verify

    def request(self, method: str, path: str, *, json: Any = None, params: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None,
                timeout: float | tuple[float, float] | None = None) -> requests.Response:
        return self.session.request(method, self.base + path, json=json, params=params, headers=headers,
                                    timeout=timeout or self.timeout, verify=self.ca_bundle)

    def get(self, path: str, **kwargs: Any) -> Any:
        """The JSON of a GET that must succeed."""
        resp = self.request("GET", path, **kwargs)
        assert resp.status_code == 200, (path, resp.status_code, resp.text[:500])
        return resp.json()

    def close(self) -> None:
        self.session.close()


def new_property_version(sandbox: Sandbox, property_id: str = "prp_100001") -> int:
    """A new version of a seeded property, made from version 1 (which is active on both networks, so only a new
    version can be activated and stay pending)."""
    api = SandboxApi(sandbox)
    try:
        created = api.request("POST", f"/papi/v1/properties/{property_id}/versions", headers=PAPI,
                              params={"contractId": "ctr_C-0SANDBOX", "groupId": "grp_10001"},
                              json={"createFromVersion": 1})
        assert created.status_code == 201, created.text
        return int(created.json()["versionLink"].split("/versions/")[1].split("?")[0])
    finally:
        api.close()
