"""The house's kernel: one thread, one sequence, one journal for every domain of a house.

A domain is a pure `decide`/`apply` pair over its own state (`domain.py`); the kernel stamps each
command with the house's sequence number and clock, routes it to the domain that decides it,
applies the events to the domains that own them, commits the batch (group commit), and only then
publishes and acknowledges (`engine.py`). Replay and snapshots rebuild the same state (`store.py`).
"""
