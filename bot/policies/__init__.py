"""Custom Rasa dialogue policies: safety first and the conversation's language."""
