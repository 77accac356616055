"""Does every figure in the knowledge base trace to a fact, and every citation to an official page?

For every article, every language it is written in (its own text, inline or in a language
pack's ``articles/``) and form (the full ``body`` and the ``sms`` short form) this takes
each number — phone numbers, prices, times, dates, percentages, street numbers, and numbers
written as words — and looks for it in the facts the article lists (``facts:``, ids into
``knowledge_base/facts/``). A figure is:

* **plain** when a high- or medium-confidence fact, current and not dated before 2022, has it
  (or it is 911, the emergency number, which needs no source);
* **hedged** when only a low-confidence, stale, unverified or pre-2022 fact has it and its
  sentence (or the next) says so ("as of 2016", "may have changed", "check with 311");
* an **exception** otherwise: hedged nowhere, traced to no listed fact, or only to a fact the
  shared README marks contradicted or expired.

It also lists as exceptions: a web address in an answer that no fact contains; an article
resting on a weak fact with no hedge anywhere in a language's text; a citation that breaks
``knowledge_base/citations.yml`` or is not a page the facts were read from (nor a listed home
page); unknown fact ids; and a ``confidence`` or ``last_verified`` that is not the lowest
confidence / oldest check date of the article's facts.

It prints, per language pack, how many articles have no text of their own in that language
(residents are answered in English there).

Usage: ``python -m eval.fact_check [--verbose] [--json PATH]``; exits 1 when there is an
exception.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from knowledge_base.articles import Article, load_articles, missing_texts
from knowledge_base.languages import languages
from knowledge_base.provenance import (
    Fact,
    citation_policy,
    fact_figures,
    has_hedge,
    is_hedged,
    load_facts,
    normalize,
    sentence_figures,
    sentences,
)

RANK = {"high": 0, "medium": 1, "low": 2}
# The emergency number needs no source; knowledge_base/safety.py puts it first whenever danger
# is mentioned. Nothing else is exempt.
UNIVERSAL = frozenset({"911"})
# A web address written in an answer ("lacityvet.com/onlinevoucher"): it must come from a fact.
# A web address is ASCII: it ends where a letter of another script begins ("…/outages에서").
_ADDRESS = re.compile(
    r"\b(?:[a-z0-9-]+\.)+(?:org|gov|com)(?:/[a-z0-9_./-]*[a-z0-9_/])?", re.IGNORECASE
)


@dataclass(frozen=True)
class Finding:
    """One figure or one article-level problem."""

    article_id: str
    language: str
    form: str  # "body", "sms" or "" for article-level findings
    kind: str  # plain | hedged | unhedged | contradicted | untraced | citation | …
    detail: str

    @property
    def exception(self) -> bool:
        """Whether this must be fixed."""
        return self.kind not in ("plain", "hedged")


def expected_confidence(facts: list[Fact]) -> str:
    """The lowest confidence of the facts (stale or unverified facts count as low)."""
    levels = ["low" if f.status in ("stale", "unverified") else f.confidence for f in facts]
    return max(levels, key=RANK.__getitem__)


def check_figures(article: Article, facts: list[Fact]) -> list[Finding]:
    """Every figure of the article's texts, traced (see the module docstring)."""
    plain = set().union(*(fact_figures(f) for f in facts if f.plain)) if facts else set()
    weak = set().union(*(fact_figures(f) for f in facts if f.usable and not f.plain)) \
        if facts else set()
    wrong = set().union(*(fact_figures(f) for f in facts if not f.usable)) if facts else set()
    found: list[Finding] = []
    for language, text in article.text.items():  # the languages it is written in
        for form, value in (("body", text.body), ("sms", text.sms)):
            parts = sentences(value)
            for index, sentence in enumerate(parts):
                hedged = is_hedged(sentence, language) or (
                    index + 1 < len(parts) and is_hedged(parts[index + 1], language)
                )
                for token in sentence_figures(sentence, language):
                    if token in UNIVERSAL or token in plain:
                        kind = "plain"
                    elif token in weak:
                        kind = "hedged" if hedged else "unhedged"
                    elif token in wrong:
                        kind = "contradicted"
                    else:
                        kind = "untraced"
                    found.append(Finding(article.id, language, form, kind,
                                         f"{token} in “{sentence}”"))
        if any(not f.plain for f in facts):
            for form, value in (("body", text.body), ("sms", text.sms)):
                if not has_hedge(value, language):
                    found.append(Finding(
                        article.id, language, form, "weak fact, no hedge",
                        "rests on " + ", ".join(f.id for f in facts if not f.plain)))
    return found


