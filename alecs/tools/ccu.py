"""Fast Purge (CCU v3): invalidate or delete cached content by URL, CP code or cache tag."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from alecs.errors import ToolInputError
from alecs.tools.call import ToolCall
from alecs.tools.declare import Api, Param, Toolset, body, local, with_intents
from alecs.tools.spec import ToolSpec

PURGE = Toolset("purge", "Fast Purge: invalidate or delete cached content by URL, CP code or cache tag", default=True)
api = Api("ccu/v3", toolset=PURGE, base="/ccu/v3", network="argument:network")

BY = Param("by", "What the objects are: url (full URLs or paths), cpcode (numbers) or tag (cache tags).",
           Literal["url", "cpcode", "tag"], "path", True)
NETWORK = Param("network", "staging or production (default production).", Literal["staging", "production"],
                "path", False, "production")
OBJECTS = body("objects", "URLs (https://www.example.com/a.css) or paths with hostname, CP codes (12345) or cache "
               "tags; up to 1000.", list[str | int], required=True, min_length=1, max_length=1000)
# CCU purges a URL for both schemes, so paths on one host go out as https URLs (the published definition of a URL
# purge takes URLs only).
HOSTNAME = local("hostname", "by=url: the hostname of objects given as paths (/a.css).", min_length=1,
                 max_length=253, pattern=r"^[A-Za-z0-9.-]+$")


def url_problems(objects: list[Any], hostname: str | None) -> list[str]:
    """Why some objects of a URL purge would not purge what was meant: each must be a full http(s) URL with a
    host, or a path beginning with / when `hostname` names the host (CCU's two forms of a URL purge)."""
    problems = []
    for item in map(str, objects):
        parts = urlsplit(item)
        if parts.scheme in ("http", "https") and parts.hostname:
            if hostname:
                problems.append(f"{item} is a full URL: with hostname, give paths (/a.css)")
        elif item.startswith("/") and not item.startswith("//"):
            if not hostname:
                problems.append(f"{item} is a path: give hostname too, or full URLs")
        elif "." in item.split("/", 1)[0] and " " not in item:
            problems.append(f"{item} has no scheme: did you mean https://{item}?")
        else:
            problems.append(f"{item!r} is not a URL")
    return problems


async def purge(call: ToolCall, args: dict[str, Any]) -> Any:
    """CP codes go out as the integers the API requires, URLs are checked; anything else is refused before
    sending, with what to give instead."""
    objects = args["objects"]
    if args.get("hostname") and args["by"] != "url":
        raise ToolInputError(f"hostname applies to by=url (paths on one host); by={args['by']} takes none.")
    if args["by"] == "cpcode":
        bad = [o for o in objects if not str(o).isdigit()]
        if bad:
            raise ToolInputError(f"CP codes are numbers (e.g. 12345, without cpc_); not: {', '.join(map(str, bad))}.")
        objects = [int(o) for o in objects]
    elif args["by"] == "url":
        problems = url_problems(objects, args.get("hostname"))
        if problems:
            raise ToolInputError("Nothing was purged: " + "; ".join(problems[:10]) + (
                f" (and {len(problems) - 10} more)" if len(problems) > 10 else "") + ". Give full URLs "
                "(https://www.example.com/a.css), or paths (/a.css) with hostname=www.example.com.")
        if args.get("hostname"):
            objects = [f"https://{args['hostname']}{o}" for o in objects]
    return (await call.send(**call.build(args | {"objects": objects}))).data


TOOLS: list[ToolSpec] = [
    api.post("purge-invalidate", "/invalidate/{by}/{network}", title="Invalidate cached content",
             doc="Mark objects stale so the edge revalidates with the origin on next request (the usual, safe "
                 "purge). Returns purgeId and estimatedSeconds.",
             params=(BY, NETWORK, OBJECTS, HOSTNAME),
             idempotent=True, handler=purge, example={"by": "url", "objects": ["https://www.example.com/index.html"]}),
    api.post("purge-delete", "/delete/{by}/{network}", title="Delete cached content",
             doc="Remove objects from cache entirely; every edge refetches from origin. Destructive: prefer "
                 "purge-invalidate unless content must not be served again.",
             params=(BY, NETWORK, OBJECTS, HOSTNAME),
             destructive=True, idempotent=True, handler=purge,
             example={"by": "tag", "objects": ["product-42"], "network": "staging"},
             confirm=True),
]

# Task phrases for search-tools (alecs.tools.tool_search), kept beside the declarations they describe.
INTENTS: dict[str, tuple[str, ...]] = {
    "purge-invalidate": ("purge a url", "clear the cache", "purge by cache tag", "purge a cp code",
                         "refresh cached content", "invalidate content"),
    "purge-delete": ("delete content from cache entirely", "remove content from cache so it is never served"),
}
TOOLS = with_intents(TOOLS, INTENTS)
