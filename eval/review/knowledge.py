"""The knowledge base's articles, as the review app offers them for a correction.

Only ids and titles are read (``knowledge_base/articles/*.yml``, plus the titles the language
packs add in ``bot/languages/<code>/articles/*.yml``): a reviewer picks the article that should
have answered a question.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.languages import default_language, load_packs

__all__ = ["Article", "load_articles"]


@dataclass(frozen=True)
class Article:
    """An article's id, titles by language and source."""

    id: str
    titles: dict[str, str]
    source_url: str

    def title(self, language: str) -> str:
        """The title in ``language`` (the default language's, or the id, when missing)."""
        return self.titles.get(language) or self.titles.get(default_language()) or self.id


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
    for pack in load_packs():
        for path in sorted(pack.articles_dir.glob("*.yml")):
            content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for item in content.get("articles") or []:
                known = articles.get(str(item.get("id"))) if isinstance(item, dict) else None
                if known is not None and item.get("title"):
                    known.titles.setdefault(pack.code, str(item["title"]))
    return articles
