"""This API as the sandbox simulates it."""

from __future__ import annotations

from alecs.sandbox.account import Account
from alecs.sandbox.http import Router


class CprgSim:
    def __init__(self, account: Account) -> None:
        self.account = account

    def routes(self, r: Router) -> None:
        pass
