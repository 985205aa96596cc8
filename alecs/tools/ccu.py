"""Fast Purge (CCU v3): invalidate or delete cached content by URL, CP code or cache tag."""

from __future__ import annotations

from typing import Any, Literal

from alecs.tools.spec import Param, body, tool

API = "ccu/v3"
TS = "purge"

BY = Param("by", "What the objects are: url (full URLs or paths), cpcode (numbers) or tag (cache tags).",
           Literal["url", "cpcode", "tag"], "path", True)
NETWORK = Param("network", "staging or production (default production).", Literal["staging", "production"],
                "path", False, "production")
OBJECTS = body("objects", "URLs (https://www.example.com/a.css), CP codes (12345) or cache tags; up to 1000.",
               list[str | int], required=True, min_length=1, max_length=1000)

TOOLS: list[Any] = [
    tool("purge-invalidate", TS, "Invalidate cached content",
         "Mark objects stale so the edge revalidates with the origin on next request (the usual, safe purge). "
         "Returns purgeId and estimatedSeconds.",
         "POST", "/ccu/v3/invalidate/{by}/{network}", API, BY, NETWORK, OBJECTS, read_only=False,
         idempotent=True, example={"by": "url", "objects": ["https://www.example.com/index.html"]}),
    tool("purge-delete", TS, "Delete cached content",
         "Remove objects from cache entirely; every edge refetches from origin. Destructive: prefer "
         "purge-invalidate unless content must not be served again.",
         "POST", "/ccu/v3/delete/{by}/{network}", API, BY, NETWORK, OBJECTS, read_only=False,
         destructive=True, idempotent=True, example={"by": "tag", "objects": ["product-42"],
                                                     "network": "staging"}),
]
