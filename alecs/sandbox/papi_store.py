"""Property Manager state: properties and includes with their versions, and their activations, which move
on with time. PapiSim routes over it; the Edge Hostnames API asks it which edge hostnames active versions use.

Seeded: property prp_100001 www.example.com (version 1 of 2025-01-15, active on STAGING and PRODUCTION through
activations atv_500001 and atv_500002, which its activation history shows; PapiSim gives it the hostname
www.example.com on edge hostname ehn_200001) and include inc_400001 common-rules (version 1, never activated).
"""

from __future__ import annotations

from alecs.sandbox.account import Account
from alecs.sandbox.http import HttpError
from alecs.sandbox.ids import CONTRACT, GROUP
from alecs.sandbox.papi_model import Activation, Property, Version, default_rules, strip


class PropertyStore:
    """Properties and includes by id, and every activation of them."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.properties: dict[str, Property] = {}
        self.activations: dict[str, Activation] = {}
        prop = self.new("prp_100001", "www.example.com", CONTRACT, GROUP, "prd_SPM")
        prop.versions[1].updated = "2025-01-15T09:30:00Z"
        for number, network, when in ((500001, "STAGING", "2025-01-15T09:40:00Z"),
                                      (500002, "PRODUCTION", "2025-01-15T10:00:00Z")):
            seeded = Activation(f"atv_{number}", prop, 1, network, "Initial activation", ["noc@example.com"],
                                account.now(), when, status="ACTIVE")
            self.activations[seeded.id] = seeded
        prop.versions[1].staging = prop.versions[1].production = "ACTIVE"
        inc = self.new("inc_400001", "common-rules", CONTRACT, GROUP, "prd_SPM", kind="include")
        inc.versions[1].rules = {"name": "default", "children": [], "criteria": [], "behaviors": [
            {"name": "gzipResponse", "options": {"behavior": "ALWAYS"}}]}

    def new(self, pid: str, name: str, contract: str, group: str, product: str, kind: str = "property",
            rule_format: str = "latest") -> Property:
        """A property (or include) with an editable version 1 holding the default rule tree."""
        prop = Property(pid, name, contract, group, product, kind=kind)
        prop.versions[1] = Version(1, default_rules(), [], product, rule_format, updated=self.account.iso())
        self.properties[pid] = prop
        return prop

    def find(self, pid: str, kind: str = "property") -> Property:
        """The property (or include) by id, with or without its prefix, or PAPI's 404."""
        prefix = "prp_" if kind == "property" else "inc_"
        prop = self.properties.get(strip(prefix, pid))
        if prop is None or prop.kind != kind:
            raise HttpError(404, f"{kind.title()} not found", f"No {kind} {pid} in this account.")
        return prop

    @staticmethod
    def version(prop: Property, number: str | int) -> Version:
        """One version of the property, or PAPI's 404."""
        version = prop.versions.get(int(number)) if str(number).isdigit() else None
        if version is None:
            raise HttpError(404, "Version not found", f"{prop.id} has no version {number}.")
        return version

    def tick(self) -> None:
        """Activations move on with time: PENDING -> ACTIVE after the configured delay; the activation it
        supersedes on that network becomes INACTIVE, as PAPI reports it."""
        now = self.account.now()
        for act in self.activations.values():
            if act.status == "PENDING" and now - act.submitted >= self.account.settings.activation_seconds:
                for older in self.activations.values():
                    if older.target is act.target and older.network == act.network and older.status == "ACTIVE":
                        older.status = "INACTIVE"
                act.status = "ACTIVE"
                field_name = "staging" if act.network == "STAGING" else "production"
                for v in act.target.versions.values():
                    if getattr(v, field_name) == "ACTIVE":
                        setattr(v, field_name, "DEACTIVATED")
                setattr(act.target.versions[act.version], field_name, "ACTIVE")

    def active_hostnames(self, network: str) -> set[str]:
        """The hostnames the versions active on `network` (STAGING or PRODUCTION) serve."""
        self.tick()
        out: set[str] = set()
        for prop in self.properties.values():
            number = prop.active(network)
            if number is not None:
                out.update(h["cnameFrom"] for h in prop.versions[number].hostnames)
        return out

    # -- queries from other simulators ---------------------------------------------------------------
    def edge_hostname_in_use(self, edge_hostname_id: str) -> bool:
        """Whether a version active on either network serves a hostname through this edge hostname."""
        self.tick()
        wanted = strip("ehn_", edge_hostname_id)
        return any("ACTIVE" in (v.staging, v.production) and any(h["edgeHostnameId"] == wanted for h in v.hostnames)
                   for prop in self.properties.values() for v in prop.versions.values())
