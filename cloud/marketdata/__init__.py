"""Per-kind market data and the valuation (issue 14): a read model of the house that observes every
trade from every channel, re-values the kind after each, and publishes both retained per kind."""
