"""alecs: the Akamai control plane as MCP tools."""

__version__ = "0.1.0"
