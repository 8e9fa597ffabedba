"""The ledger's wire messages (shared.backoffice) into its core commands, for the MQTT transport.
A message that lacks what its action needs is refused here, before it is sequenced."""
from __future__ import annotations

from typing import Any

from cloud.ledger import commands as cmd
from shared.backoffice import LedgerCommand, PayoutRequest
from shared.codes import Code
from shared.messages import ProtocolError

NEEDS = {
    "deposit": ("account", "amount", "currency", "reference"),
    "payout": ("account", "amount", "currency", "reference"),
    "approve_payout": ("account", "request_id", "reference"),
    "decline_payout": ("account", "request_id", "reason"),
    "reverse": ("transfer_id", "reason"),
}


def required(message: Any, needs: tuple[str, ...]) -> None:
    """ProtocolError(MISSING_FIELD) naming every field this message's action needs and lacks."""
    missing = [name for name in needs if getattr(message, name) is None]
    if missing:
        raise ProtocolError(Code.MISSING_FIELD, f"{message.action} needs {', '.join(missing)}", missing[0], message.command_id)


def ledger_command(m: LedgerCommand) -> cmd.HouseCommand:
    required(m, NEEDS[m.action])
    if m.action == "deposit":
        return cmd.RecordDeposit(m.command_id, m.account, m.amount, m.currency, m.reference)  # type: ignore[arg-type]
    if m.action == "payout":
        return cmd.RecordPayout(m.command_id, m.account, m.amount, m.currency, m.reference)  # type: ignore[arg-type]
    if m.action == "reverse":
        return cmd.ReverseTransfer(m.command_id, m.transfer_id, m.reason)  # type: ignore[arg-type]
    approve = m.action == "approve_payout"
    return cmd.DecidePayout(m.command_id, m.account, m.request_id, approve, m.reference if approve else m.reason)  # type: ignore[arg-type]


def payout_request(m: PayoutRequest, account: str) -> cmd.RequestPayout:
    return cmd.RequestPayout(account, m.request_id, m.amount, m.currency)
