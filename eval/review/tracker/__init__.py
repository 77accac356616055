"""Read-only access to Rasa's tracker store."""
