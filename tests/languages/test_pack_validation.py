"""A broken language pack is refused when loaded, with the file and the problem named."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.languages import PackError, load_packs
from tests.languages import fake_pack
from tests.languages.fake_pack import CODE, REPOSITORY_CODES


def _edit(folder: Path, name: str, change: Callable[[Any], Any]) -> None:
    path = folder / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(
        yaml.safe_dump(change(data), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )


def _without(key: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda data: {k: v for k, v in data.items() if k != key}


def test_the_fake_pack_itself_loads(tmp_path: Path) -> None:
    packs = load_packs(fake_pack.make_packs(tmp_path))
    assert [p.code for p in packs] == [*REPOSITORY_CODES, CODE]


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        ("pack.yml", _without("retrieval"),
         r"xx/pack.yml: missing required section\(s\) retrieval"),
        ("pack.yml", _without("eval"), r"missing required section\(s\) eval"),
        ("ui.yml", _without("sms"), r"xx/ui.yml: missing required section\(s\) sms"),
        ("responses.yml", _without("utter_greet"),
         r"xx/responses.yml: missing utter_greet \(in en\)"),
        ("responses.yml", lambda d: {**d, "utter_runish_only": [{"text": "ᚺᛁ"}]},
         r"utter_runish_only not in en"),
        ("ui.yml", lambda d: {**d, "web": _without("send")(d["web"])},
         r"xx/ui.yml: web lacks send \(in en\)"),
        ("ui.yml", lambda d: {**d, "errors": {**d["errors"], "message_too_long": "ᛏᛟᛟ ᛚᛟᚾᚷ"}},
         r"errors.message_too_long must use the placeholders \['n'\]"),
        ("pack.yml", lambda d: {**d, "retrieval": {"analyzer": {"kind": "words"}}},
         r"retrieval.analyzer.kind must be one of stem, char_ngrams"),
        ("pack.yml", lambda d: {**d, "retrieval": {"analyzer": {"kind": "char_ngrams"}}},
         r"retrieval.analyzer.n must list n-gram sizes"),
        ("pack.yml", lambda d: {**d, "sms": {"keywords": {"opt_out": ["STOP"]}}},
         r"SMS keyword 'STOP' is already en's"),
        ("pack.yml", lambda d: {**d, "default": True}, r"exactly one pack must say default"),
        ("pack.yml", lambda d: {**d, "code": "yy"}, r"code 'yy' differs from its folder 'xx'"),
    ],
)
def test_a_broken_pack_is_refused_with_a_clear_message(
    tmp_path: Path, file: str, change: Callable[[Any], Any], message: str
) -> None:
    packs = fake_pack.make_packs(tmp_path)
    _edit(packs / CODE, file, change)
    with pytest.raises(PackError, match=message):
        load_packs(packs)


@pytest.mark.parametrize(
    ("file", "text"),
    [
        ("pack.yml", "form:\n  skip: [ᛋᚲᛁᛈ, no]\n"),  # an unquoted no is False
        ("responses.yml", "utter_yes_button:\n- text: ᛃᚨ?\n  buttons:\n  - title: yes\n"
                          "    payload: /affirm\n"),
        ("ui.yml", "chat:\n  anonymous: off\n"),
    ],
)
def test_yaml_booleans_are_refused(tmp_path: Path, file: str, text: str) -> None:
    packs = fake_pack.make_packs(tmp_path)
    path = packs / CODE / file
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    with pytest.raises(PackError, match=rf"{CODE}/{file}.*quote yes/no"):
        load_packs(packs)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    packs = fake_pack.make_packs(tmp_path)
    (packs / CODE / "ui.yml").unlink()
    with pytest.raises(PackError, match=r"xx/ui.yml: missing"):
        load_packs(packs)
