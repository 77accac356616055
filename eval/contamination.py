"""Check that no article paraphrase is a near-copy of a retrieval benchmark question.

The articles' ``questions`` lists train the retriever; the benchmark questions measure it. Both
are written by people (and helpers) who phrase things alike, so a benchmark question can end up
copied into the training side with a word or two changed. This compares every paraphrase with
every benchmark question in the same language. A near-copy is alike in two ways at once: its
words come in the same order (difflib's ratio over the folded words: twice the words matched in
order over the words in both) and it has the same content words (Jaccard overlap without stop
words). The similarity is the smaller of the two, so a copy with a word changed ("…antes de
echarlos al bote azul" / "…al tambo azul") scores high, while two questions that merely share a
topic ("permiso para quitar un árbol" / "quiero quitar el árbol de la banqueta, necesito
permiso?") or a template ("how do i apply for …") do not. It lists the pairs at or above
``--threshold`` (0.6 by default).

The gate is against ``retrieval_benchmark.yml``, on which the fusion is tuned and the targets
are measured. ``--heldout`` compares with ``retrieval_heldout.yml`` instead, for information:
that set was written later by someone who never saw the articles' questions, so its overlaps
(27 pairs with the original paraphrases) show how often two independent writers phrase a
question alike — the paraphrases added since were filtered against both sets anyway.

Usage: ``python -m eval.contamination [--threshold 0.6] [--heldout]``; exits 1 when a pair is
found.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from dataclasses import dataclass
from pathlib import Path

from eval.retrieval_benchmark import BENCHMARK, HELDOUT, load_benchmark
from knowledge_base.articles import ARTICLES_DIR, load_articles
from knowledge_base.text import words

THRESHOLD = 0.6


@dataclass(frozen=True)
class Overlap:
    """A paraphrase and a benchmark question that share most of their words."""

    similarity: float
    language: str
    article_id: str
    paraphrase: str
    question: str


@dataclass(frozen=True)
class Words:
    """A text as its folded words in order and as its set of content words."""

    sequence: tuple[str, ...]
    content: frozenset[str]

    @classmethod
    def of(cls, text: str, language: str) -> Words:
        """Splits ``text`` (a question in ``language``)."""
        return cls(tuple(words(text, language, stopwords=True)), frozenset(words(text, language)))


def similarity(a: Words, b: Words) -> float:
    """How alike two texts are in word order and in content words (1: the same words)."""
    union = a.content | b.content
    content = len(a.content & b.content) / len(union) if union else 1.0
    if content == 0:
        return 0.0
    order = difflib.SequenceMatcher(None, a.sequence, b.sequence, autojunk=False).ratio()
    return min(order, content)


def benchmark_questions(path: Path = BENCHMARK) -> list[dict[str, str]]:
    """Every question of a benchmark file, answerable or not."""
    data = load_benchmark(path)
    questions: list[dict[str, str]] = data.get("questions", []) + data.get("unanswerable", [])
    return questions


def overlaps(
    threshold: float = THRESHOLD, articles_dir: Path = ARTICLES_DIR,
    questions: list[dict[str, str]] | None = None,
) -> list[Overlap]:
    """Every (paraphrase, benchmark question) pair at or above ``threshold``, worst first."""
    questions = benchmark_questions() if questions is None else questions
    by_language: dict[str, list[tuple[str, Words]]] = {}
    for question in questions:
        language = question["language"]
        by_language.setdefault(language, []).append(
            (question["text"], Words.of(question["text"], language))
        )
    found: list[Overlap] = []
    for article in load_articles(articles_dir):
        for language, text in article.text.items():
            for paraphrase in (text.title, *text.questions):
                mine = Words.of(paraphrase, language)
                for asked, theirs in by_language.get(language, []):
                    score = similarity(mine, theirs)
                    if score >= threshold:
                        found.append(Overlap(score, language, article.id, paraphrase, asked))
    return sorted(found, key=lambda o: -o.similarity)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--heldout", action="store_true",
                        help=f"compare with {HELDOUT.name} instead (for information)")
    args = parser.parse_args()
    found = overlaps(args.threshold,
                     questions=benchmark_questions(HELDOUT if args.heldout else BENCHMARK))
    for overlap in found:
        print(f"{overlap.similarity:.2f} {overlap.language} {overlap.article_id}\n"
              f"     article:   {overlap.paraphrase}\n     benchmark: {overlap.question}")
    print(f"{len(found)} paraphrase/benchmark pairs with word overlap ≥ {args.threshold}")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
