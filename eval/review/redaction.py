"""Personal data in resident messages: find it, and replace it on screen and in exports.

Pure functions, no I/O. What counts as personal data:

* ``phone``: North American numbers in the usual spellings ("213-555-0199", "(213) 555-0199",
  "213.555.0199", "2135550199", "+1 213 555 0199", "555-0199") and "+" international numbers.
  Numbers the City publishes (the domain's "(213) 473-3231") can be kept with
  ``public_phones``.
* ``email``: e-mail addresses.
* ``number``: the house number of a street address ("200 N Spring St" → "[number] N Spring
  St", "calle Soto 1234", "1234 calle Soto") and apartment or unit numbers ("apt 5B").
  Street names, ZIP codes and request numbers ("1-1000023") stay.
* ``name``: the name a resident gives after "my name is", "my name's", "call me", "me llamo",
  "mi nombre es" (one to three words), and after "soy" when capitalised ("soy María López";
  "soy de Boyle Heights" and "soy residente" are not names). Names WITHOUT such a cue are
  found with a gazetteer of first names (``gazetteer/*.txt``, generated from the Faker
  package's English and Spanish name lists) and rules: a known first name that is capitalised
  (or follows a cue like "this is", "my neighbor", "mi vecino", "habla", "de parte de",
  "thanks"), with the capitalised words and known last names after it; a title ("Mrs.",
  "Dr.", "Don", "Sra.") with the capitalised words after it. A first name followed by a street
  word ("Cesar Chavez Ave") is a street, not a person. Recall is measured on a labelled set
  (``tests/review/test_redaction_recall.py``).

:func:`redact` shows placeholders ("[phone]"); :func:`redact_with_offsets` also maps
character offsets both ways, so entity spans survive the replacement (in an export, or when a
reviewer marks an entity on the redacted text).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.text import fold

__all__ = [
    "PLACEHOLDERS",
    "SURROGATES",
    "Finding",
    "Redacted",
    "find_personal_data",
    "phone_digits",
    "public_phone_numbers",
    "redact",
    "redact_with_offsets",
]

PLACEHOLDERS = {"phone": "[phone]", "email": "[email]", "number": "[number]", "name": "[name]"}
# Obviously fictional stand-ins (555-01xx numbers and example.com are reserved for fiction):
# exported training examples stay natural sentences, and entity annotations stay valid Rasa
# syntax, which a bracketed placeholder inside "[...](entity)" would break.
SURROGATES = {
    "phone": "(213) 555-0100",
    "email": "resident@example.com",
    "number": "100",
    "name": "Alex",
}


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: ``text[start:end]`` is of ``kind``."""

    start: int
    end: int
    kind: str


