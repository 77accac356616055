"""The knowledge base's articles, as the review app offers them for a correction.

Only ids and titles are read (``knowledge_base/articles/*.yml``): a reviewer picks the article
that should have answered a question.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

__all__ = ["Article", "load_articles"]


@dataclass(frozen=True)
class Article:
    """An article's id, titles by language and source."""

    id: str
    titles: dict[str, str]
    source_url: str

    def title(self, language: str) -> str:
        """The title in ``language`` (English, or the id, when missing)."""
        return self.titles.get(language) or self.titles.get("en") or self.id


def load_articles(articles_dir: Path) -> dict[str, Article]:
    """Every article by id (empty when the folder does not exist)."""
    articles: dict[str, Article] = {}
    if not articles_dir.is_dir():
        return articles
    for path in sorted(articles_dir.glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        items = content if isinstance(content, list) else content.get("articles", [])
        for item in items or []:
            if not isinstance(item, dict) or not item.get("id"):
                continue
            titles = {
                str(lang): str(value.get("title", ""))
                for lang, value in item.items()
                if isinstance(value, dict) and value.get("title")
            }
            articles[str(item["id"])] = Article(
                str(item["id"]), titles, str(item.get("source_url", ""))
            )
    return articles
