"""Language packs (bot/languages): the list of languages comes from data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.languages import PACKS_DIR, PackError, codes, get_pack, load_packs


def test_english_and_spanish_packs_name_themselves() -> None:
    assert codes()[:2] == ("en", "es")
    assert get_pack("es").name == "Español"
    assert get_pack("xx").code == "en"  # unknown codes fall back to the default language


def test_a_new_folder_is_a_new_language(tmp_path: Path) -> None:
    shutil.copytree(PACKS_DIR / "en", tmp_path / "en")
    shutil.copytree(PACKS_DIR / "en", tmp_path / "zz")
    pack = yaml.safe_load((tmp_path / "zz" / "pack.yml").read_text(encoding="utf-8"))
    pack.update(code="zz", name="Zedish", order=9, default=False, sms={})
    (tmp_path / "zz" / "pack.yml").write_text(yaml.safe_dump(pack), encoding="utf-8")
    assert [p.code for p in load_packs(tmp_path)] == ["en", "zz"]


def test_a_pack_must_match_its_folder(tmp_path: Path) -> None:
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "pack.yml").write_text("code: de\nname: Deutsch\norder: 3\n")
    with pytest.raises(PackError):
        load_packs(tmp_path)


def test_an_unquoted_yes_is_refused(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "pack.yml").write_text(
        "code: en\nname: English\norder: 1\nwords: [yes, ok]\n"
    )
    with pytest.raises(PackError, match="quote"):
        load_packs(tmp_path)