_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONES = (
    re.compile(r"(?<![\w-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-]?)\d{3}[\s.-]?\d{4}(?![\w-])"),
    re.compile(r"(?<![\w-])\+\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?){2,5}(?![\w-])"),
    re.compile(r"(?<![\w.-])\d{3}[.-]\d{4}(?![\w-])"),
)
_STOP = (
    r"and|y|e|at|on|in|en|the|el|la|los|las|de|del|of|near|cerca|by|por|with|con|there|is|"
    r"hay|my|mi|a|un|una|to|for|from|next|junto|frente|across"
)
_DIRECTION = r"(?:n|s|e|w|north|south|east|west|norte|sur|este|oeste)\.?"
_SUFFIX = (
    r"(?:st|street|ave|av|avenue|blvd|boulevard|rd|road|dr|drive|pl|place|way|ln|lane|ct|court|"
    r"pkwy|parkway|hwy|highway|ter|terrace|cir|circle|sq|square|trl|trail|walk|aly|alley)\b\.?"
)
_STREET_WORD = rf"(?!(?:{_STOP}|{_SUFFIX})\b)[^\W_][\w'’.-]*"
_HOUSE_NUMBER = r"\d{1,6}(?:-\d{1,4})?[a-z]?(?:\s?1/2|½)?"
_ADDRESSES = (
    # 200 N Spring St · 3600 W. 6th Street · 2218 E Cesar Chavez Ave
    re.compile(
        rf"(?<![\w/-])(?P<number>{_HOUSE_NUMBER})\s+(?:{_DIRECTION}\s+)?"
        rf"(?:{_STREET_WORD}\s+){{1,3}}{_SUFFIX}",
        re.IGNORECASE,
    ),
    # 1234 calle Soto · 1234 de la avenida Whittier
    re.compile(
        rf"(?<![\w/-])(?P<number>{_HOUSE_NUMBER})\s+(?:de\s+la\s+)?"
        r"(?:calle|avenida|av\.?|bulevar|blvd\.?)\s+[^\W\d_]",
        re.IGNORECASE,
    ),
    # calle Soto 1234 · avenida Cesar Chavez 2218
    re.compile(
        rf"\b(?:calle|avenida|av\.|bulevar)\s+(?:{_STREET_WORD}\s+){{1,3}}"
        rf"(?:#\s*|n[uú]mero\s+)?(?P<number>{_HOUSE_NUMBER})(?![\w/-])",
        re.IGNORECASE,
    ),
    # apt 5B · unit 12 · #204 · depto 3
    re.compile(
        r"(?:\b(?:apt|apartment|unit|suite|ste|depto|departamento|dpto)\.?\s*#?\s*|(?<![\w&])#\s?)"
        r"(?P<number>\d{1,5}[a-z]?|[a-z]\d{0,4})\b",
        re.IGNORECASE,
    ),
)
_NAME_CUES = re.compile(
    r"\b(?:my\s+name\s+is|my\s+name's|my\s+name’s|call\s+me|me\s+llamo|mi\s+nombre\s+es)\s+",
    re.IGNORECASE,
)
_SOY = re.compile(r"\bsoy\s+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_NAME_STOP = frozenset(
    (
        _STOP
        + r"|i|and|but|pero|please|porfavor|favor|phone|number|email|correo|telefono|teléfono|"
        r"tel|cell|celular|address|dirección|direccion|vivo|live|living|here|aquí|aqui|calling|"
        r"llamando|porque|because|or|o|que|who|quien|your|su|tu|it|its|this|esto|este|esta|not|no|"
        r"im|i'm|and|sir|maam|señor|señora|residente|resident|vecino|vecina|neighbor|"
        r"el|ella|he|she|we|nosotros|uno|one|too|también|tambien|so|entonces|then|luego"
    ).split("|")
)
_PARTICLES = frozenset({"de", "del", "la", "las", "los", "van", "von", "da", "das", "do", "dos"})
_NOT_A_NAME_AFTER_SOY = frozenset(
    {"de", "del", "la", "el", "un", "una", "yo", "residente", "vecino", "vecina", "dueño",
     "dueña", "inquilino", "inquilina", "nuevo", "nueva", "madre", "padre", "mamá", "papá"}
)


_GAZETTEER = Path(__file__).resolve().parent / "gazetteer"


def _fold(word: str) -> str:
    return fold(word, compatibility=True, casefold=True)


@functools.cache
def _names_list(name: str) -> frozenset[str]:
    path = _GAZETTEER / name
    return frozenset(
        line.strip() for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )


# Common words that are also first names: a name only after a cue. Place words never start one.
_COMMON = frozenset(
    "will may june april august grant bill mark hope faith art guy rich sunny summer chase "
    "lane dale glen young rose sure jesus monday tuesday friday sunday saturday january march "
    "christmas navidad honda toyota ford mercedes nissan chevy dodge tesla kia lexus "
    "the this that thanks hello hi hola gracias power water city hall street".split()
)
_PLACES = frozenset(
    "angeles los las san santa el la sunset vermont figueroa alvarado main grand echo "
    "lincoln washington jefferson hollywood boyle".split()
)
_TITLES = re.compile(
    r"\b(?:mr|mrs|ms|miss|dr|sr|sra|srta|lic|ing|prof|don|doña|dona|señor|señora|senor|"
    r"senora)\.?(?=\s+[A-ZÁÉÍÓÚÑ])",
    re.IGNORECASE,
)
_RELATIONS = (
    r"neighbou?r|neighbors|landlord|landlady|wife|husband|son|daughter|mom|mother|dad|father|"
    r"brother|sister|friend|coworker|tenant|manager|boss|uncle|aunt|grandma|grandpa|cousin|"
    r"vecin[oa]|espos[oa]|hij[oa]|mam[aá]|pap[aá]|herman[oa]|t[ií][oa]|suegr[oa]|abuel[oa]|"
    r"niet[oa]|compadre|comadre|prim[oa]|amig[oa]|inquilin[oa]|due[nñ][oa]"
)
# After a strong cue any capitalised word starts a name (and a known first name in lower case).
_STRONG_CUES = re.compile(
    r"\b(?:this\s+is|it'?s|i'?m|im|i\s+am|here'?s|soy|habla|aqu[ií]|de\s+parte\s+de|"
    r"se\s+llama|signed|firmado|atentamente|atte\.?|sincerely|regards|"
    rf"(?:my|mi|our|nuestr[oa])\s+(?:\w+\s+)?(?:{_RELATIONS}),?|"
    r"the\s+(?:owner|manager|guy|lady)\s+is|el\s+(?:due[nñ]o|muchacho|se[nñ]or)|"
    r"la\s+(?:due[nñ]a|se[nñ]ora|muchacha)),?\s+",
    re.IGNORECASE,
)
# After a weak cue only a known first name starts one.
_WEAK_CUES = re.compile(
    r"\b(?:thanks|thank\s+you|gracias|ask\s+for|pregunten\s+por|call|ll[aá]menle\s+a|"
    r"llamar\s+a|tell|contact|comun[ií]quese\s+con|from|de|me\s+and|and|y),?\s+",
    re.IGNORECASE,
)
_STREET_BEFORE = re.compile(
    r"(?:\b(?:calle|avenida|av\.?|bulevar|blvd\.?|on|en\s+la|corner\s+of)\s+)$",
    re.IGNORECASE,
)
_STREET_AFTER = re.compile(rf"\s+(?:\w+\s+)?{_SUFFIX}", re.IGNORECASE)
_NAME_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def _is_first_name(word: str) -> bool:
    return _fold(word.strip("'’-")) in _names_list("first_names.txt")


