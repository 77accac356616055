"""Web layer: dependencies and routes (pages at the root, JSON under /api)."""
