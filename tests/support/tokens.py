"""What tests need to make tokens as `alecs token generate` does."""

from __future__ import annotations

from alecs.tools.registry import Registry

# The toolsets a token may be restricted to, as the CLI and the MCP token tools give them to TokenStore.generate.
KNOWN_TOOLSETS = Registry.load().restrictable_toolsets()
