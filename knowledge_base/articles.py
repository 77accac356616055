"""Load and check the knowledge-base articles (``knowledge_base/articles/*.yml``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ARTICLES_DIR = Path(__file__).resolve().parent / "articles"
LANGUAGES = ("en", "es")


@dataclass(frozen=True)
class ArticleText:
    """An article's text in one language."""

    title: str
    body: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Article:
    """One answer to one thing residents ask, in English and Spanish, with its source."""

    id: str
    topic: str
    department: str
    source_url: str
    confidence: str
    last_verified: str
    text: dict[str, ArticleText]

    def in_language(self, language: str) -> ArticleText:
        """The article's text in ``language`` (English when Spanish is not asked for)."""
        return self.text["es" if language == "es" else "en"]


class ArticleError(ValueError):
    """An article file that does not follow the format."""


def _parse(entry: dict[str, Any], origin: str) -> Article:
    try:
        texts = {
            lang: ArticleText(
                title=str(entry[lang]["title"]).strip(),
                body=" ".join(str(entry[lang]["body"]).split()),
                questions=tuple(str(q).strip() for q in entry[lang]["questions"]),
            )
            for lang in LANGUAGES
        }
        article = Article(
            id=str(entry["id"]),
            topic=str(entry["topic"]),
            department=str(entry["department"]),
            source_url=str(entry["source_url"]),
            confidence=str(entry["confidence"]),
            last_verified=str(entry["last_verified"]),
            text=texts,
        )
    except (KeyError, TypeError) as error:
        raise ArticleError(f"{origin}: article {entry.get('id')!r} lacks {error}") from None
    if not article.source_url.startswith("https://") and not article.source_url.startswith(
        "http://"
    ):
        raise ArticleError(f"{origin}: {article.id} has no source URL")
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
