"""Where the knowledge base's claims come from, and which pages residents may be sent to.

Two things are kept apart:

* **Provenance** (internal): each article lists the facts it rests on, by id, from
  ``knowledge_base/facts/la_facts.jsonl`` (a copy of the shared facts file with stable ids and the
  shared README's verdicts) and ``corrections.jsonl`` (what official pages say where they
  contradict it). A fact's ``source_url`` may be a news site, a blog or another city's page.
* **Citation** (what residents see): one official page per article, checked against
  ``knowledge_base/citations.yml`` (:class:`CitationPolicy`).

:func:`figures` pulls every number, phone number, price, time, date and street number out of a
text, so that ``eval/fact_check.py`` can trace each to a fact and tests can check that an SMS
answer keeps every number of the full answer.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from knowledge_base.languages import default_language, hedges, number_words

FACTS_DIR = Path(__file__).resolve().parent / "facts"
FACT_FILES = ("la_facts.jsonl", "corrections.jsonl")
OFFICIAL_PAGES = FACTS_DIR / "official_pages.tsv"
CITATIONS_PATH = Path(__file__).resolve().parent / "citations.yml"
STRONG = ("high", "medium")
OLD_BEFORE = "2022"  # a source dated before this is old: what rests on it must say so


@dataclass(frozen=True)
class Fact:
    """One fact from the facts files.

    Attributes:
        id: Stable id: the first 8 hex digits of the SHA-1 of ``text``.
        text: The fact, as written in the facts file.
        source_url: Where it was read (provenance; not necessarily citable).
        confidence: ``high``, ``medium`` or ``low``, as the facts file assigns it.
        checked: The date the fact was last checked against its page.
        source_date: When the source was published, when it says (``"2016"``, ``"2020-07"``).
        status: ``""``, or ``contradicted``/``expired`` (never state it) or
            ``stale``/``unverified`` (state it only hedged), from the shared README.
    """

    id: str
    topic: str
    text: str
    source_url: str
    confidence: str
    checked: str
    source_date: str = ""
    status: str = ""

    @property
    def usable(self) -> bool:
        """Whether an article may state this fact at all."""
        return self.status not in ("contradicted", "expired")

    @property
    def plain(self) -> bool:
        """Whether an article may state this fact without a hedge."""
        return (
            self.usable
            and self.status == ""
            and self.confidence in STRONG
            and not (self.source_date and self.source_date < OLD_BEFORE)
        )


def fact_id(text: str) -> str:
    """The stable id of a fact: a short hash of its text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


@lru_cache(maxsize=4)
def load_facts(directory: Path = FACTS_DIR) -> dict[str, Fact]:
    """Every fact of the facts files, by id."""
    facts: dict[str, Fact] = {}
    for name in FACT_FILES:
        for line in (directory / name).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            data = json.loads(line)
            fact = Fact(
                id=data["id"], topic=data["topic"], text=data["fact"],
                source_url=data["source_url"], confidence=data["confidence"],
                checked=data["checked"], source_date=data.get("source_date", ""),
                status=data.get("status", ""),
            )
            facts[fact.id] = fact
    return facts


def official_pages(path: Path = OFFICIAL_PAGES) -> list[str]:
    """The URLs of ``official_pages.tsv``."""
    rows = path.read_text(encoding="utf-8").splitlines()[1:]
    return [row.split("\t")[2] for row in rows if row.strip()]


# ------------------------------------------------------------------------------- citations


def normalize(url: str) -> str:
    """``url`` as it may be cited: https, no query string or fragment, no trailing slash."""
    parts = urlsplit(url.strip())
    return f"https://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def _on_host(host_and_path: str, entry: str) -> bool:
    host = host_and_path.split("/", 1)[0]
    if "/" in entry:
        return host_and_path.startswith(entry.rstrip("/"))
    return host == entry or host.endswith("." + entry)


@dataclass(frozen=True)
class CitationPolicy:
    """The rules of ``citations.yml``: which pages residents may be sent to."""

    max_length: int
    city: tuple[str, ...]
    other_government: dict[str, dict[str, str]]
    excluded: tuple[str, ...]
    home_pages: tuple[str, ...]

    @classmethod
    def load(cls, path: Path = CITATIONS_PATH) -> CitationPolicy:
        """Reads ``citations.yml``."""
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(
            max_length=int(data["max_length"]),
            city=tuple(data["city"]),
            other_government={k: dict(v) for k, v in data["other_government"].items()},
            excluded=tuple(data["excluded"]),
            home_pages=tuple(data["home_pages"]),
        )

    def problems(self, url: str) -> list[str]:
        """What is wrong with citing ``url`` (nothing: an empty list)."""
        parts = urlsplit(url)
        found = []
        if parts.scheme != "https":
            found.append("not https")
        if parts.query or "?" in url:
            found.append("has a query string")
        if parts.fragment:
            found.append("has a fragment")
        if len(url) > self.max_length:
            found.append(f"longer than {self.max_length} characters")
        where = parts.netloc.lower() + parts.path
        if any(_on_host(where, entry) for entry in self.excluded):
            found.append(f"{parts.netloc} is excluded (staging, mirror or CMS origin)")
        elif not any(_on_host(where, entry) for entry in (*self.city, *self.other_government)):
            found.append(f"{parts.netloc} is not an allowed City or other-government host")
        return found

    def label(self, url: str, language: str) -> str | None:
        """The label shown after an other-government link (None for a City page)."""
        where = urlsplit(url).netloc.lower()
        for host, labels in self.other_government.items():
            if _on_host(where, host):
                return (labels.get(language) or labels.get(default_language())
                        or next(iter(labels.values())))
        return None

    def known_pages(self, facts: Iterable[Fact]) -> set[str]:
        """Normalised pages an article may cite: fact sources, official pages, home pages."""
        urls = [f.source_url for f in facts] + official_pages() + list(self.home_pages)
        return {normalize(url) for url in urls}

    def source_line(self, url: str, language: str) -> str:
        """The citation as residents see it: the link, then the label when not a City page."""
        label = self.label(url, language)
        return f"{url} ({label})" if label else url


