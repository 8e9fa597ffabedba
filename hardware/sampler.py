"""The HX711 sampler: a process of its own, so no thread of the hall box can pre-empt a read mid-bit.

Why: a sampler *thread* shares the interpreter lock with the hall box's loop, link and screens; made
to give the lock up (or pre-empted) while PD_SCK is high, it holds the clock past 60 us and the chip
resets, 50 ms without data (2-16 resets per 1,000 reads measured). Here the sampler is alone in its
interpreter: one thread, no lock to lose, the garbage collector run only between reads, and at
SCHED_FIFO priority where the system permits it (CAP_SYS_NICE, or `LimitRTPRIO=` in the systemd
unit); where not, it runs at normal priority and the hall box logs a warning saying so. It runs the
same driver code (hardware/hx711.py over the Adafruit driver) and sends every reading, or the reason
a read failed, over a socket pair. The hall box reads them through `SampledCell`s, which keep the
LoadCell contract, so nothing above the port knows where the bits were clocked.

    python -m hardware.sampler FD     (started by `Sampler`, never by hand)
"""
from __future__ import annotations

import gc
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

from hardware.ports import LoadCell, SensorError

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PRIORITY = 50        # SCHED_FIFO 1-99: above ordinary threaded IRQs (50), below the kernel's watchdogs
KEPT_READINGS = 4            # an HX711 holds only its latest conversion; a reader this far behind loses the oldest
TALLY_EVERY_S = 1.0
POLL_S = 0.00025             # how often a conversion that is due is looked for
EARLY_S = 0.0015             # looked for this long before it is due (a read and a poll of slack)
STARTUP_S = 20.0


class CellBank(Protocol):
    """The load cells as opened inside the sampler process."""
    cells: dict[int, LoadCell]

    def obey(self, order: Any) -> None:
        """Act on an order from the hall box's process (a simulated press, a calibration weight)."""

    def tally(self) -> "Tally":
        """Reads so far and, of them, the reads that reset a chip (not counting its power-on reset)."""


class CellSource(Protocol):
    """A picklable recipe for a CellBank: what is sent to the sampler process, opened only there."""

    def open(self) -> CellBank: ...


@dataclass(frozen=True)
class Started:
    paddles: tuple[int, ...]
    sample_period_ms: float
    priority_refused: str          # empty when the process runs at the asked SCHED_FIFO priority


@dataclass(frozen=True)
class Failed:
    message: str


@dataclass(frozen=True)
class Reading:
    paddle: int
    raw: int
    at: float                      # time.monotonic() when the read ended (one clock for every process)


@dataclass(frozen=True)
class Fault:
    paddle: int
    message: str


@dataclass(frozen=True)
class Tally:
    reads: int = 0
    resets: int = 0

    def per_1000(self) -> float:
        return 1000 * self.resets / max(1, self.reads)


# ---- inside the sampler process -------------------------------------------------------------------
def go_realtime(priority: int) -> str:
    """SCHED_FIFO at `priority`; the reason it was refused, or "" when granted."""
    if priority <= 0:
        return "real-time priority not asked for (hall.sampler_priority = 0)"
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(priority))
    except OSError as refused:
        return (f"SCHED_FIFO {priority} refused ({refused.strerror}): the HX711 sampler runs at normal priority; "
                "give the hall box CAP_SYS_NICE or LimitRTPRIO in its systemd unit")
    return ""


def serve(conn: Connection) -> None:
    """Read every cell as its conversion becomes ready until told to stop (None) or orphaned."""
    try:
        source, priority = conn.recv()
        refused = go_realtime(priority)
        try:
            bank = source.open()
        except (OSError, RuntimeError, ValueError, ImportError) as exc:
            conn.send(Failed(f"the load cells could not be opened: {exc}"))
            return
        try:
            conn.send(Started(tuple(bank.cells), min(c.sample_period_ms for c in bank.cells.values()), refused))
            _sample(bank, conn)
        finally:
            for cell in bank.cells.values():
                cell.close()
    except (EOFError, OSError):                    # the hall box's process is gone
        pass


def _sample(bank: CellBank, conn: Connection) -> None:
    period_s = min(c.sample_period_ms for c in bank.cells.values()) / 1000
    gc.disable()                                   # a collection mid-read would hold the clock high
    due = dict.fromkeys(bank.cells, 0.0)           # when each cell's next conversion may be ready
    tallied = time.monotonic()
    while True:
        while conn.poll():
            order = conn.recv()
            if order is None:
                conn.send(bank.tally())
                return
            bank.obey(order)
        if _read_ready(bank, conn, due, period_s):
            continue
        if time.monotonic() - tallied > TALLY_EVERY_S:
            conn.send(bank.tally())
            gc.collect()                           # between reads: the next conversion is milliseconds away
            tallied = time.monotonic()
        conn.poll(max(POLL_S, min(due.values()) - time.monotonic()))   # an order wakes it at once


