"""What a resident typed, split into a street part and a tail (city, state, ZIP).

Pure functions with no data of their own: the caller says which words are place names
(``is_place``), and scores the street candidates against its gazetteer. English and Spanish:
"it's at 3600 W. 6th Street, LA 90020", "esquina de Whittier y Soto", "calle 6 y San Pedro".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from connectors.geo.names import (
    COUNTRY_WORDS,
    DIRECTIONS,
    JOINERS,
    LEAD_WORDS,
    NAME_PARTICLES,
    ORDINAL_RE,
    ORDINAL_WORDS,
    PREFIX_TYPES,
    STATE_ABBREVIATIONS,
    STATE_NAMES,
    SUFFIXES,
    UNIT_WORDS,
    fold,
    ordinal,
    zip_state,
)

_TOKEN = re.compile(r"\d{5}-\d{4}|\d+[a-z]*|[a-z]+|[&/@#,]")
_HOUSE_NUMBER = re.compile(r"^\d{1,6}[a-z]?$")
_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
MAX_STREET_WORDS = 6
# Words residents end a location with: "… Pasadena in?", "… please", "… gracias".
_TRAILING_FILLERS = ("in", "please", "pls", "thanks", "thx", "gracias", "porfa")
# State codes that are also words or street abbreviations: a state only after a comma or ZIP.
_WORD_LIKE_STATES = frozenset("in me or ok hi oh de pa co al ma mi mo ne id ms ct".split())


@dataclass(frozen=True)
class StreetText:
    """A street as typed, normalised: ``W 41st St`` → ``("W", "41ST", "ST", "")``.

    Attributes:
        direction: Pre-direction "N", "S", "E", "W" or "".
        name: Upper case, ordinals as the City writes them ("6TH"), e.g. "SAN PEDRO".
        suffix: The typed suffix as the City writes it ("ST") or "".
        post_direction: "S" in "Las Vegas Blvd S".
        type_hint: The suffix a Spanish type word implies ("calle Soto" → "ST").
        prefixed_name: The name with that type word kept ("AVENUE 50", "AVENIDA DE CORTEZ").
    """

    direction: str
    name: str
    suffix: str
    post_direction: str = ""
    type_hint: str = ""
    prefixed_name: str = ""


@dataclass(frozen=True)
class Tail:
    """The city, state and ZIP code the resident typed after (or around) the street part."""

    zip_code: str = ""
    state: str = ""
    places: tuple[str, ...] = ()  # folded place names, as typed, last first


def tokenize(text: str) -> list[str]:
    """Folded tokens: words, numbers, ordinals and the marks ``, & / @ #``."""
    folded = fold(text[:400])
    folded = re.sub(r"(\d)\s*(?:1/2|½)(?!\d)", r"\1", folded)  # "1234 1/2 Main St"
    folded = folded.replace("½", " ")
    tokens = _TOKEN.findall(folded)
    return _spoken_forms([t[:5] if re.fullmatch(r"\d{5}-\d{4}", t) else t for t in tokens])


_NEAR = frozenset({"by", "near", "off"})
# Between a street's suffix and "by"/"at": "Sepulveda Blvd right by", "Gaffey St starting at".
_FILLERS = frozenset({"right", "just", "starting", "beginning", "somewhere", "around"})


def _spoken_forms(tokens: list[str]) -> list[str]:
    """How residents text an intersection, in the gazetteer's words.

    "5th n main" (SMS "n" for "and": after an ordinal or a suffix, never after a house number,
    where it is North) and "la 6 y San Pedro" (Spanish "la 6" for 6th Street, when a joiner or
    the end follows and no suffix does), and "Sepulveda Blvd (right) by Plummer St" (a street
    "by", "near" or "off" another, after its suffix, is their corner; "Gaffey St starting at W
    9th St": a filler word between a suffix and the joiner is dropped).
    """
    out: list[str] = []
    for i, token in enumerate(tokens):
        before = tokens[i - 1] if i else ""
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        following = tokens[i + 2] if i + 2 < len(tokens) else ""
        if token in _FILLERS and before in SUFFIXES and (after in _NEAR or after in JOINERS):
            continue
        if token in _NEAR and after and out and out[-1] in SUFFIXES:
            out.append("and")
        elif token == "n" and after and (ORDINAL_RE.match(before) or before in SUFFIXES):
            out.append("and")
        elif (token in ("la", "el") and re.fullmatch(r"[1-9]\d?", after)
              and (following in JOINERS or following in ("", ","))):
            out.append("")  # the ordinal replaces both words
        elif before in ("la", "el") and re.fullmatch(r"[1-9]\d?", token) and out and (
            out[-1] == "" and (after in JOINERS or after in ("", ","))
        ):
            out[-1] = ordinal(int(token)).lower()
        else:
            out.append(token)
    return [t for t in out if t]


def drop_units(tokens: list[str]) -> list[str]:
    """Removes "apt 5", "# 3", "unit B", "suite 200" (a unit is not part of the location)."""
    kept: list[str] = []
    skip = False
    for i, token in enumerate(tokens):
        if skip:
            skip = False
            continue
        if token in UNIT_WORDS and i > 0 and i + 1 < len(tokens) and re.fullmatch(
            r"[0-9]{1,5}[a-z]?|[a-z]", tokens[i + 1]
        ):
            skip = True
            continue
        kept.append(token)
    return kept


