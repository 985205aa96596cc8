"""Helpers shared by the appsec simulator modules: Akamai's appsec problem types and body checks."""

from __future__ import annotations

from typing import Any

from alecs.sandbox.http import HttpError

PROBLEMS = "https://problems.luna.akamaiapis.net"


def not_found(what: str) -> HttpError:
    return HttpError(404, "Not Found", f"The requested resource is not found: {what}.",
                     type_=f"{PROBLEMS}/appsec/error-types/NOT-FOUND")


def bad_request(detail: str, errors: list[Any] | None = None) -> HttpError:
    return HttpError(400, "Bad Request", detail, errors=errors, type_=f"{PROBLEMS}/appsec/error-types/BAD-REQUEST")


def require(data: dict[str, Any], *names: str) -> None:
    missing = [n for n in names if data.get(n) is None]
    if missing:
        raise bad_request(f"Missing required field(s): {', '.join(missing)}.",
                          [{"type": "required", "title": "Missing field", "fieldName": n} for n in missing])


def int_id(value: str, what: str) -> int:
    if not value.isdigit():
        raise not_found(f"{what} {value}")
    return int(value)


def choice(value: Any, allowed: tuple[str, ...], field: str) -> str:
    if value not in allowed:
        raise bad_request(f"{field} must be one of {', '.join(allowed)}.",
                          [{"type": "invalid", "title": "Invalid value", "fieldName": field}])
    return str(value)
