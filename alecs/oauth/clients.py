"""Who the clients are: registered ones (RFC 7591) and client ID metadata documents, and their redirect URIs.

Rules (decisions, documented in README):

- Redirect URIs: `https://...`, `http://` on loopback only (127.0.0.1, [::1], localhost), or a private-use scheme
  of a native app (`cursor://...`, `vscode://...`); never `javascript:`, `data:`, `file:` or fragments. At most 10 per
  client, 2,000 characters each. A requested redirect URI must match a registered one exactly, except that a
  loopback URI's port may differ (RFC 8252 §7.3: native apps listen on whatever port is free).
- Registration: grant types `authorization_code` and `refresh_token` only, response type `code`, a name of at most
  200 characters; bigger requests are refused before parsing (the app bounds every body).
- Client ID metadata documents: a `client_id` that is an `https://` URL with a path is fetched (no redirects
  followed, `metadata_timeout` seconds, `metadata_max_bytes`), only from public addresses (every address the name
  resolves to is checked, and the connection goes to a checked one, so DNS cannot swap in a private one later),
  unless `metadata_allow_private`. The document must name itself as `client_id`, be a public client
  (`token_endpoint_auth_method` none) and hold no secret. Documents are cached for their `max-age` (60 s to a day,
  an hour without one), at most 500 of them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
import socket
import ssl
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpcore2
from mcp.shared.auth import InvalidRedirectUriError, InvalidScopeError, OAuthClientInformationFull
from pydantic import AnyUrl, ValidationError

from alecs.oauth.settings import OAuthSettings
from alecs.principal import SCOPES

MAX_REDIRECT_URIS = 10
MAX_URI_LENGTH = 2000
MAX_NAME_LENGTH = 200
MAX_CACHED_DOCUMENTS = 500
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "[::1]", "::1", "localhost"})
FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "file", "vbscript", "about", "blob", "ftp", "ws", "wss"})
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")


class ClientRefused(Exception):
    """A client (registration or metadata document) alecs will not serve; the message says why."""


def _loopback(parts: Any) -> bool:
    return parts.scheme == "http" and (parts.hostname or "") in LOOPBACK_HOSTS | {"::1"}


def check_redirect_uri(uri: str) -> str | None:
    """Why this redirect URI cannot be registered, or None if it can."""
    if len(uri) > MAX_URI_LENGTH:
        return f"a redirect URI is longer than {MAX_URI_LENGTH} characters"
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if not _SCHEME.match(scheme) or scheme in FORBIDDEN_SCHEMES:
        return f"redirect URI scheme '{scheme or '(none)'}' is not allowed"
    if parts.fragment or "#" in uri:
        return "a redirect URI must not have a fragment"
    if scheme == "https":
        return None if parts.hostname else "an https redirect URI needs a host"
    if scheme == "http":
        return None if _loopback(parts) else "http redirect URIs are accepted on loopback only (use https)"
    return None  # a native app's private-use scheme (RFC 8252 §7.1)


def check_client_metadata(metadata: dict[str, Any]) -> str | None:
    """Why these client metadata cannot be accepted, or None."""
    uris = metadata.get("redirect_uris") or []
    if not uris:
        return "redirect_uris is required"
    if len(uris) > MAX_REDIRECT_URIS:
        return f"at most {MAX_REDIRECT_URIS} redirect_uris"
    for uri in uris:
        why = check_redirect_uri(str(uri))
        if why:
            return why
    name = metadata.get("client_name")
    if name is not None and (not isinstance(name, str) or len(name) > MAX_NAME_LENGTH
                             or re.search(r"[\x00-\x1f\x7f]", name)):
        return f"client_name must be one line of at most {MAX_NAME_LENGTH} characters"
    extra = set(metadata.get("grant_types") or ["authorization_code"]) - {"authorization_code", "refresh_token"}
    if extra:
        return f"grant types {', '.join(sorted(extra))} are not supported (authorization_code, refresh_token)"
    if set(metadata.get("response_types") or ["code"]) != {"code"}:
        return "only the response type 'code' is supported"
    scope = metadata.get("scope")
    if scope and set(str(scope).split()) - set(SCOPES):
        return f"unknown scope in '{scope}': the scopes are {', '.join(SCOPES)}"
    return None


def _same_redirect(registered: str, requested: str) -> bool:
    if registered == requested:
        return True
    a, b = urlsplit(registered), urlsplit(requested)
    return (_loopback(a) and _loopback(b) and a.hostname == b.hostname and a.path == b.path and a.query == b.query
            and a.username is None and b.username is None)


class AlecsClient(OAuthClientInformationFull):
    """A client as the SDK's handlers see it, with alecs' redirect and scope rules."""

    def validate_redirect_uri(self, redirect_uri: AnyUrl | None) -> AnyUrl:
        registered = [str(u) for u in self.redirect_uris or []]
        if redirect_uri is None:
            if len(registered) == 1:
                return AnyUrl(registered[0])
            raise InvalidRedirectUriError("redirect_uri is required: this client registered more than one.")
        if not any(_same_redirect(r, str(redirect_uri)) for r in registered):
            raise InvalidRedirectUriError(f"Redirect URI '{redirect_uri}' is not registered for this client.")
        return redirect_uri

    def validate_scope(self, requested_scope: str | None) -> list[str] | None:
        if requested_scope is None:
            return None
        allowed = self.scope.split() if self.scope else list(SCOPES)
        requested = requested_scope.split()
        unknown = [s for s in requested if s not in allowed]
        if unknown:
            raise InvalidScopeError(f"Scope {' '.join(unknown)} is not available to this client "
                                    f"(scopes: {' '.join(allowed)}).")
        return requested


def is_metadata_url(client_id: str) -> bool:
    """True for a client id that is a client ID metadata document URL (https with a path)."""
    parts = urlsplit(client_id)
    return parts.scheme == "https" and bool(parts.hostname) and parts.path not in ("", "/")


def _address_allowed(address: str, allow_private: bool) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return allow_private or ip.is_global


class _PublicOnly(httpcore2.AsyncNetworkBackend):
    """Connects only to addresses that pass the check, to the address that was checked (no second lookup)."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private
        self.inner = httpcore2.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore2.AsyncNetworkStream:
        infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        refused = [a for a in addresses if not _address_allowed(a, self.allow_private)]
        if refused or not addresses:
            raise ClientRefused(f"the metadata document's host {host} resolves to a private, loopback or reserved "
                                f"address ({', '.join(refused) or 'none'}): alecs does not fetch from those")
        return await self.inner.connect_tcp(addresses[0], port, timeout=timeout, local_address=local_address,
                                            socket_options=socket_options)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class MetadataDocuments:
    """Fetches and caches client ID metadata documents (see the module docstring)."""

    def __init__(self, settings: OAuthSettings) -> None:
        self.settings = settings
        self._pool = httpcore2.AsyncConnectionPool(
            ssl_context=ssl.create_default_context(cafile=settings.metadata_ca_file), network_backend=_PublicOnly(
                settings.metadata_allow_private), max_connections=8, retries=0)
        self._cache: dict[str, tuple[float, AlecsClient]] = {}
        self._fetching: dict[str, asyncio.Future[AlecsClient]] = {}

    async def client(self, url: str) -> AlecsClient:
        """The client a metadata document describes; ClientRefused says why not."""
        cached = self._cache.get(url)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        pending = self._fetching.get(url)
        if pending is None:  # concurrent requests for one document share one fetch
            pending = self._fetching[url] = asyncio.ensure_future(self._fetch(url))
            pending.add_done_callback(lambda _: self._fetching.pop(url, None))
        return await asyncio.shield(pending)

    async def _fetch(self, url: str) -> AlecsClient:
        parts = urlsplit(url)
        if not is_metadata_url(url) or parts.username or parts.password or parts.fragment or "/../" in parts.path \
                or parts.path.endswith("/.."):
            raise ClientRefused("a client ID metadata document URL must be https with a path, without credentials, "
                                "fragment or dot segments")
        limit = self.settings.metadata_max_bytes
        try:
            with anyio.fail_after(self.settings.metadata_timeout):
                async with self._pool.stream("GET", url, headers=[(b"Accept", b"application/json")]) as response:
                    if 300 <= response.status < 400:
                        raise ClientRefused(f"{url} answered with a redirect ({response.status}); metadata documents "
                                            f"must be served at their URL, redirects are not followed")
                    if response.status != 200:
                        raise ClientRefused(f"{url} answered HTTP {response.status}")
                    body = bytearray()
                    async for chunk in response.aiter_stream():
                        body += chunk
                        if len(body) > limit:
                            raise ClientRefused(f"the metadata document at {url} is larger than {limit} bytes")
                    max_age = _max_age(dict((k.lower(), v) for k, v in response.headers))
        except TimeoutError:
            raise ClientRefused(f"fetching {url} took longer than {self.settings.metadata_timeout:g} s") from None
        except httpcore2.ConnectError as exc:
            raise ClientRefused(f"cannot connect to fetch {url}: {exc}") from None
        except (httpcore2.ProtocolError, httpcore2.NetworkError, httpcore2.UnsupportedProtocol,
                httpcore2.TimeoutException) as exc:
            raise ClientRefused(f"cannot fetch {url}: {exc}") from None
        client = _document_client(url, bytes(body))
        while len(self._cache) >= MAX_CACHED_DOCUMENTS:
            del self._cache[next(iter(self._cache))]
        self._cache[url] = (time.monotonic() + max_age, client)
        return client

    async def aclose(self) -> None:
        await self._pool.aclose()


