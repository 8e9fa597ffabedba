"""The arbiter's paho client (`BusyClient`): reading ahead and waking its network thread once a batch
change how paho moves bytes, never which messages arrive, in what order, whole. Through a real
Mosquitto, with payloads larger than one read-ahead, and the wake-up pair's writes counted."""
from __future__ import annotations

import queue
import socket
import ssl
import threading

import pytest

from shared.mqtt import BusyClient, Buffered, Wake, connect_and_wait, make_client, subscribe_and_wait

pytestmark = pytest.mark.broker
SIZES = [0, 1, 127, 128, 16_383, 16_384, Buffered.SIZE - 1, Buffered.SIZE + 5, 200_000]   # remaining-length byte boundaries; over one read-ahead (the broker takes 256 KiB)


def started(broker, busy: bool, *filters: str) -> tuple[object, queue.SimpleQueue]:
    received: queue.SimpleQueue = queue.SimpleQueue()
    client = make_client(busy=busy)
    client.on_message = lambda c, u, m: received.put((m.topic, m.payload))
    connect_and_wait(client, broker.host, broker.port)
    if filters:
        subscribe_and_wait(client, [(f, 1) for f in filters])
    return client, received


def stop(*clients) -> None:
    for client in clients:
        client.disconnect()
        client.loop_stop()


def payloads() -> list[bytes]:
    return [bytes([i % 251]) * size + str(i).encode() for i in range(400) for size in (SIZES[i % len(SIZES)],)]


def test_a_busy_client_receives_every_message_whole_and_in_order(broker):
    busy, received = started(broker, True, "t/in")
    plain, _ = started(broker, False)
    assert isinstance(busy, BusyClient) and isinstance(busy.socket(), Buffered) and busy._sockpairW is busy.wake.writer
    sent = payloads()
    for payload in sent:
        plain.publish("t/in", payload, qos=1)
    assert [received.get(timeout=20)[1] for _ in sent] == sent
    stop(busy, plain)


def test_a_busy_client_publishes_every_message_in_order_from_another_thread(broker):
    busy, _ = started(broker, True)
    plain, received = started(broker, False, "t/out")
    sent = payloads()
    infos = []
    worker = threading.Thread(target=lambda: infos.extend(busy.publish("t/out", p, qos=1) for p in sent))
    worker.start()
    worker.join()
    assert [received.get(timeout=20)[1] for _ in sent] == sent
    infos[-1].wait_for_publish(10)
    assert all(info.is_published() for info in infos) and not busy._out_messages       # every PUBACK read
    stop(busy, plain)


def test_a_batch_of_publications_wakes_the_network_thread_once_until_it_drains():
    reader, writer = socket.socketpair()
    wake = Wake(reader, writer)
    for _ in range(50):
        wake.writer.send(b"0")
    assert wake.reader.recv(100) == b"0" and not wake.armed     # one byte for fifty wake-ups, drained
    wake.writer.send(b"0")
    assert wake.reader.recv(100) == b"0"                        # the next wake-up is written again
    reader.close()
    writer.close()


class Taking:
    """A socket that takes `room` bytes, then says it is full the way `full` does."""

    def __init__(self, room: int, full: Exception):
        self.room, self.full, self.sent = room, full, bytearray()

    def send(self, data: bytes) -> int:
        if not self.room:
            raise self.full
        taken = min(self.room, len(data))
        self.sent += data[:taken]
        self.room -= taken
        return taken


@pytest.mark.parametrize("full", [BlockingIOError(), ssl.SSLWantWriteError(), ssl.SSLWantReadError()])
def test_what_a_full_socket_did_not_take_waits_for_the_next_flush(full):
    sock = Taking(5, full)
    buffered = Buffered(sock)
    assert buffered.send(b"0123") == 4 and buffered.send(b"456789") == 6 and not sock.sent     # queued, not sent
    buffered.flush()
    assert bytes(sock.sent) == b"01234" and buffered.waiting()
    sock.room = 100
    buffered.flush()
    assert bytes(sock.sent) == b"0123456789" and not buffered.waiting()


def test_a_broken_connection_drops_what_was_queued():
    buffered = Buffered(Taking(0, ConnectionResetError()))
    buffered.send(b"lost")
    buffered.flush()
    assert not buffered.waiting()        # paho sends its unacknowledged QoS 1 messages again on reconnect
