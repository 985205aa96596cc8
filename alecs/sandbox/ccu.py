"""Fast Purge (CCU v3) as the sandbox simulates it."""

from __future__ import annotations

import uuid
from typing import Any

from alecs.sandbox.account import Account
from alecs.sandbox.http import HttpError, Router, SimRequest, SimResponse


class CcuSim:
    def __init__(self, account: Account) -> None:
        self.account = account
        self.purges: list[dict[str, Any]] = []

    def routes(self, r: Router) -> None:
        for action in ("invalidate", "delete"):
            for kind in ("url", "cpcode", "tag"):
                r.add("POST", f"/ccu/v3/{action}/{kind}/{{network}}", self._handler(action, kind))

    def _handler(self, action: str, kind: str) -> Any:
        def handle(q: SimRequest) -> SimResponse:
            if q.params["network"] not in ("staging", "production"):
                raise HttpError(400, "Invalid network", "network must be staging or production.")
            data = q.json
            objects = data.get("objects") if isinstance(data, dict) else None
            if not isinstance(objects, list) or not objects:
                raise HttpError(400, "Bad request", "The body must be {\"objects\": [...]} with at least one item.")
            if kind == "cpcode" and not all(isinstance(o, int) or str(o).isdigit() for o in objects):
                raise HttpError(400, "Invalid CP code", "CP codes are numbers, e.g. 12345.")
            purge_id = str(uuid.uuid4())
            self.purges.append({"purgeId": purge_id, "action": action, "type": kind,
                                "network": q.params["network"], "objects": objects})
            return SimResponse(201, {"httpStatus": 201, "detail": "Request accepted",
                                     "estimatedSeconds": self.account.settings.purge_seconds,
                                     "purgeId": purge_id, "supportId": "17PY" + purge_id[:12]})
        return handle
