"""What the service request form reads in a resident's free-text answers.

Pure functions over the language packs' ``form`` sections (``bot/languages/<code>/pack.yml``):
numbers ("two", "unas cuatro"), yes/no, list choices (animals, graffiti surfaces), items
("a couch and two chairs"), vehicles ("white honda civic"), contact details, and the cues that
tell a form answer from a change of mind ("it's not a car, it's a mattress", "also a dryer",
"never mind"). Every pack's words are used whatever the conversation's language: residents
mix them ("hay un mattress en la street").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.languages import load_packs, packs_dir
from bot.text import fold, matching_form

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_RE = re.compile(r"(?:\+?1[\s.-]?)?\(?(\d{3})\)?[\s.-]?(\d{3})[\s.-]?(\d{4})\b")
# A number stands alone or is glued to a word of another script ("2개", "3本"), but not to Latin
# letters or other digits ("2nd", "90210").
_LATIN = r"0-9A-Za-z\u00c0-\u024f_"
_DIGITS_RE = re.compile(rf"(?<![{_LATIN}])\d{{1,4}}(?![{_LATIN}])")


@dataclass(frozen=True)
class FormWords:
    """Every pack's form vocabulary, merged and folded."""

    yes: frozenset[str]
    fillers: frozenset[str]
    no: frozenset[str]
    skip: frozenset[str]
    numbers: dict[str, int]
    choices: dict[str, dict[str, tuple[str, ...]]]
    items: tuple[str, ...]
    vehicle_colors: frozenset[str]
    vehicle_makes: frozenset[str]
    vehicle_kinds: frozenset[str]
    cues: dict[str, tuple[re.Pattern[str], ...]]
    endings: tuple[str, ...] = ()
    """Endings a pack's words take without a space (particles: "소파" in "소파를")."""
    vague_numbers: frozenset[str] = frozenset()
    """Number words that say "more than one" without saying how many ("several", "여러")."""
    number_neutral_items: frozenset[str] = frozenset()
    """Items whose bare word says nothing of how many ("소파": one sofa or several): listed by
    packs with ``nouns_mark_number: false``, and by no pack whose nouns do mark it."""

    def word(self, phrase: str) -> str:
        """A regular expression for ``phrase`` as a whole word, with any ending after it."""
        endings = "|".join(re.escape(e) for e in self.endings)
        tail = f"(?:{endings})?" if endings else ""
        return rf"(?<!\w){re.escape(phrase)}{tail}(?!\w)"


def _folded(words: Iterable[Any]) -> set[str]:
    return {matching_form(str(w)) for w in words if str(w).strip()}


def form_words() -> FormWords:
    """The merged vocabulary of the installed language packs."""
    return _form_words(packs_dir())


@lru_cache(maxsize=4)
def _form_words(directory: Path) -> FormWords:
    yes: set[str] = set()
    fillers: set[str] = set()
    no: set[str] = set()
    skip: set[str] = set()
    numbers: dict[str, int] = {}
    choices: dict[str, dict[str, set[str]]] = {}
    items: set[str] = set()
    colors: set[str] = set()
    makes: set[str] = set()
    kinds: set[str] = set()
    cues: dict[str, list[re.Pattern[str]]] = {}
    endings: set[str] = set()
    vague: set[str] = set()
    neutral: set[str] = set()
    marked: set[str] = set()
    for pack in load_packs(directory):
        form = pack.section("form")
        yes |= _folded(form.get("yes") or [])
        fillers |= _folded(form.get("fillers") or [])
        no |= _folded(form.get("no") or [])
        skip |= _folded(form.get("skip") or [])
        for word, value in (form.get("numbers") or {}).items():
            numbers[matching_form(str(word))] = int(value)
        for slot, values in (form.get("choices") or {}).items():
            for key, words in values.items():
                choices.setdefault(str(slot), {}).setdefault(str(key), set()).update(_folded(words))
        items |= _folded(form.get("items") or [])
        vague |= _folded(form.get("vague_numbers") or [])
        if form.get("nouns_mark_number", True):
            marked |= _folded(form.get("items") or [])
        else:
            neutral |= _folded(form.get("items") or [])
        vehicle = form.get("vehicle") or {}
        colors |= _folded(vehicle.get("colors") or [])
        makes |= _folded(vehicle.get("makes") or [])
        kinds |= _folded(vehicle.get("kinds") or [])
        for name, patterns in (form.get("cues") or {}).items():
            cues.setdefault(str(name), []).extend(re.compile(p) for p in patterns)
        endings |= _folded(form.get("endings") or [])
    return FormWords(
        yes=frozenset(yes),
        fillers=frozenset(fillers),
        no=frozenset(no),
        skip=frozenset(skip),
        numbers=numbers,
        choices={s: {k: tuple(sorted(v)) for k, v in c.items()} for s, c in choices.items()},
        items=tuple(sorted(items, key=len, reverse=True)),  # "box spring" before "spring"
        vehicle_colors=frozenset(colors),
        vehicle_makes=frozenset(makes),
        vehicle_kinds=frozenset(kinds),
        cues={name: tuple(patterns) for name, patterns in cues.items()},
        endings=tuple(sorted(endings, key=len, reverse=True)),  # "에서" before "에"
        vague_numbers=frozenset(vague),
        number_neutral_items=frozenset(neutral - marked),
    )


