"""What a server lends its tools besides the Akamai client: one typed value, built once per process."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alecs.auth.tokens import TokenStore

UPLOAD_DIR_ENV = "ALECS_UPLOAD_DIR"


@dataclass(frozen=True)
class Services:
    """Server-wide things tools use: `call.services.tokens`, `call.services.upload_dir`.

    A new service is a new field here (with a default that means "not configured"), never a string key."""

    tokens: TokenStore | None = None  # the API token store (set when TOKEN_MASTER_KEY is); None: no token tools
    upload_dir: str | None = None  # ALECS_UPLOAD_DIR: the only folder remote callers may read bundles from

    @classmethod
    def from_environment(cls, tokens: TokenStore | None = None, env: Mapping[str, str] | None = None) -> Services:
        """Services with the upload folder the environment names (ALECS_UPLOAD_DIR; empty means none)."""
        source = os.environ if env is None else env
        return cls(tokens=tokens, upload_dir=source.get(UPLOAD_DIR_ENV) or None)
