"""Identity: the house's accounts, the house's approval and spending limit, and the trade PIN.

A domain of the house's kernel (`domain.py`); its rules are pure (`rules.py`). Accounts outlive
sales: every sale, and later the ledger and the exchange, read them here.
"""
