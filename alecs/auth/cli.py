"""`alecs token ...` (filled in by remote serving)."""

from __future__ import annotations

import argparse


def add_token_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Registers `alecs token` subcommands."""
