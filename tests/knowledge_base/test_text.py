"""Tokenisation, BM25 and the typo corrector."""

from __future__ import annotations

import pytest

from knowledge_base.bm25 import BM25
from knowledge_base.text import fold, guess_language, speller_suffixes, tokenize
from knowledge_base.translation import Speller, ibm_model1


def test_accents_fold_and_phone_numbers_join() -> None:
    assert fold("¿Dónde está?") == "¿donde esta?"
    assert "311" in tokenize("Call 3-1-1 today")
    assert tokenize("recolección de basura", "es") == tokenize("recoleccion basuras", "es")


def test_english_van_is_not_a_spanish_stopword() -> None:
    assert "van" in tokenize("an abandoned van on my street", "en")


def test_bm25_ranks_the_document_with_the_rare_word_first() -> None:
    bm25 = BM25([["dog", "license"], ["dog", "park"], ["trash", "bin"]])
    scores = bm25.scores(["dog", "license"])
    assert scores.argmax() == 0
    assert scores[2] == 0.0
    assert bm25.scores({"park": 0.5})[1] < bm25.scores({"park": 1.0})[1]


def test_speller_fixes_a_typo_but_not_a_different_word() -> None:
    speller = Speller({"licenci": 10, "permis": 3, "perr": 5}, suffixes=speller_suffixes("es"))
    assert speller.correct("licensi") == "licenci"
    assert speller.correct("perrit") == "perr"
    assert speller.correct("zacat") is None


def test_ibm_model1_aligns_words_that_travel_together() -> None:
    table = ibm_model1(
        [(["perr", "licenci"], ["dog", "licens"]), (["perr", "parqu"], ["dog", "park"]),
         (["gat", "licenci"], ["cat", "licens"])]
    )
    assert max(table["perr"], key=table["perr"].__getitem__) == "dog"
    assert max(table["licenci"], key=table["licenci"].__getitem__) == "licens"


@pytest.mark.parametrize(
    ("text", "language"),
    [("where do i pay my ticket", "en"), ("dónde pago mi multa", "es"),
     ("mi bill de la luz llegó muy alto", "es"), ("dog tag fee? shes spayed", "en")],
)
def test_guess_language(text: str, language: str) -> None:
    assert guess_language(text) == language
