"""The retrieval benchmark stays out of the articles the retriever learns from."""

from __future__ import annotations

from eval.contamination import THRESHOLD, Words, benchmark_questions, overlaps, similarity


def test_a_copy_with_one_word_changed_is_caught() -> None:
    asked = "tengo que enjuagar los frascos antes de echarlos al bote azul"
    copy = similarity(Words.of(asked, "es"), Words.of(asked.replace("bote", "tambo"), "es"))
    assert copy >= THRESHOLD


def test_sharing_a_topic_or_a_template_is_not_a_copy() -> None:
    topic = similarity(Words.of("permiso para quitar un árbol", "es"),
                       Words.of("quiero quitar el arbol de la banqueta, necesito permiso?", "es"))
    template = similarity(Words.of("how do i apply for ez save", "en"),
                          Words.of("how do i apply for us citizenship", "en"))
    assert topic < THRESHOLD
    assert template < THRESHOLD


def test_no_article_paraphrase_copies_a_benchmark_question() -> None:
    assert len(benchmark_questions()) >= 300
    found = overlaps()
    assert not found, "\n".join(f"{o.article_id}: {o.paraphrase!r} ~ {o.question!r}"
                                for o in found[:10])