def has_cue(name: str, text: str) -> bool:
    """Whether ``text`` has a cue of kind ``name`` (correction, addition, cancel …)."""
    form = matching_form(text)
    return any(p.search(form) for p in form_words().cues.get(name, ()))


def after_cue(name: str, text: str) -> str | None:
    """The words after the first cue of kind ``name`` ("…it's a mattress"), or ``None``."""
    form = matching_form(text)
    starts = [m.end() for p in form_words().cues.get(name, ()) for m in [p.search(form)] if m]
    return form[min(starts):].strip() if starts else None


def _phrase_in(phrase: str, form: str) -> bool:
    return re.search(form_words().word(phrase), form) is not None


def _without(phrases: Iterable[str], form: str) -> str:
    for phrase in sorted(phrases, key=len, reverse=True):
        form = re.sub(form_words().word(phrase), " ", form)
    return " ".join(form.split())


def is_yes(text: str) -> bool:
    """A plain yes ("yes", "sí", "ok dale", "Y", "yes please file it")."""
    words = form_words()
    form = matching_form(text)
    if not form:
        return False
    rest = _without(words.fillers, _without(words.yes, form))
    return rest == "" and form != rest


def says_yes(text: str) -> bool:
    """A yes anywhere as its own clause: "ya llegó la ambulancia. sí, mándelo"."""
    return is_yes(text) or any(is_yes(clause) for clause in re.split(r"[.,;:!?¡¿\n]+", text))


_NEGATION = re.compile(r"\b(no|not|don t|dont|do not|never|nunca|ni|tampoco|but|pero)\b")


def leads_with_yes(text: str) -> bool:
    """A yes that then restates the wish: "yes still file the abandoned car report".

    The first clause starts with a yes word and the message has an ``accept`` cue ("file the
    … report", "mándela"); a "yes, but …" that changes something is not one.
    """
    form = matching_form(re.split(r"[.,;:!?¡¿\n]+", text.strip())[0] if text.strip() else "")
    words = form.split()
    if not words or words[0] not in form_words().yes:
        return False
    if _NEGATION.search(matching_form(text)):
        return False  # "yes the car is gone, don't file it"
    return has_cue("accept", text) and not has_cue("correction", text)


def is_no(text: str) -> bool:
    """A plain no ("no", "nope", "nel")."""
    form = matching_form(text)
    return bool(form) and (form in form_words().no or form.split()[0] in form_words().no)


def is_skip(text: str) -> bool:
    """Whether the resident declined to answer ("skip", "saltar", "no", "anónimo" …)."""
    form = matching_form(text)
    words = form.split()
    return bool(words) and len(words) <= 3 and (
        form in form_words().skip or all(w in form_words().skip for w in words)
    )


_VAGUE = -1


def _quantity(word: str) -> int | None:
    """The number ``word`` says ("2", "2개", "two"), ``_VAGUE`` for "several", else ``None``."""
    digits = _DIGITS_RE.match(word)
    if digits:
        return int(digits.group())
    words = form_words()
    if word in words.vague_numbers:
        return _VAGUE
    value = words.numbers.get(word)
    return value if value and value > 0 else None


def parse_count(text: str) -> int | None:
    """Reads a count from "3", "about 5", "unas cuatro", "two"; ``None`` if there is none.

    "several" or "a few" is not a count: the resident is asked for the number.
    """
    digits = _DIGITS_RE.search(text)
    if digits:
        return int(digits.group())
    for word in matching_form(text).split():
        value = _quantity(word)
        if value and value != _VAGUE:
            return value
    return None


