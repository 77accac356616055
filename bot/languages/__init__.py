"""Language packs: everything that differs between languages, kept as data.

Each supported language is a folder ``bot/languages/<code>/``; adding a language is adding a
folder, and no layer names a language in code. Pure Python and YAML, so both the Rasa
environment and the tools environment load the same packs. A pack folder holds:

``pack.yml``
    ``code``, ``name`` (how the language names itself in menus), ``order`` (menu position),
    ``default: true`` on exactly one pack (the language of last resort: a text missing from
    another pack is taken from it), and the sections the layers read: ``detection``
    (:mod:`bot.language`), ``question_starts`` and ``danger`` (:mod:`bot.safety`), ``form``
    (:mod:`actions.parsing`), ``spacy`` (the tokenizer of
    :mod:`bot.components.civic_entities`), ``sms`` (carrier keywords), ``retrieval`` (the
    knowledge base's analyzer, :mod:`knowledge_base.text`), ``knowledge`` (hedges and number
    words of the fact checks) and ``eval`` (the conversation evaluation's default answers).
``responses.yml``
    Every reply of the assistant (:mod:`bot.domain_build`).
``ui.yml``
    Texts shown outside the dialogue: the web page (``web``), the SMS channel's own replies
    (``sms``), the error explanations of the HTTP interfaces (``errors``), labels the actions
    fill in (``chat``), the staff review app's names (``review``) and the word for "or".
``articles/*.yml`` (optional)
    Knowledge-base text in this language for existing articles (:mod:`knowledge_base.articles`).
``nlu_data/<code>/`` (outside the pack, with the rest of the training data)
    Training examples; :mod:`bot.train` trains on the folders of the installed packs.

:func:`load_packs` checks every pack when it loads it (:class:`PackError` names the file and
what is wrong): required sections present, no YAML booleans where a word was meant, every
reply and interface text of the default pack present in the others (and nothing else), the
same ``{placeholders}`` in each, no carrier keyword claimed by two packs.

The packs are read from ``bot/languages/`` or, when the ``LA311_LANGUAGE_PACKS`` environment
variable names another folder, from there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PACKS_DIR = Path(__file__).resolve().parent
PACKS_ENV = "LA311_LANGUAGE_PACKS"
PACK_FILE = "pack.yml"
RESPONSES_FILE = "responses.yml"
UI_FILE = "ui.yml"
ARTICLES_DIR = "articles"

REQUIRED_SECTIONS = ("detection", "retrieval", "knowledge", "eval")
"""Sections of ``pack.yml`` every pack must have."""
UI_SECTIONS = ("web", "sms", "errors", "chat", "review")
"""Sections of ``ui.yml``; ``web``, ``sms``, ``errors`` and ``chat`` must list every key the
default pack has. ``review`` (the staff app's labels) may be partial: English fills the gaps."""
PARTIAL_UI_SECTIONS = ("review",)
ANALYZERS = ("stem", "char_ngrams")
ENCODERS = ("direct", "gloss")
KEYWORD_ACTIONS = ("opt_out", "opt_in", "help")
# YAML reads unquoted yes/no/on/off as booleans; these keys are the only ones meant as such.
BOOLEAN_KEYS = frozenset(
    {"default", "knowledge.required", "sms.notices", "form.nouns_mark_number"}
)
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class PackError(ValueError):
    """A language pack that does not follow the format."""


@dataclass(frozen=True)
class LanguagePack:
    """One language's data.

    Attributes:
        code: The language code ("en", "es").
        name: How the language names itself ("English", "Español").
        order: Position in menus.
        default: Whether this is the default language.
        path: The pack's folder.
        data: Every other section of ``pack.yml``.
        responses: ``responses.yml``: response name → Rasa variations.
        ui: ``ui.yml``: interface texts by section.
    """

    code: str
    name: str
    order: int
    default: bool = False
    path: Path = PACKS_DIR
    data: Mapping[str, Any] = field(default_factory=dict)
    responses: Mapping[str, Any] = field(default_factory=dict)
    ui: Mapping[str, Any] = field(default_factory=dict)

    def section(self, key: str) -> Any:
        """A section of ``pack.yml`` (an empty mapping when the pack has none)."""
        return self.data.get(key) or {}

    def ui_section(self, key: str) -> Mapping[str, Any]:
        """A section of ``ui.yml`` (an empty mapping when the pack has none)."""
        section = self.ui.get(key)
        return section if isinstance(section, Mapping) else {}

    @property
    def articles_dir(self) -> Path:
        """Where the pack's knowledge-base text is (``articles/*.yml``; may not exist)."""
        return self.path / ARTICLES_DIR


def no_booleans(value: Any, where: str, path: str = "") -> None:
    """YAML reads an unquoted yes/no/on/off as a boolean: in a pack that is a mistake.

    Only the keys of :data:`BOOLEAN_KEYS` (at the top of ``pack.yml``) may hold one.
    """
    if isinstance(value, bool) and path not in BOOLEAN_KEYS:
        raise PackError(f"{where}: quote yes/no/y/n/on/off (YAML read {value!r})")
    if isinstance(value, dict):
        for key, item in value.items():
            no_booleans(key, where, "<key>")
            no_booleans(item, f"{where}.{key}", f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for item in value:
            no_booleans(item, where, "<item>")


def packs_dir() -> Path:
    """The folder the packs are read from: ``$LA311_LANGUAGE_PACKS`` or ``bot/languages``."""
    return _resolve(os.environ.get(PACKS_ENV, "").strip())


@lru_cache(maxsize=8)
def _resolve(configured: str) -> Path:
    return Path(configured).resolve() if configured else PACKS_DIR


def _yaml(path: Path, required: bool = True) -> dict[str, Any]:
    if not path.exists():
        if required:
            raise PackError(f"{path}: missing (every pack has one)")
        return {}
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise PackError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise PackError(f"{path}: must be a mapping")
    return raw


def _load(folder: Path) -> LanguagePack:
    path = folder / PACK_FILE
    raw = _yaml(path)
    no_booleans(raw, str(path))
    try:
        code, name, order = str(raw.pop("code")), str(raw.pop("name")), int(raw.pop("order"))
    except KeyError as missing:
        raise PackError(f"{path}: missing {missing}") from None
    except (TypeError, ValueError):
        raise PackError(f"{path}: order must be a whole number") from None
    if code != folder.name:
        raise PackError(f"{path}: code {code!r} differs from its folder {folder.name!r}")
    default = raw.pop("default", False)
    if not isinstance(default, bool):
        raise PackError(f"{path}: default must be true or false")
    lacking = [s for s in REQUIRED_SECTIONS if not isinstance(raw.get(s), dict)]
    if lacking:
        raise PackError(f"{path}: missing required section(s) {', '.join(lacking)}")
    _check_sections(path, raw)
    responses = _yaml(folder / RESPONSES_FILE)
    no_booleans(responses, str(folder / RESPONSES_FILE), "<responses>")
    ui = _yaml(folder / UI_FILE)
    no_booleans(ui, str(folder / UI_FILE), "<ui>")
    absent = [s for s in UI_SECTIONS if s not in PARTIAL_UI_SECTIONS and not isinstance(
        ui.get(s), dict)]
    if absent:
        raise PackError(f"{folder / UI_FILE}: missing required section(s) {', '.join(absent)}")
    return LanguagePack(code=code, name=name, order=order, default=default, path=folder,
                        data=raw, responses=responses, ui=ui)


def _check_sections(path: Path, raw: Mapping[str, Any]) -> None:
    """The shape of the sections the code relies on."""
    retrieval = raw["retrieval"]
    analyzer = retrieval.get("analyzer")
    if not isinstance(analyzer, dict) or analyzer.get("kind") not in ANALYZERS:
        raise PackError(f"{path}: retrieval.analyzer.kind must be one of {', '.join(ANALYZERS)}")
    if analyzer["kind"] == "stem" and not analyzer.get("stemmer"):
        raise PackError(f"{path}: retrieval.analyzer needs a stemmer (a Snowball language)")
    if analyzer["kind"] == "char_ngrams":
        sizes = analyzer.get("n")
        if not (isinstance(sizes, list) and sizes and all(
                isinstance(n, int) and n > 0 for n in sizes)):
            raise PackError(f"{path}: retrieval.analyzer.n must list n-gram sizes, e.g. [2, 3]")
    if retrieval.get("encoder", "gloss") not in ENCODERS:
        raise PackError(f"{path}: retrieval.encoder must be one of {', '.join(ENCODERS)}")
    detection = raw["detection"]
    if not detection.get("words") and not detection.get("script"):
        raise PackError(f"{path}: detection needs distinctive words or a script")
    if detection.get("script"):
        try:
            re.compile(str(detection["script"]))
        except re.error as error:
            raise PackError(f"{path}: detection.script is not a regular expression: {error}") \
                from None
    for key in ("skip", "yes"):
        if not str(raw["eval"].get(key) or "").strip():
            raise PackError(f"{path}: eval.{key} is missing (the evaluation's default answer)")
    keywords = (raw.get("sms") or {}).get("keywords") or {}
    unknown = sorted(set(keywords) - set(KEYWORD_ACTIONS))
    if unknown:
        raise PackError(f"{path}: sms.keywords: unknown action(s) {', '.join(unknown)}")


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a text is filled in with."""
    return set(_PLACEHOLDER.findall(text))


def _compare(default: LanguagePack, pack: LanguagePack) -> list[str]:
    """What ``pack`` lacks, or has extra, compared with the default pack."""
    problems: list[str] = []
    where = pack.path / RESPONSES_FILE
    mine, theirs = set(pack.responses), set(default.responses)
    if theirs - mine:
        problems.append(f"{where}: missing {', '.join(sorted(theirs - mine))} "
                        f"(in {default.code})")
    if mine - theirs:
        problems.append(f"{where}: {', '.join(sorted(mine - theirs))} not in {default.code}")
    where = pack.path / UI_FILE
    for section in UI_SECTIONS:
        if section in PARTIAL_UI_SECTIONS:
            continue
        mine_ui, theirs_ui = pack.ui_section(section), default.ui_section(section)
        lacking = sorted(set(theirs_ui) - set(mine_ui))
        extra = sorted(set(mine_ui) - set(theirs_ui))
        if lacking:
            problems.append(f"{where}: {section} lacks {', '.join(lacking)} (in {default.code})")
        if extra:
            problems.append(f"{where}: {section}: {', '.join(extra)} not in {default.code}")
        for key in sorted(set(mine_ui) & set(theirs_ui)):
            if placeholders(str(mine_ui[key])) != placeholders(str(theirs_ui[key])):
                problems.append(f"{where}: {section}.{key} must use the placeholders "
                                f"{sorted(placeholders(str(theirs_ui[key])))}")
    if not isinstance(pack.ui.get("or"), str):
        problems.append(f"{where}: missing or (the word joining the last two of a list)")
    return problems


def check_packs(packs: Iterable[LanguagePack]) -> None:
    """Checks the packs against each other; raises :class:`PackError` naming every problem."""
    packs = list(packs)
    defaults = [pack.code for pack in packs if pack.default]
    if len(defaults) != 1:
        raise PackError(
            f"exactly one pack must say default: true (found {len(defaults)}: {defaults})"
        )
    default = next(pack for pack in packs if pack.default)
    problems: list[str] = []
    for pack in packs:
        problems += _compare(default, pack)
    claimed: dict[str, str] = {}
    for pack in packs:
        keywords = pack.section("sms").get("keywords") or {}
        for words in keywords.values():
            for word in words or []:
                key = str(word).strip().upper()
                if key in claimed and claimed[key] != pack.code:
                    problems.append(f"{pack.path / PACK_FILE}: SMS keyword {word!r} is "
                                    f"already {claimed[key]}'s")
                claimed[key] = pack.code
    if problems:
        raise PackError("language packs do not follow the format:\n  " + "\n  ".join(problems))


@lru_cache(maxsize=8)
def _load_packs(directory: Path) -> tuple[LanguagePack, ...]:
    packs = [_load(path.parent) for path in sorted(directory.glob(f"*/{PACK_FILE}"))]
    if not packs:
        raise PackError(f"no language pack under {directory}")
    check_packs(packs)
    return tuple(sorted(packs, key=lambda pack: (pack.order, pack.code)))


def load_packs(directory: Path | None = None) -> tuple[LanguagePack, ...]:
    """Every pack under ``directory`` (default: :func:`packs_dir`), checked, in menu order."""
    return _load_packs(directory.resolve() if directory else packs_dir())


def codes(directory: Path | None = None) -> tuple[str, ...]:
    """The supported language codes, in menu order."""
    return tuple(pack.code for pack in load_packs(directory))


def default_pack(directory: Path | None = None) -> LanguagePack:
    """The default language's pack."""
    return next(pack for pack in load_packs(directory) if pack.default)


def default_language(directory: Path | None = None) -> str:
    """The default language's code: the language of last resort."""
    return default_pack(directory).code


def get_pack(code: str | None, directory: Path | None = None) -> LanguagePack:
    """The pack of ``code`` (the default language's pack for an unknown code)."""
    for pack in load_packs(directory):
        if pack.code == code:
            return pack
    return default_pack(directory)


def supported(code: str | None, directory: Path | None = None) -> str:
    """``code`` when a pack speaks it, else the default language."""
    return get_pack(code, directory).code


def fill(template: str, **values: Any) -> str:
    """``template`` with each ``{name}`` given in ``values`` replaced; other braces stay."""
    return _PLACEHOLDER.sub(
        lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template
    )


def ui_text(code: str | None, section: str, key: str, **values: Any) -> str:
    """One interface text of ``ui.yml`` in ``code``'s pack (the default pack's when missing).

    Args:
        code: The language.
        section: ``web``, ``sms``, ``errors``, ``chat`` or ``review``.
        key: The text's key in that section.
        values: Filled into the text's ``{placeholders}``.

    Raises:
        KeyError: When not even the default pack has the text.
    """
    text = get_pack(code).ui_section(section).get(key)
    if text is None:
        text = default_pack().ui_section(section)[key]
    return fill(str(text), **values)


def ui_texts(section: str, key: str, **values: Any) -> dict[str, str]:
    """One interface text in every language: ``{code: text}``, in menu order.

    A value that is callable is called with each language's code (for values that are
    themselves words, such as a list joined with :func:`join_or`).
    """
    return {
        pack.code: ui_text(
            pack.code, section, key,
            **{name: value(pack.code) if callable(value) else value
               for name, value in values.items()},
        )
        for pack in load_packs()
    }


def join_or(code: str | None, items: Iterable[str]) -> str:
    """``items`` as a list ending with the language's "or" ("a, b or c")."""
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    word = str(get_pack(code).ui.get("or") or default_pack().ui.get("or") or "/")
    return f"{', '.join(items[:-1])} {word} {items[-1]}"