@lru_cache(maxsize=1)
def citation_policy() -> CitationPolicy:
    """The project's citation policy, read once."""
    return CitationPolicy.load()


# --------------------------------------------------------------------------------- figures

_VANITY = re.compile(
    r"(?:\b1-)?(?:\(\d{3}\)\s?|\b\d{3}-)(?:\d{3}-)?[A-Z][A-Za-z$]{2,}(?:-[A-Z]{2,})?"
)
# Digits bounded by "not a digit" rather than \b: a language that attaches particles to
# numbers ("888-452-7381로", "6:00까지") has a letter right after them.
_PHONE = re.compile(
    r"(?<![\d-])(?:1[-.\s])?(?:\(\d{3}\)\s?|\d{3}[-.\s])\d{3}[-.\s]\d{4}(?![\d-])"
)
_SHORT_CODE = re.compile(r"(?<![\d-])\d-\d-\d(?![\d-])")
_TIME = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?![\d:])")
# Month names of the facts (written in English): "December 2024" justifies a 12 in a language
# that writes months as numbers ("12월").
_MONTHS = {name: str(number) for number, name in enumerate(
    "january february march april may june july august september october november december"
    .split(), start=1)}
_NUMBER = re.compile(r"(?<![A-Za-z\d])\d+(?:,\d{3})*(?:\.\d+)?")  # not the 311 of "MyLA311"
# A full stop, then space, then (after an opening mark) a capital, a digit or a letter of a
# script without case (Hangul…): a new sentence. See _starts_sentence.
_SENTENCE_END = re.compile(r"[.!?]\s+(?=[\"'(¿¡]?\w)")
# Words whose period does not end a sentence: "1400 N. Gaffey St. in San Pedro", "P.O. Box".
_ABBREVIATIONS = frozenset(
    "st ave blvd dr rd no nos sr sra dra mr mrs ms mt ft jr inc co a.m p.m p.o u.s".split()
)


@dataclass(frozen=True)
class Figure:
    """A number in a text: its normalised form and the sentence it is in.

    Attributes:
        token: ``"2134733231"`` for (213) 473-3231, ``"800DIALDWP"`` for 1-800-DIAL-DWP,
            ``"311"`` for 3-1-1, ``"4:30"``, ``"6"`` for 6:00, ``"1000"`` for $1,000, ``"4"`` for
            "four" or "cuatro".
        sentence: The index of the sentence it is in.
    """

    token: str
    sentence: int


def _starts_sentence(char: str) -> bool:
    """Whether a sentence may start with ``char``: not a lower-case letter."""
    return char.isdigit() or char.isupper() or (char.isalpha() and not char.islower())


def sentences(text: str) -> list[str]:
    """``text`` split into sentences, not after abbreviations such as "St." or "N."."""
    text = text.strip()
    found, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        following = text[match.end():match.end() + 2]
        if not _starts_sentence(following[1:] if following[:1] in "\"'(¿¡" else following[:1]):
            continue
        before = text[start:match.start()].split()
        word = before[-1].lower().lstrip("(\"'") if before else ""
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue
        found.append(text[start:match.start() + 1].strip())
        start = match.end()
    found.append(text[start:].strip())
    return [s for s in found if s]


def _phone_token(match: str) -> str:
    digits = re.sub(r"\D", "", match)
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def _vanity_token(match: str) -> str:
    match = match.strip()
    match = match[2:] if match.startswith("1-") else match
    return re.sub(r"[^0-9A-Za-z]", "", match).upper()


def sentence_figures(sentence: str, language: str) -> list[str]:
    """The figures of one sentence, normalised (see :class:`Figure`)."""
    tokens: list[str] = []
    rest = sentence
    for pattern, normal in ((_VANITY, _vanity_token), (_PHONE, _phone_token),
                            (_SHORT_CODE, lambda m: m.replace("-", "")),
                            (_TIME, lambda m: m[:-3] if m.endswith(":00") else m)):
        for match in pattern.finditer(rest):
            tokens.append(normal(match.group()))
        rest = pattern.sub(" ", rest)
    for match in _NUMBER.finditer(rest):
        number = match.group().replace(",", "")
        tokens.append(number[:-2] if number.endswith(".0") else number)
    words = number_words(language)
    for word in re.findall(r"[^\W\d_]+", rest.lower()):
        if word in words:
            tokens.append(words[word])
    return tokens


def figures(text: str, language: str) -> list[Figure]:
    """Every figure of ``text`` with the index of its sentence."""
    return [
        Figure(token, index)
        for index, sentence in enumerate(sentences(text))
        for token in sentence_figures(sentence, language)
    ]


def fact_figures(fact: Fact) -> set[str]:
    """The figures of a fact and the year its source is dated.

    Facts are written in the default language (English).
    """
    found = set(sentence_figures(fact.text, default_language()))
    found |= {_MONTHS[w] for w in re.findall(r"[a-z]+", fact.text.lower()) if w in _MONTHS}
    if fact.source_date:
        found.add(fact.source_date[:4])
    return found


def is_hedged(sentence: str, language: str) -> bool:
    """Whether a sentence says its figure may be out of date or where to check it."""
    lowered = sentence.lower()
    return any(marker in lowered for marker in hedges(language))


def has_hedge(text: str, language: str) -> bool:
    """Whether any sentence of ``text`` is hedged."""
    return any(is_hedged(s, language) for s in sentences(text))
