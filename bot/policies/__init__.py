"""Custom Rasa dialogue policies: safety first, the conversation's language, offers taken up."""
