"""Retrieval benchmark: BM25 alone, dense alone and fused, side by side, per language.

Reads ``eval/data/retrieval_benchmark.yml`` (resident questions that are not the articles' own
paraphrases, each with its expected article, plus questions the knowledge base cannot answer)
and prints Recall@1, Recall@3 and MRR per language for the three methods, the retrieval-only
latency (p50/p95, one FAISS thread), and how well the "not sure" threshold separates answerable
from unanswerable questions.

``--calibrate`` fits the confidence model (logistic regression on the dense cosine and the log
BM25 score of the top article) and its threshold, and writes
``knowledge_base/calibration.json``. The threshold quality it prints is measured with 2-fold
cross-validation, so it is not scored on the questions it was fitted on.

Usage: ``python -m eval.retrieval_benchmark [--calibrate]`` (after ``make index``).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from knowledge_base.retriever import CALIBRATION_PATH, Hit, Method, Retriever

ROOT = Path(__file__).resolve().parent.parent
BENCHMARK = ROOT / "eval" / "data" / "retrieval_benchmark.yml"
METHODS: tuple[Method, ...] = ("bm25", "dense", "fused")
TARGET_R1 = {"en": 0.85, "es": 0.80}


def load_benchmark() -> dict[str, Any]:
    """The benchmark questions and the unanswerable ones."""
    data: dict[str, Any] = yaml.safe_load(BENCHMARK.read_text(encoding="utf-8"))
    return data


def rank_of(hits: list[Hit], good: set[str]) -> int | None:
    """1-based rank of the first correct article, or None."""
    for position, hit in enumerate(hits, start=1):
        if hit.article_id in good:
            return position
    return None


def evaluate(retriever: Retriever, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """Recall@1, Recall@3 and MRR per language and method."""
    results: dict[str, Any] = {}
    for language in ("en", "es"):
        subset = [q for q in questions if q["language"] == language]
        results[language] = {"questions": len(subset)}
        for method in METHODS:
            ranks = []
            for question in subset:
                good = {question["expected"], *question.get("also_ok", [])}
                ranks.append(rank_of(retriever.search(question["text"], k=10, method=method),
                                     good))
            results[language][method] = {
                "recall@1": sum(r == 1 for r in ranks) / len(ranks),
                "recall@3": sum(r is not None and r <= 3 for r in ranks) / len(ranks),
                "mrr": sum(1 / r for r in ranks if r) / len(ranks),
            }
    return results


def latency(retriever: Retriever, texts: list[str]) -> dict[str, float]:
    """Retrieval-only latency in milliseconds over the benchmark questions (fused)."""
    retriever.search(texts[0])  # warm-up
    timings = []
    for text in texts:
        started = time.perf_counter()
        retriever.search(text, k=3)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"p50_ms": statistics.median(timings),
            "p95_ms": timings[int(0.95 * (len(timings) - 1))]}


def _features(hit: Hit) -> list[float]:
    return [hit.dense, math.log1p(hit.bm25)]


def decision_examples(
    retriever: Retriever, data: dict[str, Any]
) -> list[tuple[list[float], int, str]]:
    """(features of the fused top hit, 1 if answering would be right, language)."""
    examples = []
    for question in data["questions"]:
        hit = retriever.search(question["text"], k=1)[0]
        good = {question["expected"], *question.get("also_ok", [])}
        examples.append((_features(hit), int(hit.article_id in good), question["language"]))
    for question in data["unanswerable"]:
        hits = retriever.search(question["text"], k=1)
        features = _features(hits[0]) if hits else [0.0, 0.0]
        examples.append((features, 0, question["language"]))
    return examples


def fit(examples: list[tuple[list[float], int, str]]) -> dict[str, Any]:
    """Logistic weights and the threshold that maximises the share of right decisions."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit([e[0] for e in examples], [e[1] for e in examples])
    weights = {"bias": float(model.intercept_[0]), "dense": float(model.coef_[0][0]),
               "bm25": float(model.coef_[0][1])}
    probabilities = model.predict_proba([e[0] for e in examples])[:, 1]
    best = max(
        (sum((p >= t) == bool(e[1]) for p, e in zip(probabilities, examples)), t)
        for t in [i / 100 for i in range(5, 96)]
    )
    return {"weights": weights, "threshold": best[1]}


