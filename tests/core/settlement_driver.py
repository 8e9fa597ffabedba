"""A house of identity, auction, ledger and custody, driven as the kernel does: a consignor's items in
custody, a sale whose lots sell them, buyers with funds, and the desk's order steps."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from cloud.core import events as ev
from cloud.core.catalog import LotSpec, Rate, SaleSpec, SettlementTerms
from cloud.core.commands import Instruction, RunCommand, SettleOrder
from cloud.core.domain import AuctionDomain
from cloud.custody import commands as custody
from cloud.custody.domain import CustodyDomain
from cloud.identity.commands import ManageAccount
from cloud.identity.domain import IdentityDomain
from cloud.kernel.domain import House
from cloud.ledger import commands as ledger
from cloud.ledger.accounts import house_cash, user_cash, user_units
from cloud.ledger.domain import LedgerDomain
from cloud.ledger.events import UserNotified
from cloud.ledger.views import trial_balance
from tests.core.driver import UNIT, Driver, sale_spec
from tests.ledger.driver import DRAGON, PENNY_BLACK, PIN_HASH

DAY = 86_400_000
TERMS = SettlementTerms(commission=Rate(1_000, 50 * UNIT), pay_within_ms=3 * DAY, default_fee=Rate(1_000, 20 * UNIT),
                        release_after_ms=10 * DAY)


def consigned_sale(**overrides: Any) -> SaleSpec:
    """Lot 1 sells item dragon-1 (title from the catalog), lot 2 item penny-1, lot 3 no item (the house's own)."""
    lots = (LotSpec("1", "", opening=100 * UNIT, item="dragon-1"), LotSpec("2", "Penny Black on cover", opening=200 * UNIT, item="penny-1"),
            LotSpec("3", "Box of world coins", opening=50 * UNIT))
    return replace(sale_spec(), **{"lots": lots, "terms": TERMS, **overrides})


def house() -> House:
    return House([IdentityDomain(), AuctionDomain(), LedgerDomain(), CustodyDomain()])


@dataclass
class Settling(Driver):
    def __post_init__(self) -> None:
        self.house = house()

    def prepare(self, spec: SaleSpec | None = None, funds: dict[str, int] | None = None) -> "Settling":
        """The consignor carol deposits two items; the buyers get funds; the sale starts, lot 1 opens."""
        self.send(ManageAccount("reg-carol", "register", "carol", handle="carol", pin_hash=PIN_HASH))
        self.send(ManageAccount("ok-carol", "approve", "carol"))
        for kind in (DRAGON, PENNY_BLACK):
            self.send(custody.DefineKind(f"def-{kind.kind}", kind))
        self.send(custody.DepositItem("dep-1", "dragon-1", "carol", DRAGON.kind))
        self.send(custody.DepositItem("dep-2", "penny-1", "carol", PENNY_BLACK.kind))
        self.start(spec or consigned_sale())
        for account, amount in (funds or {"alice": 1_000 * UNIT}).items():
            self.fund(account, amount)
        assert self.command("open_lot").ok
        return self

    def command(self, action: str, **fields: Any) -> ev.CommandAnswered:
        """The auctioneer's answer (the settlement's holds and notices follow it in the batch)."""
        command = Instruction(command_id=fields.pop("command_id", f"c{next(self._ids)}"), action=action, **fields)
        return next(e for e in self.send(RunCommand(command, "h1")) if isinstance(e, ev.CommandAnswered))

    def fund(self, account: str, amount: int) -> None:
        self.send(ledger.RecordDeposit(f"fund-{next(self._ids)}", account, amount, "HKD", f"wire-{next(self._ids)}"))

    def sold_to(self, account: str, amount: int, lot: str = "1") -> str:
        """`account` wins the open lot online at `amount`; the order id."""
        assert isinstance(self.online_bid(account, amount, lot=lot), ev.BidAccepted)
        assert self.command("hammer").ok
        return self.state.lots[lot].order_id

    def settle(self, action: str, order_id: str, advance_ms: int = 10, **fields: Any) -> ev.SalesAnswered:
        return self.send(SettleOrder(f"o{next(self._ids)}", action, order_id, **fields), advance_ms)[-1]

    def cash(self, account: str) -> tuple[int, int]:
        """(balance, available) of a user's HKD, or of a house account by purpose."""
        name = user_cash(account, "HKD") if account not in ("escrow", "premium", "commission", "fees") else house_cash(account, "HKD")
        held = self.house["ledger"].account(name)
        return held.balance, held.available

    def units(self, account: str, kind: str = DRAGON.kind) -> tuple[int, int]:
        held = self.house["ledger"].account(user_units(account, kind))
        return held.balance, held.available

    def notices(self, account: str) -> list[str]:
        return [n.text for n in self.house["ledger"].notices.get(account, [])]

    def balanced(self) -> bool:
        return all(total.balanced for total in trial_balance(self.house["ledger"])[1])


def notified(events: list[Any], account: str) -> list[str]:
    return [e.text for e in events if isinstance(e, UserNotified) and e.account == account]
