"""Custody's wire messages (shared.backoffice) into its core commands, for the MQTT transport."""
from __future__ import annotations

from cloud.custody import commands as cmd
from cloud.ledger.wire import required
from shared import backoffice


def catalog_command(m: backoffice.CatalogCommand) -> cmd.CustodyCommand:
    if m.action == "add_category":
        required(m, ("category", "label"))
        return cmd.AddCategory(m.command_id, m.category, m.label)  # type: ignore[arg-type]
    required(m, ("kind",))
    return cmd.DefineKind(m.command_id, m.kind)  # type: ignore[arg-type]


def custody_command(m: backoffice.CustodyCommand) -> cmd.CustodyCommand:
    if m.action == "deposit":
        required(m, ("kind",))
        return cmd.DepositItem(m.command_id, m.item, m.account, m.kind, m.quantity, m.grader, m.certificate)  # type: ignore[arg-type]
    required(m, ("shipping_reference",))
    return cmd.WithdrawItem(m.command_id, m.item, m.account, m.shipping_reference)  # type: ignore[arg-type]
