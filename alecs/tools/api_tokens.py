"""API tokens for remote serving, as tools: for the local operator (stdio) and admin tokens only.

The server hides the admin-only toolset "tokens" from every other principal; the store is `call.services.tokens`.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import anyio

from alecs.errors import AlecsError
from alecs.principal import ConfirmPolicy, Network
from alecs.tools.call import ToolCall
from alecs.tools.declare import Toolset, custom_tool, local
from alecs.tools.spec import ToolSpec

if TYPE_CHECKING:
    from alecs.auth.tokens import TokenRecord, TokenStore

TOKENS = Toolset("tokens", "API tokens for remote serving (admin only)", admin_only=True)
NO_STORE = ("No token store is configured: set TOKEN_MASTER_KEY (and optionally ALECS_TOKEN_STORE) in alecs's "
            "environment to manage API tokens.")
WARNING = "Store this token now: it will not be shown again."
TOKEN_ID = local("tokenId", "Token id (tok_ followed by 16 hex digits), as list-api-tokens shows.", required=True,
                 pattern=r"^tok_[0-9a-f]{16}$")


def _store(call: ToolCall) -> TokenStore:
    store = call.services.tokens
    if store is None:
        raise AlecsError(NO_STORE)
    return store


async def _blocking(fn: Any, *args: Any, **kwargs: Any) -> Any:
    return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))


def _new(record: TokenRecord, token: str) -> dict[str, Any]:
    public = record.public()
    return {"id": record.id, "token": token, "scope": record.scope, "customers": public["customers"],
            "toolsets": public["toolsets"], "maxSessions": record.max_sessions, "rate": record.rate_per_minute,
            "networks": list(record.networks) if record.networks is not None else None, "confirm": record.confirm,
            "expires": record.expires, "warning": WARNING}


async def generate(call: ToolCall, args: dict[str, Any]) -> Any:
    """Creates a token with the given scope and restrictions; the token itself is returned only here."""
    store = _store(call)
    record, token = await _blocking(store.generate, scope=args.get("scope") or "read",
                                    description=args.get("description") or "",
                                    expires_in_days=args.get("expiresInDays"), customers=args.get("customers"),
                                    toolsets=args.get("toolsets"), max_sessions=args.get("maxSessions"),
                                    rate_per_minute=args.get("rate"), networks=args.get("networks"),
                                    confirm=args.get("confirm"), known_toolsets=call.session.restrictable_toolsets())
    return _new(record, token)


async def list_tokens(call: ToolCall, args: dict[str, Any]) -> Any:
    """Every token's public record (never the token or its hash)."""
    records = await _blocking(_store(call).records)
    return {"tokens": [r.public() for r in records]}


async def revoke(call: ToolCall, args: dict[str, Any]) -> Any:
    """Revokes a token at once; its open sessions close within seconds."""
    record = await _blocking(_store(call).revoke, args["tokenId"])
    return {"id": record.id, "state": record.state(), "note": "Open sessions using it close within a few seconds."}


async def rotate(call: ToolCall, args: dict[str, Any]) -> Any:
    """Issues a replacement with the same settings and retires the old token (now or after an overlap)."""
    new, token, old = await _blocking(_store(call).rotate, args["tokenId"], args.get("overlapMinutes") or 0)
    return _new(new, token) | {"replaced": old.id, "replacedState": old.state(), "replacedExpires": old.expires}


TOOLS: list[ToolSpec] = [
    custom_tool(TOKENS, "generate-api-token", title="Generate an API token",
                doc="Create a bearer token for remote clients. The token is returned once and never again; only its "
                    "id is listed afterwards. scope: read (read-only tools), write (all Akamai tools), admin (also "
                    "token tools).",
                params=(local("description", "What the token is for (shown in list-api-tokens).", max_length=200),
                        local("expiresInDays", "Days until the token expires (default: never).", int, ge=1, le=3650),
                        local("scope", "read, write or admin (default read).", Literal["read", "write", "admin"],
                              default="read"),
                        local("customers", ".edgerc sections the token may use (default: all).", list[str],
                              max_length=50),
                        local("toolsets", "Toolsets the token may see (default: all the server exposes).", list[str],
                              max_length=50),
                        local("maxSessions", "Open connections/sessions at once (default: the server's).", int),
                        local("rate", "Tool calls allowed, e.g. 120/min, 2/s or 600/h (default: the server's).",
                              str | int),
                        local("networks", "Networks it may change: [\"staging\"] refuses production changes "
                              "(default: both).", list[Network], max_length=2),
                        local("confirm", "Confirmation of production changes: elicit, require or off (default: the "
                              "server's ALECS_CONFIRM).", ConfirmPolicy)),
                handler=generate, calls_akamai=False, read_only=False,
                example={"description": "laptop", "scope": "read", "expiresInDays": 90},
                network="none"),
    custom_tool(TOKENS, "list-api-tokens", title="List API tokens",
                doc="Every token's id, description, scope, customers, created, expires, last used and state "
                    "(active, expired, revoked). Never the tokens themselves.",
                handler=list_tokens, calls_akamai=False, read_only=True),
    custom_tool(TOKENS, "revoke-api-token", title="Revoke an API token",
                doc="Revoke a token at once (destructive: it cannot be undone): new connections with it are refused "
                    "and its open sessions are closed.",
                params=(TOKEN_ID,),
                handler=revoke, calls_akamai=False, read_only=False, destructive=True, idempotent=True,
                example={"tokenId": "tok_0123456789abcdef"},
                network="none"),
    custom_tool(TOKENS, "rotate-api-token", title="Rotate an API token",
                doc="Create a new token with the same settings and retire the old one, at once or after "
                    "overlapMinutes. The new token is returned once.",
                params=(TOKEN_ID,
                        local("overlapMinutes", "Minutes the old token keeps working (default 0).", int, ge=0,
                              le=10080)),
                handler=rotate, calls_akamai=False, read_only=False,
                example={"tokenId": "tok_0123456789abcdef", "overlapMinutes": 60},
                network="none"),
]
