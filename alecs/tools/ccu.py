"""Fast Purge (CCU v3): invalidate or delete cached content by URL, CP code or cache tag."""

from __future__ import annotations

from typing import Any, Literal

from alecs.errors import ToolInputError
from alecs.tools.call import ToolCall
from alecs.tools.declare import Api, Param, Toolset, body
from alecs.tools.spec import ToolSpec

PURGE = Toolset("purge", "Fast Purge: invalidate or delete cached content by URL, CP code or cache tag", default=True)
api = Api("ccu/v3", toolset=PURGE, base="/ccu/v3", network="argument:network")

BY = Param("by", "What the objects are: url (full URLs or paths), cpcode (numbers) or tag (cache tags).",
           Literal["url", "cpcode", "tag"], "path", True)
NETWORK = Param("network", "staging or production (default production).", Literal["staging", "production"],
                "path", False, "production")
OBJECTS = body("objects", "URLs (https://www.example.com/a.css), CP codes (12345) or cache tags; up to 1000.",
               list[str | int], required=True, min_length=1, max_length=1000)


async def purge(call: ToolCall, args: dict[str, Any]) -> Any:
    """CP codes go out as the integers the API requires; anything else is refused before sending."""
    objects = args["objects"]
    if args["by"] == "cpcode":
        bad = [o for o in objects if not str(o).isdigit()]
        if bad:
            raise ToolInputError(f"CP codes are numbers (e.g. 12345, without cpc_); not: {', '.join(map(str, bad))}.")
        objects = [int(o) for o in objects]
    return (await call.send(**call.build(args | {"objects": objects}))).data


TOOLS: list[ToolSpec] = [
    api.post("purge-invalidate", "/invalidate/{by}/{network}", title="Invalidate cached content",
             doc="Mark objects stale so the edge revalidates with the origin on next request (the usual, safe "
                 "purge). Returns purgeId and estimatedSeconds.",
             params=(BY, NETWORK, OBJECTS),
             idempotent=True, handler=purge, example={"by": "url", "objects": ["https://www.example.com/index.html"]}),
    api.post("purge-delete", "/delete/{by}/{network}", title="Delete cached content",
             doc="Remove objects from cache entirely; every edge refetches from origin. Destructive: prefer "
                 "purge-invalidate unless content must not be served again.",
             params=(BY, NETWORK, OBJECTS),
             destructive=True, idempotent=True, handler=purge,
             example={"by": "tag", "objects": ["product-42"], "network": "staging"},
             confirm=True),
]
