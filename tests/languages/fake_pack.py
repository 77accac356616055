"""A made-up language pack, ``xx`` ("Runish", written in Runic letters), for the pack tests.

It is built from the repository's English pack: every reply and interface text is the English
one marked with a Runic prefix (so every key the packs need is there), plus its own detection
hints, SMS keywords, analyzer, knowledge words, evaluation answers and one article text.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from bot.languages import PACKS_DIR, load_packs

REPOSITORY_CODES = tuple(pack.code for pack in load_packs(PACKS_DIR))
"""The languages of the repository's own packs (English and Spanish, and any added since)."""

CODE = "xx"
NAME = "ᚱᚢᚾᛁᛋᚺ"  # how Runish names itself in the language menu
MARK = "ᚷ"  # every Runish text starts with it
SCRIPT = "[\\u16a0-\\u16ea]"  # the Runic block
ARTICLE = "graffiti-report"
ARTICLE_TITLE = "ᚺᛟᚹ ᛏᛟ ᚱᛖᛈᛟᚱᛏ ᚷᚱᚨᚠᚠᛁᛏᛁ"
QUESTION = "ᚹᚺᛖᚱᛖ ᛞᛟ ᛁ ᚱᛖᛈᛟᚱᛏ ᚷᚱᚨᚠᚠᛁᛏᛁ"
BODY = "ᚲᚨᛚᛚ 311 ᛟᚱ ᚢᛋᛖ ᛗᚤᛚᚨ311 ᛏᛟ ᚱᛖᛈᛟᚱᛏ ᚷᚱᚨᚠᚠᛁᛏᛁ. ᚲᚱᛖᚹᛋ ᚲᛟᛗᛖ ᚹᛁᚦᛁᚾ ᛏᚹᛟ ᛞᚨᚤᛋ."
ITEM = "ᛋᛟᚠᚨ"  # a couch
ENDING = "ᛖᚾ"  # an ending glued to a word: "ᛋᛟᚠᚨᛖᚾ", the couch
VAGUE = "ᛗᚨᚾᚤ"  # "several": more than one, but not how many
KEYWORDS = {"opt_out": ["XSTOPPA"], "opt_in": ["XSTARTA"], "help": ["XHJALPA"]}


def marked(value: Any, keys: tuple[str, ...] = ()) -> Any:
    """The texts of an English pack file marked as Runish (placeholders untouched).

    Every string is a text, or (given ``keys``) only the strings under those keys.
    """
    if isinstance(value, str):
        return f"{MARK} {value}"
    if isinstance(value, list):
        return [marked(item, keys) for item in value]
    if isinstance(value, dict):
        return {
            key: marked(item, keys) if not keys or key in keys or not isinstance(item, str)
            else item
            for key, item in value.items()
        }
    return value


def pack_data() -> dict[str, Any]:
    """The Runish ``pack.yml``."""
    return {
        "code": CODE,
        "name": NAME,
        "order": 99,  # after every real pack
        "spacy": "xx",
        "question_starts": ["^ᚹᚺᛖᚱᛖ\\b"],
        "detection": {
            "script": SCRIPT,
            "words": ["ᚺᛖᛚᛚᛟ", "ᚦᚨᚾᚲᛋ"],
            "asks_for": "\\b(runish|" + NAME.lower() + ")\\b",
            "negations": ["ᚾᛟᛏ"],
        },
        "sms": {"notices": False, "keywords": KEYWORDS},
        "retrieval": {"analyzer": {"kind": "char_ngrams", "n": [2, 3]}, "encoder": "gloss"},
        "knowledge": {"required": False, "hedges": ["ᛗᚨᚤ ᚺᚨᚢᛖ ᚲᚺᚨᚾᚷᛖᛞ"],
                      "number_words": {"ᛏᚹᛟ": "2"}},
        "eval": {"skip": "ᛋᚲᛁᛈ", "yes": "ᛃᚨ"},
        "form": {"yes": ["ᛃᚨ"], "skip": ["ᛋᚲᛁᛈ"], "items": [ITEM], "endings": [ENDING],
                 "numbers": {VAGUE: 3}, "vague_numbers": [VAGUE], "nouns_mark_number": False},
    }


def write(path: Path, data: Any) -> None:
    """YAML as the packs write it (quoted where YAML would read a boolean)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def make_packs(directory: Path) -> Path:
    """The repository's packs copied into ``directory``, plus the Runish pack."""
    for pack in sorted(PACKS_DIR.glob("*/pack.yml")):
        shutil.copytree(pack.parent, directory / pack.parent.name)
    english = PACKS_DIR / "en"
    runish = directory / CODE
    write(runish / "pack.yml", pack_data())
    responses = yaml.safe_load((english / "responses.yml").read_text(encoding="utf-8"))
    write(runish / "responses.yml", marked(responses, keys=("text", "title")))
    ui = yaml.safe_load((english / "ui.yml").read_text(encoding="utf-8"))
    ui = {"or": "ᛟᚱ", **{s: marked(ui[s]) for s in ("web", "sms", "errors", "chat")}}
    write(runish / "ui.yml", ui)  # no review section: the review app falls back to English
    write(runish / "articles" / "graffiti.yml", {"articles": [{
        "id": ARTICLE, "title": ARTICLE_TITLE, "body": BODY,
        "questions": [QUESTION, "ᚷᚱᚨᚠᚠᛁᛏᛁ ᛟᚾ ᛗᚤ ᚹᚨᛚᛚ", "ᛋᛟᛗᛖᛟᚾᛖ ᛏᚨᚷᚷᛖᛞ ᛗᚤ ᚷᚨᚱᚨᚷᛖ"],
    }]})
    return directory
