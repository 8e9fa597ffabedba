"""Read models, pure functions of the ledger's state: a user's balances and statement, the trial balance."""
from __future__ import annotations

from collections import defaultdict

from cloud.ledger.events import Phase
from cloud.ledger.state import LedgerState
from shared.backoffice import Balance, LedgerTotal, StatementLine, TrialLine


def balances(state: LedgerState, user: str) -> tuple[Balance, ...]:
    """Every account of the user: posted balance, held (pending debits) and available, per currency and kind."""
    return tuple(Balance(name, a.ledger, a.balance, a.debits_pending, a.available)
                 for name in state.holders.get(user, ()) for a in (state.accounts[name],))


def statement(state: LedgerState, user: str, last: int | None = None) -> tuple[StatementLine, ...]:
    """The user's transfers in journal order, each with the account's running balance and availability
    (the last `last` of them; the running figures always count from the first)."""
    posted: dict[str, int] = defaultdict(int)
    held: dict[str, int] = defaultdict(int)
    lines = []
    mine = set(state.holders.get(user, ()))
    for transfer_id in state.by_user.get(user, ()):
        t = state.transfers[transfer_id]
        account = t.credit if t.credit in mine else t.debit
        sign = 1 if account == t.credit else -1
        released = state.transfers[t.pending_id].amount if t.pending_id else 0
        if sign < 0:
            held[account] += t.amount if t.phase is Phase.PENDING else -released
        if t.phase in (Phase.POSTED, Phase.POST):
            posted[account] += sign * t.amount
        lines.append(StatementLine(t.id, t.ts, account, t.ledger, sign * t.amount, t.phase.value, posted[account],
                                   posted[account] - held[account], t.reference))
    return tuple(lines[-last:] if last else lines)


def trial_balance(state: LedgerState) -> tuple[tuple[TrialLine, ...], tuple[LedgerTotal, ...]]:
    """Every account, and per ledger the sums of debits and credits, posted and pending: equal when the books balance."""
    lines = tuple(TrialLine(name, a.ledger, a.debits_posted, a.credits_posted, a.debits_pending, a.credits_pending)
                  for name, a in sorted(state.accounts.items()))
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for line in lines:
        total = sums[line.ledger]
        for i, value in enumerate((line.debits_posted, line.credits_posted, line.debits_pending, line.credits_pending)):
            total[i] += value
    totals = tuple(LedgerTotal(ledger, dp, cp, dq, cq, dp == cp and dq == cq) for ledger, (dp, cp, dq, cq) in sorted(sums.items()))
    return lines, totals
