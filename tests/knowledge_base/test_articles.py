"""The articles themselves: official citations, traced figures, SMS answers that fit whole."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from connectors.open311.catalog import CATALOG_PATH
from eval import fact_check, sms_budget
from knowledge_base.articles import Article, ArticleError, load_articles
from knowledge_base.languages import LANGUAGES
from knowledge_base.provenance import citation_policy, load_facts, normalize


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return load_articles()


def test_no_citation_is_http_has_a_query_or_leaves_the_allowlist(
    articles: list[Article],
) -> None:
    policy = citation_policy()
    bad = {a.id: policy.problems(a.citation) for a in articles if policy.problems(a.citation)}
    assert not bad
    assert not [a.id for a in articles if a.citation.startswith("http://")]
    assert not [a.id for a in articles if urlsplit(a.citation).query]


def test_every_citation_is_a_page_a_fact_was_read_from_or_a_home_page(
    articles: list[Article],
) -> None:
    known = citation_policy().known_pages(load_facts().values())
    assert not [a.id for a in articles if normalize(a.citation) not in known]


def test_every_figure_traces_to_a_fact_or_is_hedged(articles: list[Article]) -> None:
    exceptions = [f for f in fact_check.check_all(articles) if f.exception]
    assert not exceptions, "\n".join(
        f"{f.kind} {f.article_id} {f.language}/{f.form}: {f.detail}" for f in exceptions[:10]
    )


def test_every_sms_answer_fits_three_segments_with_all_its_numbers(
    articles: list[Article],
) -> None:
    failures = [r for r in sms_budget.check_all(articles) if not r.ok]
    assert not failures, "\n".join(
        f"{r.language} {r.article_id}: {r.segments} segments, missing {r.missing_numbers}"
        for r in failures[:10]
    )


def test_a_spanish_sms_answer_is_measured_as_sent(articles: list[Article]) -> None:
    article = next(a for a in articles if a.id == "parking-ticket-payment-plan")
    text = sms_budget.render(article, "es", sms_budget.answer_templates())
    assert text.startswith(article.text["es"].sms)
    assert text.endswith(f"Fuente: {article.citation}")
    assert sms_budget.check(article, "es", sms_budget.answer_templates()).encoding == "UCS-2"


def test_offers_name_a_request_type_the_assistant_files(articles: list[Article]) -> None:
    catalog = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    codes = {service["service_code"] for service in catalog["services"]}
    offered = Counter(a.offers for a in articles if a.offers)
    assert set(offered) <= codes
    assert offered["bulky-items"] >= 3
    by_id = {a.id: a for a in articles}
    assert by_id["sanitation-bulky-how-to-request"].offers == "bulky-items"
    assert by_id["ladwp-watering-days"].offers == "water-waste"


def test_every_article_is_written_in_every_language_with_ways_to_ask(
    articles: list[Article],
) -> None:
    for article in articles:
        for language in LANGUAGES:
            text = article.text[language]
            assert text.title and text.body and text.sms, (article.id, language)
            assert len(text.questions) >= 4, (article.id, language)


def _write(tmp_path: Path, entry: dict[str, object]) -> Path:
    directory = tmp_path / "articles"
    directory.mkdir()
    (directory / "one.yml").write_text(
        yaml.safe_dump({"articles": [entry]}, allow_unicode=True), encoding="utf-8"
    )
    return directory


def _entry(**changes: object) -> dict[str, object]:
    text = {"title": "T", "body": "Call 311.", "questions": ["q"]}
    entry: dict[str, object] = {
        "id": "x", "topic": "t", "department": "d", "facts": ["ff3117d7"],
        "citation": "https://myla311.lacity.gov", "confidence": "high",
        "last_verified": "2026-12-01", "en": text, "es": text,
    }
    entry.update(changes)
    return entry


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"citation": "http://laocb.org/aboutus"}, "not https"),
        ({"citation": "https://ladottransit.com/dash/?os=fuzzscan"}, "query"),
        ({"citation": "https://www.lakewoodcity.org/Residents"}, "not an allowed"),
        ({"facts": [7603094]}, "quote every fact id"),
        ({"source_url": "https://myla311.lacity.gov"}, "unknown fields"),
        ({"facts": []}, "lists no facts"),
    ],
)
def test_the_loader_refuses_a_bad_article(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ArticleError, match=message):
        load_articles(_write(tmp_path, _entry(**changes)))


def test_the_short_form_defaults_to_the_body(tmp_path: Path) -> None:
    article = load_articles(_write(tmp_path, _entry()))[0]
    assert article.text["es"].sms == article.text["es"].body == "Call 311."


def test_a_made_up_web_address_is_an_exception(articles: list[Article]) -> None:
    article = next(a for a in articles if a.id == "animals-spay-neuter")
    corpus = " ".join(f"{f.text} {f.source_url}" for f in load_facts().values()).lower()
    assert fact_check.check_addresses(article, corpus) == []
    english = replace(article.text["en"], body="Apply at freespay.lacity.gov today.")
    made_up = replace(article, text={**article.text, "en": english})
    [finding] = fact_check.check_addresses(made_up, corpus)
    assert finding.kind == "untraced address" and finding.detail == "freespay.lacity.gov"
