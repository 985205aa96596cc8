"""The conformance checker: openapi-core over Akamai's published definitions, loaded for request validation.

The definitions are read (roots merged, `$ref`s inlined, upstream quirks mended) by `alecs.openapi.definitions`,
the same code the shipped index is generated from, so the checker and the index see the same operations. This
module adds openapi-core on top: an independent implementation of OpenAPI request validation that the tests hold
alecs' requests (and alecs' own validator) to.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from alecs.openapi.definitions import (  # noqa: F401 - re-exported for the tests
    MISSING_HELP,
    available,
    definitions_dir,
    document,
    media_types,
    operations,
)

REPO = Path(__file__).resolve().parents[1]


@functools.cache
def validator(api: str) -> Any:
    from jsonschema_path import SchemaPath
    from openapi_core import Config, OpenAPI

    doc = document(api)
    media = media_types(doc["paths"])
    deserializers: dict[str, Any] = {m: json.loads for m in media if "json" in m and m != "application/json"}
    deserializers |= {m: _text for m in media if m.startswith("text/") and m != "text/plain"}
    config = Config(spec_validator_cls=None, extra_media_type_deserializers=deserializers)
    return OpenAPI(SchemaPath.from_dict(doc), config=config)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def validate_request(api: str, method: str, path: str, query: dict[str, str], headers: dict[str, str],
                     body: bytes) -> None:
    """Raises openapi-core's error when the request does not match the published definition."""
    from openapi_core.testing import MockRequest

    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    request = MockRequest("https://example.com", method.lower(), path, args=query, headers=headers,
                          data=body or None, content_type=(content_type or "application/json").split(";")[0])
    validator(api).validate_request(request)
