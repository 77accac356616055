"""The retriever on a real index (MiniLM, FAISS, BM25) built from a handful of real articles.

The questions here are written for these tests: none is an article's own paraphrase or a
benchmark question.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
import pytest

from knowledge_base.index import MAX_TOKENS, embed, is_current, load_encoder, query_encoder
from knowledge_base.retriever import Retriever


def test_the_built_index_is_current(small_kb: tuple[Path, Path]) -> None:
    articles_dir, index_dir = small_kb
    assert is_current(index_dir, articles_dir)


@pytest.mark.parametrize(
    ("spanish", "english"),
    [("basura", {"trash"}), ("multa", {"ticket", "citat"}), ("perro", {"dog"}),
     ("contenedor", {"bin"}), ("licencia", {"licens"})],
)
def test_translation_table_maps_obvious_pairs(
    retriever: Retriever, spanish: str, english: set[str]
) -> None:
    best = next(iter(retriever.translations["es"].translate(spanish)[0]))
    assert best in english


def test_gloss_reads_as_english(retriever: Retriever) -> None:
    gloss = retriever.translations["es"].gloss("¿Cuánto cuesta la licencia de mi perrita?").split()
    assert {"how", "much", "license", "dog"} <= set(gloss)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("cuánto me va a costar la licencia para mi perro", "animals-dog-license-fee"),
        ("quiero pagar la multa de mi carro por internet con mi tarjeta",
         "parking-ticket-pay-online"),
        ("el camión de la basura rompió mi bote negro, me dan uno nuevo?",
         "sanitation-broken-missing-bin"),
        ("la lampara de la calle enfrente de mi casa no prende", "streetlights-report-outage"),
        ("no estoy de acuerdo con el ticket, como lo peleo", "parking-ticket-contest"),
    ],
)
def test_a_spanish_question_finds_its_article(
    retriever: Retriever, question: str, expected: str
) -> None:
    assert retriever.search(question, k=1, language="es")[0].article_id == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what does it cost per year to license my dog", "animals-dog-license-fee"),
        ("someone spray painted my fence, how do i get it cleaned up", "graffiti-report"),
        ("can i leave an old couch at the curb for pickup", "sanitation-bulky-how-to-request"),
    ],
)
def test_an_english_question_finds_its_article(
    retriever: Retriever, question: str, expected: str
) -> None:
    assert retriever.search(question, k=1, language="en")[0].article_id == expected


def test_a_typo_and_a_diminutive_still_find_the_article(retriever: Retriever) -> None:
    hit = retriever.search("cuanto sale la licensia de mi perrito", k=1, language="es")[0]
    assert hit.article_id == "animals-dog-license-fee"


def test_single_views_rank_on_their_own(retriever: Retriever) -> None:
    question = "where do i pay my parking ticket online"
    for method in ("bm25", "dense", "fused"):
        hits = retriever.search(question, k=3, method=method, language="en")
        assert len(hits) == 3
        assert hits[0].article_id == "parking-ticket-pay-online"
        assert hits[0].score >= hits[1].score


def test_the_answer_is_in_the_residents_language(retriever: Retriever) -> None:
    answer = retriever.answer("¿cómo pago mi multa de estacionamiento en línea?", "es")
    assert answer is not None
    assert answer.article_id == "parking-ticket-pay-online"
    assert answer.text == retriever.articles["parking-ticket-pay-online"].text["es"].body
    assert answer.source_url.startswith("https://")
    assert 0.0 <= answer.confidence <= 1.0


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("how do i renew my driver's license at the dmv", "en"),
        ("how do i apply for food stamps", "en"),
        ("cómo saco el pasaporte para mi hijo", "es"),
        ("dónde me vacunan contra la gripe gratis", "es"),
    ],
)
def test_an_unanswerable_question_gets_no_answer(
    retriever: Retriever, question: str, language: str
) -> None:
    assert retriever.answer(question, language) is None


def test_language_is_guessed_when_not_given(retriever: Retriever) -> None:
    hit = retriever.search("se me rompió el bote azul del reciclaje", k=1)[0]
    assert hit.language == "es"


def test_retrieval_is_fast(retriever: Retriever) -> None:
    questions = ["how much is a dog license", "dónde pago mi multa", "my bin is broken",
                 "la luz de la calle no sirve"] * 5
    retriever.search(questions[0])
    timings = []
    for question in questions:
        started = time.perf_counter()
        retriever.search(question)
        timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.1  # ~10-15 ms on a busy 2-core machine


def test_queries_are_embedded_like_the_index() -> None:
    """The ONNX query encoder gives the vectors sentence-transformers gave the index."""
    questions = ["where do i pay a parking ticket", "se me rompió el bote azul",
                 "my neighbor's dog barks all night " * 40]  # longer than the model's limit
    assert query_encoder() is not None, "run `make encoder`: queries would use PyTorch"
    indexed = load_encoder().encode(questions, normalize_embeddings=True)
    assert load_encoder().max_seq_length == MAX_TOKENS
    assert np.abs(embed(questions) - indexed).max() < 1e-4


def test_the_answer_carries_its_short_form_and_the_request_to_offer(retriever: Retriever) -> None:
    answer = retriever.answer("can i leave an old couch at the curb for pickup", "en")
    assert answer is not None
    article = retriever.articles[answer.article_id]
    assert answer.offers == article.offers == "bulky-items"
    assert answer.sms == article.text["en"].sms
    assert answer.source == answer.source_url == article.citation  # a City page: no label
