"""The resident page: ``GET /`` renders the chat in the negotiated language."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from bot.languages import default_language

from .i18n import languages, negotiate_language, strings

__all__ = ["MAX_MESSAGE_CHARS", "router"]

MAX_MESSAGE_CHARS = 2000
"""The REST channel's limit, enforced in the widget too (``maxlength`` and a counter)."""

_templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
async def index(request: Request, lang: str | None = None) -> HTMLResponse:
    """The page with the chat widget (``?lang=<code>`` forces a language)."""
    language = negotiate_language(lang, request.headers.get("accept-language"))
    table = strings()
    response = _templates.TemplateResponse(
        request,
        "index.html",
        {
            "lang": language,
            "s": table[language],
            "strings": table,
            "languages": languages(),
            "default_language": default_language(),
            "max_chars": MAX_MESSAGE_CHARS,
        },
        headers={"Cache-Control": "no-cache", "Vary": "Accept-Language"},
    )
    return response
