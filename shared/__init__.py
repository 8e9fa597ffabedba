"""The wire contract between hall boxes, online bidders and the cloud arbiter.

Imports nothing from edge/ or cloud/: both sides depend on it, never the reverse.
"""
