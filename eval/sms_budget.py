"""Do the knowledge base's answers fit an SMS, whole, with every number and the citation?

An answer sent by SMS is the article's short form (``sms``) rendered by the dialogue's
``utter_kb_answer`` response — ``{answer}``, a blank line, ``Source:``/``Fuente:`` and the
citation — then passed through the SMS channel's smart encoding, exactly as
``connectors/sms/handler.py`` sends it. The budget is three segments for that whole message
(153 GSM-7 or 67 UCS-2 characters a part; one accented Spanish letter makes it UCS-2), so the
channel never has to cut it; the citation travels in the same message, not as a separate SMS
that could arrive first or not at all.

For every article and every language it is written in (the language packs' languages; an article
without its own text in one is sent in English there, and the count of those is printed) this
prints the segments used and fails when:

* the rendered message needs more than three segments;
* a number (phone, price, time, date, street number…) of the full answer is missing from the
  short form (:func:`knowledge_base.provenance.figures`);
* the short form does not end a sentence (it must never read as cut).

Usage: ``python -m eval.sms_budget [--verbose] [--json PATH]``; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.domain_build import assemble_responses
from connectors.sms.segments import analyze, smart_encode
from knowledge_base.articles import Article, load_articles, missing_texts
from knowledge_base.languages import default_language, languages
from knowledge_base.provenance import citation_policy, figures

ROOT = Path(__file__).resolve().parent.parent

MAX_SEGMENTS = 3
FALLBACK_TEMPLATE = "{answer}\n\nSource: {source_url}"


def answer_templates() -> dict[str, str]:
    """The text of ``utter_kb_answer`` per language, as the assembled domain defines it."""
    variants = assemble_responses()["utter_kb_answer"]
    default = next((v["text"] for v in variants if not v.get("condition")), FALLBACK_TEMPLATE)
    templates = {language: default for language in languages()}
    for variant in variants:
        for condition in variant.get("condition") or []:
            if condition.get("name") == "language" and condition.get("value") in templates:
                templates[condition["value"]] = variant["text"]
    return templates


@dataclass(frozen=True)
class SmsCheck:
    """How one article's short form travels by SMS in one language."""

    article_id: str
    language: str
    encoding: str
    units: int
    segments: int
    missing_numbers: tuple[str, ...]
    ends_sentence: bool

    @property
    def ok(self) -> bool:
        """Whether it fits, keeps every number and reads whole."""
        return self.segments <= MAX_SEGMENTS and not self.missing_numbers and self.ends_sentence


def render(article: Article, language: str, templates: dict[str, str]) -> str:
    """The SMS text residents receive for ``article`` in ``language``."""
    template = templates.get(language, templates.get(default_language(), FALLBACK_TEMPLATE))
    source = citation_policy().source_line(article.citation, language)
    return smart_encode(
        template.format(answer=article.in_language(language).sms, source_url=source)
    ).strip()


def check(article: Article, language: str, templates: dict[str, str]) -> SmsCheck:
    """Measures one article's short form in one language.

    An article without its own text in ``language`` is measured with its default-language text.
    """
    text = article.in_language(language)
    info = analyze(render(article, language, templates))
    kept = {f.token for f in figures(text.sms, language)}
    missing = tuple(sorted({f.token for f in figures(text.body, language)} - kept))
    return SmsCheck(
        article_id=article.id, language=language, encoding=info.encoding, units=info.units,
        segments=info.segments, missing_numbers=missing,
        ends_sentence=text.sms.rstrip().endswith((".", "!", "?", ")", '"')),
    )


def check_all(articles: list[Article] | None = None) -> list[SmsCheck]:
    """Every article in every language it is written in.

    An article without its own text in a language is sent in English there, which the English
    check covers.
    """
    templates = answer_templates()
    return [
        check(a, lang, templates)
        for a in (articles or load_articles()) for lang in languages() if a.written_in(lang)
    ]


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print every article")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    articles = load_articles()
    results = check_all(articles)
    failures = [r for r in results if not r.ok]
    for result in results if args.verbose else failures:
        problems = []
        if result.segments > MAX_SEGMENTS:
            problems.append(f"{result.segments} segments")
        if result.missing_numbers:
            problems.append(f"drops {', '.join(result.missing_numbers)}")
        if not result.ends_sentence:
            problems.append("does not end a sentence")
        print(f"{result.language} {result.article_id}: {result.encoding} {result.units} units, "
              f"{result.segments} seg. {'; '.join(problems)}")
    print(f"\n{len(articles)} articles; SMS answers (short form + citation, ≤ {MAX_SEGMENTS} "
          "segments, every number kept, whole sentences):")
    for language in languages():
        mine = [r for r in results if r.language == language]
        fit = sum(r.ok for r in mine)
        segments = Counter(r.segments for r in mine)
        encodings = Counter(r.encoding for r in mine)
        written = [a for a in articles if a.written_in(language)]
        same = sum(a.text[language].sms == a.text[language].body for a in written)
        missing = len(missing_texts(articles, language))
        print(f"  {language}: {fit}/{len(mine)} fit ({fit / max(1, len(mine)):.1%}); "
              f"segments {dict(sorted(segments.items()))}; {dict(encodings)}; "
              f"short form = full answer for {same}; without their own text (sent in "
              f"English): {missing}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) | {"ok": r.ok} for r in results], indent=2))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