def _is_last_name(word: str) -> bool:
    return _fold(word) in _names_list("last_names.txt")


def _person_at(text: str, position: int, cue: str) -> tuple[int, int] | None:
    """A person's name at ``position``; ``cue`` is "strong", "weak" or "" (none).

    Without a cue: a capitalised known first name that is not a common word. After a weak
    cue: a known first name. After a strong cue: any capitalised word, or a known first name.
    Then up to three more capitalised words, known last names, or particles ("de la").
    """
    first = _NAME_WORD.match(text, position)
    if not first:
        return None
    word = first.group()
    folded = _fold(word)
    capitalised = word[0].isupper()
    known = _is_first_name(word)
    if folded in _PLACES or folded in _NAME_STOP or _STREET_BEFORE.search(text[:position]):
        return None
    if cue == "strong":
        ok = capitalised or known
    elif cue == "weak":
        ok = known and folded not in _COMMON
    else:
        ok = capitalised and known and folded not in _COMMON
    if not ok:
        return None
    end = cursor = first.end()
    words = 1
    while words < 4:
        gap = re.match(r"[ \t]+", text[cursor:])
        if not gap:
            break
        nxt = _NAME_WORD.match(text, cursor + gap.end())
        if not nxt:
            break
        candidate = nxt.group()
        lower = _fold(candidate)
        if lower in _PARTICLES:
            after = _NAME_WORD.match(text, nxt.end() + 1)
            if after and after.group()[0].isupper():
                cursor = nxt.end()
                continue
            break
        if lower in _NAME_STOP:
            break
        if candidate[0].isupper():
            fits = capitalised or _is_last_name(candidate) or _is_first_name(candidate)
        else:
            fits = not capitalised and cue == "strong" and (
                _is_last_name(candidate) or _is_first_name(candidate))
        if not fits:
            break
        end = cursor = nxt.end()
        words += 1
    if _STREET_AFTER.match(text, end):
        return None
    return position, end


def _names_without_cue(text: str) -> list[Finding]:
    findings: list[Finding] = []
    for match in _TITLES.finditer(text):
        gap = re.match(r"\s+", text[match.end():])
        span = _person_at(text, match.end() + (gap.end() if gap else 0), "strong")
        if span:
            findings.append(Finding(match.start(), span[1], "name"))
    for cues, strength in ((_STRONG_CUES, "strong"), (_WEAK_CUES, "weak")):
        for match in cues.finditer(text):
            span = _person_at(text, match.end(), strength)
            if span:
                findings.append(Finding(span[0], span[1], "name"))
    for match in _NAME_WORD.finditer(text):
        if match.group()[0].isupper():
            span = _person_at(text, match.start(), "")
            if span:
                findings.append(Finding(span[0], span[1], "name"))
    return findings


def phone_digits(text: str) -> str:
    """The digits of a phone number, without a leading North American ``1``."""
    digits = re.sub(r"\D", "", text)
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def public_phone_numbers(texts: Iterable[str]) -> frozenset[str]:
    """Digits of every phone number in ``texts`` (e.g. the bot's responses): published."""
    found: set[str] = set()
    for text in texts:
        for pattern in _PHONES:
            found.update(phone_digits(m.group()) for m in pattern.finditer(text))
    return frozenset(found)


