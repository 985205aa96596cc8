"""The OAuth endpoints as one ASGI app that the Streamable HTTP transport mounts, and the 401 challenge.

Paths (all at the root of the public URL's origin, which is the issuer):

| path | what |
|---|---|
| `/.well-known/oauth-protected-resource[/mcp]` | RFC 9728 protected-resource metadata (both forms) |
| `/.well-known/oauth-authorization-server` | RFC 8414 authorization-server metadata |
| `/register` | RFC 7591 dynamic client registration (bounded in size, count and rate) |
| `/authorize` | the authorization endpoint (PKCE S256), which sends the browser to the consent page |
| `/authorize/consent`, `/authorize/consent.css` | the consent page and its stylesheet |
| `/token` | authorization code and refresh token grants (failures limited per credential and address) |
| `/revoke` | RFC 7009 revocation (ends the whole grant) |

The MCP SDK's handlers (`mcp.server.auth.handlers`) parse and answer the standard endpoints; this module adds the
Host check (DNS rebinding, as for `/mcp`), one body limit for everything, the registration rate limits, failure
limiting at the token endpoint, the RFC 8707 `resource` check there, and a clear reason when a client ID metadata
document is refused.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable

from mcp.server.auth.handlers.authorize import AuthorizationHandler
from mcp.server.auth.handlers.metadata import MetadataHandler, ProtectedResourceMetadataHandler
from mcp.server.auth.handlers.register import RegistrationHandler
from mcp.server.auth.handlers.revoke import RevocationHandler
from mcp.server.auth.handlers.token import TokenHandler
from mcp.server.auth.routes import cors_middleware
from mcp.server.auth.settings import ClientRegistrationOptions
from mcp.server.transport_security import RequestBodyLimitMiddleware
from mcp.shared.auth import OAuthMetadata, ProtectedResourceMetadata
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from alecs import metrics
from alecs.auth.addresses import TrustedProxies
from alecs.auth.failures import ADDRESS, FailureKey, FailureLimiter
from alecs.auth.hosts import HostAllowList
from alecs.auth.live import LiveTokens
from alecs.oauth.authenticate import StoredSecretAuthenticator
from alecs.oauth.clients import MetadataDocuments
from alecs.oauth.consent import CSS_PATH, ConsentPage, stylesheet
from alecs.oauth.gate import FailureGate
from alecs.oauth.live import LiveGrants
from alecs.oauth.provider import CONSENT_PATH, NOTES, AlecsProvider, RequestNotes, notes, same_resource
from alecs.oauth.settings import AS_METADATA_PATH, PRM_PATH, OAuthSettings, OAuthUrls
from alecs.oauth.store import GrantStore
from alecs.principal import SCOPES

Handler = Callable[[Request], Awaitable[Response]]
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def www_authenticate(resource_metadata: str, error: str | None = None, description: str | None = None) -> str:
    """The `WWW-Authenticate` of a 401 on the MCP endpoint (RFC 6750 §3, RFC 9728 §5.1): where the
    protected-resource metadata is, and why the request was refused when a token was presented."""
    parts = ['realm="alecs"', f'resource_metadata="{_quoted(resource_metadata)}"']
    if error:
        parts.append(f'error="{error}"')
    if description:
        parts.append(f'error_description="{_quoted(description)}"')
    return "Bearer " + ", ".join(parts)


def _quoted(text: str) -> str:
    return "".join(c for c in text if c not in '"\\' and 0x20 <= ord(c) < 0x7f)


class OAuthApp:
    """The authorization server of one alecs server (see the module docstring).

    `start(listen_url)` fixes the URLs (the public URL, else the one it listens on); `handles(path)` says which
    requests are its own; `challenge_headers` makes a 401's header for the MCP endpoint."""

    def __init__(self, settings: OAuthSettings, tokens: LiveTokens, *, limiter: FailureLimiter,
                 proxies: TrustedProxies, allowed_hosts: HostAllowList) -> None:
        self.settings = settings
        if tokens.grants is None:
            tokens.grants = LiveGrants(GrantStore.beside(tokens.store))
        self.tokens, self.grants = tokens, tokens.grants
        self.allowed_hosts = allowed_hosts
        self.gate = FailureGate(limiter, proxies)
        self.documents = MetadataDocuments(settings)
        self.provider = AlecsProvider(settings, tokens, self.grants, self.documents, lambda: self.urls)
        self.registrations = FailureLimiter(max_failures=settings.registrations_per_minute, window=60.0, block=60.0)
        self.registrations_total = FailureLimiter(max_failures=settings.registrations_per_minute_total, window=60.0,
                                                  block=10.0)
        self._urls: OAuthUrls | None = None
        self._app: ASGIApp | None = None
        self.paths: frozenset[str] = frozenset()

    @property
    def urls(self) -> OAuthUrls:
        if self._urls is None:
            raise RuntimeError("OAuthApp.start() has not run")
        return self._urls

    def start(self, listen_url: str) -> None:
        """Fix the URLs and build the routes (once the server knows the port it listens on)."""
        urls = self._urls = self.settings.urls(listen_url)
        self.grants.resource = urls.resource
        registration = ClientRegistrationOptions(enabled=True, valid_scopes=list(SCOPES))
        authenticator = StoredSecretAuthenticator(self.provider)
        authorize = AuthorizationHandler(self.provider)
        token = TokenHandler(self.provider, authenticator)
        register = RegistrationHandler(self.provider, registration)
        revoke = RevocationHandler(self.provider, authenticator)
        consent = ConsentPage(self.provider, self.gate, urls.secure)
        resource_metadata = cors_middleware(ProtectedResourceMetadataHandler(self.resource_metadata()).handle,
                                            ["GET", "OPTIONS"])
        routes = [
            Route(PRM_PATH, resource_metadata, methods=["GET", "OPTIONS"]),
            Route(AS_METADATA_PATH, cors_middleware(MetadataHandler(self.server_metadata()).handle,
                                                    ["GET", "OPTIONS"]), methods=["GET", "OPTIONS"]),
            Route("/authorize", self._authorize(authorize.handle), methods=["GET", "POST"]),
            Route(CONSENT_PATH, consent.handle, methods=["GET", "POST"]),
            Route(CSS_PATH, _stylesheet, methods=["GET"]),
            Route("/token", cors_middleware(self._token(token.handle), ["POST", "OPTIONS"]),
                  methods=["POST", "OPTIONS"]),
            Route("/register", cors_middleware(self._register(register.handle), ["POST", "OPTIONS"]),
                  methods=["POST", "OPTIONS"]),
            Route("/revoke", cors_middleware(revoke.handle, ["POST", "OPTIONS"]), methods=["POST", "OPTIONS"]),
        ]
        if urls.resource_path:
            routes.append(Route(PRM_PATH + urls.resource_path, resource_metadata, methods=["GET", "OPTIONS"]))
        self.paths = frozenset(r.path for r in routes)
        self._app = RequestBodyLimitMiddleware(Router(routes=routes), self.settings.max_body_bytes)

    def prune(self) -> None:
        """Forget grants that ended more than 30 days ago (blocks: run it in a worker thread)."""
        self.grants.store.prune({r.id: r.state() for r in self.tokens.store.records()})
        self.grants.refresh(force=True)

    async def aclose(self) -> None:
        """Close the metadata documents' connection pool."""
        await self.documents.aclose()

    def handles(self, path: str) -> bool:
        return path in self.paths

    # -- metadata ------------------------------------------------------------------------------------
    def resource_metadata(self) -> ProtectedResourceMetadata:
        urls = self.urls
        return ProtectedResourceMetadata.model_validate({
            "resource": urls.resource, "authorization_servers": [urls.issuer], "scopes_supported": list(SCOPES),
            "bearer_methods_supported": ["header"], "resource_name": "alecs: Akamai control plane"})

    def server_metadata(self) -> OAuthMetadata:
        urls = self.urls
        return OAuthMetadata.model_validate({
            "issuer": urls.issuer, "authorization_endpoint": urls.endpoint("/authorize"),
            "token_endpoint": urls.endpoint("/token"), "registration_endpoint": urls.endpoint("/register"),
            "revocation_endpoint": urls.endpoint("/revoke"), "scopes_supported": list(SCOPES),
            "response_types_supported": ["code"], "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
            "revocation_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"], "client_id_metadata_document_supported": True,
            "authorization_response_iss_parameter_supported": True})

    def challenge_headers(self, reason: str, message: str) -> tuple[tuple[str, str], ...]:
        """The 401's headers for a refusal of the Guard: no error code when no token was sent (RFC 6750 §3.1)."""
        if self._urls is None:  # not started yet: the plain challenge
            return (("WWW-Authenticate", 'Bearer realm="alecs"'),)
        error = None if reason == "no_header" else "invalid_request" if reason in (
            "token_in_url", "malformed_header") else "invalid_token"
        return (("WWW-Authenticate", www_authenticate(self.urls.resource_metadata, error, message)),)

    # -- ASGI ----------------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        if not self.allowed_hosts.allows(request.headers.getlist("host")):
            await JSONResponse({"error": "This Host is not served here (ALECS_PUBLIC_URL, ALECS_ALLOWED_HOSTS)."},
                               status_code=403)(scope, receive, send)
            return
        if self._app is None:
            await JSONResponse({"error": "OAuth is starting"}, status_code=503)(scope, receive, send)
            return
        token = NOTES.set(RequestNotes(address=self.gate.address(request)))
        try:
            await self._app(scope, receive, send)
        finally:
            NOTES.reset(token)

    def _authorize(self, handle: Handler) -> Handler:
        async def authorize(request: Request) -> Response:
            params = request.query_params if request.method == "GET" else await request.form()
            method = params.get("code_challenge_method")
            notes().pkce_method = method if isinstance(method, str) else None
            response = await handle(request)
            refusal = notes().client_refusal
            if refusal is not None and response.status_code == 400:
                return JSONResponse({"error": "invalid_request", "error_description": f"Client refused: {refusal}"},
                                    status_code=400, headers=NO_STORE)
            return response
        return authorize

    def _token(self, handle: Handler) -> Handler:
        async def token(request: Request) -> Response:
            # Like the Guard: a good request always passes (client ids are public: anyone could run up a popular
            # client's count); a failing one counts against what it presented, and once that is blocked, gets 429.
            form = await request.form()
            presented = form.get("refresh_token") or form.get("client_id")
            keys = self.gate.keys(request, presented if isinstance(presented, str) else None)
            resource = form.get("resource")
            if isinstance(resource, str) and not same_resource(resource, self.urls.resource):
                response: Response = JSONResponse({"error": "invalid_target", "error_description": (
                    f"This server is the resource {self.urls.resource}; it issues no tokens for {resource}.")},
                    status_code=400, headers=NO_STORE)
            else:
                response = await handle(request)
            if response.status_code in (400, 401):
                wait = self.gate.retry_after(keys)
                if wait > 0:
                    metrics.auth_refusal("oauth", "rate_limited")
                    return _too_many(wait, "Too many failed token requests")
                self.gate.failed(keys)
                metrics.auth_refusal("oauth", "token_request")
            return response
        return token

    def _register(self, handle: Handler) -> Handler:
        async def register(request: Request) -> Response:
            now = time.monotonic()
            place = self.gate.proxies.failure_key(self.gate.address(request))
            per_address: tuple[FailureKey, ...] = ((ADDRESS, place),) if place else ()
            everyone: tuple[FailureKey, ...] = (("registrations", "all"),)
            wait = max(self.registrations.retry_after(per_address, now),
                       self.registrations_total.retry_after(everyone, now))
            if wait > 0:
                return _too_many(wait, "Too many client registrations")
            self.registrations.failed(per_address, now)
            self.registrations_total.failed(everyone, now)
            return await handle(request)
        return register


def _too_many(wait: float, what: str) -> Response:
    seconds = int(wait) + 1
    return Response(json.dumps({"error": "temporarily_unavailable",
                                "error_description": f"{what}: try again in {seconds} s."}),
                    status_code=429, media_type="application/json", headers={**NO_STORE, "Retry-After": str(seconds)})


async def _stylesheet(request: Request) -> Response:
    return Response(stylesheet(), media_type="text/css", headers={"Cache-Control": "public, max-age=3600",
                                                                  "X-Content-Type-Options": "nosniff"})

