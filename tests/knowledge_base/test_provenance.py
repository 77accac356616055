"""The facts files, figure extraction and the citation policy."""

from __future__ import annotations

import json

import pytest

from knowledge_base.provenance import (
    FACT_FILES,
    FACTS_DIR,
    CitationPolicy,
    fact_id,
    figures,
    is_hedged,
    load_facts,
    normalize,
    sentence_figures,
    sentences,
)


def test_every_fact_has_a_stable_id_from_its_text() -> None:
    rows = [json.loads(line) for name in FACT_FILES
            for line in (FACTS_DIR / name).read_text(encoding="utf-8").splitlines() if line]
    assert len(rows) == len({r["id"] for r in rows}) == len(load_facts())
    assert all(r["id"] == fact_id(r["fact"]) for r in rows)
    assert sum(1 for r in rows if "derived_from" not in r) == 394  # the shared file, whole


def test_facts_carry_a_check_date_and_only_known_verdicts() -> None:
    facts = load_facts().values()
    assert all(f.checked in ("2026-11-21", "2026-12-01") for f in facts)
    assert {f.status for f in facts} <= {"", "contradicted", "expired", "stale", "unverified"}


def test_contradicted_and_old_facts_are_not_plain() -> None:
    facts = load_facts()
    six_months = next(f for f in facts.values() if "every 6 months" in f.text)
    blog_2005 = next(f for f in facts.values() if f.source_date.startswith("2005"))
    permit = next(f for f in facts.values() if "within 12 months" in f.text)
    assert not six_months.usable
    assert blog_2005.usable and not blog_2005.plain
    assert permit.plain


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Call 1-800-DIAL-DWP (1-800-342-5397) or (213) 473-3231.", "en",
         ["800DIALDWP", "8003425397", "2134733231"]),
        ("Dial 3-1-1 between 7:00 a.m. and 4:30 p.m.", "en", ["311", "4:30", "7"]),
        ("It costs $1,000, or 76.4%, after four months.", "en", ["1000", "76.4", "4"]),
        ("Cuesta $20 al año, por cuatro meses.", "es", ["20", "4"]),
        ("Use MyLA311 at MyLA311.lacity.org.", "en", []),
        ("Room L63, PO Box 515407", "en", ["515407"]),
    ],
)
def test_figures_are_normalised(text: str, language: str, expected: list[str]) -> None:
    assert sorted(sentence_figures(text, language)) == sorted(expected)


def test_once_is_eleven_only_in_spanish() -> None:
    assert sentence_figures("once años", "es") == ["11"]
    assert sentence_figures("call once", "en") == []


def test_abbreviations_do_not_end_sentences() -> None:
    text = "Centers at 1400 N. Gaffey St. in San Pedro. Check first."
    assert sentences(text) == ["Centers at 1400 N. Gaffey St. in San Pedro.", "Check first."]
    assert [f.sentence for f in figures(text, "en")] == [0]


def test_hedges_are_recognised_in_each_language() -> None:
    assert is_hedged("That number is from 2013 and may have changed.", "en")
    assert is_hedged("Verifíquelo con el 311.", "es")
    assert not is_hedged("Call 311 for a pickup.", "en")


@pytest.fixture(scope="module")
def policy() -> CitationPolicy:
    return CitationPolicy.load()


@pytest.mark.parametrize(
    "url",
    [
        "https://www.lacitysan.org/san/faces/home/portal/s-lsh-wwd/s-lsh-wwd-s/s-lsh-wwd-s-r/s-lsh-wwd-s-r-rygb",
        "https://codelibrary.amlegal.com/codes/los_angeles/latest/lamc/0-0-0-190414",
        "https://myla311.lacity.gov",
        "https://211la.org/",
    ],
)
def test_official_pages_may_be_cited(policy: CitationPolicy, url: str) -> None:
    assert policy.problems(url) == []


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://laocb.org/aboutus", "not https"),
        ("https://ladottransit.com/dash/?os=fuzzscanazstr038refappsrn7njgm", "query"),
        ("https://www.lacitysan.org/san/faces/x?_adf.ctrl-state=kilwau9u8_4", "query"),
        ("https://staging.testladbs.org/search", "excluded"),
        ("https://lacity.cityofla.acsitefactory.com/for-residents", "excluded"),
        ("https://www.southpasadenaca.gov/hazardous", "not an allowed"),
        ("https://foxla.com/news/los-angeles-pothole-repairs-mayor-karen-bass", "not an allowed"),
        ("https://codelibrary.amlegal.com/codes/santa_monica/latest/smmc", "not an allowed"),
        ("https://lacity.gov/" + "x" * 120, "longer than"),
    ],
)
def test_unofficial_or_messy_links_are_refused(
    policy: CitationPolicy, url: str, problem: str
) -> None:
    assert any(problem in p for p in policy.problems(url))


def test_other_government_pages_are_labelled(policy: CitationPolicy) -> None:
    assert policy.source_line("https://211la.org/", "en") == (
        "https://211la.org/ (211 LA, not a City service)")
    assert "Condado" in policy.source_line("https://homeless.lacounty.gov/street-outreach", "es")
    assert policy.source_line("https://myla311.lacity.gov", "es") == "https://myla311.lacity.gov"


def test_normalize_drops_scheme_query_and_trailing_slash() -> None:
    assert normalize("http://finance.lacity.org/how-register-btrc?x=1") == (
        "https://finance.lacity.org/how-register-btrc")
