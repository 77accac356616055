"""Load and check the knowledge-base articles (``knowledge_base/articles/*.yml``).

One article answers one thing residents ask, in its first sentence. Each article carries its
text inline for every language whose pack says ``knowledge.required: true`` (English and
Spanish) and may carry it inline for other pack languages. A language pack can also bring its
text in its own folder, ``bot/languages/<code>/articles/*.yml``::

    articles:
      - id: graffiti-report        # an existing article
        title: …
        body: …
        sms: …                     # optional: the short SMS form (the body when left out)
        questions: [ …, … ]

which is merged as that language's text of the article. An article without a language's text
answers in the default language's (English) there. Each article has:

* ``facts``: the ids of the facts it rests on (provenance, internal; see
  :mod:`knowledge_base.provenance`), and ``citation``: the one official page residents see;
* per language a ``title``, the full ``body`` (web chat), an ``sms`` short form that keeps every
  number of the body and fits three SMS segments with the citation (left out when the body
  itself fits), and ``questions`` (ways residents ask it, which train the retriever);
* ``confidence`` (the lowest of its facts) and ``last_verified`` (the oldest date its facts were
  checked), which ``tests/knowledge_base`` keep equal to what the facts say;
* optionally ``offers``: the 311 request type it makes sense to offer to file after answering.

Loading fails on a missing field, an unknown language, a pack text for an article that does
not exist (or given twice), or a citation that breaks ``citations.yml`` (not https, a query
string, too long, not an official host).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from bot.languages import load_packs
from knowledge_base.languages import default_language, languages, required_languages
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

    def in_language(self, language: str | None) -> ArticleText:
        """The article's text in ``language`` (the default language's when not written in it)."""
        return self.text.get(language or "") or self.text[default_language()]

    def written_in(self, language: str) -> bool:
        """Whether the article has its own text in ``language`` (no fallback)."""
        return language in self.text


class ArticleError(ValueError):
    """An article file that does not follow the format."""


def _text(entry: dict[str, Any]) -> ArticleText:
    """One language's text: title, body, optional sms (the body by default), questions."""
    return ArticleText(
        title=str(entry["title"]).strip(),
        body=" ".join(str(entry["body"]).split()),
        sms=" ".join(str(entry.get("sms") or entry["body"]).split()),
        questions=tuple(str(q).strip() for q in entry["questions"]),
    )


def _parse(entry: dict[str, Any], origin: str) -> Article:
    known = languages()
    try:
        written = [lang for lang in known if lang in entry]
        needed = dict.fromkeys((default_language(), *required_languages()))
        missing = [lang for lang in needed if lang not in entry]
        if missing:
            raise KeyError(missing[0])
        texts = {lang: _text(entry[lang]) for lang in written}
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
                            "last_verified", "offers", *known}
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
    """All articles, in file and then file order, with the packs' texts merged in.

    Article ids must be unique. A pack text for an id that is not among the articles is an
    error when loading the knowledge base itself, and left out when ``directory`` holds a
    subset of it (the tests' small knowledge bases).
    """
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
    return _with_pack_texts(articles, strict=directory.resolve() == ARTICLES_DIR)


def pack_article_files() -> list[tuple[str, Path]]:
    """Every language pack's article files: (language, path), in menu order."""
    return [
        (pack.code, path)
        for pack in load_packs()
        for path in sorted(pack.articles_dir.glob("*.yml"))
    ]


def _with_pack_texts(articles: list[Article], strict: bool) -> list[Article]:
    """``articles`` with each pack's ``articles/*.yml`` merged in as that language's text."""
    by_id = {article.id: article for article in articles}
    for language, path in pack_article_files():
        where = f"{path.parent.parent.name}/{path.parent.name}/{path.name}"
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for entry in data.get("articles") or []:
            if not isinstance(entry, dict) or "id" not in entry:
                raise ArticleError(f"{where}: every entry needs an id")
            article_id = str(entry["id"])
            unknown = set(entry) - {"id", "title", "body", "sms", "questions"}
            if unknown:
                raise ArticleError(f"{where}: {article_id} has unknown fields {sorted(unknown)}")
            article = by_id.get(article_id)
            if article is None:
                if strict:
                    raise ArticleError(f"{where}: no article has the id {article_id}")
                continue
            if article.written_in(language):
                raise ArticleError(f"{where}: {article_id} already has a {language} text")
            try:
                text = _text(entry)
            except (KeyError, TypeError) as error:
                raise ArticleError(f"{where}: {article_id} lacks {error}") from None
            by_id[article_id] = replace(article, text={**article.text, language: text})
    return [by_id[article.id] for article in articles]


def missing_texts(articles: list[Article], language: str) -> list[str]:
    """The ids of the articles without their own text in ``language`` (they answer in English)."""
    return [article.id for article in articles if not article.written_in(language)]


def content_hash(directory: Path = ARTICLES_DIR) -> str:
    """A hash of the articles and of how they are read, to rebuild the index only on change.

    It covers the article files, every pack's article files, and every pack's ``retrieval``
    section (analyzer, stopwords, gloss words): changing any of them changes the index.
    """
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.yml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for language, path in pack_article_files():
        digest.update(f"{language}/{path.name}".encode())
        digest.update(path.read_bytes())
    for pack in load_packs():
        digest.update(pack.code.encode())
        digest.update(json.dumps(pack.section("retrieval"), sort_keys=True).encode())
    return digest.hexdigest()[:16]
