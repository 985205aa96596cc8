"""One running tool call: what declarations and handlers use to reach Akamai and report progress."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote

from alecs.akamai.client import AkamaiClient, AkamaiResponse
from alecs.tools.spec import ToolSpec

ProgressFn = Callable[[float, float | None, str | None], Awaitable[None]]


def fill_path(template: str, values: Mapping[str, Any]) -> str:
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", quote(str(value), safe=""))
    return out


def wire_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return value


class ToolCall:
    def __init__(self, spec: ToolSpec, client: AkamaiClient, customer: str,
                 progress: ProgressFn | None = None, services: Mapping[str, Any] | None = None) -> None:
        self.services: Mapping[str, Any] = services or {}
        self.spec = spec
        self.client = client
        self.customer = customer
        self._progress = progress
        self.requests = 0

    async def send(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                   json_body: Any = None, headers: Mapping[str, str] | None = None,
                   data: bytes | None = None, fresh: bool = False) -> AkamaiResponse:
        self.requests += 1
        return await self.client.request(
            self.customer, method, path,
            params={k: wire_value(v) for k, v in (params or {}).items() if v is not None},
            json_body=json_body, headers=headers, data=data, fresh=fresh,
            caller=getattr(self.services.get("principal"), "label", "local"), progress=self._progress,
        )

    async def get(self, path: str, *, params: Mapping[str, Any] | None = None,
                  headers: Mapping[str, str] | None = None, fresh: bool = False) -> Any:
        return (await self.send("GET", path, params=params, headers=headers, fresh=fresh)).data

    async def progress(self, done: float, total: float | None = None, message: str | None = None) -> None:
        if self._progress is not None:
            await self._progress(done, total, message)

    def build(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """The request a declaration describes, from validated arguments."""
        spec = self.spec
        path_values: dict[str, Any] = {}
        params: dict[str, Any] = {}
        headers = dict(spec.headers)
        body: Any = None
        for p in spec.params:
            value = args.get(p.name)
            if value is None:
                continue
            if p.where == "path":
                path_values[p.wire_name] = value
            elif p.where == "query":
                params[p.wire_name] = value
            elif p.where == "header":
                headers[p.wire_name] = str(value)
            elif p.where == "body":
                body = {} if body is None else body
                body[p.wire_name] = value
            elif p.where == "body_root":
                body = value
        return {"method": spec.method, "path": fill_path(spec.path, path_values), "params": params,
                "headers": headers, "json_body": body}
