"""Custom actions of the LA 311 assistant (Rasa SDK action server, Python 3.11).

Actions stay thin: they read slots, call one method of a connector (``connectors/``) or the
knowledge-base retriever (``knowledge_base/``), and utter responses by name from the domain, so
every reply exists in English and Spanish.
"""
