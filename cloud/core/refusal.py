"""The one way a rule says no: raised inside decide, turned into a coded event for the sender."""
from __future__ import annotations

from shared.codes import Code


class Refusal(Exception):
    def __init__(self, code: Code, message: str):
        super().__init__(message)
        self.code, self.message = code, message
