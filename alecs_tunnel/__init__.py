"""alecs-tunnel: the desktop side of alecs.

Claude Desktop launches ``alecs-tunnel``; it speaks newline-delimited JSON-RPC on
stdio and relays it to the alecs WebSocket server, directly (ws:// or wss://) or
through an SSH connection (paramiko direct-tcpip), reconnecting when either drops.

Run-time dependencies: paramiko and websockets only.
"""

__version__ = "0.1.0"
