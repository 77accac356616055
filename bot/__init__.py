"""Rasa assets of the LA 311 assistant: domain, stories, rules and custom NLU components."""
