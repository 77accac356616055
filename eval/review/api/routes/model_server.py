"""Rasa's model server: ``GET /model-server/current.tar.gz`` gives the current model.

Rasa's ``models:`` endpoint (``bot/endpoints.yml``) polls this URL with the token and the
fingerprint of the model it has (``If-None-Match``); the answer is 304 while it is current,
otherwise the model file with its name as ``ETag``. Every Rasa process (replica) pulls the same
model. No session: the token (``MODEL_SERVER_TOKEN``) is the credential; without one set the
model server is off (404).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, Response

from eval.review.api.deps import SettingsDep
from eval.review.core.security import tokens_match
from eval.review.retrain.steps import current_model

__all__ = ["router"]

router = APIRouter(tags=["model server"])


@router.get("/model-server/current.tar.gz")
def current(
    request: Request, settings: SettingsDep, token: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The current model, or 304 when the caller already has it."""
    expected = settings.model_server_token
    if expected is None or not expected.get_secret_value():
        raise HTTPException(status_code=404, detail="The model server is not configured.")
    if not tokens_match(expected.get_secret_value(), token):
        raise HTTPException(status_code=401, detail="Wrong model server token.")
    model = current_model(settings.path(settings.models_dir))
    if model is None:
        raise HTTPException(status_code=404, detail="No model yet.")
    fingerprint = model.name.removesuffix(".tar.gz")
    if request.headers.get("if-none-match", "").strip('"') == fingerprint:
        return Response(status_code=304, headers={"ETag": fingerprint})
    return FileResponse(model, media_type="application/gzip",
                        headers={"ETag": fingerprint, "filename": model.name})
