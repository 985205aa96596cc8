"""The nested objects Akamai's request bodies require, as input types: what a model must put inside a tool's
object and list arguments (required fields, enums, integer ids), shown in the tool's `inputSchema`.

Each shape lists the fields a request needs and the few a model most often sets; other fields of the published
definition are accepted as given (`extra="allow"`) and checked, with everything else, by the pre-send check
(`alecs.tools.presend`), which names any field Akamai would refuse. Fields left out are not sent: a shape dumps
only what was given and its defaults.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer

Network = Literal["STAGING", "PRODUCTION"]
ZoneType = Literal["PRIMARY", "SECONDARY", "ALIAS"]
TsigAlgorithm = Literal["hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512"]
RATE_ACTION = r"^(alert|deny|none|monitor|tarpit|delay|slow|(cond_action|deny_custom|serve_alt|challenge)_\d+)$"


class Shape(BaseModel):
    """A nested request object: the fields it declares are validated, others pass to the pre-send check."""

    model_config = ConfigDict(extra="allow")

    @model_serializer(mode="wrap")
    def _given(self, handler: Any) -> Any:
        """Only the fields given (or defaulted): an absent field is not sent as null."""
        return {k: v for k, v in handler(self).items() if v is not None}


# -- Property Manager ------------------------------------------------------------------------------------------
class BulkSearchQuery(Shape):
    """A bulk rule search."""

    match: str = Field(min_length=1, description="JSONPath, e.g. $..behaviors[?(@.name == 'origin')]")
    syntax: Literal["JSONPATH"] = "JSONPATH"
    bulkSearchQualifiers: list[str] | None = None


class BulkActivation(Shape):
    """One property version of a bulk activation."""

    propertyId: str = Field(pattern=r"^(prp_|PRP_)?\d+$")
    propertyVersion: int = Field(ge=1)
    network: Network
    note: str | None = None


class ActivationDefaults(Shape):
    """Settings of every activation of a bulk activation."""

    notifyEmails: list[str] | None = None
    acknowledgeAllWarnings: bool | None = None


class PropertyHostname(Shape):
    """A property hostname and the edge hostname it points to."""

    cnameFrom: str = Field(min_length=1)
    cnameType: Literal["EDGE_HOSTNAME"] = "EDGE_HOSTNAME"
    edgeHostnameId: str | None = None
    cnameTo: str | None = None


class CloneFrom(Shape):
    """The property version a new property copies."""

    propertyId: str
    version: int = Field(ge=1)
    copyHostnames: bool | None = None


# -- Edge DNS ---------------------------------------------------------------------------------------------------
class TsigKey(Shape):
    """A TSIG key for zone transfers."""

    name: str
    algorithm: TsigAlgorithm
    secret: str


class NewZone(Shape):
    """A zone of a bulk create request."""

    zone: str = Field(min_length=3, max_length=253)
    type: ZoneType
    masters: list[str] | None = Field(None, description="SECONDARY")
    target: str | None = Field(None, description="ALIAS")
    comment: str | None = None


class RecordSet(Shape):
    """A record set: every record of one name and type."""

    name: str
    type: str
    ttl: int = Field(ge=0, le=2147483647)
    rdata: list[str] = Field(min_length=1)


# -- Certificates -----------------------------------------------------------------------------------------------
class Csr(Shape):
    """What the certificate names (c, st, l, o, ou are accepted too)."""

    cn: str = Field(min_length=1)
    sans: list[str] | None = None


class NetworkConfiguration(Shape):
    """Where and how the certificate is deployed (disallowedTlsVersions, dnsNameSettings… accepted too)."""

    geography: Literal["core", "china+core", "russia+core"] = "core"
    secureNetwork: Literal["enhanced-tls", "standard-tls"] = "enhanced-tls"
    sniOnly: bool = True
    quicEnabled: bool = False


# -- Application security ---------------------------------------------------------------------------------------
class RatePolicy(Shape):
    """A rate policy (path, hostnames, fileExtensions, additionalMatchOptions… accepted too)."""

    name: str = Field(min_length=1)
    averageThreshold: int = Field(ge=1, description="Requests per second over 2 minutes")
    burstThreshold: int = Field(ge=1, description="Requests per second over 5 seconds")
    type: Literal["WAF", "BOTMAN"] = "WAF"
    matchType: Literal["path", "api"] = "path"
    pathMatchType: Literal["AllRequests", "TopLevel", "Custom"] = "AllRequests"
    clientIdentifier: Literal["ip", "ip-useragent", "api-key", "cookie:value"] = "ip"
    requestType: Literal["ClientRequest", "ClientResponse", "ForwardResponse", "ForwardRequest"] = "ClientRequest"
    sameActionOnIpv6: bool = True


ConditionType = Literal[
    "pathMatch", "hostMatch", "ipMatch", "geoMatch", "requestHeaderMatch", "requestMethodMatch", "uriQueryMatch",
    "cookieMatch", "extensionMatch", "filenameMatch", "argsPostMatch", "argsPostNamesMatch", "asNumberMatch",
    "clientListMatch", "ipAddressMatch", "headerOrderMatch", "requestProtocolVersionMatch", "clientCertPresentMatch",
    "clientCertValidMatch", "clientTlsFingerprintMatch"]


class RuleCondition(Shape):
    """One condition of a custom rule."""

    type: ConditionType
    positiveMatch: bool = True
    value: list[str] | str | None = None
    name: list[str] | str | None = None


class CustomRule(Shape):
    """A structured custom rule (tag, description, ruleActivated… accepted too)."""

    name: str = Field(min_length=1)
    conditions: list[RuleCondition] = Field(min_length=1)
    operation: Literal["AND", "OR"] = "AND"
    structured: bool = True


class ConfigVersion(Shape):
    """A security configuration version to clone."""

    configId: int = Field(ge=1)
    version: int = Field(ge=1)


class ApiEndpoint(Shape):
    """An API endpoint a match target covers."""

    id: int = Field(ge=1)


class NetworkListRef(Shape):
    """A network list, by its uniqueId."""

    id: str = Field(min_length=1, description="e.g. 1024_BLOCKEDIPS")


# -- Identity and access ----------------------------------------------------------------------------------------
class AuthGrant(Shape):
    """A role in a group (roleId alone: an account-level role; subGroups, isBlocked accepted too)."""

    roleId: int = Field(ge=1)
    groupId: int | None = Field(None, ge=0)


AuthGrants = Annotated[list[AuthGrant], Field(min_length=1)]


# -- EdgeKV -----------------------------------------------------------------------------------------------------
Retention = Literal[0] | Annotated[int, Field(ge=86400, le=315360000)]
class DataAccessPolicy(Shape):
    """Who may read a namespace's data."""

    restrictDataAccess: bool
    allowNamespacePolicyOverride: bool


