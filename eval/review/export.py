"""Rasa NLU training data helpers for staged corrections (YAML, ``version: "3.1"``).

De-duplication (:func:`existing_examples`, :func:`normalise`) ignores case, spacing and
annotations; :func:`render_nlu_yaml` writes examples grouped by intent and checks that the file
reads back identically, so a broken file never reaches training data.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "ENTITY_SYNTAX",
    "PlannedExample",
    "existing_examples",
    "normalise",
    "plain_text",
    "render_nlu_yaml",
]

# Rasa's own pattern for entity annotations (rasa.shared.nlu.training_data.entities_parser).
ENTITY_SYNTAX = re.compile(
    r"\[(?P<entity_text>[^\]]+?)\](\((?P<entity>[^:)]+?)(?:\:(?P<value>[^)]+))?\)"
    r"|\{(?P<entity_dict>[^}]+?)\}|\[(?P<list_entity_dicts>.*?)\])"
)
# Line breaks and control characters (YAML also breaks lines at U+0085, U+2028 and U+2029).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def normalise(text: str) -> str:
    """Case- and whitespace-insensitive form used for de-duplication."""
    return " ".join(text.casefold().split())


def plain_text(example: str) -> str:
    """An annotated example without its annotations ("[x](address)" → "x")."""
    return ENTITY_SYNTAX.sub(lambda m: m.group("entity_text"), example)


def _examples_of(item: dict[str, Any]) -> list[str]:
    examples = item.get("examples")
    if isinstance(examples, str):
        return [
            line.strip()[2:]
            for line in examples.splitlines()
            if line.strip().startswith("- ")
        ]
    if isinstance(examples, list):  # examples with metadata: [{text: ...}, ...]
        return [str(e.get("text", "")) for e in examples if isinstance(e, dict)]
    return []


def existing_examples(roots: Iterable[Path]) -> set[str]:
    """Normalised plain text of every intent example in the YAML files under ``roots``."""
    seen: set[str] = set()
    files: set[Path] = set()
    for root in roots:
        if root.is_file():
            files.add(root.resolve())
        elif root.is_dir():
            files.update(p.resolve() for p in root.rglob("*.yml"))
            files.update(p.resolve() for p in root.rglob("*.yaml"))
    for path in sorted(files):
        try:
            content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, OSError, UnicodeDecodeError):
            continue
        items = content.get("nlu") if isinstance(content, dict) else None
        for item in items or []:
            if isinstance(item, dict) and "intent" in item:
                seen.update(normalise(plain_text(e)) for e in _examples_of(item))
    return seen


@dataclass(frozen=True)
class PlannedExample:
    """One example to write."""

    correction_id: int
    intent: str
    language: str
    example: str


def render_nlu_yaml(examples: Sequence[PlannedExample], header: str = "") -> str:
    """Rasa NLU YAML with the examples grouped by intent (sorted, stable)."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for example in examples:
        by_intent[example.intent].append(example.example)
    lines = [f"# {line}" for line in header.splitlines()]
    lines += ['version: "3.1"', "nlu:"]
    for intent in sorted(by_intent):
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {example}" for example in by_intent[intent])
    text = "\n".join(lines) + "\n"
    parsed = yaml.safe_load(text)  # a broken file must never reach nlu_data/
    written = {item["intent"]: _examples_of(item) for item in parsed["nlu"]}
    if written != dict(by_intent):
        raise ValueError("The export did not survive a YAML round trip.")
    return text