def _names(text: str) -> list[Finding]:
    findings = []
    for cue, capitalised_only in ((_NAME_CUES, False), (_SOY, True)):
        for match in cue.finditer(text):
            span = _name_after(text, match.end(), capitalised_only)
            if span:
                findings.append(Finding(span[0], span[1], "name"))
    return findings


def _name_after(text: str, position: int, capitalised_only: bool) -> tuple[int, int] | None:
    """The name (1-3 words, plus particles like "de la") at ``position``, if there is one."""
    words: list[re.Match[str]] = []
    cursor = position
    while sum(w.group().lower() not in _PARTICLES for w in words) < 3 and len(words) < 6:
        match = _WORD.match(text, cursor)
        if not match:
            break
        word = match.group()
        lower = word.lower()
        is_particle = lower in _PARTICLES and bool(words)
        if not is_particle:
            if lower in _NAME_STOP:
                break
            if capitalised_only and not word[0].isupper():
                break
            if capitalised_only and not words and lower in _NOT_A_NAME_AFTER_SOY:
                break
        words.append(match)
        gap = re.match(r"[ \t]+", text[match.end():])
        if not gap:
            break
        cursor = match.end() + gap.end()
    while words and words[-1].group().lower() in _PARTICLES:
        words.pop()
    if not words:
        return None
    return words[0].start(), words[-1].end()


def find_personal_data(text: str, public_phones: frozenset[str] = frozenset()) -> list[Finding]:
    """Every piece of personal data in ``text``, in order, without overlaps."""
    found: list[Finding] = [Finding(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    for pattern in _PHONES:
        for match in pattern.finditer(text):
            if phone_digits(match.group()) not in public_phones:
                found.append(Finding(match.start(), match.end(), "phone"))
    for pattern in _ADDRESSES:
        for match in pattern.finditer(text):
            found.append(Finding(match.start("number"), match.end("number"), "number"))
    found.extend(_names(text))
    found.extend(_names_without_cue(text))
    # Earliest first; of two overlapping findings the longer one wins.
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Finding] = []
    for finding in found:
        if kept and finding.start < kept[-1].end:
            continue
        kept.append(finding)
    return kept


@dataclass(frozen=True)
class Redacted:
    """A redacted text and how its character offsets relate to the original's.

    ``moves`` holds (original start, original end, new start, new end) of each replacement.
    """

    text: str
    moves: tuple[tuple[int, int, int, int], ...]

    def new_offset(self, old: int, is_end: bool = False) -> int:
        """Where an original offset lands; inside a replaced piece it snaps to its edge."""
        return self._map(old, is_end, forward=True)

    def old_offset(self, new: int, is_end: bool = False) -> int:
        """The original offset of a redacted-text offset (inverse of :meth:`new_offset`)."""
        return self._map(new, is_end, forward=False)

    def _map(self, offset: int, is_end: bool, forward: bool) -> int:
        shift = 0
        for old_start, old_end, new_start, new_end in self.moves:
            src_start, src_end, dst_start, dst_end = (
                (old_start, old_end, new_start, new_end)
                if forward
                else (new_start, new_end, old_start, old_end)
            )
            if offset <= src_start:
                break
            if offset < src_end:
                return dst_end if is_end else dst_start
            shift = dst_end - src_end
        return offset + shift


def redact_with_offsets(
    text: str,
    public_phones: frozenset[str] = frozenset(),
    replacement: Callable[[str], str] = PLACEHOLDERS.__getitem__,
) -> Redacted:
    """``text`` with personal data replaced, with the offset mapping both ways."""
    pieces: list[str] = []
    moves: list[tuple[int, int, int, int]] = []
    cursor = length = 0
    for finding in find_personal_data(text, public_phones):
        pieces.append(text[cursor:finding.start])
        length += finding.start - cursor
        new = replacement(finding.kind)
        moves.append((finding.start, finding.end, length, length + len(new)))
        pieces.append(new)
        length += len(new)
        cursor = finding.end
    pieces.append(text[cursor:])
    return Redacted("".join(pieces), tuple(moves))


def redact(
    text: str,
    public_phones: frozenset[str] = frozenset(),
    replacement: Callable[[str], str] = PLACEHOLDERS.__getitem__,
) -> str:
    """``text`` with every piece of personal data replaced (by "[phone]", "[name]", …)."""
    return redact_with_offsets(text, public_phones, replacement).text
