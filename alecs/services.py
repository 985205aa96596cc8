"""What a server lends its tools besides the Akamai client: one typed value, built once per process."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from alecs.errors import ConfigError
from alecs.principal import CONFIRM_POLICIES, ConfirmPolicy

if TYPE_CHECKING:
    from alecs.auth.tokens import TokenStore

UPLOAD_DIR_ENV = "ALECS_UPLOAD_DIR"
CONFIRM_ENV = "ALECS_CONFIRM"
NOTIFY_EMAILS_ENV = "ALECS_NOTIFY_EMAILS"
EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


@dataclass(frozen=True)
class Services:
    """Server-wide things tools use: `call.services.tokens`, `call.services.upload_dir`.

    A new service is a new field here (with a default that means "not configured"), never a string key."""

    tokens: TokenStore | None = None  # the API token store (set when TOKEN_MASTER_KEY is); None: no token tools
    upload_dir: str | None = None  # ALECS_UPLOAD_DIR: the only folder remote callers may read bundles from
    # ALECS_CONFIRM: whether production changes are confirmed by the person (alecs.tools.confirm); a token's own
    # policy replaces it for that token
    confirm: ConfirmPolicy = "elicit"
    # ALECS_NOTIFY_EMAILS: who Akamai tells about activations when a call names nobody (notifyEmails left out)
    notify_emails: tuple[str, ...] = ()

    @classmethod
    def from_environment(cls, tokens: TokenStore | None = None, env: Mapping[str, str] | None = None) -> Services:
        """Services with the upload folder (ALECS_UPLOAD_DIR; empty means none) and the confirmation policy
        (ALECS_CONFIRM: elicit, require or off; default elicit) and the default notification addresses
        (ALECS_NOTIFY_EMAILS) the environment names."""
        source = os.environ if env is None else env
        return cls(tokens=tokens, upload_dir=source.get(UPLOAD_DIR_ENV) or None, confirm=confirm_policy(source),
                   notify_emails=notify_emails(source))


def confirm_policy(env: Mapping[str, str]) -> ConfirmPolicy:
    """ALECS_CONFIRM, checked: an unknown value stops the server with one sentence."""
    value = env.get(CONFIRM_ENV, "").strip().lower() or "elicit"
    for policy in CONFIRM_POLICIES:
        if value == policy:
            return policy
    raise ConfigError(f"{CONFIRM_ENV}={value!r} is not a confirmation policy: use elicit, require or off.")


def notify_emails(env: Mapping[str, str]) -> tuple[str, ...]:
    """ALECS_NOTIFY_EMAILS (addresses separated by commas or spaces), checked: a value that is not an address
    stops the server with one sentence rather than reaching Akamai with every activation."""
    found = tuple(a for a in re.split(r"[\s,;]+", env.get(NOTIFY_EMAILS_ENV, "")) if a)
    wrong = [a for a in found if not EMAIL.match(a)]
    if wrong:
        raise ConfigError(f"{NOTIFY_EMAILS_ENV}: {', '.join(wrong)} is not an email address (give addresses "
                          "separated by commas, e.g. noc@example.com,cdn-team@example.com).")
    return found
