"""A real knowledge-base index, built once per session from a handful of real articles."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge_base.articles import ARTICLES_DIR
from knowledge_base.index import build
from knowledge_base.retriever import CALIBRATION_PATH, Retriever

ARTICLE_IDS = {
    "animals-dog-license-required", "animals-dog-license-fee", "animals-dog-license-online",
    "animals-dog-license-senior-disabled", "graffiti-report", "library-get-card",
    "parking-ticket-pay-online", "parking-ticket-pay-in-person", "parking-ticket-pay-by-mail",
    "parking-ticket-contest", "parking-ticket-late-penalty", "parking-ticket-payment-plan",
    "sanitation-bin-colors", "sanitation-black-bin", "sanitation-blue-bin",
    "sanitation-broken-missing-bin", "sanitation-bulky-how-to-request",
    "sanitation-bulky-items-accepted", "streetlights-report-outage",
    "streetlights-repair-time",
}


@pytest.fixture(scope="session")
def small_kb(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(articles dir, index dir): the chosen articles copied as they are, and their index."""
    root = tmp_path_factory.mktemp("kb")
    chosen = []
    for path in sorted(ARTICLES_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        chosen += [a for a in data["articles"] if a["id"] in ARTICLE_IDS]
    articles_dir = root / "articles"
    articles_dir.mkdir()
    (articles_dir / "subset.yml").write_text(
        yaml.safe_dump({"articles": chosen}, allow_unicode=True), encoding="utf-8"
    )
    build(root / "index", progress=False, articles_dir=articles_dir)
    return articles_dir, root / "index"


@pytest.fixture(scope="session")
def retriever(small_kb: tuple[Path, Path]) -> Retriever:
    """The retriever over the small index, with the project's calibration."""
    articles_dir, index_dir = small_kb
    return Retriever.load(index_dir, articles_dir, CALIBRATION_PATH)
