"""How every client we ship connects: paho-mqtt 2.x with TCP_NODELAY set on its socket.

paho does not set TCP_NODELAY; without it a loopback round trip through Mosquitto took 44-88 ms
here instead of 0.3 ms (Nagle + delayed ACK). Every client is made here so none can forget.
"""
from __future__ import annotations

import logging
import os
import socket
import ssl
import threading
from typing import Any

import paho.mqtt.client as mqtt

log = logging.getLogger(__name__)
EXIT_NETWORK_DEAD = 70     # EX_SOFTWARE, as the engine's fail-stop: the supervisor restarts the process


def _nodelay(client: mqtt.Client, userdata: Any, sock: Any) -> None:
    if getattr(sock, "family", None) in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Buffered:
    """A connected socket that reads ahead and writes behind.

    paho reads each packet in three or four `recv` calls (the first byte, the length a byte at a
    time, the body) and writes each packet with its own `send`: for the arbiter, whose every
    publication is a packet out and a 4-byte PUBACK back, those system calls were a fifth of its
    CPU. Here one `recv` serves many packets (`pending()` tells paho's loop that bytes wait, so it
    reads them before it waits in select, as it does for decrypted TLS records), and `send` only
    queues: `BusyClient.loop_write` flushes what a loop pass wrote in one call."""

    SIZE = 65_536

    def __init__(self, sock: Any):
        self._sock = sock
        self._buffer = b""
        self._at = 0
        self._out = bytearray()

    def recv(self, size: int) -> bytes:
        if self._at == len(self._buffer):
            self._buffer, self._at = self._sock.recv(self.SIZE), 0     # raises as the socket does; b"" at its end
        chunk = self._buffer[self._at:self._at + size]
        self._at += len(chunk)
        return chunk

    def pending(self) -> int:
        return len(self._buffer) - self._at + (self._sock.pending() if hasattr(self._sock, "pending") else 0)

    def send(self, data: bytes | bytearray) -> int:
        self._out += data
        return len(data)

    def flush(self) -> None:
        """Send what is queued, as far as the socket takes it now (the rest waits for `waiting`'s select).
        A broken connection drops it: paho sends its unacknowledged QoS 1 messages again when it reconnects."""
        try:
            while self._out:
                del self._out[:self._sock.send(self._out)]
        except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):      # full for now (TLS says so its own way)
            return
        except OSError:
            self._out.clear()

    def waiting(self) -> bool:
        return bool(self._out)

    def close(self) -> None:
        self.flush()
        self._sock.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class Wake:
    """paho's wake-up pipe, written once until the network thread drains it.

    paho writes a byte to a loopback TCP pair on every publish and ack, so that its network thread
    leaves select and sends: for the arbiter, a system call (and a hand-over of the GIL) for each of
    a batch's publications. Here a batch wakes it once. Safe without a lock: a writer queues its
    packet before it looks at `armed`, and the reader clears `armed` after draining and before it
    writes every queued packet, so a skipped wake-up always finds its packet written."""

    def __init__(self, reader: Any, writer: Any):
        self.armed = False
        self.reader, self.writer = _WakeEnd(reader, self._drain), _WakeEnd(writer, send=self._send)
        self._reader, self._writer = reader, writer

    def _send(self, data: bytes) -> int:
        if self.armed:
            return len(data)
        self.armed = True
        return self._writer.send(data)

    def _drain(self, size: int) -> bytes:
        try:
            return self._reader.recv(size)
        finally:
            self.armed = False


class _WakeEnd:
    def __init__(self, sock: Any, recv: Any = None, send: Any = None):
        self._sock, self.recv, self.send = sock, recv or sock.recv, send or sock.send

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class BusyClient(mqtt.Client):
    """The paho client of a process that sends and receives a lot (the arbiter): it reads ahead and
    writes behind (`Buffered`), wakes its network thread once a batch (`Wake`) and reads a PUBACK as
    the message id it is. All three reach into what paho 2 keeps privately (its socket, its wake-up
    pair, its PUBACK handler): tests/protocol/test_busy_client.py fails if a paho release changes them."""

    def _create_socket(self) -> Any:
        return Buffered(super()._create_socket())

    def loop_write(self) -> mqtt.MQTTErrorCode:
        rc = super().loop_write()
        if isinstance(self._sock, Buffered):
            self._sock.flush()
        return rc

    def want_write(self) -> bool:
        return super().want_write() or (isinstance(self._sock, Buffered) and self._sock.waiting())

    def _handle_pubackcomp(self, cmd: Any) -> mqtt.MQTTErrorCode:
        """A 3.1.1 PUBACK is a message id and nothing else: read it as such (paho builds a reason code and
        properties for each, a tenth of the arbiter's CPU in an order flood) when no on_publish callback would be given them."""
        packet = self._in_packet["packet"]
        if cmd != "PUBACK" or self._protocol == mqtt.MQTTv5 or self.on_publish is not None or len(packet) != 2:
            return super()._handle_pubackcomp(cmd)
        mid = packet[0] << 8 | packet[1]
        with self._out_message_mutex:
            if mid in self._out_messages:
                return self._do_on_publish(mid, None, None)     # type: ignore[arg-type]  (no callback reads them)
        return mqtt.MQTT_ERR_SUCCESS

    def loop_start(self) -> mqtt.MQTTErrorCode:
        rc = super().loop_start()
        if rc == mqtt.MQTT_ERR_SUCCESS:
            self.wake = Wake(self._sockpairR, self._sockpairW)
            self._sockpairR, self._sockpairW = self.wake.reader, self.wake.writer
        return rc


