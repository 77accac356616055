"""Language packs: everything that differs between languages, kept as data.

Each supported language has a folder ``bot/languages/<code>/`` with a ``pack.yml``: how the
language names itself, and the language-specific data the assistant's layers read (danger
patterns, words for items and animals, …). Adding a language is adding a folder; no layer
names a language in code. Pure Python and YAML, so both the Rasa environment and the tools
environment load the same packs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PACKS_DIR = Path(__file__).resolve().parent
DEFAULT_LANGUAGE = "en"


class PackError(ValueError):
    """A language pack that does not follow the format."""


@dataclass(frozen=True)
class LanguagePack:
    """One language's data.

    Attributes:
        code: The language code ("en", "es").
        name: How the language names itself ("English", "Español").
        order: Position in menus.
        data: Every other section of ``pack.yml``.
    """

    code: str
    name: str
    order: int
    data: Mapping[str, Any] = field(default_factory=dict)

    def section(self, key: str) -> Any:
        """A section of the pack (an empty mapping when the pack has none)."""
        return self.data.get(key) or {}


def no_booleans(value: Any, where: str) -> None:
    """YAML reads an unquoted yes/no/y/n as a boolean: in a pack that is always a mistake."""
    if isinstance(value, bool):
        raise PackError(f"{where}: quote yes/no/y/n/on/off (YAML read {value!r})")
    if isinstance(value, dict):
        for key, item in value.items():
            no_booleans(key, where)
            no_booleans(item, f"{where}.{key}")
    elif isinstance(value, list):
        for item in value:
            no_booleans(item, where)


def _load(path: Path) -> LanguagePack:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    no_booleans(raw, str(path))
    try:
        code, name, order = str(raw.pop("code")), str(raw.pop("name")), int(raw.pop("order"))
    except KeyError as missing:
        raise PackError(f"{path}: missing {missing}") from None
    if code != path.parent.name:
        raise PackError(f"{path}: code {code!r} differs from its folder {path.parent.name!r}")
    return LanguagePack(code=code, name=name, order=order, data=raw)


@lru_cache(maxsize=4)
def load_packs(directory: Path = PACKS_DIR) -> tuple[LanguagePack, ...]:
    """Every pack under ``directory``, in menu order."""
    packs = [_load(path) for path in sorted(directory.glob("*/pack.yml"))]
    if not packs:
        raise PackError(f"no language pack under {directory}")
    return tuple(sorted(packs, key=lambda pack: (pack.order, pack.code)))


def codes(directory: Path = PACKS_DIR) -> tuple[str, ...]:
    """The supported language codes, in menu order."""
    return tuple(pack.code for pack in load_packs(directory))


def get_pack(code: str, directory: Path = PACKS_DIR) -> LanguagePack:
    """The pack of ``code`` (the default language's pack for an unknown code)."""
    packs = {pack.code: pack for pack in load_packs(directory)}
    return packs.get(code) or packs[DEFAULT_LANGUAGE]
