"""Everyday requests an Akamai engineer types, and the operations that answer them (any one of a set).

Each row: the words, the API the assistant names when it knows it (usually none), the right operations.
"""

from __future__ import annotations

PHRASES: list[tuple[str, str | None, set[str]]] = [
    ("list image policies", None, {"imaging/v2:get-policies"}),
    ("create an image policy", None, {"imaging/v2:put-policy"}),
    ("purge by cache tag", None, {"ccu/v3:post-invalidate-tag", "ccu/v3:post-delete-tag"}),
    ("purge urls", None, {"ccu/v3:post-invalidate-url", "ccu/v3:post-delete-url"}),
    ("site shield maps", None, {"siteshield/v1:get-maps"}),
    ("acknowledge a site shield map", None, {"siteshield/v1:post-map-acknowledge"}),
    ("create a CP code", None, {"papi/v1:post-cpcodes"}),
    ("cloud wrapper locations", None, {"cloud-wrapper/v1:get-locations"}),
    ("list properties", "papi", {"papi/v1:get-properties"}),
    ("activate a property version", None, {"papi/v1:post-property-activations"}),
    ("list dns zones", None, {"config-dns/v2:get-zones"}),
    ("create dns record sets", None, {"config-dns/v2:post-zones-zone-recordsets", "config-dns/v2:post-zone-name-type"}),
    ("list certificate enrollments", None, {"cps/v2:get-enrollments"}),
    ("add IPs to a network list", None, {"network-lists/v2:post-network-list-append"}),
    ("list edgeworkers", None, {"edgeworkers/v1:get-ids"}),
    ("create an edgekv namespace", None, {"edgekv/v1:post-namespace"}),
    ("list gtm domains", None, {"config-gtm/v1:get-domains"}),
    ("translate an error reference string", None, {"edge-diagnostics/v1:post-error-translator"}),
    ("run curl from an edge server", None, {"edge-diagnostics/v1:post-curl"}),
    ("list users in control center", None, {"identity-management/v3:get-ui-identities"}),
    ("list api clients", None, {"identity-management/v3:get-api-clients"}),
    ("list application security configurations", None, {"appsec/v1:get-configs"}),
    ("list rate policies", None, {"appsec/v1:get-rate-policies"}),
    ("list shared cloudlet policies", None, {"cloudlets/v3:get-policies"}),
    ("list datastream log streams", None, {"datastream-config-api/v2:get-streams"}),
    ("open a support case", None, {"case-management/v3:post-cases"}),
    ("list invoices for my account", None, {"invoicing/v3:get-invoices"}),
    ("list api endpoints", None, {"api-definitions/v2:get-endpoints", "appsec/v1:get-api-endpoints"}),
    ("list alert definitions", None, {"alerts/v2:get-definitions"}),
    ("firewall rules cidr blocks for my origin", None, {"firewall-rules-manager/v1:get-cidr-blocks"}),
]