def _read_ready(bank: CellBank, conn: Connection, due: dict[int, float], period_s: float) -> bool:
    """One pass over the cells; False when none had a conversion ready. A cell just read is next
    ready a period after this one became ready (at most a read and a poll before now)."""
    busy = False
    for number, cell in bank.cells.items():
        if not cell.ready():
            continue
        busy = True
        try:
            raw = cell.read_raw()
        except SensorError as fault:
            conn.send(Fault(number, str(fault)))
            continue
        finally:
            due[number] = time.monotonic() + period_s - EARLY_S
        conn.send(Reading(number, raw, time.monotonic()))
    return busy


# ---- in the hall box's process --------------------------------------------------------------------
class SampledCell:
    """One paddle's readings as they come from the sampler process: a LoadCell (hardware.ports)."""

    def __init__(self, sampler: "Sampler", paddle: int, sample_period_ms: float):
        self.sampler, self.paddle, self.sample_period_ms = sampler, paddle, sample_period_ms
        self._kept: deque[Reading | Fault] = deque(maxlen=KEPT_READINGS)
        self._arrived = threading.Condition()
        self._listener: Callable[[Reading | Fault], None] | None = None
        self.overwritten = 0            # readings that arrived while its reader lagged KEPT_READINGS behind

    def listen(self, listener: Callable[[Reading | Fault], None]) -> None:
        """Hand every reading to `listener` as it arrives (on the sampler link's thread) instead of
        keeping it for read_raw: the hall box queues it at once, with the time it was read."""
        self._listener = listener

    def deliver(self, item: Reading | Fault) -> None:
        if self._listener is not None:
            self._listener(item)
            return
        with self._arrived:
            self.overwritten += len(self._kept) == KEPT_READINGS
            self._kept.append(item)
            self._arrived.notify()

    def ready(self) -> bool:
        return bool(self._kept)

    def read_raw(self) -> int:
        with self._arrived:
            if not self._arrived.wait_for(lambda: self._kept, timeout=max(0.5, 3 * self.sample_period_ms / 1000)):
                raise SensorError(self.sampler.silence())
            item = self._kept.popleft()
        if isinstance(item, Fault):
            raise SensorError(item.message)
        return item.raw

    def close(self) -> None:
        self.sampler.release(self.paddle)


class Sampler:
    """Starts the sampler process for `source` and hands its readings to one SampledCell per paddle."""

    def __init__(self, source: CellSource, priority: int = DEFAULT_PRIORITY):
        ours, theirs = socket.socketpair()
        env = os.environ | {"PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
        self.process = subprocess.Popen([sys.executable, "-m", "hardware.sampler", str(theirs.fileno())],
                                        pass_fds=(theirs.fileno(),), env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        theirs.close()
        self.conn = Connection(ours.detach())
        self.tally = Tally()
        self.ended = ""
        self._send_lock = threading.Lock()
        self.conn.send((source, priority))
        started = self.conn.recv() if self.conn.poll(STARTUP_S) else Failed("the sampler process did not start")
        if isinstance(started, Failed):
            self.process.kill()
            self.process.wait()
            raise SensorError(started.message)
        if started.priority_refused:
            log.warning("%s", started.priority_refused)
        self.priority_refused = started.priority_refused
        self.cells = {n: SampledCell(self, n, started.sample_period_ms) for n in started.paddles}
        self._open = set(self.cells)
        self._reader = threading.Thread(target=self._receive, name="hx711-sampler-link", daemon=True)
        self._reader.start()

    def order(self, order: Any) -> None:
        """Pass an order to the cell bank in the sampler process (simulated presses, weights)."""
        with self._send_lock:
            self.conn.send(order)

    def silence(self) -> str:
        return self.ended or "HX711 sampler sent no reading in time: check the load cell's wiring and power"

    def release(self, paddle: int) -> None:
        """A paddle closed its cell; the process stops with the last one."""
        self._open.discard(paddle)
        if not self._open:
            self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.order(None)
            except OSError:
                pass
            self._reader.join(timeout=5)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.conn.close()

    def _receive(self) -> None:
        try:
            while True:
                item = self.conn.recv()
                if isinstance(item, Tally):
                    self.tally = item
                else:
                    self.cells[item.paddle].deliver(item)
        except (EOFError, OSError):
            self.ended = "the HX711 sampler process has ended: restart the hall box"


if __name__ == "__main__":
    from hardware import sampler      # what goes back is pickled under this module's name, not __main__'s
    sampler.serve(Connection(int(sys.argv[1])))
