"""Funds and units on a double-entry ledger (TigerBeetle's semantics, our code), a pure domain of the house.

Every movement is a transfer between two accounts of one ledger (a currency, or a kind counted in
units); transfers are posted at once, or pending (a hold) then posted in full or in part, or voided.
Transfers are never changed: a correction is a reversing transfer. Other domains move money and
units atomically with their own events by planning transfers with `Postings` inside their decide.
"""
