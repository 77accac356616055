"""Request numbers and local references are found however the tokenizer cuts them
(Rasa environment: the spaCy matcher the NLU pipeline runs)."""

from __future__ import annotations

from tests.bot.rasa_env import run_in_rasa

SCRIPT = """
import json, sys
from bot.components.civic_entities import CivicMatcher
matcher = CivicMatcher()
print(json.dumps([[v for label, v, _, _ in matcher.find(text, lang) if label == "request_number"]
                  for text, lang in json.loads(sys.argv[1])]))
"""

CASES = [
    (("status of Q-HA8A6M", "en"), ["Q-HA8A6M"]),  # split by the tokenizer into four tokens
    (("status of Q-7KX2PM please", "en"), ["Q-7KX2PM"]),
    (("estado de q-ab12cd por favor", "es"), ["Q-AB12CD"]),
    (("que paso con 1-1000012", "es"), ["1-1000012"]),
    (("XQ-ABCDEF1 is not one", "en"), []),
    # letters of another script glued on (a particle or a counter word) are not part of it
    (("ᛋᛏᚨᛏᚢᛋ 1-1000012ᛖᚾ", "en"), ["1-1000012"]),
]


def test_every_local_reference_is_found() -> None:
    found = run_in_rasa(SCRIPT, [case for case, _ in CASES])
    assert found == [wanted for _, wanted in CASES]


ADDRESS_SCRIPT = """
import json, sys
from bot.components.civic_entities import CivicMatcher
matcher = CivicMatcher()
print(json.dumps([[v for label, v, _, _ in matcher.find(text, "en") if label == "address"]
                  for text in json.loads(sys.argv[1])]))
"""


def test_an_address_with_another_script_glued_on_is_found() -> None:
    """"3500 W 6th St에 소파가 있어요": the particle is not part of the street's suffix."""
    texts = ["3500 W 6th Stᛖᚾ ᛋᛟᚠᚨ", "ᚲᛟᚱᚾᛖᚱ 5th St and Main Stᛖᚾ", "3500 W 6th St please"]
    assert run_in_rasa(ADDRESS_SCRIPT, texts) == [
        ["3500 W 6th St"], ["5th St and Main St"], ["3500 W 6th St"]]
