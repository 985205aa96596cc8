"""Assembles a server from settings: credentials (or the sandbox), the registry and the selection."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from alecs.akamai.client import AkamaiClient
from alecs.edgerc import Edgerc, default_edgerc_path
from alecs.server import AlecsServer, ServerOptions
from alecs.services import Services
from alecs.tools.registry import Registry

if TYPE_CHECKING:  # the simulator is imported only with --sandbox
    from alecs.sandbox.account import Settings
    from alecs.sandbox.server import Sandbox

log = logging.getLogger(__name__)


@dataclass
class AppConfig:
    """How to assemble a server: credentials or the sandbox, and the selection of tools."""

    edgerc: str | None = None
    sandbox: bool = False
    read_only: bool = False
    toolsets: str | None = None
    tools: str | None = None
    dynamic: bool = False

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> AppConfig:
        """The configuration `alecs serve` was given (flags, or their environment variables)."""
        return cls(edgerc=args.edgerc, sandbox=args.sandbox, read_only=args.read_only, toolsets=args.toolsets,
                   tools=args.tools, dynamic=args.dynamic_toolsets)


def sandbox_settings() -> Settings:
    """The sandbox's timing from the environment: ALECS_SANDBOX_ACTIVATION_SECONDS (how long activations stay
    pending), ALECS_SANDBOX_ACTIVATION_ANSWER_DELAY (seconds an activation POST's answer is held back) and
    ALECS_SANDBOX_ACTIVATION_REQUEST_SECONDS (seconds an appsec activation request takes to become an activation)."""
    from alecs.sandbox.account import Settings

    settings = Settings()
    value = os.environ.get("ALECS_SANDBOX_ACTIVATION_SECONDS")
    if value:
        settings.activation_seconds = float(value)
    delay = os.environ.get("ALECS_SANDBOX_ACTIVATION_ANSWER_DELAY")
    if delay:
        settings.activation_answer_delay = float(delay)
    request = os.environ.get("ALECS_SANDBOX_ACTIVATION_REQUEST_SECONDS")
    if request:
        settings.activation_request_seconds = float(request)
    return settings


@dataclass
class App:
    """A running assembly: the MCP server, its Akamai client and the sandbox when there is one."""

    server: AlecsServer
    client: AkamaiClient
    sandbox: Sandbox | None


@contextmanager
def build_app(cfg: AppConfig, services: Services | None = None) -> Iterator[App]:
    """Yields a ready server; stops the sandbox and closes connection pools on exit. Without an upload folder in
    `services`, ALECS_UPLOAD_DIR names it; the confirmation policy is ALECS_CONFIRM's."""
    services = services or Services()
    env = Services.from_environment()
    services = replace(services, upload_dir=services.upload_dir or env.upload_dir, confirm=env.confirm)
    registry = Registry.load()
    selection = registry.selection_from(cfg.toolsets, cfg.tools, cfg.read_only)
    sandbox: Sandbox | None = None
    if cfg.sandbox:
        from alecs.sandbox.server import Sandbox

        sandbox = Sandbox(sandbox_settings()).start()
        edgerc = Edgerc(None, use_env=False)
        edgerc.add(sandbox.credentials())
        log.info("sandbox account on https://%s (simulated Akamai APIs)", sandbox.host)
    else:
        edgerc = Edgerc(default_edgerc_path(cfg.edgerc))
    client = AkamaiClient(edgerc)
    server = AlecsServer(registry, client, ServerOptions(selection, cfg.dynamic), services)
    try:
        yield App(server, client, sandbox)
    finally:
        client.close()
        if sandbox is not None:
            sandbox.stop()
