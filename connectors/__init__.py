"""Channels residents reach the assistant through, and the City backends it files requests with."""
