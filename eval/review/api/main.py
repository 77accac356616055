"""The routers: HTML pages at the root, the JSON API under ``/api``."""

from __future__ import annotations

from fastapi import APIRouter

from eval.review.api.routes import (
    audit,
    auth,
    conversations,
    corrections,
    dashboard,
    export,
    inbox,
    jobs,
    users,
)

__all__ = ["api_router", "pages_router"]

pages_router = APIRouter()
api_router = APIRouter()
for module in (auth, inbox, conversations, corrections, export, dashboard, jobs, users, audit):
    pages_router.include_router(module.pages)
    api_router.include_router(module.api)
