"""Settlement figures, in the same run as the raw QoS 1 baseline (`./hall bench` adds them):

  settlements_per_s        whole settlements one after another, each over MQTT: a consigned lot opened,
                           bid on, hammered (the buyer's invoice notice), paid (the payment notice) and
                           released (the released notice); every notice is published only once the batch
                           that made it is durable, so each step is durable before it is seen
  ledger_transfers_per_s   bank deposits sent by the house desk over MQTT as fast as it can, each a
                           transfer posted through the engine and answered once durable (target
                           >= 0.5 * raw_qos1_msgs_per_s)

Also the consignment both the figures and the drill start from: a kind defined, items deposited by a
consignor, the buyer's funds, and a sale whose lots sell those items, loaded into a running house.
"""
from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.clients import BENCH_PIN, Peer, command, start_arbiter, stop_arbiter, unlock
from cloud.broker import Broker
from cloud.pins import hash_pin
from shared import backoffice as bo, messages, topics
from shared.messages import encode
from shared.orders import OrderCommand

KIND = bo.KindSpec(kind="bench-dragon-ms65", category="precious_metal_coins", name="Year of the Dragon gold", grade=bo.Grade("sheldon", "MS-65"),
                   issue_year=1988, issue_quantity=25_000, description="Proof, in its case.")
CONSIGNOR, BUYER = "bob", "alice"
HOUSE_SALE = """
[arbiter]
bids_per_s = 0
[sale]
id = "house-sale"
hall = "hall1"
currency = "HKD"
[[lots]]
id = "house-1"
title = "the house's own lot"
opening = 1
[[bidders]]
account = "alice"
handle = "alice"
pin_hash = "{pin_hash}"
[[bidders]]
account = "bob"
handle = "bob"
pin_hash = "{pin_hash}"
"""


def consigned_sale(sale: str, hall: str, items: list[str], opening: int = 100) -> str:
    """A sale definition whose every lot sells one of `items` (title and description from the catalog)."""
    lots = "".join(f'[[lots]]\nid = "{sale}-{i}"\nitem = "{item}"\nopening = {opening}\n' for i, item in enumerate(items))
    return f'[sale]\nid = "{sale}"\nhall = "{hall}"\ncurrency = "HKD"\ncommission_bp = 1000\n{lots}'


class DeskPeer(Peer):
    """The house desk on the bench's broker (anonymous): a message out, its answer back by command_id."""

    def __init__(self, broker: Broker):
        super().__init__(broker, topics.HOUSE_RESULT.format())

    def send(self, topic: topics.Topic, message: messages.Message) -> None:
        self.client.publish(topic.format(), encode(message), qos=1)

    def ask(self, topic: topics.Topic, message: messages.Message, timeout: float = 30) -> dict[str, Any]:
        self.send(topic, message)
        answer = self.next(timeout, command_id=message.command_id)   # type: ignore[attr-defined]
        if answer.get("status") != "ok":
            raise RuntimeError(f"the house desk was refused: {answer}")
        return answer


def consign(desk: DeskPeer, sale: str, hall: str, lots: int, funds: int) -> list[str]:
    """The consignor's items into custody, the buyer's funds in, the sale loaded: its lot ids."""
    tag = f"{sale}-{time.monotonic_ns()}"
    desk.ask(topics.HOUSE_CUSTODY, bo.CatalogCommand(command_id=f"{tag}-kind", action="define_kind", kind=KIND))
    items = [f"{sale}-item-{i}" for i in range(lots)]
    for item in items:
        desk.ask(topics.HOUSE_CUSTODY, bo.CustodyCommand(command_id=f"{tag}-{item}", action="deposit", item=item, account=CONSIGNOR,
                                                         kind=KIND.kind))
    desk.ask(topics.HOUSE_LEDGER, bo.LedgerCommand(command_id=f"{tag}-funds", action="deposit", account=BUYER, amount=funds,
                                                   currency="HKD", reference=f"{tag}-wire"))
    desk.ask(topics.HOUSE_SALE, messages.SaleCommand(command_id=f"{tag}-load", action="load",
                                                     definition=consigned_sale(sale, hall, items)))
    return [f"{sale}-{i}" for i in range(lots)]