def _strip_end(tokens: list[str], fillers: bool = True) -> list[str]:
    ignored = (",", *_TRAILING_FILLERS) if fillers else (",",)
    while tokens and (tokens[-1] in ignored or tokens[-1] in COUNTRY_WORDS):
        tokens = tokens[:-1]
    for words in (2, 3):
        if len(tokens) > words and " ".join(tokens[-words:]) in COUNTRY_WORDS:
            tokens = tokens[:-words]
            while tokens and tokens[-1] == ",":
                tokens = tokens[:-1]
    return tokens


def _place_before_ok(previous: str, rest: list[str]) -> bool:
    """Whether a place name may follow ``previous``: "…Ave Santa Monica", "…, Pasadena"."""
    if previous in JOINERS:
        return False
    if previous == ",":
        return True
    if previous.isdigit() or previous in DIRECTIONS and not (
        len(rest) >= 2 and rest[-2] in SUFFIXES
    ):
        return False  # "1483 W Exposition", "7100 N Tujunga": the street itself
    if previous in ("el", "the") and len(rest) >= 2 and rest[-2] in ("in", "en"):
        return True  # "… en el Este de LA", "… in the Valley"
    if previous in LEAD_WORDS and previous not in ("in", "en"):
        return False
    street_words = [t for t in rest if t not in LEAD_WORDS and t != ","]
    return len(street_words) >= 2


def _split_state(
    tokens: list[str], zip_code: str, is_place: Callable[[str], bool]
) -> tuple[list[str], str]:
    """Takes a state off the end: "…, NV", "… CA 90012", "Chicago IL", "…, Texas".

    A two-letter code that is also a street word ("CT" court, "IN", "OR") counts only after a
    comma, before a ZIP code, or after a place name; "LA" is Los Angeles unless the ZIP is in
    Louisiana.
    """
    last = tokens[-1]

    def after_place(words: int) -> bool:
        return any(is_place(" ".join(tokens[-words - n:-words])) for n in (1, 2, 3)
                   if len(tokens) > words + n)

    explicit = tokens[-2] == "," or bool(zip_code)
    if last == "la":
        if zip_code and zip_state(zip_code) == "Louisiana":
            return _strip_end(tokens[:-1]), "Louisiana"
        return tokens, ""
    if last in STATE_ABBREVIATIONS:
        word_too = last in _WORD_LIKE_STATES  # "… Pasadena in?" is not Indiana
        if last == "ca" and tokens[-2] not in SUFFIXES or explicit or (
            after_place(1) and not word_too
        ):
            return _strip_end(tokens[:-1]), STATE_ABBREVIATIONS[last]
        return tokens, ""
    for words in (3, 2, 1):
        phrase = " ".join(tokens[-words:])
        if len(tokens) > words and phrase in STATE_NAMES:
            if tokens[-words - 1] == "," or explicit or phrase in ("california", "calif") \
                    or after_place(words):
                return _strip_end(tokens[:-words]), STATE_NAMES[phrase]
    return tokens, ""


def split_tail(tokens: list[str], is_place: Callable[[str], bool]) -> tuple[list[str], Tail]:
    """Splits off the ZIP, state and city/community typed at the end ("…, LA 90020").

    A place name counts only where it cannot be part of the street: after a comma, a suffix or
    a complete street ("300 e colorado pasadena"), never right after "and"/"y" ("Olympic and
    San Pedro") and never followed by a suffix ("Santa Monica Blvd").

    Args:
        tokens: From :func:`tokenize`.
        is_place: Whether a folded phrase is a place name.

    Returns:
        The remaining tokens and what the tail held.
    """
    tokens = _strip_end(list(tokens))
    zip_code, state = "", ""
    places: list[str] = []
    if len(tokens) > 1 and _ZIP.match(tokens[-1]):
        zip_code = tokens[-1][:5]
        tokens = _strip_end(tokens[:-1], fillers=False)  # "…, IN 46204" is Indiana
    if len(tokens) > 1:
        tokens, state = _split_state(tokens, zip_code, is_place)
    for _ in range(2):
        found = False
        for words in (4, 3, 2, 1):
            if len(tokens) <= words:
                continue
            phrase = " ".join(tokens[-words:])
            if is_place(phrase) and _place_before_ok(tokens[-words - 1], tokens[:-words]):
                places.append(phrase)
                tokens = tokens[:-words]
                if len(tokens) > 1 and tokens[-1] in ("el", "the") and tokens[-2] in ("in", "en"):
                    tokens = tokens[:-1]
                if tokens and tokens[-1] in ("in", "en"):
                    tokens = tokens[:-1]
                tokens = _strip_end(tokens)
                found = True
                break
        if not found:
            break
        if not zip_code and len(tokens) > 1 and _ZIP.match(tokens[-1]):
            zip_code, tokens = tokens[-1][:5], _strip_end(tokens[:-1])  # "90291 Venice"
    # "… in Santa Monica near the pier": a place after "in"/"en" anywhere.
    for i, token in enumerate(tokens):
        if token not in ("in", "en"):
            continue
        for words in (4, 3, 2, 1):
            phrase = " ".join(tokens[i + 1:i + 1 + words])
            after = tokens[i + 1 + words] if i + 1 + words < len(tokens) else ""
            if len(tokens[i + 1:i + 1 + words]) < words or after in SUFFIXES:
                continue
            if token == "en" and phrase in ("la", "l a"):
                continue  # Spanish article, not "LA"
            if is_place(phrase):
                places.append(phrase)
                tokens = tokens[:i] + tokens[i + 1 + words:]
                break
        else:
            continue
        break
    return tokens, Tail(zip_code=zip_code, state=state, places=tuple(places))


