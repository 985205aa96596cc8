"""The account's CP codes, one store for every API that sees them: Property Manager lists and creates them,
CP codes and reporting groups (CPRG) renames them, the Reporting API reports on them.

Seeded: 300001 www.example.com and 300002 static.example.com (Ion Standard, prd_SPM).
"""

from __future__ import annotations

from dataclasses import dataclass

from alecs.sandbox.account import Account


@dataclass
class CpCode:
    """One CP code; `timezone` is CPRG's override timezone id ("0" is GMT)."""

    number: int
    name: str
    product: str
    created: str
    purgeable: bool = True
    timezone: str = "0"


class CpcodeStore:
    """CP codes by number; new ones are numbered after the seeded 3000xx range."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.items: dict[int, CpCode] = {}
        for number, name in ((300001, "www.example.com"), (300002, "static.example.com")):
            self.items[number] = CpCode(number, name, "prd_SPM", account.iso())

    def add(self, name: str, product: str) -> CpCode:
        """A new CP code on `product`."""
        cpcode = CpCode(self.account.next_id() + 300000, name, product, self.account.iso())
        self.items[cpcode.number] = cpcode
        return cpcode

    def get(self, number: int) -> CpCode | None:
        """The CP code with that number, if the account has it."""
        return self.items.get(number)

    def all(self) -> list[CpCode]:
        """Every CP code, in creation order."""
        return list(self.items.values())
