"""SMS channel of the LA 311 Assistant: Twilio (or another provider's) webhooks to Rasa.

Everything here but :mod:`connectors.sms.channel` is standard library (plus httpx for sending)
and runs on Python 3.10+, so it is unit-tested without Rasa. ``channel.py`` is the Rasa input
channel and imports Rasa and Sanic; it only adapts their request and collector objects.
"""
