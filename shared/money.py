"""Money as integer minor units plus an ISO 4217 currency: never a float."""
from __future__ import annotations

from dataclasses import dataclass

# Digits after the decimal point, by currency. Unknown currencies are refused, not guessed.
MINOR_DIGITS: dict[str, int] = {
    "HKD": 2, "USD": 2, "EUR": 2, "GBP": 2, "CHF": 2, "CNY": 2, "SGD": 2, "AUD": 2, "CAD": 2,
    "JPY": 0, "KRW": 0,
}

# Largest amount accepted anywhere: JavaScript clients lose precision beyond 2**53.
MAX_MINOR = 2**53 - 1


@dataclass(frozen=True, order=True)
class Money:
    minor: int
    currency: str

    def __post_init__(self) -> None:
        if type(self.minor) is not int:
            raise TypeError(f"money must be an integer number of minor units, got {self.minor!r}")
        if self.currency not in MINOR_DIGITS:
            raise ValueError(f"unknown currency {self.currency!r}")

    def __str__(self) -> str:
        return format_amount(self.minor, self.currency)


def format_amount(minor: int, currency: str) -> str:
    """'1,100 HKD' for whole amounts, '1,100.50 HKD' otherwise: what a saleroom says aloud."""
    digits = MINOR_DIGITS[currency]
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**digits) if digits else (abs(minor), 0)
    text = f"{whole:,}" if not fraction else f"{whole:,}.{fraction:0{digits}d}"
    return f"{sign}{text} {currency}"


def major(amount: int, currency: str) -> int:
    """Whole currency units to minor units (configs and the increment ladder speak whole units)."""
    return amount * 10 ** MINOR_DIGITS[currency]


def basis_points(minor: int, bp: int) -> int:
    """`bp`/10,000 of an amount, rounded down: the house never gives away a fraction of a cent."""
    return minor * bp // 10_000
