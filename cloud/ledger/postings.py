"""Plan transfers inside any domain's `decide`: every step is checked against the ledger as it is
plus the plan's earlier steps, and a step that fails raises Refusal before anything is applied, so
a plan's transfers (a fill and its fees, a sale's payout and commission) happen all together or not
at all (TigerBeetle's linked transfers).

    plan = Postings(house["ledger"], ts)
    plan.pending("order:o1:hold", user_cash("bob", "HKD"), house_cash("escrow", "HKD"), 110_000)
    events = plan.events()        # TransferRecorded events, applied by the ledger domain
"""
from __future__ import annotations


from cloud.core.refusal import Refusal
from cloud.ledger.accounts import Account, quantity
from cloud.ledger.events import Phase, Transfer, TransferRecorded
from cloud.ledger.state import LedgerState, book, closed_of
from shared.codes import Code
from shared.money import MAX_MINOR


class Postings:
    def __init__(self, ledger: LedgerState, ts: int):
        self.ledger, self.ts = ledger, ts
        self._accounts: dict[str, Account] = {}         # copies of the accounts this plan touched
        self._planned: dict[str, Transfer] = {}
        self._closed: set[str] = set()                  # pending transfers this plan posted or voided

    def transfer(self, id: str, debit: str, credit: str, amount: int, reference: str = "",
                 reverses: str | None = None) -> Transfer:
        """Move `amount` at once."""
        return self._add(Transfer(id, debit, credit, amount, self._ledger_of(debit, credit), Phase.POSTED, self.ts,
                                  reference=reference, reverses=reverses), None)

    def pending(self, id: str, debit: str, credit: str, amount: int, reference: str = "",
                timeout_ms: int | None = None) -> Transfer:
        """Hold `amount`: the debit account's available balance falls now, nothing moves yet."""
        timeout_at = None if timeout_ms is None else self.ts + timeout_ms
        return self._add(Transfer(id, debit, credit, amount, self._ledger_of(debit, credit), Phase.PENDING, self.ts,
                                  reference=reference, timeout_at=timeout_at), None)

    def post(self, id: str, pending_id: str, amount: int | None = None, reference: str = "") -> Transfer:
        """Move `amount` of a hold (all of it by default); the rest is released."""
        held = self._open(pending_id)
        moved = held.amount if amount is None else amount
        if moved > held.amount:
            raise Refusal(Code.EXCEEDS_PENDING, f"{quantity(moved, held.ledger)} is more than the "
                                                f"{quantity(held.amount, held.ledger)} held by {pending_id}")
        return self._add(Transfer(id, held.debit, held.credit, moved, held.ledger, Phase.POST, self.ts, pending_id,
                                  reference or held.reference), held)

    def void(self, id: str, pending_id: str, reference: str = "") -> Transfer:
        """Release a hold entirely."""
        held = self._open(pending_id)
        return self._add(Transfer(id, held.debit, held.credit, held.amount, held.ledger, Phase.VOID, self.ts, pending_id,
                                  reference or held.reference), held)

    def events(self) -> list[TransferRecorded]:
        return [TransferRecorded(t) for t in self._planned.values()]

    def find(self, transfer_id: str) -> Transfer | None:
        """The transfer planned, or live (a hold not yet closed)."""
        return self._planned.get(transfer_id) or self.ledger.transfers.get(transfer_id)

    def _ledger_of(self, debit: str, credit: str) -> str:
        if debit == credit:
            raise Refusal(Code.SAME_ACCOUNT, f"a transfer needs two different accounts, not {debit} twice")
        ledger, other = self._account(debit).ledger, self._account(credit).ledger
        if ledger != other:
            raise Refusal(Code.LEDGER_MISMATCH, f"{debit} counts {ledger} and {credit} counts {other}: "
                                                "a transfer stays on one ledger")
        return ledger

    def _open(self, pending_id: str) -> Transfer:
        held = self.find(pending_id)
        closed = self.ledger.closed.get(pending_id)             # a hold closed in an earlier batch: only its text is left
        phase = held.phase if held else closed_of(closed).phase if closed else None
        if phase is not Phase.PENDING:
            raise Refusal(Code.UNKNOWN_TRANSFER, f"there is no pending transfer {pending_id}")
        if held is None or pending_id in self._closed:
            raise Refusal(Code.PENDING_CLOSED, f"{pending_id} was already posted or voided")
        return held

    def _account(self, name: str) -> Account:
        return self._accounts.get(name) or self.ledger.account(name)

    def _add(self, transfer: Transfer, held: Transfer | None) -> Transfer:
        if type(transfer.amount) is not int or not 0 < transfer.amount <= MAX_MINOR:
            raise Refusal(Code.BAD_VALUE, f"a transfer's amount must be a whole number from 1 to {MAX_MINOR}")
        if self.find(transfer.id) is not None or transfer.id in self.ledger.closed:
            raise Refusal(Code.TRANSFER_EXISTS, f"transfer {transfer.id} exists: it is never made twice")
        debit, credit = self._account(transfer.debit).copy(), self._account(transfer.credit).copy()
        book(debit, credit, transfer, held)
        if debit.user is not None and debit.debits_posted + debit.debits_pending > debit.credits_posted:
            code = Code.INSUFFICIENT_UNITS if debit.ledger.startswith("units:") else Code.INSUFFICIENT_FUNDS
            raise Refusal(code, f"{debit.user} has {quantity(debit.available + transfer.amount, debit.ledger)} "
                                f"available, not {quantity(transfer.amount, debit.ledger)}")
        self._accounts[transfer.debit], self._accounts[transfer.credit] = debit, credit
        self._planned[transfer.id] = transfer
        if held is not None:
            self._closed.add(held.id)
        return transfer