def count_change(text: str) -> int | None:
    """A corrected number ("actually it's 3", "perdón, son 4"), or ``None``."""
    form = matching_form(text)
    for pattern in form_words().cues.get("count_change", ()):
        match = pattern.search(form)
        if match and match.lastindex:
            return int(match.group(match.lastindex))
    return None


def match_choice(slot: str, text: str) -> str | None:
    """Maps an answer to a list attribute's value key ("kitten" → "cat"), or ``None``."""
    form = matching_form(text)
    choices = form_words().choices.get(slot, {})
    if form in choices or form == "other":
        return form
    # Longer phrases first: "not blocking" must win over "blocking".
    ranked = sorted(
        ((phrase, key) for key, phrases in choices.items() for phrase in phrases),
        key=lambda pair: len(pair[0]),
        reverse=True,
    )
    for phrase, key in ranked:
        if _phrase_in(phrase, form):
            return key
    return None


def _item_spans(form: str) -> list[tuple[int, int, str]]:
    """Where each item is named in ``form`` (a matching form), in the order written."""
    found: list[tuple[int, int, str]] = []
    for item in form_words().items:  # longest first: "box spring" before "spring"
        for match in re.finditer(form_words().word(item), form):
            start, end = match.span()
            if any(s < end and start < e for s, e, _ in found):
                continue
            found.append((start, end, item))
    return sorted(found)


def find_items(text: str) -> list[str]:
    """The items named in ``text``, in the order the resident wrote them."""
    return [item for _, _, item in _item_spans(matching_form(text))]


def count_items(text: str) -> int | None:
    """How many items ``text`` lists: "a couch and two chairs" → 3.

    ``None`` — the form asks — when it names none, when a number is vague ("several chairs"),
    or when an item's word says nothing of how many (``nouns_mark_number: false``: "소파") and
    no number comes right after it ("의자 4개") or before it. Such an item written right before
    another names what the other is ("식탁 의자", a dining chair) and is not counted apart.
    """
    form = matching_form(text)
    spans = _item_spans(form)
    if not spans:
        return None
    neutral = form_words().number_neutral_items
    words = form.split()
    # each item's first word and the word after it, as word positions
    places = [(len(form[:start].split()), len(form[:end].split()), item)
              for start, end, item in spans]
    starts = {index for index, _, _ in places}
    total = 0
    for index, after, item in places:
        if item in neutral and after in starts:
            continue  # "식탁 의자": the next item is what is counted
        number = None
        if item in neutral and after < len(words):
            number = _quantity(words[after])
        if number is None:
            for word in words[max(0, index - 3) : index]:
                number = _quantity(word) or number
        if number == _VAGUE or (number is None and item in neutral):
            return None
        total += number or 1
    return total


def find_vehicle(text: str) -> str | None:
    """A vehicle description in ``text`` ("a white honda civic, plate 7ABC123"), or ``None``."""
    form = matching_form(text)
    words = form.split()
    vehicle_words = form_words().vehicle_makes | form_words().vehicle_kinds
    hits = [i for i, w in enumerate(words) if w in vehicle_words]
    if not hits:
        return None
    colors = [i for i, w in enumerate(words) if w in form_words().vehicle_colors]
    start = min(hits + [c for c in colors if c >= hits[0] - 2])
    end = max(hits) + 1
    plate = re.search(r"\b(plate|placa|placas|license|tag)\b\W*(\w{2,8})", form)
    description = " ".join(words[start:end])
    if plate:
        description += f", plate {plate.group(2).upper()}"
    makes_or_colors = set(words[start:end]) & (
        form_words().vehicle_makes | form_words().vehicle_colors
    )
    return description if makes_or_colors or plate else None


def parse_contact(text: str) -> dict[str, str]:
    """Finds an email address and a US phone number (E.164) in the resident's answer."""
    contact: dict[str, str] = {}
    email = _EMAIL_RE.search(text)
    if email:
        contact["email"] = email.group().lower()
    phone = _PHONE_RE.search(_EMAIL_RE.sub(" ", text))
    if phone:
        contact["phone"] = "+1" + "".join(phone.groups())
    return contact


def word_count(text: str) -> int:
    """How many words ``text`` has."""
    return len(fold(text).split())
