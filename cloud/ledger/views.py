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
    """The user's transfers in journal order, each with its account's balance and availability after it.
    Walked back from today's balances, so the latest `last` lines cost `last` steps, not the whole history."""
    posted = {name: state.accounts[name].balance for name in state.holders.get(user, ())}
    held = {name: state.accounts[name].debits_pending for name in posted}
    history = state.by_user.get(user, [])
    lines = []
    for transfer_id in reversed(history[-last:] if last else history):
        t = state.transfers[transfer_id]
        account = t.credit if t.credit in posted else t.debit
        sign = 1 if account == t.credit else -1
        lines.append(StatementLine(t.id, t.ts, account, t.ledger, sign * t.amount, t.phase.value, posted[account],
                                   posted[account] - held[account], t.reference))
        if t.phase in (Phase.POSTED, Phase.POST):
            posted[account] -= sign * t.amount
        if sign < 0 and t.phase is Phase.PENDING:
            held[account] -= t.amount                                   # before the hold
        elif sign < 0 and t.pending_id:
            held[account] += state.transfers[t.pending_id].amount       # before its hold was closed
    return tuple(reversed(lines))


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
