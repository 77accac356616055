"""What the review app needs from the Rasa domain (``bot/domain/*.yml``).

Reviewers pick a message's intent and entities from the domain's own lists, so an export
never names an intent the assistant does not know. The phone numbers in the bot's responses
are the City's published numbers and are not redacted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.domain_build import assembled_domain
from eval.review.redaction import public_phone_numbers

__all__ = ["DomainInfo", "load_domain"]


@dataclass(frozen=True)
class DomainInfo:
    """Intents, entities and published phone numbers of the assistant's domain."""

    intents: tuple[str, ...]
    entities: tuple[str, ...]
    public_phones: frozenset[str]
    form_slots: tuple[str, ...] = ()


def _names(items: Any) -> list[str]:
    """Names of a domain list whose items are strings or one-key mappings."""
    names: list[str] = []
    for item in items or []:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict):
            names.extend(str(key) for key in item)
    return names


def _response_texts(responses: Any) -> list[str]:
    texts: list[str] = []
    if isinstance(responses, dict):
        for variations in responses.values():
            for variation in variations or []:
                if isinstance(variation, dict) and isinstance(variation.get("text"), str):
                    texts.append(variation["text"])
    return texts


def load_domain(domain_dir: Path) -> DomainInfo:
    """Reads the domain as Rasa trains on it: ``domain_dir`` plus the language packs' replies."""
    if domain_dir.is_dir():
        contents = list(assembled_domain(domain_dir).values())
    else:
        contents = [yaml.safe_load(domain_dir.read_text(encoding="utf-8")) or {}]
    intents: list[str] = []
    entities: list[str] = []
    texts: list[str] = []
    form_slots: list[str] = []
    for content in contents:
        if not isinstance(content, dict):
            continue
        intents.extend(i for i in _names(content.get("intents")) if i not in intents)
        entities.extend(e for e in _names(content.get("entities")) if e not in entities)
        texts.extend(_response_texts(content.get("responses")))
        forms = content.get("forms")
        if isinstance(forms, dict):
            for form in forms.values():
                required = form.get("required_slots") if isinstance(form, dict) else None
                form_slots.extend(str(s) for s in _names(required) if s not in form_slots)
    return DomainInfo(
        intents=tuple(sorted(intents)),
        entities=tuple(sorted(entities)),
        public_phones=public_phone_numbers(texts),
        form_slots=tuple(form_slots),
    )
