"""Add independently written retrieval questions to the benchmark or the held-out set.

The questions for new articles must come from writers who never saw the articles' phrasings (see
``/work/heldout/kb_new_topics.md``). They arrive as YAML files in the format of
``eval/data/retrieval_benchmark.yml`` (``questions:`` entries with ``text``, ``language``,
``expected`` and optional ``also_ok``; optionally ``unanswerable:`` for the benchmark). This
command checks them and appends them, untouched, to the chosen file under a comment that says
where they came from:

* every ``expected`` and ``also_ok`` names an existing article, every ``language`` is supported;
* a question already in either file is skipped (the two files must stay disjoint);
* article phrasings that come close to a new question (``eval.contamination``) are listed:
  the phrasing is the one to reword or drop, never the question.

Usage: ``python -m eval.merge_questions --into benchmark|heldout FILE... [--dry-run]``; exits 1
when a question is invalid (nothing is written then).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from eval.contamination import THRESHOLD, overlaps
from eval.retrieval_benchmark import BENCHMARK, HELDOUT, load_benchmark
from knowledge_base.articles import load_articles
from knowledge_base.languages import languages

TARGETS = {"benchmark": BENCHMARK, "heldout": HELDOUT}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def problems(question: dict[str, Any], article_ids: set[str]) -> list[str]:
    """What makes a question unusable (nothing: an empty list)."""
    found = []
    if not str(question.get("text", "")).strip():
        found.append("no text")
    if question.get("language") not in languages():
        found.append(f"language {question.get('language')!r}")
    for article_id in [question.get("expected"), *question.get("also_ok", [])]:
        if article_id not in article_ids:
            found.append(f"unknown article {article_id!r}")
    return found


def render(questions: list[dict[str, Any]], unanswerable: bool = False) -> list[str]:
    """The YAML lines of ``questions``, in the files' style."""
    lines = []
    for question in questions:
        lines.append(f"  - text: {_quote(str(question['text']).strip())}")
        lines.append(f"    language: {question['language']}")
        if not unanswerable:
            lines.append(f"    expected: {question['expected']}")
            if question.get("also_ok"):
                lines.append(f"    also_ok: [{', '.join(question['also_ok'])}]")
    return lines


def merge(target: Path, sources: list[Path], dry_run: bool = False) -> dict[str, Any]:
    """Checks the questions of ``sources`` and appends the new ones to ``target``.

    Returns:
        Counts (added, skipped as duplicates, invalid) and the phrasings that come too close.
    """
    article_ids = {a.id for a in load_articles()}
    existing = {
        (q["language"], str(q["text"]).strip().lower())
        for path in TARGETS.values() if path.exists()
        for section in ("questions", "unanswerable")
        for q in load_benchmark(path).get(section, [])
    }
    new: dict[str, list[dict[str, Any]]] = {"questions": [], "unanswerable": []}
    invalid, skipped = [], 0
    for source in sources:
        data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
        for section in new:
            for question in data.get(section, []) or []:
                key = (question.get("language"), str(question.get("text", "")).strip().lower())
                if key in existing:
                    skipped += 1
                    continue
                wrong = problems(question, article_ids) if section == "questions" else (
                    [] if question.get("language") in languages() else ["language"])
                if wrong:
                    invalid.append((source.name, question.get("text"), wrong))
                    continue
                existing.add(key)
                new[section].append(question)
    close = overlaps(THRESHOLD, questions=new["questions"] + new["unanswerable"])
    if not invalid and not dry_run and any(new.values()):
        text = target.read_text(encoding="utf-8").rstrip("\n").split("\n")
        names = ", ".join(source.name for source in sources)
        marker = (f"  # ---- added by eval.merge_questions from {names}"
                  " (written by independent writers from kb_new_topics.md)")
        end_of_questions = next((i for i, line in enumerate(text)
                                 if line.startswith("unanswerable:")), len(text))
        text[end_of_questions:end_of_questions] = [marker, *render(new["questions"])]
        if new["unanswerable"]:
            if not any(line.startswith("unanswerable:") for line in text):
                text.append("unanswerable:")
            text += [marker, *render(new["unanswerable"], unanswerable=True)]
        target.write_text("\n".join(text) + "\n", encoding="utf-8")
    return {"added": len(new["questions"]), "unanswerable_added": len(new["unanswerable"]),
            "skipped_duplicates": skipped, "invalid": invalid, "close_phrasings": close}


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--into", choices=sorted(TARGETS), required=True)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    report = merge(TARGETS[args.into], args.files, args.dry_run)
    for name, text, wrong in report["invalid"]:
        print(f"invalid ({name}): {text!r}: {', '.join(wrong)}")
    for overlap in report["close_phrasings"]:
        print(f"{overlap.similarity:.2f} {overlap.article_id}: reword or drop the phrasing "
              f"{overlap.paraphrase!r} (close to {overlap.question!r})")
    print(f"{report['added']} questions and {report['unanswerable_added']} unanswerable ones "
          f"{'would be ' if args.dry_run else ''}added to {TARGETS[args.into].name}; "
          f"{report['skipped_duplicates']} already there; {len(report['invalid'])} invalid")
    sys.exit(1 if report["invalid"] else 0)


if __name__ == "__main__":
    main()