# Namespace -> the token's permissions there: read, write, delete, each at most once.
NamespacePermissions = dict[str, Annotated[list[Literal["r", "w", "d"]], Field(min_length=1, max_length=3)]]


# -- Cloudlets --------------------------------------------------------------------------------------------------
class _MatchRule(Shape):
    name: str | None = None
    matchURL: str | None = None
    matches: list[dict[str, Any]] | None = None


class EdgeRedirectRule(_MatchRule):
    """Edge Redirector."""

    type: Literal["erMatchRule"]
    redirectURL: str = Field(min_length=1)
    statusCode: Literal[301, 302, 303, 307, 308]


class ForwardRule(_MatchRule):
    """Forward Rewrite."""

    type: Literal["frMatchRule"]
    forwardSettings: dict[str, Any]


class PassThroughRule(_MatchRule):
    """API Prioritization."""

    type: Literal["apMatchRule"]
    passThroughPercent: float = Field(ge=-1, le=100)


class AllowDenyRule(_MatchRule):
    """Request Control."""

    type: Literal["igMatchRule"]
    allowDeny: Literal["allow", "deny", "denybranded"]


class WaitingRoomRule(_MatchRule):
    """Virtual Waiting Room."""

    type: Literal["vwrMatchRule"]
    action: Literal["FIFO"]


class OtherRule(_MatchRule):
    """Phased Release, Audience Segmentation."""

    type: Literal["cdMatchRule", "asMatchRule"]


class WaitingRoomSettings(Shape):
    """Virtual Waiting Room policy settings."""

    originNewVisitorLimit: int = Field(1000, ge=10, le=10000000, description="New visitors let in per second")


MatchRule = Annotated[EdgeRedirectRule | ForwardRule | PassThroughRule | AllowDenyRule | WaitingRoomRule | OtherRule,
                      Field(discriminator="type")]
