"""What a bidder's login can cost the arbiter, bounded: per-kind rate limits, PIN checks per account,
presence changes per account. Shell code (they read the clock); none of it reaches the core.

Defaults and why are in docs/threat-model.md ("Inbound messages (arbiter)").
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable


class RateLimit:
    """A token bucket per key (an account and a message kind): `rate` a second, bursts of `burst`.
    A refused message is answered without ever being sequenced."""

    def __init__(self, rate: float = 5.0, burst: int = 10):
        self.rate, self.burst = rate, burst
        self.buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str, now: float) -> bool:
        if self.rate <= 0:
            return True
        tokens, then = self.buckets.get(key, (float(self.burst), now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        allowed = tokens >= 1
        self.buckets[key] = (tokens - 1 if allowed else tokens, now)
        return allowed


class PinGate:
    """At most `per_account` scrypt checks per account at once (one in flight, one waiting): a burst
    of PINs from one login cannot fill the two PIN workers that every bidder shares."""

    def __init__(self, per_account: int = 2):
        self.per_account = per_account
        self._lock = threading.Lock()
        self._pending: Counter[str] = Counter()

    def enter(self, account: str) -> bool:
        with self._lock:
            if self._pending[account] >= self.per_account:
                return False
            self._pending[account] += 1
            return True

    def leave(self, account: str) -> None:
        with self._lock:
            self._pending[account] -= 1
            if not self._pending[account]:
                del self._pending[account]


class PresenceCoalescer:
    """At most one presence change per account per `window_s`: a change inside the window is held, a
    later one replaces it (the last value wins), and the held value is sent when the window ends, so a
    toggling login costs at most one journal row and one lot-state publication per window."""

    def __init__(self, send: Callable[[str, bool], None], window_s: float = 1.0):
        self.send, self.window_s = send, window_s
        self._lock = threading.Lock()
        self._sent_at: dict[str, float] = {}
        self._held: dict[str, bool] = {}

    def offer(self, account: str, online: bool, now: float) -> bool:
        """Send now (True) or hold until the window ends (False)."""
        with self._lock:
            if account in self._held:
                self._held[account] = online
                return False
            last = self._sent_at.get(account)
            if last is None or now - last >= self.window_s:
                self._sent_at[account] = now
                return True
            self._held[account] = online
        timer = threading.Timer(last + self.window_s - now, self._release, (account,))
        timer.daemon = True
        timer.start()
        return False

    def _release(self, account: str) -> None:
        with self._lock:
            online = self._held.pop(account)
            self._sent_at[account] = time.monotonic()
        self.send(account, online)
