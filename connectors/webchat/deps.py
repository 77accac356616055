"""FastAPI dependencies of the web chat."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .assistant import AssistantClient

__all__ = ["AssistantDep", "get_assistant"]


def get_assistant(request: Request) -> AssistantClient:
    """The app's shared assistant client (created by the app's lifespan)."""
    assistant: AssistantClient = request.app.state.assistant
    return assistant


AssistantDep = Annotated[AssistantClient, Depends(get_assistant)]
