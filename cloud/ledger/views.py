"""Read models, pure functions of the ledger's state: a user's balances and statement, the trial balance."""
from __future__ import annotations

from collections import defaultdict

from cloud.ledger.state import LedgerState, line_of
from shared.backoffice import Balance, LedgerTotal, StatementLine, TrialLine


def balances(state: LedgerState, user: str) -> tuple[Balance, ...]:
    """Every account of the user: posted balance, held (pending debits) and available, per currency and kind."""
    return tuple(Balance(name, a.ledger, a.balance, a.debits_pending, a.available)
                 for name in state.holders.get(user, ()) for a in (state.accounts[name],))


def statement(state: LedgerState, user: str, last: int | None = None) -> tuple[StatementLine, ...]:
    """The user's transfers in journal order (the latest `last`), each with its account's balance and
    availability after it, as they were when it was applied."""
    lines = state.lines.get(user, [])
    return tuple(line_of(text) for text in (lines[-last:] if last else lines))


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
