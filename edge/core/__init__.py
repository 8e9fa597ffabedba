"""The hall box's pure logic: no I/O, no clock, no threads (checked by tests/core/test_purity.py)."""
