"""Load and check the knowledge-base articles (``knowledge_base/articles/*.yml``).

One article answers one thing residents ask, in its first sentence, in every language of
:data:`knowledge_base.languages.LANGUAGES`. Each article has:

* ``facts``: the ids of the facts it rests on (provenance, internal; see
  :mod:`knowledge_base.provenance`), and ``citation``: the one official page residents see;
* per language a ``title``, the full ``body`` (web chat), an ``sms`` short form that keeps every
  number of the body and fits three SMS segments with the citation (left out when the body
  itself fits), and ``questions`` (ways residents ask it, which train the retriever);
* ``confidence`` (the lowest of its facts) and ``last_verified`` (the oldest date its facts were
  checked), which ``tests/knowledge_base`` keep equal to what the facts say;
* optionally ``offers``: the 311 request type it makes sense to offer to file after answering.

Loading fails on a missing field, an unknown language, or a citation that breaks
``citations.yml`` (not https, a query string, too long, not an official host).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge_base.languages import LANGUAGES, supported
from knowledge_base.provenance import citation_policy

ARTICLES_DIR = Path(__file__).resolve().parent / "articles"
CONFIDENCES = ("high", "medium", "low")


@dataclass(frozen=True)
class ArticleText:
    """An article's text in one language."""

    title: str
    body: str
    sms: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Article:
    """One answer to one thing residents ask, in every language, with its facts and citation."""

    id: str
    topic: str
    department: str
    facts: tuple[str, ...]
    citation: str
    confidence: str
    last_verified: str
    text: dict[str, ArticleText]
    offers: str | None = None

    def in_language(self, language: str) -> ArticleText:
        """The article's text in ``language`` (the default language when not written in it)."""
        return self.text[supported(language)]


class ArticleError(ValueError):
    """An article file that does not follow the format."""


def _parse(entry: dict[str, Any], origin: str) -> Article:
    try:
        texts = {
            lang: ArticleText(
                title=str(entry[lang]["title"]).strip(),
                body=" ".join(str(entry[lang]["body"]).split()),
                sms=" ".join(str(entry[lang].get("sms") or entry[lang]["body"]).split()),
                questions=tuple(str(q).strip() for q in entry[lang]["questions"]),
            )
            for lang in LANGUAGES
        }
        article = Article(
            id=str(entry["id"]),
            topic=str(entry["topic"]),
            department=str(entry["department"]),
            facts=tuple(str(f) for f in entry["facts"]),
            citation=str(entry["citation"]),
            confidence=str(entry["confidence"]),
            last_verified=str(entry["last_verified"]),
            text=texts,
            offers=str(entry["offers"]) if entry.get("offers") else None,
        )
    except (KeyError, TypeError) as error:
        raise ArticleError(f"{origin}: article {entry.get('id')!r} lacks {error}") from None
    unknown = set(entry) - {"id", "topic", "department", "facts", "citation", "confidence",
                            "last_verified", "offers", *LANGUAGES}
    if unknown:
        raise ArticleError(f"{origin}: {article.id} has unknown fields {sorted(unknown)}")
    if not article.facts:
        raise ArticleError(f"{origin}: {article.id} lists no facts")
    if not all(isinstance(f, str) for f in entry["facts"]):
        # An unquoted id such as 07603094 or 471e4290 would be read as a number.
        raise ArticleError(f"{origin}: {article.id}: quote every fact id")
    if article.confidence not in CONFIDENCES:
        raise ArticleError(f"{origin}: {article.id} has confidence {article.confidence!r}")
    problems = citation_policy().problems(article.citation)
    if problems:
        raise ArticleError(
            f"{origin}: {article.id} cites {article.citation}: {'; '.join(problems)}"
        )
    return article


def load_articles(directory: Path = ARTICLES_DIR) -> list[Article]:
    """All articles, in file and then file order; ids must be unique."""
    articles: list[Article] = []
    seen: set[str] = set()
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for entry in data.get("articles", []):
            article = _parse(entry, path.name)
            if article.id in seen:
                raise ArticleError(f"{path.name}: duplicate article id {article.id}")
            seen.add(article.id)
            articles.append(article)
    return articles


def content_hash(directory: Path = ARTICLES_DIR) -> str:
    """A hash of the article files, to rebuild the index only when content changed."""
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.yml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
