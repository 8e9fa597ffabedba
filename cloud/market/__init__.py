"""The exchange, a pure domain of the house: order books with price-time priority, listings, new issues
with their allocation, news subscriptions, and descending-price clocks for quantities. Every fill's
money and units move through the ledger's Postings in the batch that decides it. Rules: docs/market.md.
"""
