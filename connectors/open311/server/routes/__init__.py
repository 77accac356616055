"""Routers of the embedded Open311 server, one module per resource."""
