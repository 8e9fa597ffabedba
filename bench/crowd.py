"""Thousands of MQTT 3.1.1 subscribers in one process, on epoll, for the cluster's fan-out figure.

paho's loop uses select(): it stops at ~1,000 sockets per process, and one busy-polling process per
few hundred clients starves a small machine's broker of CPU (on NATS, whose replicated consumers
need it, 200 subscribers that way already stalled the cluster). Here every subscriber is a bare
socket speaking the few packets a subscriber needs (CONNECT, SUBSCRIBE, PUBACK), read through one
selector: 5,000 cost one process and wait in the kernel, not in a spin.
"""
from __future__ import annotations

import json
import resource
import selectors
import socket
import struct
import time
from collections.abc import Iterator
from typing import Any

CONNACK, PUBLISH, SUBACK = 2, 3, 9


def packet(kind: int, flags: int, body: bytes) -> bytes:
    length, encoded = len(body), bytearray()
    while True:
        byte, length = length % 128, length // 128
        encoded.append(byte | (0x80 if length else 0))
        if not length:
            return bytes([kind << 4 | flags]) + bytes(encoded) + body


def text(value: str) -> bytes:
    raw = value.encode()
    return struct.pack("!H", len(raw)) + raw


def connect(client_id: str, keepalive_s: int = 600) -> bytes:
    return packet(1, 0, text("MQTT") + bytes([4, 0x02]) + struct.pack("!H", keepalive_s) + text(client_id))


def subscribe(topic: str, qos: int) -> bytes:
    return packet(8, 2, struct.pack("!H", 1) + text(topic) + bytes([qos]))


def frames(buffer: bytearray) -> Iterator[tuple[int, int, bytes]]:
    """(type, flags, body) of every whole packet at the front of `buffer`, which keeps the rest."""
    while len(buffer) >= 2:
        length, multiplier, at = 0, 1, 1
        while True:
            if at >= len(buffer):
                return
            byte = buffer[at]
            length += (byte & 0x7F) * multiplier
            multiplier, at = multiplier * 128, at + 1
            if not byte & 0x80:
                break
        if len(buffer) < at + length:
            return
        header, body = buffer[0], bytes(buffer[at:at + length])
        del buffer[:at + length]
        yield header >> 4, header & 0x0F, body


class Crowd:
    """`count` subscribers to `topic`, spread over `endpoints` in turn, each recording per `seq`
    (a JSON field of the payload) when it received it."""

    def __init__(self, endpoints: list[tuple[str, int]], count: int, topic: str, qos: int, prefix: str = "crowd"):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, count + 256)), hard))
        self.selector = selectors.DefaultSelector()
        self.buffers: dict[socket.socket, bytearray] = {}
        self.subscribed: set[socket.socket] = set()
        self.latest: dict[int, float] = {}          # seq -> the latest receipt of it, any subscriber
        self.receipts: dict[int, int] = {}          # seq -> how many subscribers received it
        self.endpoints, self.topic, self.qos, self.prefix = endpoints, topic, qos, prefix
        for index in range(count):
            self._open(index)

    def _open(self, index: int) -> None:
        sock = socket.create_connection(self.endpoints[index % len(self.endpoints)], timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(connect(f"{self.prefix}-{index}") + subscribe(self.topic, self.qos))
        sock.setblocking(False)
        self.buffers[sock] = bytearray()
        self.selector.register(sock, selectors.EVENT_READ, index)

    def pump(self, seconds: float) -> None:
        """Read for `seconds`: acknowledge QoS 1 deliveries, record receipts."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            for key, _ in self.selector.select(timeout=min(left, 0.1)):
                sock: Any = key.fileobj
                try:
                    data = sock.recv(65536)
                except BlockingIOError:
                    continue
                if not data:
                    self._closed(sock, key.data)
                    continue
                buffer = self.buffers[sock]
                buffer += data
                for kind, flags, body in frames(buffer):
                    if kind == SUBACK:
                        if body[2] == 0x80:
                            raise ConnectionError("a subscription was refused")
                        self.subscribed.add(sock)
                    elif kind == PUBLISH:
                        self._received(sock, flags, body)

    def _closed(self, sock: socket.socket, index: int) -> None:
        """Before its SUBACK a node may still refuse a session (its JetStream catching up after a
        restart): connect again. After it, a lost subscriber would make the figure a lie."""
        if sock in self.subscribed:
            raise ConnectionError(f"subscriber {index} was disconnected by the broker")
        self.selector.unregister(sock)
        del self.buffers[sock]
        sock.close()
        time.sleep(0.05)
        self._open(index)

    def _received(self, sock: socket.socket, flags: int, body: bytes) -> None:
        now = time.monotonic()
        topic_length = struct.unpack("!H", body[:2])[0]
        at = 2 + topic_length
        if (flags >> 1) & 3:
            sock.sendall(packet(4, 0, body[at:at + 2]))            # PUBACK with the packet id
            at += 2
        seq = json.loads(body[at:]).get("seq")
        if isinstance(seq, int):
            self.latest[seq] = max(self.latest.get(seq, 0.0), now)
            self.receipts[seq] = self.receipts.get(seq, 0) + 1

    def wait_subscribed(self, timeout: float) -> float:
        """Seconds until every subscriber had its SUBACK."""
        start = time.monotonic()
        while len(self.subscribed) < len(self.buffers):
            if time.monotonic() - start > timeout:
                raise TimeoutError(f"{len(self.subscribed)} of {len(self.buffers)} subscribed within {timeout} s")
            self.pump(0.2)
        return time.monotonic() - start

    def close(self) -> None:
        for sock in self.buffers:
            self.selector.unregister(sock)
            sock.close()


def crowd_process(endpoints: list[tuple[str, int]], count: int, topic: str, qos: int, ready: Any, go: Any,
                  seconds: float) -> dict[str, Any]:
    """A crowd in a process of its own: subscribes, says so on `ready` (with how long it took),
    receives until `go` is set and `seconds` more have passed, returns its receipts."""
    crowd = Crowd(endpoints, count, topic, qos)
    try:
        ready.put(crowd.wait_subscribed(timeout=600))
        while not go.is_set():
            crowd.pump(0.1)
        crowd.pump(seconds)
        return {"latest": crowd.latest, "receipts": crowd.receipts}
    finally:
        crowd.close()
