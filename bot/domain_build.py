"""Assemble the Rasa domain from its structure (``bot/domain``) and the language packs' replies.

``bot/domain/*.yml`` holds what the dialogue is made of — intents, entities, slots, forms,
actions — and no text. Every reply a resident sees lives in its language's pack,
``bot/languages/<code>/responses.yml``: a mapping from response name to Rasa response
variations (``text``, ``buttons``, optional ``channel``), without conditions. This module writes
the domain Rasa trains on: the structure, the ``language`` slot's values from the packs, and one
``responses.yml`` where each pack's variations carry ``condition: language == <code>`` and the
default language's come last without a condition, so a reply missing from a pack falls back to
the default language instead of failing.

Usage: ``python -m bot.domain_build [OUT_DIR]`` (default ``var/build/domain``); ``bot/train.py``
and ``make validate`` call it.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

import yaml

from bot.languages import RESPONSES_FILE, LanguagePack, default_language, load_packs

ROOT = Path(__file__).resolve().parent.parent
STRUCTURE_DIR = ROOT / "bot" / "domain"
DEFAULT_OUT = ROOT / "var" / "build" / "domain"
LANGUAGE_SLOT = "language"


class DomainBuildError(ValueError):
    """A pack's replies or the domain structure that cannot be assembled."""


Variations = list[dict[str, Any]]


def pack_responses(pack: LanguagePack) -> dict[str, Variations]:
    """One pack's replies: response name → variations (each a mapping with ``text``)."""
    path = pack.path / RESPONSES_FILE
    responses: dict[str, list[dict[str, Any]]] = {}
    for name, variations in pack.responses.items():
        if isinstance(variations, dict):
            variations = [variations]
        if not isinstance(variations, list) or not all(
            isinstance(v, dict) and isinstance(v.get("text"), str) for v in variations
        ):
            raise DomainBuildError(f"{path}: {name} must be variations with a text")
        if any("condition" in v for v in variations):
            raise DomainBuildError(f"{path}: {name}: the language condition is added by the build")
        responses[str(name)] = variations
    return responses


def assemble_responses(packs_dir: Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """Every reply in every language, as Rasa response variations with language conditions."""
    packs = load_packs(packs_dir)
    default_code = default_language(packs_dir)
    by_pack = {pack.code: pack_responses(pack) for pack in packs}
    default = by_pack.get(default_code, {})
    names = list(default) + sorted({n for r in by_pack.values() for n in r} - set(default))
    assembled: dict[str, list[dict[str, Any]]] = {}
    for name in names:
        variations: list[dict[str, Any]] = []
        for pack in packs:
            if pack.code == default_code:
                continue
            condition = [{"type": "slot", "name": LANGUAGE_SLOT, "value": pack.code}]
            variations += [{"condition": condition, **v} for v in by_pack[pack.code].get(name, [])]
        variations += default.get(name, [])
        assembled[name] = variations
    return assembled


def _structure(structure_dir: Path, codes: list[str]) -> dict[str, dict[str, Any]]:
    files: dict[str, dict[str, Any]] = {}
    for path in sorted(structure_dir.glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if content.get("responses"):
            raise DomainBuildError(f"{path}: replies belong in bot/languages/<code>/responses.yml")
        slot = (content.get("slots") or {}).get(LANGUAGE_SLOT)
        if slot is not None:
            slot["values"] = codes
        files[path.name] = content
    return files


def assembled_domain(
    structure_dir: Path = STRUCTURE_DIR, packs_dir: Path | None = None
) -> dict[str, dict[str, Any]]:
    """The domain files Rasa reads (file name → content), responses included."""
    codes = [pack.code for pack in load_packs(packs_dir)]
    files = _structure(structure_dir, codes)
    if RESPONSES_FILE in files:
        raise DomainBuildError(f"{structure_dir}: {RESPONSES_FILE} is written by the build")
    files[RESPONSES_FILE] = {"version": "3.1", "responses": assemble_responses(packs_dir)}
    return files


def build_domain(
    out: Path = DEFAULT_OUT, structure_dir: Path = STRUCTURE_DIR, packs_dir: Path | None = None
) -> Path:
    """Writes the assembled domain into ``out`` (replacing it) and returns ``out``."""
    files = assembled_domain(structure_dir, packs_dir)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name, content in files.items():
        text = yaml.safe_dump(content, sort_keys=False, allow_unicode=True, width=100)
        (out / name).write_text(text, encoding="utf-8")
    return out


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    print(build_domain(args.out.resolve()))


if __name__ == "__main__":
    main()
