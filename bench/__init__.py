"""Benchmarks: `./hall bench --json FILE`. Each figure is quoted against a baseline from the same run."""
