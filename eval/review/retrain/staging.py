"""Staging: pending corrections → a candidate's training data, outside ``nlu_data/``.

A candidate job stages every pending correction into its own folder under the staging
directory (``REVIEW_STAGING_DIR``, ``var/review/staged`` by default)::

    job-<id>/<approved folder name>/reviewed-job<id>-<lang>.yml   NLU examples (Rasa YAML)
    job-<id>/retrieval.yml    knowledge corrections: question → article (pairs and benchmark)
    job-<id>/form_steps.yml   form-step corrections: slot, text, the value to understand
    job-<id>/understand.json  the corrected messages and what the candidate must predict

Only the first is Rasa training data (``bot/train.py --data``); nothing reaches
``nlu_data/`` before an admin approves the candidate (:mod:`eval.review.retrain.release`).

What each kind becomes: an intent correction an example of that intent; a form-step
correction an ``inform`` example (and a regression case for the slot's validator); an
emergency correction a ``danger`` / ``not_danger`` example, when the pipeline has the danger
detector (otherwise it waits). Every text is re-read from the tracker store (skipped if the
store no longer holds the same message), redacted with fictional stand-ins, and
de-duplicated against all NLU data.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from eval.review.export import (
    PlannedExample,
    existing_examples,
    normalise,
    plain_text,
    render_nlu_yaml,
)
from eval.review.models import MessageCorrection
from eval.review.redaction import SURROGATES, redact
from eval.review.services.corrections import text_hash
from eval.review.tracker.store import TrackerStore

__all__ = ["StagedSet", "stage_corrections", "unstage"]

DANGER_COMPONENT = "danger_detector"


@dataclass
class StagedSet:
    """What a candidate was given."""

    folder: Path
    data_dir: Path
    examples: int = 0
    understand: list[dict[str, str]] = field(default_factory=list)
    retrieval: int = 0
    form_steps: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    correction_ids: list[int] = field(default_factory=list)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def stage_corrections(
    db: Session,
    tracker: TrackerStore,
    job_id: int,
    staging_dir: Path,
    approved_name: str,
    nlu_dirs: list[Path],
    public_phones: frozenset[str],
    danger_detector: bool,
) -> StagedSet:
    """Stages every pending correction for job ``job_id`` (commits their new status)."""
    folder = staging_dir / f"job-{job_id}"
    staged = StagedSet(folder, folder / approved_name)
    pending = list(db.scalars(
        select(MessageCorrection).where(MessageCorrection.status == "pending")
        .order_by(MessageCorrection.id)
    ))
    messages = tracker.user_messages([c.event_id for c in pending])
    seen = existing_examples(nlu_dirs)
    nlu: dict[str, list[PlannedExample]] = defaultdict(list)
    retrieval: list[dict[str, str]] = []
    form_steps: list[dict[str, str]] = []

    def skip(reason: str) -> None:
        staged.skipped[reason] = staged.skipped.get(reason, 0) + 1

    for correction in pending:
        message = messages.get(correction.event_id)
        if (message is None or message.conversation_id != correction.conversation_id
                or text_hash(message.text) != correction.text_sha256):
            skip("no longer in the tracker store")
            correction.status = "missing"
            continue
        if correction.kind == "emergency" and not danger_detector:
            skip("waiting for the danger detector")
            continue  # stays pending
        text = " ".join(redact(message.text, public_phones, SURROGATES.__getitem__).split())
        language = message.language or correction.language or "xx"
        correction.staged_job_id = job_id
        correction.status = "staged"
        staged.correction_ids.append(correction.id)
        if correction.kind == "knowledge":
            retrieval.append({"language": language, "question": text,
                              "article": correction.value})
            continue
        if correction.kind == "form_step":
            form_steps.append({"language": language, "slot": correction.slot or "",
                               "text": text, "value": redact(correction.value, public_phones,
                                                             SURROGATES.__getitem__)})
            intent = "inform"
        elif correction.kind == "emergency":
            intent = "danger" if correction.value == "yes" else "not_danger"
        else:
            intent = correction.value
        if correction.kind != "emergency":
            staged.understand.append({"text": text, "intent": intent})
        key = normalise(plain_text(text))
        if key in seen or "[" in text or "]" in text:
            skip("already in the training data")
            continue
        seen.add(key)
        nlu[language].append(PlannedExample(correction.id, intent, language, text))
    for language, examples in sorted(nlu.items()):
        header = (f"Staff-reviewed resident messages ({language}) of candidate job {job_id}.\n"
                  "Personal data replaced with fictional stand-ins.")
        _write(staged.data_dir / f"reviewed-job{job_id}-{language}.yml",
               render_nlu_yaml(examples, header))
        staged.examples += len(examples)
    if retrieval:
        _write(folder / "retrieval.yml", yaml.safe_dump(
            {"questions": retrieval}, allow_unicode=True, sort_keys=False))
        staged.retrieval = len(retrieval)
    if form_steps:
        _write(folder / "form_steps.yml", yaml.safe_dump(
            {"cases": form_steps}, allow_unicode=True, sort_keys=False))
        staged.form_steps = len(form_steps)
    _write(folder / "understand.json", json.dumps(staged.understand, ensure_ascii=False))
    db.commit()
    return staged


def unstage(db: Session, job_id: int) -> None:
    """Puts a rejected or failed candidate's corrections back to pending."""
    for correction in db.scalars(
        select(MessageCorrection).where(MessageCorrection.staged_job_id == job_id,
                                        MessageCorrection.status == "staged")
    ):
        correction.status = "pending"
        correction.staged_job_id = None
    db.commit()