def check_addresses(article: Article, corpus: str) -> list[Finding]:
    """Web addresses in the article's texts that no fact (nor a listed home page) contains."""
    return [
        Finding(article.id, language, form, "untraced address", address)
        for language, text in article.text.items()
        for form, value in (("body", text.body), ("sms", text.sms))
        for address in _ADDRESS.findall(value)
        if address.lower() not in corpus
    ]


def check_article(article: Article, facts: dict[str, Fact],
                  known_pages: set[str], corpus: str = "") -> list[Finding]:
    """Every finding for one article (``corpus``: the facts' texts and URLs, lower case)."""
    found: list[Finding] = check_addresses(article, corpus) if corpus else []
    unknown = [i for i in article.facts if i not in facts]
    if unknown:
        found.append(Finding(article.id, "", "", "unknown fact", ", ".join(unknown)))
    mine = [facts[i] for i in article.facts if i in facts]
    policy = citation_policy()
    for problem in policy.problems(article.citation):
        found.append(Finding(article.id, "", "", "citation", problem))
    if normalize(article.citation) not in known_pages:
        found.append(Finding(article.id, "", "", "citation",
                             f"{article.citation} is not a page any fact was read from"))
    if mine:
        confidence = expected_confidence(mine)
        if article.confidence != confidence:
            found.append(Finding(article.id, "", "", "confidence",
                                 f"says {article.confidence}, its facts say {confidence}"))
        checked = min(f.checked for f in mine)
        if article.last_verified != checked:
            found.append(Finding(article.id, "", "", "last_verified",
                                 f"says {article.last_verified}, its facts were checked "
                                 f"{checked}"))
    found.extend(check_figures(article, mine))
    return found


def check_all(articles: list[Article] | None = None) -> list[Finding]:
    """Every finding for every article."""
    facts = load_facts()
    policy = citation_policy()
    known = policy.known_pages(facts.values())
    corpus = " ".join([*(f"{f.text} {f.source_url}" for f in facts.values()),
                       *policy.home_pages]).lower()
    return [f for a in (articles or load_articles())
            for f in check_article(a, facts, known, corpus)]


def summary(articles: list[Article], findings: list[Finding]) -> dict[str, Any]:
    """Counts for the README: articles, citations per host, figures by kind, exceptions."""
    figures = Counter(f.kind for f in findings if f.form and f.kind in (
        "plain", "hedged", "unhedged", "contradicted", "untraced"))
    hedged_articles = {f.article_id for f in findings if f.kind == "hedged"}
    return {
        "articles": len(articles),
        "citations_per_host": dict(Counter(urlsplit(a.citation).netloc for a in articles)
                                   .most_common()),
        "confidence": dict(Counter(a.confidence for a in articles)),
        "figures": dict(figures),
        "articles_with_hedged_figures": len(hedged_articles),
        "exceptions": sum(f.exception for f in findings),
        "missing_texts": {language: len(missing_texts(articles, language))
                          for language in languages()},
    }


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true",
                        help="also list hedged figures")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    articles = load_articles()
    findings = check_all(articles)
    shown = [f for f in findings if f.exception or (args.verbose and f.kind == "hedged")]
    for finding in shown:
        where = "/".join(p for p in (finding.language, finding.form) if p)
        print(f"{finding.kind:14} {finding.article_id} {where}: {finding.detail}")
    report = summary(articles, findings)
    print(f"\n{report['articles']} articles. Citations per host:")
    for host, count in report["citations_per_host"].items():
        print(f"  {count:3} {host}")
    print(f"Article confidence: {report['confidence']}")
    print(f"Figures (every language, full and SMS forms): {report['figures']}; hedged figures "
          f"in {report['articles_with_hedged_figures']} articles")
    missing = ", ".join(f"{lang} {count}" for lang, count in report["missing_texts"].items())
    print(f"Articles without their own text, answered in English there: {missing}")
    print(f"Exceptions: {report['exceptions']}")
    if args.json:
        args.json.write_text(json.dumps(
            {"summary": report, "findings": [asdict(f) for f in findings if f.kind != "plain"]},
            indent=2, ensure_ascii=False))
    sys.exit(1 if report["exceptions"] else 0)


if __name__ == "__main__":
    main()
