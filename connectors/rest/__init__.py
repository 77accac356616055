"""The REST channel that the web chat and tests use (runs inside the Rasa server)."""
