"""Corrected messages → Rasa NLU training data (YAML, ``version: "3.1"``).

Each export writes the corrections not exported yet to one file per language under the export
directory (``reviewed-<time>-<lang>.yml``), with entity annotations in Rasa's
``[text](entity)`` syntax. Before writing, every example is

* re-read from the tracker store (and skipped if the store no longer holds the same text);
* redacted: personal data is replaced with fixed fictional stand-ins (see
  :data:`eval.review.redaction.SURROGATES`), entity spans moved accordingly;
* de-duplicated against ALL the project's NLU data (``nlu_data/**/*.yml``), earlier exports
  and the other examples of this export, ignoring case, spacing and annotations.

The file is written atomically (a temporary name without ``.yml``, then a rename), so Rasa
never reads half of it.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from eval.review.annotations import text_hash
from eval.review.audit import record
from eval.review.models import Correction, ExportRecord, User, utcnow
from eval.review.redaction import SURROGATES, redact, redact_with_offsets
from eval.review.tracker.store import StoredMessage, TrackerStore

__all__ = [
    "ENTITY_SYNTAX",
    "ExportPlan",
    "PlannedExample",
    "annotate",
    "existing_examples",
    "export_corrections",
    "normalise",
    "plan_export",
    "plain_text",
    "render_nlu_yaml",
    "write_export",
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


def annotate(text: str, entities: Sequence[dict[str, Any]]) -> str:
    """``text`` with entity annotations in Rasa's syntax.

    ``[text](entity)``, or the dict form when the value differs from the text
    (``[LA]{"entity": "city", "value": "Los Angeles"}``).
    """
    pieces: list[str] = []
    cursor = 0
    for entity in sorted(entities, key=lambda e: int(e["start"])):
        start, end = int(entity["start"]), int(entity["end"])
        span = text[start:end]
        pieces.append(text[cursor:start])
        value = str(entity.get("value") or span)
        if value == span:
            pieces.append(f"[{span}]({entity['entity']})")
        else:
            quoted = value.replace("\\", "\\\\").replace('"', '\\"')
            pieces.append(f'[{span}]{{"entity": "{entity["entity"]}", "value": "{quoted}"}}')
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


@dataclass(frozen=True)
class PlannedExample:
    """One example to write."""

    correction_id: int
    intent: str
    language: str
    example: str


@dataclass
class ExportPlan:
    """What an export will write and what it leaves out, and why."""

    examples: list[PlannedExample] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    unsafe: list[int] = field(default_factory=list)

    @property
    def by_intent(self) -> Counter[str]:
        """Number of new examples per intent."""
        return Counter(e.intent for e in self.examples)


def _redacted_example(
    text: str, entities: Sequence[dict[str, Any]], public_phones: frozenset[str]
) -> str | None:
    """The redacted, annotated example; ``None`` when Rasa could not read it back."""
    text = _CONTROL.sub(" ", text)  # one for one: entity offsets stay valid
    redacted = redact_with_offsets(text, public_phones, SURROGATES.__getitem__)
    if ENTITY_SYNTAX.search(redacted.text):
        return None  # the resident typed something Rasa would read as an annotation
    moved = []
    for entity in entities:
        start = redacted.new_offset(int(entity["start"]))
        end = redacted.new_offset(int(entity["end"]), is_end=True)
        original = text[int(entity["start"]):int(entity["end"])]
        value = str(entity.get("value") or original)
        span = redacted.text[start:end]
        if not span.strip() or any(c in span for c in "[]()"):
            return None
        new_value = span if value == original else redact(value, public_phones,
                                                          SURROGATES.__getitem__)
        moved.append({"entity": entity["entity"], "start": start, "end": end, "value": new_value})
    example = annotate(redacted.text, moved).strip()
    return example or None


def plan_export(
    corrections: Sequence[Correction],
    messages: dict[int, StoredMessage],
    existing: set[str],
    public_phones: frozenset[str] = frozenset(),
) -> ExportPlan:
    """Decides, for each correction, whether it becomes a new example (see module doc)."""
    plan = ExportPlan()
    seen = set(existing)
    for correction in corrections:
        message = messages.get(correction.event_id)
        if (
            message is None
            or message.conversation_id != correction.conversation_id
            or text_hash(message.text) != correction.text_sha256
        ):
            plan.missing.append(correction.id)
            continue
        example = _redacted_example(message.text, correction.entities or [], public_phones)
        if example is None:
            plan.unsafe.append(correction.id)
            continue
        key = normalise(plain_text(example))
        if key in seen:
            plan.duplicates.append(correction.id)
            continue
        seen.add(key)
        language = message.language if message.language in ("en", "es") else "xx"
        plan.examples.append(
            PlannedExample(correction.id, correction.intent, language or "xx", example)
        )
    return plan


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


def write_export(plan: ExportPlan, export_dir: Path, now: datetime) -> dict[str, Path]:
    """Writes one file per language; returns them by language (none if nothing is new)."""
    export_dir.mkdir(parents=True, exist_ok=True)
    by_language: dict[str, list[PlannedExample]] = defaultdict(list)
    for example in plan.examples:
        by_language[example.language].append(example)
    written: dict[str, Path] = {}
    stamp = now.strftime("%Y%m%d-%H%M%S")
    for language, examples in sorted(by_language.items()):
        header = (
            f"Reviewed resident messages ({language}), exported {now.isoformat(timespec='seconds')}"
            " by the staff review app (eval/review).\nPersonal data replaced with fictional"
            " stand-ins; who exported what is in the review app's audit log."
        )
        content = render_nlu_yaml(examples, header)
        path = export_dir / f"reviewed-{stamp}-{language}.yml"
        counter = 1
        while path.exists():
            counter += 1
            path = export_dir / f"reviewed-{stamp}-{language}-{counter}.yml"
        temporary = path.with_name(path.name + ".part")
        temporary.write_text(content, encoding="utf-8")
        os.replace(temporary, path)
        written[language] = path
    return written


def export_corrections(
    db: Session,
    store: TrackerStore,
    user: User,
    *,
    nlu_dir: Path,
    export_dir: Path,
    public_phones: frozenset[str] = frozenset(),
    ip: str = "",
) -> tuple[ExportPlan, list[Path]]:
    """Exports every correction not exported yet (audited); returns the plan and the files.

    Corrections left out (duplicate, no longer in the tracker store, unreadable by Rasa) are
    marked too, with the reason in ``export_file``, so the next export does not retry them;
    editing a correction makes it pending again.
    """
    pending = list(
        db.scalars(
            select(Correction).where(Correction.exported_at.is_(None)).order_by(Correction.id)
        )
    )
    messages = store.user_messages([c.event_id for c in pending])
    plan = plan_export(
        pending, messages, existing_examples([nlu_dir, export_dir]), public_phones
    )
    now = utcnow()
    file_of = write_export(plan, export_dir, now.astimezone())
    files = list(file_of.values())
    language_of = {e.correction_id: e.language for e in plan.examples}
    reasons = {
        **{i: "(duplicate)" for i in plan.duplicates},
        **{i: "(missing)" for i in plan.missing},
        **{i: "(unsafe)" for i in plan.unsafe},
    }
    for correction in pending:
        correction.exported_at = now
        if correction.id in language_of:
            correction.export_file = str(file_of[language_of[correction.id]])
        else:
            correction.export_file = reasons.get(correction.id, "(skipped)")
    for path in files:
        db.add(
            ExportRecord(
                path=str(path),
                examples=sum(1 for e in plan.examples if file_of[e.language] == path),
                skipped=len(reasons),
                user_id=user.id,
            )
        )
    record(
        db, user, "export", target=str(export_dir), ip=ip,
        files=[str(p) for p in files], examples=len(plan.examples),
        duplicates=len(plan.duplicates), missing=len(plan.missing), unsafe=len(plan.unsafe),
    )
    db.commit()
    return plan, files