def _name_token(token: str, single: bool, has_type: bool) -> str | None:
    match = ORDINAL_RE.match(token)
    if match:
        return ordinal(int(match.group(1)))
    if token in ORDINAL_WORDS:
        return ordinal(ORDINAL_WORDS[token])
    if token.isdigit():
        return ordinal(int(token)) if single and has_type and len(token) <= 3 else token
    if token.isalpha():
        return token.upper()
    return None


def parse_street(tokens: list[str]) -> StreetText | None:
    """Reads ``["w", "41st", "st"]`` as a street, or ``None`` when it cannot be one."""
    words = list(tokens)
    if not words or len(words) > MAX_STREET_WORDS + 2:
        return None
    if any(w in (",", "&", "/", "@", "#") or w in JOINERS for w in words):
        return None
    direction = post_direction = suffix = type_hint = ""
    if len(words) >= 2 and words[0] in DIRECTIONS and not (
        len(words) == 2 and words[1] in SUFFIXES
    ):
        direction, words = DIRECTIONS[words[0]], words[1:]
    if len(words) >= 3 and words[-1] in DIRECTIONS and words[-2] in SUFFIXES:
        post_direction, words = DIRECTIONS[words[-1]], words[:-1]
    if len(words) >= 2 and words[-1] in SUFFIXES:
        suffix, words = SUFFIXES[words[-1]], words[:-1]
    prefixed = ""
    if len(words) >= 2 and words[0] in PREFIX_TYPES:
        prefixed = " ".join(w.upper() for w in words)
        type_hint, words = PREFIX_TYPES[words[0]], words[1:]
        if words and words[0] in ("de", "del") and len(words) > 1:
            words = words[1:]  # "calle de la Paz" → "LA PAZ"
    if not words or words[0] in LEAD_WORDS and words[0] not in NAME_PARTICLES:
        return None
    if len(words) == 1 and words[0] in SUFFIXES and not (suffix or type_hint):
        return None  # "st" alone
    if words[-1] in LEAD_WORDS and words[-1] not in NAME_PARTICLES:
        return None
    names = [_name_token(w, len(words) == 1, bool(suffix or type_hint)) for w in words]
    if any(n is None for n in names):
        return None
    name = " ".join(n for n in names if n)
    if name.isdigit() and not prefixed:
        return None
    return StreetText(direction, name, suffix, post_direction, type_hint, prefixed)


def _is_number(token: str) -> bool:
    return bool(_HOUSE_NUMBER.match(token)) and not ORDINAL_RE.match(token)


def _run_forward(tokens: list[str], start: int) -> list[str]:
    run: list[str] = []
    for token in tokens[start:start + MAX_STREET_WORDS + 2]:
        if token in (",", "#") or token in JOINERS or _ZIP.match(token) and run:
            break
        run.append(token)
    return run


def address_candidates(tokens: list[str]) -> Iterator[tuple[int, list[str]]]:
    """``(house number, street words after it)`` for every number that may start an address."""
    for i, token in enumerate(tokens[:-1]):
        if _is_number(token) and (i == 0 or tokens[i - 1] not in DIRECTIONS):
            digits = re.match(r"\d+", token)
            run = _run_forward(tokens, i + 1)
            if digits and run:
                yield int(digits.group()), run


def street_prefixes(run: list[str]) -> Iterator[list[str]]:
    """The word runs a street may be: ``[a]``, ``[a, b]`` … up to the longest."""
    for end in range(1, len(run) + 1):
        yield run[:end]


def intersection_candidates(
    tokens: list[str],
) -> Iterator[tuple[list[list[str]], list[list[str]]]]:
    """The word runs a street may be on each side of every joiner ("and", "&", "y", "/"…).

    Left runs end at the joiner (up to eight words back, not across a comma or another joiner);
    right runs start after it.
    """
    for j, token in enumerate(tokens):
        if token not in JOINERS or j == 0 or j == len(tokens) - 1:
            continue
        lefts: list[list[str]] = []
        for start in range(j - 1, max(-1, j - 1 - MAX_STREET_WORDS - 2), -1):
            word = tokens[start]
            if word in (",", "#") or word in JOINERS or _is_number(word) and len(word) > 3:
                break
            lefts.append(tokens[start:j])
        rights = list(street_prefixes(_run_forward(tokens, j + 1)))
        if lefts and rights:
            yield lefts, rights
