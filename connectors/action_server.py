"""The action server: rasa_sdk's app, answering only the Rasa server.

rasa-sdk has no authentication: anyone who reaches its port can post a hand-written tracker to
``/webhook`` and have an action file a City request that staff never see. This module serves
the same app with, in front of every route but ``/health`` and ``/ready``:

* a shared secret, ``ACTION_SERVER_TOKEN`` (``.env``): the Rasa server sends it as
  ``Authorization: Bearer <token>`` (``action_endpoint.headers`` in ``bot/endpoints*.yml``);
  it is compared in constant time, and a request without it gets 401 before any action runs;
* no CORS (no browser has any business here);
* bounded bodies: at most :data:`MAX_BODY_BYTES` as sent and :data:`MAX_INFLATED_BYTES` once a
  ``Content-Encoding: deflate`` body is inflated (Rasa compresses trackers when
  ``COMPRESS_ACTION_SERVER_REQUEST`` is on); rasa-sdk would inflate any size.

It listens on 127.0.0.1 by default. In production run it on a private network that only the
Rasa servers can reach (a Kubernetes NetworkPolicy or a security group), and keep the token.

Probes: ``GET /health`` (liveness: the process answers) and ``GET /ready`` (readiness: 200 once
the knowledge-base index is loaded, in a thread at start-up, so the first question of a new
process neither blocks the event loop nor fails a balancer's health check; 503 before).

Run: ``python -m connectors.action_server --actions actions --port 5055``.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import logging
import os
import sys
import zlib
from collections.abc import Sequence
from functools import partial
from typing import Any

from sanic import HTTPResponse, Request, Sanic, response

from connectors.storage import StorageConfigError

__all__ = ["MAX_BODY_BYTES", "MAX_INFLATED_BYTES", "create_app", "main"]

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024 * 1024
MAX_INFLATED_BYTES = 64 * 1024 * 1024
_OPEN_PATHS = frozenset({"/health", "/ready"})


def authorized(header: str | None, token: bytes) -> bool:
    """Whether an ``Authorization`` header carries the shared secret.

    Args:
        header: The header's value, if any.
        token: The secret.

    Returns:
        True for ``Bearer <token>`` (constant-time comparison).
    """
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), token)


def inflate(body: bytes, limit: int = MAX_INFLATED_BYTES) -> bytes | None:
    """A deflate (zlib) body inflated to at most ``limit`` bytes.

    Returns:
        The inflated bytes, or None when the body is not zlib data or inflates beyond the limit.
    """
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(body, limit)
    except zlib.error:
        return None
    if inflater.unconsumed_tail:
        return None
    return data


async def _guard(token: bytes, request: Request) -> HTTPResponse | None:
    if request.path in _OPEN_PATHS:
        return None
    if not authorized(request.headers.get("authorization"), token):
        logger.warning("action_server.unauthorized", extra={"path": request.path})
        return response.json(
            {"error": "unauthorized"}, status=401, headers={"WWW-Authenticate": "Bearer"}
        )
    if request.headers.get("content-encoding", "").lower() == "deflate":
        inflated = inflate(request.body or b"")
        if inflated is None:
            return response.json({"error": "body too large or not deflate data"}, status=413)
        request.body = inflated
        del request.headers["content-encoding"]
    return None


def create_app(actions_package: str = "actions", token: str | None = None) -> Sanic[Any, Any]:
    """rasa_sdk's action server app with the token check and body limits.

    Args:
        actions_package: The package of actions to register.
        token: The shared secret; ``ACTION_SERVER_TOKEN`` when omitted.

    Raises:
        ValueError: No token is configured (the server would otherwise be open).
    """
    from rasa_sdk.endpoint import create_app_for_serve
    from rasa_sdk.executor import ActionExecutor

    secret = os.environ.get("ACTION_SERVER_TOKEN", "") if token is None else token
    if not secret.strip():
        raise ValueError("ACTION_SERVER_TOKEN is not set: the action server would be open")
    executor = ActionExecutor()
    executor.register_package(actions_package)
    app: Sanic[Any, Any] = create_app_for_serve(executor, cors_origins=None)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    app.on_request(partial(_guard, secret.strip().encode("utf-8")), priority=100)
    app.ctx.readiness = {"status": "loading"}

    @app.get("/ready")
    async def ready(request: Request) -> HTTPResponse:
        state: dict[str, str] = request.app.ctx.readiness
        return response.json(state, status=200 if state["status"] == "ready" else 503)

    @app.after_server_start
    async def warm_up(app: Sanic[Any, Any], _: Any) -> None:
        app.add_task(_load_resources(app))

    return app


async def _load_resources(app: Sanic[Any, Any]) -> None:
    """Load the knowledge-base index off the event loop; then the server is ready."""
    from actions.deps import get_retriever

    try:
        await asyncio.to_thread(get_retriever)
    except Exception as error:  # not ready, and says why; /health still answers
        logger.exception("knowledge index not loaded")
        app.ctx.readiness = {"status": "failed", "error": str(error)[:200]}
        return
    app.ctx.readiness = {"status": "ready"}
    logger.info("action server ready: knowledge index loaded")


def main(argv: Sequence[str] | None = None) -> int:
    """Serves the action server (one process) until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m connectors.action_server")
    parser.add_argument("--actions", default="actions", help="package of actions")
    parser.add_argument("--host", default=os.environ.get("SANIC_HOST") or "127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args(argv)

    from rasa_sdk import utils

    utils.configure_colored_logging("INFO")
    utils.update_sanic_log_level()
    try:
        app = create_app(args.actions)
        from actions.deps import get_outbox

        get_outbox()  # the outbox's database: a configuration error stops the start-up here
    except (ValueError, StorageConfigError) as error:
        print(f"action server: {error}", file=sys.stderr)
        return 2
    app.prepare(host=args.host, port=args.port, single_process=True, motd=False)
    Sanic.serve_single(app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
