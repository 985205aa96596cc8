"""`alecs token generate|list|revoke|rotate|revoke-grant`: the bearer tokens of remote serving and their OAuth
grants (`token list` shows each token's grants; `--sign-in-code` gives a one-time code for the consent page)."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Any

from alecs.auth.rights import MAX_EXPIRY_DAYS, InvalidTokenSetting
from alecs.auth.tokens import TokenRecord, TokenStore, TokenStoreError, default_store_path, require_master_key
from alecs.oauth.store import Grant, GrantStore
from alecs.principal import CONFIRM_POLICIES, METRICS, TOKEN_SCOPES

WARNING = "Store this token now: it will not be shown again."
SIGN_IN_MINUTES = 15


def _store() -> TokenStore:
    return TokenStore(default_store_path(), require_master_key())


def _grants(store: TokenStore) -> GrantStore:
    return GrantStore.beside(store)


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


def _when(ts: float | None) -> str:
    if not ts:
        return "-"
    if not math.isfinite(ts):
        return "invalid"
    try:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))
    except (OverflowError, OSError, ValueError):  # a time no calendar holds (stores written by old versions)
        return "after 9999"


def limits_text(record: TokenRecord) -> str:
    """sessions=5 rate=120/min networks=staging confirm=require, or - for none."""
    parts = [f"sessions={record.max_sessions}" if record.max_sessions is not None else "",
             f"rate={record.rate_per_minute}/min" if record.rate_per_minute is not None else "",
             f"networks={','.join(record.networks)}" if record.networks is not None else "",
             f"confirm={record.confirm}" if record.confirm is not None else ""]
    return " ".join(p for p in parts if p) or "-"


def _known_toolsets() -> frozenset[str]:
    from alecs.tools.registry import Registry  # noqa: PLC0415 - only `token generate` needs the catalogue

    return Registry.load().restrictable_toolsets()


def _generate(args: argparse.Namespace) -> int:
    # Every value goes to the store as given: TokenStore.generate is the one place that checks them.
    if args.scope == METRICS and args.sign_in_code:
        raise InvalidTokenSetting("A metrics token cannot sign in to OAuth clients: leave out --sign-in-code.")
    store = _store()
    record, token = store.generate(scope=args.scope, description=args.description or "",
                                      expires_in_days=args.expires_in_days, customers=_split(args.customers),
                                      toolsets=_split(args.toolsets), max_sessions=args.max_sessions,
                                      rate_per_minute=args.rate, networks=_split(args.networks),
                                      confirm=args.confirm, known_toolsets=_known_toolsets())
    _print_new(record, token, args.json)
    if args.sign_in_code:
        _print_sign_in_code(store, record.id, args.json)
    return 0


def _print_sign_in_code(store: TokenStore, token_id: str, as_json: bool) -> None:
    code, expires = _grants(store).new_sign_in_code(token_id, SIGN_IN_MINUTES)
    if as_json:
        print(json.dumps({"id": token_id, "sign_in_code": code, "expires": expires}), flush=True)
    else:
        print(f"sign-in code: {code}   (once, until {_when(expires)}: paste it on the alecs sign-in page that "
              f"Claude, ChatGPT, Cursor or VS Code opens)", flush=True)


def _sign_in_code(args: argparse.Namespace) -> int:
    store = _store()
    record = next((r for r in store.records() if r.id == args.id), None)
    if record is None or record.state() != "active":
        what = "No token with id" if record is None else f"Token {args.id} is {record.state()}:"
        raise TokenStoreError(f"{what} '{args.id}'. `alecs token list` shows the active ones."
                              if record is None else f"{what} only an active token can sign in.")
    _print_sign_in_code(store, record.id, args.json)
    return 0


def _print_new(record: TokenRecord, token: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"id": record.id, "token": token}), flush=True)
    else:
        print(f"id:      {record.id}\nscope:   {record.scope}\nexpires: {_when(record.expires)}\n"
              f"limits:  {limits_text(record)}\ntoken:   {token}", flush=True)
    print(f"alecs: {WARNING}", file=sys.stderr, flush=True)


def _grant_state(grant: Grant, tokens: dict[str, TokenRecord], now: float) -> str:
    token = tokens.get(grant.token_id)
    token_state = token.state(now) if token is not None else "deleted"
    return grant.state(now) if token_state == "active" else f"ended (token {token_state})"


def _list(args: argparse.Namespace) -> int:
    store = _store()
    records = store.records()
    grants = _grants(store).grants_of()
    by_id = {r.id: r for r in records}
    now = time.time()
    if args.json:
        out = []
        for r in records:
            mine = [{**g.public(now), "state": _grant_state(g, by_id, now)} for g in grants if g.token_id == r.id]
            out.append({**r.public(now), "grants": mine})
        print(json.dumps(out, indent=2))
        return 0
    if not records:
        print("No tokens. Create one with `alecs token generate --scope read|write|admin`.")
        return 0
    rows: list[list[Any]] = [["ID", "DESCRIPTION", "SCOPE", "CUSTOMERS", "TOOLSETS", "LIMITS", "CREATED", "EXPIRES",
                              "LAST USED", "STATE"]]
    for r in records:
        rows.append([r.id, r.description or "-", r.scope, ",".join(r.customers) if r.customers else "all",
                     ",".join(r.toolsets) if r.toolsets else "all", limits_text(r), _when(r.created), _when(r.expires),
                     _when(r.last_used), r.state(now)])
    _table(rows)
    if grants:
        print("\nOAuth grants (each acts with its token's rights; `alecs token revoke-grant GRANT` ends one):")
        _table([["TOKEN", "GRANT", "CLIENT", "SCOPE", "CREATED", "LAST USED", "STATE"]] + [
            [g.token_id, g.id, g.client_name, g.scope, _when(g.created), _when(g.last_used),
             _grant_state(g, by_id, now)] for g in grants])
    return 0


def _table(rows: list[list[Any]]) -> None:
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def _revoke_grant(args: argparse.Namespace) -> int:
    grant = _grants(_store()).revoke(args.id, "revoked with alecs token revoke-grant")
    print(f"Revoked grant {grant.id} ({grant.client_name}, token {grant.token_id}); its sessions close within a "
          f"few seconds and its refresh token stops working.")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    record = _store().revoke(args.id)
    print(f"Revoked {record.id}; open sessions using it close within a few seconds.")
    return 0


def _rotate(args: argparse.Namespace) -> int:
    new, token, old = _store().rotate(args.id, args.overlap_minutes)
    _print_new(new, token, args.json)
    ends = "now" if old.revoked is not None else f"at {_when(old.expires)}"
    print(f"alecs: {old.id} stops working {ends}.", file=sys.stderr, flush=True)
    return 0


def add_token_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Registers `alecs token` subcommands."""
    token = sub.add_parser("token", help="manage bearer tokens for remote serving (needs TOKEN_MASTER_KEY)",
                           description="Tokens live in ALECS_TOKEN_STORE (default: the state directory), "
                                       "encrypted with a key derived from TOKEN_MASTER_KEY.")
    actions = token.add_subparsers(dest="token_command", required=True)

    gen = actions.add_parser("generate", help="create a token (printed once)")
    gen.add_argument("--description", default="")
    gen.add_argument("--expires-in-days", type=float, metavar="DAYS",
                     help=f"days until the token stops working, at most {MAX_EXPIRY_DAYS} (default: never)")
    gen.add_argument("--scope", choices=TOKEN_SCOPES, default="read",
                     help="read: read-only tools; write: all Akamai tools; admin: also the token tools; "
                          "metrics: GET /metrics only (for Prometheus)")
    gen.add_argument("--customers", help="comma-separated .edgerc sections the token may use (default: all)")
    gen.add_argument("--toolsets", help="comma-separated toolsets the token may see (default: all served)")
    gen.add_argument("--max-sessions", type=int, metavar="N",
                     help="open connections and HTTP sessions at a time (default: the server's cap)")
    gen.add_argument("--rate", metavar="RATE", help="tool calls allowed, e.g. 120/min, 2/s (default: the server's cap)")
    gen.add_argument("--networks", metavar="NETWORKS",
                     help="networks the token may change: staging (production changes refused) or staging,production")
    gen.add_argument("--confirm", choices=CONFIRM_POLICIES,
                     help="confirmation of production changes for this token (default: the server's ALECS_CONFIRM)")
    gen.add_argument("--sign-in-code", action="store_true",
                     help=f"also print a one-time code for the OAuth sign-in page, valid {SIGN_IN_MINUTES} minutes")
    gen.add_argument("--json", action="store_true", help='print {"id": ..., "token": ...}')
    gen.set_defaults(func=_generate)

    lst = actions.add_parser("list", help="list tokens (never their values)")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=_list)

    rev = actions.add_parser("revoke", help="revoke a token; its open sessions are closed")
    rev.add_argument("id", help="token id (tok_...)")
    rev.set_defaults(func=_revoke)

    code = actions.add_parser("sign-in-code", help="a one-time code for the OAuth sign-in page, for an active token")
    code.add_argument("id", help="token id (tok_...)")
    code.add_argument("--json", action="store_true")
    code.set_defaults(func=_sign_in_code)

    grant = actions.add_parser("revoke-grant", help="end one OAuth grant (`token list` shows them)")
    grant.add_argument("id", help="grant id (grt_...)")
    grant.set_defaults(func=_revoke_grant)

    rot = actions.add_parser("rotate", help="replace a token by a new one with the same settings")
    rot.add_argument("id", help="token id (tok_...)")
    rot.add_argument("--overlap-minutes", type=float, default=0.0,
                     help="keep the old token working this long (default 0: it stops at once)")
    rot.add_argument("--json", action="store_true", help='print {"id": ..., "token": ...}')
    rot.set_defaults(func=_rotate)
