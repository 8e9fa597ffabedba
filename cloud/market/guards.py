"""Who may trade, and what: checks every user command makes before it touches the ledger."""
from __future__ import annotations

from cloud.core.refusal import Refusal
from cloud.identity.domain import identity
from cloud.kernel.domain import House
from cloud.market.policy import MarketPolicy
from shared.backoffice import KindSpec
from shared.codes import Code


def trader(house: House, account: str, doing: str) -> None:
    """An approved account that gave its trade PIN in this session."""
    found = identity(house).accounts.get(account)
    if found is None or found.status != "approved":
        raise Refusal(Code.NOT_APPROVED, f"account '{account}' is not approved by the house")
    if not found.unlocked:
        raise Refusal(Code.PIN_REQUIRED, f"give your trade PIN first: {doing} needs it")


def kind_spec(house: House, kind: str) -> KindSpec:
    spec = house["custody"].kinds.get(kind)
    if spec is None:
        raise Refusal(Code.UNKNOWN_KIND, f"there is no kind '{kind}' in the catalog")
    return spec


def same_currency(policy: MarketPolicy, currency: str) -> None:
    if currency != policy.currency:
        raise Refusal(Code.CURRENCY_MISMATCH, f"the house's books trade in {policy.currency}, not {currency}")


class TransferIds:
    """Ledger transfer ids for one command: "mkt:{seq}:{n}", unique because seq is."""

    def __init__(self, seq: int):
        self.prefix, self.count = f"mkt:{seq}", 0

    def __call__(self) -> str:
        self.count += 1
        return f"{self.prefix}:{self.count}"
