"""The routers: one per resource, each serving its pages and its JSON API (``/api/…``)."""

from __future__ import annotations

from fastapi import APIRouter

from eval.review.api.routes import (
    audit,
    auth,
    conversations,
    dashboard,
    inbox,
    jobs,
    model_server,
    users,
)

__all__ = ["api_router", "pages_router"]

pages_router = APIRouter()
api_router = APIRouter()
for module in (inbox, conversations, jobs, model_server):
    pages_router.include_router(module.router)
for module in (auth, dashboard, users, audit):
    pages_router.include_router(module.pages)
    api_router.include_router(module.api)