def make_client(client_id: str = "", *, persistent: bool = False, manual_ack: bool = False,
                inflight: int = 1000, reconnect: bool = True, busy: bool = False) -> mqtt.Client:
    """A client with TCP_NODELAY; `persistent` keeps the session (and queued QoS 1 messages) across
    reconnects; `reconnect=False` makes loop_forever return on a lost connection (the caller retries);
    `busy` for the arbiter (`BusyClient`; every other client, the bench's baselines too, is plain paho)."""
    kind = BusyClient if busy else mqtt.Client
    client = kind(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=not persistent,
                  protocol=mqtt.MQTTv311, manual_ack=manual_ack, reconnect_on_failure=reconnect)
    client.on_socket_open = _nodelay
    client.max_inflight_messages_set(inflight)
    client.max_queued_messages_set(0)
    client.reconnect_delay_set(min_delay=0.05, max_delay=2)
    return client


def secure(client: mqtt.Client, username: str = "", password: str = "", cafile: str = "") -> mqtt.Client:
    """Log in and, with a CA file, speak TLS (the server's name is checked against its certificate)."""
    if username:
        client.username_pw_set(username, password)
    if cafile:
        client.tls_set(ca_certs=cafile)
    return client


def connect_and_wait(client: mqtt.Client, host: str, port: int, timeout: float = 10.0, keepalive: int = 15) -> None:
    """Connect, start the network thread and block until the broker accepted us."""
    ready = threading.Event()
    previous = client.on_connect

    refused: list[str] = []

    def on_connect(c: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if previous:
            previous(c, userdata, flags, reason, properties)
        if reason.is_failure:
            refused.append(str(reason))
        ready.set()

    client.on_connect = on_connect
    client.connect(host, port, keepalive=keepalive)
    client.loop_start()
    if not ready.wait(timeout) or refused:
        client.loop_stop()
        raise ConnectionError(f"{host}:{port} refused the connection: {refused[0]}" if refused else f"no CONNACK from {host}:{port} within {timeout} s")
    client.on_connect = previous


def exit_if_network_dies(client: mqtt.Client) -> threading.Event:
    """Fail-stop for a started client: if paho's network thread ends (an exception escaped a callback,
    or a bug in paho) the process exits with EXIT_NETWORK_DEAD, because a process without it is alive
    but deaf and its supervisor would never restart it. Set the returned event before a deliberate stop."""
    network: threading.Thread | None = client._thread      # paho keeps no public handle on its loop_start thread
    if network is None:
        raise RuntimeError("start the client's network thread (loop_start) first")
    stopping = threading.Event()

    def watch() -> None:
        network.join()
        if not stopping.is_set():
            log.critical("the MQTT network thread ended; exiting so the supervisor restarts this process")
            logging.shutdown()
            os._exit(EXIT_NETWORK_DEAD)

    threading.Thread(target=watch, name="mqtt-watchdog", daemon=True).start()
    return stopping


def subscribe_and_wait(client: mqtt.Client, filters: list[tuple[str, int]], timeout: float = 20.0) -> list[int]:
    """Subscribe and block until the broker's SUBACK; returns each filter's granted QoS (128: refused).
    Mosquitto grants at once, but a NATS cluster only once each QoS 1 subscription's replicated
    consumer exists (~0.1 s a filter): a message published before then never reaches this client."""
    granted: dict[int, list[int]] = {}
    answered = threading.Condition()
    previous = client.on_subscribe

    def on_subscribe(c: mqtt.Client, userdata: Any, mid: int, codes: Any, properties: Any) -> None:
        if previous:
            previous(c, userdata, mid, codes, properties)
        with answered:
            granted[mid] = [code.value for code in codes]
            answered.notify_all()

    client.on_subscribe = on_subscribe
    try:
        result, mid = client.subscribe(filters)
        if result != mqtt.MQTT_ERR_SUCCESS:
            raise ConnectionError(f"could not subscribe to {[f for f, _ in filters]}: {mqtt.error_string(result)}")
        with answered:
            if not answered.wait_for(lambda: mid in granted, timeout):
                raise TimeoutError(f"no SUBACK for {[f for f, _ in filters]} within {timeout} s")
    finally:
        client.on_subscribe = previous
    return granted[mid]
