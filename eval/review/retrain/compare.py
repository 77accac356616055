"""Comparing a candidate model with the current one, and the promotion rule.

Input is what ``eval.nlu_eval --json`` writes: a list with one report per language
(``language``, ``macro_f1``, ``accuracy``, ``examples``, ``per_intent`` {intent: precision,
recall, f1, support}). The rule: promote only if no language's macro-F1 is lower than the
current model's by more than ``tolerance`` (default 0.0); with no current model there is
nothing to regress and the candidate is promoted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "Decision",
    "comparison_table",
    "decide",
    "load_report",
    "summarise_report",
]

_EPSILON = 1e-9


def summarise_report(reports: Any) -> dict[str, dict[str, Any]]:
    """``{language: {macro_f1, accuracy, examples, out_of_scope_recall, per_intent}}``.

    Leaves out the per-message predictions, which are large.
    """
    if not isinstance(reports, list):
        raise ValueError("The evaluator's JSON is not a list of per-language reports.")
    summary: dict[str, dict[str, Any]] = {}
    for report in reports:
        language = str(report["language"])
        summary[language] = {
            "macro_f1": float(report["macro_f1"]),
            "accuracy": float(report.get("accuracy", 0.0)),
            "examples": int(report.get("examples", 0)),
            "out_of_scope_recall": float(report.get("out_of_scope_recall", 0.0)),
            "per_intent": {
                intent: {
                    "precision": float(m.get("precision", 0.0)),
                    "recall": float(m.get("recall", 0.0)),
                    "f1": float(m.get("f1", 0.0)),
                    "support": int(m.get("support", 0)),
                }
                for intent, m in (report.get("per_intent") or {}).items()
            },
        }
    return summary


def load_report(path: Path) -> dict[str, dict[str, Any]]:
    """Reads and summarises an evaluator JSON file."""
    return summarise_report(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Decision:
    """Whether to promote, and why (one line per language)."""

    promote: bool
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON form stored with the job."""
        return {"promote": self.promote, "reasons": list(self.reasons)}


def decide(
    current: dict[str, dict[str, Any]] | None,
    candidate: dict[str, dict[str, Any]],
    tolerance: float = 0.0,
    intent_tolerance: float | None = None,
    understood: list[dict[str, Any]] | None = None,
) -> Decision:
    """The approval gate, before an admin's approval (c).

    (a) No language's macro-F1 lower by more than ``tolerance`` and no intent's F1 (in any
    language) lower by more than ``intent_tolerance``; (b) every corrected message in
    ``understood`` predicted as corrected.
    """
    misunderstood = [u for u in understood or [] if not u.get("ok")]
    if misunderstood:
        lines = tuple(
            f"Not understood after training: a message corrected to {u['intent']} is still "
            f"read as {u['predicted']}." for u in misunderstood
        )
        first = decide(current, candidate, tolerance, intent_tolerance, None)
        return Decision(False, first.reasons + lines)
    if not current:
        if misunderstood:
            return Decision(False, ("No current model to compare with.",))
        return Decision(True, ("No current model to compare with.",))
    promote = True
    reasons = []
    for language in sorted(current):
        before = float(current[language]["macro_f1"])
        if language not in candidate:
            promote = False
            reasons.append(f"{language}: the candidate was not evaluated.")
            continue
        after = float(candidate[language]["macro_f1"])
        delta = after - before
        verdict = "ok"
        if delta < -(tolerance + _EPSILON):
            promote = False
            verdict = f"lower by more than the tolerance {tolerance:.3f}"
        reasons.append(
            f"{language}: macro-F1 {before:.3f} → {after:.3f} ({delta:+.3f}), {verdict}."
        )
        if intent_tolerance is None:
            continue
        old_intents = current[language].get("per_intent") or {}
        new_intents = candidate[language].get("per_intent") or {}
        for intent in sorted(old_intents):
            old_f1 = float(old_intents[intent]["f1"])
            new_f1 = float((new_intents.get(intent) or {}).get("f1", 0.0))
            if new_f1 - old_f1 < -(intent_tolerance + _EPSILON):
                promote = False
                reasons.append(
                    f"{language}: {intent} F1 {old_f1:.3f} → {new_f1:.3f} "
                    f"({new_f1 - old_f1:+.3f}), lower by more than the intent tolerance "
                    f"{intent_tolerance:.3f}."
                )
    if understood:
        reasons.append(f"All {len(understood)} corrected messages are understood as corrected.")
    return Decision(promote, tuple(reasons))


def comparison_table(
    current: dict[str, dict[str, Any]] | None, candidate: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Per language: macro-F1 of both models and per-intent F1 side by side."""
    current = current or {}
    table = []
    for language in sorted(set(current) | set(candidate)):
        old = current.get(language, {})
        new = candidate.get(language, {})
        intents = sorted(set(old.get("per_intent", {})) | set(new.get("per_intent", {})))
        rows = []
        for intent in intents:
            before = old.get("per_intent", {}).get(intent)
            after = new.get("per_intent", {}).get(intent)
            rows.append(
                {
                    "intent": intent,
                    "current": before["f1"] if before else None,
                    "candidate": after["f1"] if after else None,
                    "delta": (after["f1"] - before["f1"]) if before and after else None,
                    "support": (after or before or {}).get("support", 0),
                }
            )
        table.append(
            {
                "language": language,
                "current": old.get("macro_f1"),
                "candidate": new.get("macro_f1"),
                "delta": (
                    new["macro_f1"] - old["macro_f1"]
                    if "macro_f1" in old and "macro_f1" in new
                    else None
                ),
                "intents": rows,
            }
        )
    return table
