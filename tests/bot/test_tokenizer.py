"""Words of scripts that Rasa's emoji pattern covers are tokens, not removed emoji."""

from __future__ import annotations

from tests.bot.rasa_env import run_in_rasa

SCRIPT = """
import json, sys
from rasa.shared.nlu.training_data.message import Message
from bot.components.tokenizer import LetterKeepingWhitespaceTokenizer as Tokenizer
tokenizer = Tokenizer(Tokenizer.get_default_config())
print(json.dumps([[t.text for t in tokenizer.tokenize(Message(data={"text": text}), "text")]
                  for text in json.loads(sys.argv[1])]))
"""


def test_every_script_keeps_its_words_and_emoji_still_go() -> None:
    got = run_in_rasa(SCRIPT, [
        "낙서 신고할게요 3500 W 6th St",  # Rasa's own tokenizer kept only "3500 W 6th St"
        "路灯 坏了 在 Main St",
        "there is a pothole 🙂 on main st!!",
        "¿dónde está el bache? 😡😡",
    ])
    assert got == [
        ["낙서", "신고할게요", "3500", "W", "6th", "St"],
        ["路灯", "坏了", "在", "Main", "St"],
        ["there", "is", "a", "pothole", "on", "main", "st"],
        ["dónde", "está", "el", "bache"],
    ]
