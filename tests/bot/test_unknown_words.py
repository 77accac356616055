"""A message with no known word is not understood; words with attached endings count as known in
a language written in a script of its own (Rasa environment, with the fake "Runish" pack)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from eval.stack import RASA_PYTHON, ROOT
from tests.languages.fake_pack import make_packs

SCRIPT = """
import json, sys
from bot.components.unknown_words import UnknownWords
component = UnknownWords({"min_length": 2}, None, None, frozenset(["ᚷᚨᛋ", "gas", "leak"]))
print(json.dumps({text: component.unknown(text) for text in json.loads(sys.argv[1])}))
"""

CASES = {
    "ᚷᚨᛋᛁᛋ ᛚᛖᚨᚲ": False,   # a known word with an ending attached, in the pack's own script
    "ᛉᛞᛉ ᛞᛉᛞ": True,         # nothing known
    "gas leek": False,        # English: known word
    "gasis": True,            # English: no beginnings for a language without its own script
    "asdf qwerty": True,
}


def test_endings_count_only_in_a_script_language(tmp_path: Path) -> None:
    if not RASA_PYTHON.exists():
        pytest.skip("needs .venv-rasa (make setup)")
    packs = make_packs(tmp_path / "packs")
    run = subprocess.run(
        [str(RASA_PYTHON), "-c", SCRIPT, json.dumps(list(CASES))], cwd=ROOT,
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "LA311_LANGUAGE_PACKS": str(packs),
             "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads(run.stdout.strip().splitlines()[-1]) == CASES
