"""Reproducible measurements of the assistant (NLU, retrieval, latency) and staff tools."""