def _max_age(headers: dict[bytes, bytes]) -> float:
    match = re.search(rb"max-age=(\d+)", headers.get(b"cache-control", b""))
    return min(max(float(match.group(1)), 60.0), 86400.0) if match else 3600.0


def _document_client(url: str, body: bytes) -> AlecsClient:
    try:
        doc = json.loads(body)
    except ValueError:
        raise ClientRefused(f"the metadata document at {url} is not JSON") from None
    if not isinstance(doc, dict):
        raise ClientRefused(f"the metadata document at {url} is not a JSON object")
    if doc.get("client_id") != url:
        raise ClientRefused(f"the metadata document at {url} names another client_id ({doc.get('client_id')!r})")
    if "client_secret" in doc or doc.get("token_endpoint_auth_method", "none") != "none":
        raise ClientRefused("a metadata document describes a public client: token_endpoint_auth_method 'none' and "
                            "no client_secret")
    why = check_client_metadata(doc)
    if why:
        raise ClientRefused(f"the metadata document at {url}: {why}")
    try:
        return AlecsClient.model_validate({**doc, "token_endpoint_auth_method": "none"})
    except ValidationError as exc:
        raise ClientRefused(f"the metadata document at {url} is not valid client metadata: "
                            f"{exc.errors()[0].get('msg', '')}") from None