def hammer_to_buyer(room: Peer, hall: str, lot: str, amount: int) -> None:
    """Open `lot`, the buyer bids `amount` online, the hammer falls."""
    command(room, hall, "open_lot", lot=lot)
    room.client.publish(topics.BIDDER_BID.format(account=BUYER),
                        encode(messages.Bid(bid_id=f"bid-{lot}", lot=lot, amount=amount, currency="HKD")), qos=1)
    room.next(bid_id=f"bid-{lot}")
    command(room, hall, "hammer")


def settlement_rate(broker: Broker, count: int) -> float:
    desk, room = DeskPeer(broker), Peer(broker, topics.HALL_RESULT.format(hall="hall2"), topics.BIDDER_RESULT.format(account=BUYER))
    notices = Peer(broker, topics.USER_NOTICE.format(account=BUYER))
    lots = consign(desk, "settle", "hall2", count, count * 200_00)
    start = time.perf_counter()
    for lot in lots:
        hammer_to_buyer(room, "hall2", lot, 100_00)
        order_id = notices.next(kind="order")["text"].split()[1]              # "INVOICE {order_id} ..."
        desk.ask(topics.HOUSE_ORDERS, OrderCommand(command_id=f"pay-{lot}", action="pay", order_id=order_id))
        notices.next(kind="order")                                            # payment received
        desk.ask(topics.HOUSE_ORDERS, OrderCommand(command_id=f"release-{lot}", action="release", order_id=order_id))
        notices.next(kind="order")                                            # released to the buyer
    elapsed = time.perf_counter() - start
    for peer in (desk, room, notices):
        peer.close()
    return count / elapsed


def transfer_rate(broker: Broker, count: int) -> float:
    desk = DeskPeer(broker)
    deposits = [bo.LedgerCommand(command_id=f"t{i}", action="deposit", account=CONSIGNOR, amount=100, currency="HKD",
                                 reference=f"bench-wire-{i}") for i in range(count)]
    start = time.perf_counter()
    for deposit in deposits:
        desk.send(topics.HOUSE_LEDGER, deposit)
    answered = sum(json.loads(desk.received.get(timeout=60)).get("status") == "ok" for _ in range(count))
    elapsed = time.perf_counter() - start
    desk.close()
    if answered != count:
        raise RuntimeError(f"{count - answered} of {count} deposits were refused")
    return count / elapsed


def figures(settlements: int = 100, transfers: int = 5_000, flood: int = 5_000) -> dict[str, Any]:
    from bench.__main__ import raw_qos1_rate     # the one baseline (bench/__main__.py imports this module)
    with tempfile.TemporaryDirectory(prefix="hall-settle-") as tmp:
        work = Path(tmp)
        config = work / "house.toml"
        config.write_text(HOUSE_SALE.format(pin_hash=hash_pin(BENCH_PIN)))
        with Broker(work / "broker") as broker:
            arbiter = start_arbiter("cloud", config, broker, work / "journal.sqlite3", "--new")
            try:
                unlock(broker, (BUYER, CONSIGNOR))
                raw = raw_qos1_rate(broker, flood)
                settled = settlement_rate(broker, settlements)
                posted = transfer_rate(broker, transfers)
            finally:
                stop_arbiter(arbiter)
    return {"settlements_per_s": round(settled, 1), "ledger_transfers_per_s": round(posted, 1), "raw_qos1_msgs_per_s": round(raw, 1),
            "settlements": settlements, "ledger_transfers": transfers,
            "ledger_transfers_per_s >= 0.5 * raw_qos1_msgs_per_s": posted >= 0.5 * raw}


if __name__ == "__main__":
    print(json.dumps(figures(), indent=2))
