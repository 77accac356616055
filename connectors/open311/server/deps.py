"""FastAPI dependencies of the embedded server (``Annotated`` aliases)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bot.languages import codes, default_language
from bot.text import accept_language

from ..catalog import Catalog, Locale, normalize_locale
from .store import RequestStore
from .validation import ServerPolicy

__all__ = ["CatalogDep", "LocaleDep", "PolicyDep", "StoreDep", "request_locale"]


def get_store(request: Request) -> RequestStore:
    """The request store of this app."""
    store: RequestStore = request.app.state.store
    return store


def get_catalog(request: Request) -> Catalog:
    """The service catalog of this app."""
    catalog: Catalog = request.app.state.catalog
    return catalog


def get_policy(request: Request) -> ServerPolicy:
    """API keys and jurisdiction of this app."""
    policy: ServerPolicy = request.app.state.policy
    return policy


def request_locale(request: Request) -> Locale:
    """``locale`` query parameter, else the preferred language of ``Accept-Language``."""
    explicit = request.query_params.get("locale")
    if explicit:
        return normalize_locale(explicit)
    preferred = accept_language(request.headers.get("accept-language"), codes())
    return preferred or default_language()


StoreDep = Annotated[RequestStore, Depends(get_store)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
PolicyDep = Annotated[ServerPolicy, Depends(get_policy)]
LocaleDep = Annotated[Locale, Depends(request_locale)]
