"""Times as people read them, in UTC, from the house's integer milliseconds (converted, never read from a clock)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def utc_text(at_ms: int, seconds: bool = False) -> str:
    """'2026-11-25 18:33', or with `seconds` '2026-11-25 18:33:05' (exact: no float on the way). A time the
    wire accepts (up to 2**53 ms) may lie past the calendar's year 9999: it is said in milliseconds."""
    try:
        return (EPOCH + timedelta(milliseconds=at_ms)).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    except OverflowError:
        return f"{at_ms:,} ms after 1970-01-01 00:00"
