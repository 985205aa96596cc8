"""The floor: a bare `websockets` server in its own process, answering every message on `/<name>` with a canned reply.

`python -m bench.echo REPLIES.json [--no-compression]` prints its port, then serves until stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from websockets.asyncio.server import ServerConnection, serve


async def main(replies: dict[str, str], compression: bool) -> None:
    async def handler(ws: ServerConnection) -> None:
        reply = replies[ws.request.path.strip("/")] if ws.request else ""
        async for _ in ws:
            await ws.send(reply)

    async with serve(handler, "127.0.0.1", 0, max_size=None, compression="deflate" if compression else None) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # serve until the bench closes stdin


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.echo", description=__doc__)
    parser.add_argument("replies", help="JSON object: path name -> reply text")
    parser.add_argument("--no-compression", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(json.loads(Path(args.replies).read_text()), not args.no_compression))
