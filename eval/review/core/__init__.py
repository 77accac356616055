"""Settings, databases and security primitives."""
