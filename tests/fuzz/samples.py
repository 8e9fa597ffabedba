"""One valid message of every kind the arbiter accepts from outside: the starting point of the
hostile-JSON property tests and of the MQTT fuzz corpus (tests/fuzz/corpus/mqtt_inbound)."""
from __future__ import annotations

from shared import backoffice as bo, market as mk, messages, orders
from shared.config import DEFAULT_FILE

INBOUND_SAMPLES: dict[type[messages.Message], messages.Message] = {
    messages.Bid: messages.Bid(bid_id="b-1", lot="1", amount=100_000, currency="HKD", paddle=11, sent_at_ms=5),
    messages.MaxBid: messages.MaxBid(bid_id="m-1", lot="1", amount=150_000, currency="HKD"),
    messages.Press: messages.Press(bid_id="b-1", paddle=11, peak_grams=2_500, duration_ms=400),
    messages.Pin: messages.Pin(pin="1234"),
    messages.Command: messages.Command(command_id="c-1", action="register_paddle", paddle=7, name="Mrs Chan", account="alice"),
    messages.AccountCommand: messages.AccountCommand(command_id="h-1", action="approve", account="mallory", limit=500_000),
    messages.Presence: messages.Presence(online=True, handle="mal"),
    messages.SaleCommand: messages.SaleCommand(command_id="s-1", action="load", definition=DEFAULT_FILE.read_text()[:600]),
    bo.LedgerCommand: bo.LedgerCommand(command_id="l-1", action="deposit", account="alice", amount=150_000, currency="HKD", reference="HSBC 778"),
    bo.LedgerQuery: bo.LedgerQuery(command_id="q-1", report="statement", account="alice"),
    bo.CatalogCommand: bo.CatalogCommand(command_id="k-1", action="define_kind", kind=bo.KindSpec(
        kind="hk-1941-1d", category="coins", name="Hong Kong 1941 $1", grade=bo.Grade("sheldon", "MS63"), issue_year=1941,
        references=(bo.CatalogueRef("KM", "23"),), images=("kinds/hk-1941.jpg",))),
    bo.CustodyCommand: bo.CustodyCommand(command_id="c-1", action="deposit", item="slab-1", account="alice", kind="hk-1941-1d",
                                         grader="PCGS", certificate="4123"),
    bo.PayoutRequest: bo.PayoutRequest(request_id="r-1", amount=40_000, currency="HKD"),
    orders.OrderCommand: orders.OrderCommand(command_id="oc-1", action="pay", order_id="spring-2026-1", reference="HSBC 991"),
    mk.Order: mk.Order(order_id="o-1", kind="hk-1941-1d", side="buy", quantity=3, price=120_000, currency="HKD", tif="gtd", until_ms=9),
    mk.CancelOrder: mk.CancelOrder(order_id="o-1"),
    mk.AmendOrder: mk.AmendOrder(amend_id="o-2", order_id="o-1", quantity=2, price=110_000),
    mk.ClockListing: mk.ClockListing(clock_id="c-1", kind="hk-1941-1d", quantity=50, minimum=5, top=200_000, floor=100_000,
                                     currency="HKD", starts_at_ms=1, ends_at_ms=2, schedule="steps", step_ms=1_000),
    mk.ClockAccept: mk.ClockAccept(accept_id="a-1", clock_id="c-1", quantity=5, price=150_000),
    mk.IssueApplication: mk.IssueApplication(application_id="p-1", issue_id="i-1", quantity=10),
    mk.Subscription: mk.Subscription(subscription_id="s-1", scope="category", value="stamps"),
    mk.MarketCommand: mk.MarketCommand(command_id="m-1", action="open_issue", issue=mk.IssueTerms(
        issue_id="i-1", kind="hk-1941-1d", issuer="mint", quantity=1_000, price=50_000, currency="HKD", opens_at_ms=1,
        closes_at_ms=2, method="lottery", seed="7f3a")),
}
