"""What the broker says this house already published: the highest seq in its retained lot states."""
from __future__ import annotations

import json
import threading
import time
from typing import Any

from shared import topics
from shared.config import BrokerConfig
from shared.mqtt import connect_and_wait, make_client, secure


def published_seq(broker: BrokerConfig, sales: list[str], wait_s: float = 0.5) -> int:
    """The highest `seq` of the retained lot states of `sales` (0 if none): retained messages arrive
    right after subscribing, so a short wait after the SUBACK sees them all."""
    if not sales:
        return 0
    seen: list[int] = [0]
    subscribed = threading.Event()
    client = secure(make_client(), broker.username, broker.password, broker.cafile)

    def on_message(c: Any, userdata: Any, msg: Any) -> None:
        try:
            seen.append(int(json.loads(msg.payload).get("seq", 0)))
        except (ValueError, TypeError, AttributeError):
            pass                                  # not ours to judge here: only a valid seq counts

    client.on_message = on_message
    client.on_subscribe = lambda *a: subscribed.set()
    connect_and_wait(client, broker.host, broker.port)
    try:
        client.subscribe([(topics.LOT_STATE.format(sale=sale), 1) for sale in sales])
        subscribed.wait(5)
        time.sleep(wait_s)
    finally:
        client.disconnect()
        client.loop_stop()
    return max(seen)