def decide(calibration: dict[str, Any], features: list[float]) -> bool:
    """Whether the retriever would answer (True) or say it is not sure."""
    w = calibration["weights"]
    z = w["bias"] + w["dense"] * features[0] + w["bm25"] * features[1]
    return 1 / (1 + math.exp(-z)) >= calibration["threshold"]


def cross_validated(examples: list[tuple[list[float], int, str]]) -> dict[str, Any]:
    """Answer/abstain quality with 2-fold cross-validation, per language."""
    folds = [examples[0::2], examples[1::2]]
    outcomes: list[tuple[bool, int, str]] = []
    for held_out, train in ((folds[0], folds[1]), (folds[1], folds[0])):
        calibration = fit(train)
        outcomes += [(decide(calibration, e[0]), e[1], e[2]) for e in held_out]
    report = {}
    for language in ("en", "es"):
        rows = [o for o in outcomes if o[2] == language]
        right = [o for o in rows if o[1] == 1]
        wrong = [o for o in rows if o[1] == 0]
        report[language] = {
            "answered_when_right": sum(o[0] for o in right) / max(1, len(right)),
            "abstained_when_wrong_or_unanswerable": sum(not o[0] for o in wrong)
            / max(1, len(wrong)),
        }
    return report


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Retrieval benchmark (BM25, dense, fused).")
    parser.add_argument("--calibrate", action="store_true",
                        help="fit the confidence threshold and write calibration.json")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    data = load_benchmark()
    retriever = Retriever.load()
    results = evaluate(retriever, data["questions"])
    print(f"Retrieval benchmark: {len(data['questions'])} questions "
          f"({results['en']['questions']} en, {results['es']['questions']} es), "
          f"{len(data['unanswerable'])} unanswerable\n")
    print(f"{'lang':4} {'method':6} {'R@1':>6} {'R@3':>6} {'MRR':>6}")
    for language in ("en", "es"):
        for method in METHODS:
            m = results[language][method]
            print(f"{language:4} {method:6} {m['recall@1']:6.3f} {m['recall@3']:6.3f} "
                  f"{m['mrr']:6.3f}")
    timing = latency(retriever, [q["text"] for q in data["questions"]])
    results["latency"] = timing
    print(f"\nRetrieval alone (fused, 1 FAISS thread): p50 {timing['p50_ms']:.1f} ms, "
          f"p95 {timing['p95_ms']:.1f} ms")
    examples = decision_examples(retriever, data)
    results["abstain"] = cross_validated(examples)
    for language, quality in results["abstain"].items():
        print(f"'Not sure' threshold ({language}, 2-fold CV): answers "
              f"{quality['answered_when_right']:.1%} of questions it gets right, abstains on "
              f"{quality['abstained_when_wrong_or_unanswerable']:.1%} of wrong/unanswerable")
    if args.calibrate:
        calibration = fit(examples)
        CALIBRATION_PATH.write_text(json.dumps(calibration, indent=2) + "\n")
        print(f"\nWrote {CALIBRATION_PATH.relative_to(ROOT)}: {calibration}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    failed = [
        language for language in ("en", "es")
        if results[language]["fused"]["recall@1"] < TARGET_R1[language]
        or any(results[language]["fused"]["recall@1"] <= results[language][m]["recall@1"]
               for m in ("bm25", "dense"))
    ]
    if failed:
        print(f"\nBelow target (fused R@1 ≥ {TARGET_R1} and above both alone): "
              f"{', '.join(failed)}")
        sys.exit(1)
    print("\nTargets met: fused Recall@1 ≥ 0.85 (en) / 0.80 (es), above BM25 and dense alone.")


if __name__ == "__main__":
    main()
