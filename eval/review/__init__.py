"""Staff review app of the LA 311 assistant.

Reads conversations from Rasa's tracker store, lets staff correct NLU predictions, exports them
as training data, retrains and compares. Run ``python -m eval.review serve``.
"""
