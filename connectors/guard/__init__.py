"""The guard: a small reverse proxy that normalises HTTP in front of the Rasa server's channels.

Rasa 3.6 runs on Sanic 21.12, whose HTTP/1 parser takes ``Content-Length: -1`` as a length:
its body reader then spins on the event loop and the whole Rasa process stops answering (see
README, "Known limits"). Nothing from outside may reach Rasa's port directly. Production puts
HAProxy in front (``connectors/guard/haproxy.cfg``); the embedded default runs this guard, so
the same rules hold on one machine with no extra package.

Only the channels' public routes pass: ``/webhooks/rest/`` and ``/webhooks/sms/`` (health,
``webhook``). Each request is parsed by h11 (strict RFC 9112: a negative, non-numeric or
conflicting Content-Length is a 400), must arrive whole within a deadline (slow headers or
body: 408), may not exceed a size (413, refused from Content-Length before reading), and a JSON
body may not nest deeper than 32 levels (400). What passes is sent to Rasa as a new, well-formed
request (httpx sets the framing), with the original Host so webhook signatures still match.

Run: ``python -m connectors.guard --port 5080 --upstream http://127.0.0.1:5005``.
"""

from connectors.guard.proxy import GuardSettings, serve

__all__ = ["GuardSettings", "serve"]
