"""Held-out intent evaluation, per intent and per language (run in the Rasa environment).

Two parts per language, both written by writers who never saw the training data:

* DEV, ``eval/data/nlu_test_*_<code>.yml``: engineers may read its errors. Prints precision,
  recall and F1 per intent, the macro-F1, ``out_of_scope`` recall and the most frequent
  confusions;
* SEALED, ``eval/data/nlu_sealed_<code>.yml``: never opened while tuning; only its figures are
  printed (accuracy, macro-F1, ``out_of_scope`` recall), never its examples or confusions.

Neither is used for training. Exits non-zero when a language's macro-F1 is below its target
(the pack's ``eval.nlu_target``, else 0.93) or ``out_of_scope`` recall below 0.85, in any part.

Usage: ``.venv-rasa/bin/python -m eval.nlu_eval [--model models/<hash>.tar.gz]
[--part dev|sealed|all] [--json out]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "eval" / "data"
TARGET_MACRO_F1 = 0.93
TARGET_OOS_RECALL = 0.85


PARTS = {"dev": "nlu_test_*_{code}.yml", "sealed": "nlu_sealed_{code}.yml"}


def target_macro_f1(language: str) -> float:
    """The language's macro-F1 target: its pack's ``eval.nlu_target``, else 0.93."""
    from bot.languages import get_pack

    return float((get_pack(language).section("eval") or {}).get("nlu_target", TARGET_MACRO_F1))


def load_examples(language: str, part: str = "dev") -> list[tuple[str, str]]:
    """(text, intent) pairs of one part's held-out files for one language."""
    from rasa.shared.nlu.training_data.loading import load_data

    pairs: list[tuple[str, str]] = []
    for path in sorted(DATA.glob(PARTS[part].format(code=language))):
        for message in load_data(str(path)).intent_examples:
            pairs.append((message.get("text"), message.get("intent")))
    return pairs


def tested_languages(part: str = "dev") -> list[str]:
    """The language packs with held-out files of ``part``, in menu order."""
    from bot.languages import codes

    return [code for code in codes() if any(DATA.glob(PARTS[part].format(code=code)))]


def latest_model() -> Path:
    """The most recently trained model."""
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        sys.exit("No trained model: run `make model` first.")
    return models[-1]


def quiet_rasa() -> None:
    """Keeps Rasa's per-message debug logging out of the report."""
    import logging

    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)


async def predict(model: Path, texts: list[str]) -> list[tuple[str, float, str, float]]:
    """Classifies each text as the running assistant would.

    Returns, per text: the intent the assistant acts on (``nlu_fallback`` below the threshold)
    and its confidence, then the classifier's own top intent and confidence.
    """
    from rasa.core.agent import Agent

    quiet_rasa()
    agent = Agent.load(str(model))
    results = []
    for text in texts:
        parsed = await agent.parse_message(text)
        ranking = [r for r in parsed.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
        top = ranking[0] if ranking else parsed["intent"]
        results.append((parsed["intent"]["name"], float(parsed["intent"]["confidence"]),
                        top["name"], float(top["confidence"])))
    return results


def report(language: str, gold: list[str], predicted: list[str]) -> dict[str, Any]:
    """Per-intent precision/recall/F1, macro-F1 and confusions for one language."""
    from sklearn.metrics import precision_recall_fscore_support

    labels = sorted(set(gold))
    p, r, f, support = precision_recall_fscore_support(
        gold, predicted, labels=labels, zero_division=0
    )
    per_intent = {
        label: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]),
                "support": int(support[i])}
        for i, label in enumerate(labels)
    }
    macro = sum(v["f1"] for v in per_intent.values()) / len(per_intent)
    confusions = Counter((g, q) for g, q in zip(gold, predicted, strict=False) if g != q)
    return {
        "language": language,
        "examples": len(gold),
        "accuracy": sum(g == q for g, q in zip(gold, predicted, strict=False)) / len(gold),
        "macro_f1": macro,
        "out_of_scope_recall": per_intent.get("out_of_scope", {}).get("recall", 0.0),
        "per_intent": per_intent,
        "confusions": [[g, q, n] for (g, q), n in confusions.most_common(12)],
    }


def print_report(rep: dict[str, Any], sealed: bool = False) -> None:
    """Prints one language's table (a SEALED part: its figures only)."""
    if sealed:
        print(f"\n=== {rep['language']} SEALED: {rep['examples']} examples ===\n"
              f"accuracy {rep['accuracy']:.3f} · macro-F1 {rep['macro_f1']:.3f} · "
              f"out_of_scope recall {rep['out_of_scope_recall']:.3f}")
        return
    print(f"\n=== {rep['language']} DEV: {rep['examples']} held-out examples ===")
    print(f"{'intent':32} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>4}")
    for intent, m in rep["per_intent"].items():
        print(f"{intent:32} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f} "
              f"{m['support']:4d}")
    print(f"accuracy {rep['accuracy']:.3f} · macro-F1 {rep['macro_f1']:.3f} · "
          f"out_of_scope recall {rep['out_of_scope_recall']:.3f}")
    if rep["confusions"]:
        print("most frequent confusions (expected → predicted × count):")
        for gold, predicted, count in rep["confusions"]:
            print(f"  {gold} → {predicted} × {count}")


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Held-out NLU evaluation per language.")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--part", choices=["dev", "sealed", "all"], default="all")
    parser.add_argument("--json", type=Path, default=None, help="also write the report here")
    args = parser.parse_args()
    model = args.model or latest_model()
    print(f"Model: {model.relative_to(ROOT) if model.is_relative_to(ROOT) else model}")
    reports = []
    parts = ["dev", "sealed"] if args.part == "all" else [args.part]
    for part in parts:
        for language in tested_languages(part):
            examples = load_examples(language, part)
            predictions = asyncio.run(predict(model, [t for t, _ in examples]))
            rep = report(language, [g for _, g in examples], [p[0] for p in predictions])
            rep["part"] = part
            if part == "sealed":
                rep = {k: rep[k] for k in ("language", "part", "examples", "accuracy",
                                           "macro_f1", "out_of_scope_recall")}
            else:
                rep["predictions"] = [
                    {"text": t, "gold": g, "predicted": p[0], "confidence": p[1],
                     "classifier": p[2], "classifier_confidence": p[3]}
                    for (t, g), p in zip(examples, predictions, strict=False)
                ]
            reports.append(rep)
            print_report(rep, sealed=part == "sealed")
    if args.json:
        args.json.write_text(json.dumps(reports, indent=2))
    failed = [
        f"{r['language']} {r['part']}" for r in reports
        if r["macro_f1"] < target_macro_f1(r["language"])
        or r["out_of_scope_recall"] < TARGET_OOS_RECALL
    ]
    targets = ", ".join(f"{code} {target_macro_f1(code)}" for code in tested_languages())
    if failed:
        print(f"\nBelow target (macro-F1 ≥ {targets}; out_of_scope recall ≥ "
              f"{TARGET_OOS_RECALL}): {', '.join(failed)}")
        sys.exit(1)
    print(f"\nTargets met: macro-F1 ≥ {targets} and out_of_scope recall ≥ "
          f"{TARGET_OOS_RECALL} in every language and part.")


if __name__ == "__main__":
    main()
