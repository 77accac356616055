"""Resident-facing web chat: a City-style page, an accessible widget and a same-origin API.

Data flow::

    browser (static/webchat.js)
      -> POST /api/chat, GET /api/history, GET /health   (this app, same origin)
      -> Rasa REST channel /webhooks/rest/webhook        (AssistantClient)
      -> Rasa tracker API /conversations/<id>/tracker    (server side, with RASA_AUTH_TOKEN)

The browser never talks to Rasa and never sees the token. Conversations are stored by Rasa
under ``web:<browser sender id>``, so the history endpoint can only ever return web chats.
Start it with ``python -m connectors.webchat``.
"""
