"""Trade PINs: hashed with scrypt (salted, memory-hard), checked in constant time.

Shell code on purpose: hashing needs randomness and costs ~50 ms, so it never runs inside the core
or on the engine thread. The core sees only the stored hash (in AccountRegistered) and whether a
check passed (CheckPin), so the journal never holds a clear PIN.
"""
from __future__ import annotations

import hashlib
import hmac
import os

N, R, P = 2**14, 8, 1          # 16 MiB per check: slow to brute-force, ~50 ms here


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """`scrypt$N$r$p$salt$hash`, the only form a PIN is ever stored in."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"scrypt${N}${R}${P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    """Whether `pin` matches `stored`; False for a malformed or missing hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate.hex(), digest)
