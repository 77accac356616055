"""Rasa's whitespace tokenizer, without dropping words of scripts its emoji pattern covers.

Rasa 3.6's ``WhitespaceTokenizer`` removes a token that fully matches its emoji regular
expression, whose range U+24C2–U+1F251 also covers Hangul, CJK and many other scripts: every
Korean word vanished ("낙서 신고할게요 3500 W 6th St" became "3500 W 6th St"), and a message of
Korean words only became one token. A token with a letter in it is kept here; emoji and other
symbols are still removed exactly as Rasa does, so Latin-script messages tokenize as before.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class LetterKeepingWhitespaceTokenizer(WhitespaceTokenizer):
    """Whitespace tokenizer that never removes a token containing a letter."""

    def remove_emoji(self, text: str) -> str:
        """Removes ``text`` if it is an emoji (or symbols) only; a word is kept."""
        if any(character.isalpha() for character in text):
            return text
        return str(super().remove_emoji(text))
