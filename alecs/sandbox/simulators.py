"""The simulated APIs of one account, built in one place so that what they share is explicit: the CP code
store (Property Manager, CPRG, Reporting), the property store (Property Manager, Edge Hostnames) and the
certificates (CPS, asked by Property Manager whether a hostname is covered)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Protocol

from alecs.sandbox.account import Account
from alecs.sandbox.appsec import AppsecSim
from alecs.sandbox.ccu import CcuSim
from alecs.sandbox.certs import CertsSim
from alecs.sandbox.cloudlets import CloudletsSim
from alecs.sandbox.cpcodes import CpcodeStore
from alecs.sandbox.cprg import CprgSim
from alecs.sandbox.datastream import DatastreamSim
from alecs.sandbox.diagnostics import DiagnosticsSim
from alecs.sandbox.dns import DnsSim
from alecs.sandbox.edge_hostnames import EdgeHostnamesSim
from alecs.sandbox.edgekv import EdgekvSim
from alecs.sandbox.edgeworkers import EdgeworkersSim
from alecs.sandbox.gtm import GtmSim
from alecs.sandbox.http import Router
from alecs.sandbox.iam import IamSim
from alecs.sandbox.invoicing import InvoicingSim
from alecs.sandbox.netlists import NetlistsSim
from alecs.sandbox.papi import PapiSim
from alecs.sandbox.reporting import ReportingSim
from alecs.sandbox.siem import SiemSim


class Simulator(Protocol):
    """A simulated API: it adds its routes to the router."""

    def routes(self, r: Router) -> None: ...


@dataclass(frozen=True)
class Simulators:
    """Every simulated API of one account."""

    papi: PapiSim
    ccu: CcuSim
    dns: DnsSim
    gtm: GtmSim
    appsec: AppsecSim
    certs: CertsSim
    netlists: NetlistsSim
    siem: SiemSim
    edgeworkers: EdgeworkersSim
    edgekv: EdgekvSim
    diagnostics: DiagnosticsSim
    reporting: ReportingSim
    cprg: CprgSim
    iam: IamSim
    cloudlets: CloudletsSim
    datastream: DatastreamSim
    edge_hostnames: EdgeHostnamesSim
    invoicing: InvoicingSim

    def __iter__(self) -> Iterator[Simulator]:
        return (getattr(self, f.name) for f in fields(self))

    def routes(self, r: Router) -> None:
        """Every API's routes on one router."""
        for sim in self:
            sim.routes(r)


def simulate(account: Account) -> Simulators:
    """A freshly seeded set of simulated APIs for the account."""
    cpcodes = CpcodeStore(account)
    certs = CertsSim(account)
    papi = PapiSim(account, cpcodes, certs)
    return Simulators(
        papi=papi, ccu=CcuSim(account), dns=DnsSim(account), gtm=GtmSim(account), appsec=AppsecSim(account),
        certs=certs, netlists=NetlistsSim(account), siem=SiemSim(account),
        edgeworkers=EdgeworkersSim(account), edgekv=EdgekvSim(account), diagnostics=DiagnosticsSim(account),
        reporting=ReportingSim(account, cpcodes), cprg=CprgSim(account, cpcodes), iam=IamSim(account),
        cloudlets=CloudletsSim(account), datastream=DatastreamSim(account),
        edge_hostnames=EdgeHostnamesSim(account, papi.store), invoicing=InvoicingSim(account),
    )
