"""Hybrid retrieval over the knowledge base: BM25 and dense (FAISS) rankings, fused.

Both views rank *articles* (an article's score is its best-matching entry), then reciprocal
rank fusion (RRF) combines the two rankings. Whether the best article is good enough to answer
is decided by a calibrated confidence (see :meth:`Retriever.confidence` and
``knowledge_base/calibration.json``, written by ``eval/retrieval_benchmark.py --calibrate``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from rank_bm25 import BM25Okapi

from knowledge_base.articles import Article, load_articles
from knowledge_base.index import INDEX_DIR, load_encoder
from knowledge_base.text import tokenize

Method = Literal["bm25", "dense", "fused"]
CALIBRATION_PATH = Path(__file__).resolve().parent / "calibration.json"
RRF_K = 20
CANDIDATES = 40
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Hit:
    """An article found for a query, with the evidence of both views."""

    article_id: str
    score: float
    dense: float
    bm25: float


@dataclass(frozen=True)
class Answer:
    """The passage to send a resident, in their language, with its source."""

    article_id: str
    text: str
    source_url: str
    confidence: float


class Retriever:
    """Finds the article that answers a resident's question."""

    def __init__(
        self,
        articles: list[Article],
        entries: list[dict[str, Any]],
        dense_index: Any,
        bm25_docs: list[dict[str, Any]],
        calibration: dict[str, Any] | None = None,
    ) -> None:
        import faiss

        faiss.omp_set_num_threads(1)
        self.articles = {a.id: a for a in articles}
        self._entries = entries
        self._dense = dense_index
        self._bm25_docs = bm25_docs
        self._bm25 = BM25Okapi([d["tokens"] or ["_"] for d in bm25_docs])
        self._calibration = calibration or {}
        self._encoder = load_encoder()

    @classmethod
    def load(cls, index_dir: Path = INDEX_DIR) -> Retriever:
        """Loads the built index (``python -m knowledge_base.index`` builds it)."""
        import faiss

        if not (index_dir / "dense.faiss").exists():
            raise FileNotFoundError(
                f"No knowledge-base index in {index_dir}: run `python -m knowledge_base.index`"
            )
        calibration = (
            json.loads(CALIBRATION_PATH.read_text()) if CALIBRATION_PATH.exists() else {}
        )
        return cls(
            load_articles(),
            json.loads((index_dir / "entries.json").read_text()),
            faiss.read_index(str(index_dir / "dense.faiss")),
            json.loads((index_dir / "bm25.json").read_text()),
            calibration,
        )

    def _dense_scores(self, query: str) -> dict[str, float]:
        vector = self._encoder.encode(
            [query], normalize_embeddings=True, convert_to_numpy=True
        ).astype(np.float32)
        scores, ids = self._dense.search(vector, CANDIDATES)
        best: dict[str, float] = {}
        for score, idx in zip(scores[0], ids[0], strict=True):
            if idx < 0:
                continue
            article_id = self._entries[idx]["article_id"]
            best[article_id] = max(best.get(article_id, -1.0), float(score))
        return best

    def _bm25_scores(self, query: str) -> dict[str, float]:
        tokens = tokenize(query)
        if not tokens:
            return {}
        scores = self._bm25.get_scores(tokens)
        best: dict[str, float] = {}
        for idx in np.argsort(scores)[::-1][:CANDIDATES]:
            if scores[idx] <= 0:
                break
            article_id = self._bm25_docs[idx]["article_id"]
            best[article_id] = max(best.get(article_id, 0.0), float(scores[idx]))
        return best

    def search(self, query: str, k: int = 3, method: Method = "fused") -> list[Hit]:
        """The ``k`` best articles for ``query`` by one view or by both fused."""
        dense = self._dense_scores(query) if method != "bm25" else {}
        lexical = self._bm25_scores(query) if method != "dense" else {}
        if method == "dense":
            ranked = sorted(dense, key=lambda a: dense[a], reverse=True)
            scores = dense
        elif method == "bm25":
            ranked = sorted(lexical, key=lambda a: lexical[a], reverse=True)
            scores = lexical
        else:
            fused: dict[str, float] = {}
            for view in (dense, lexical):
                for rank, article_id in enumerate(
                    sorted(view, key=lambda a, v=view: v[a], reverse=True)  # type: ignore[misc]
                ):
                    fused[article_id] = fused.get(article_id, 0.0) + 1.0 / (RRF_K + rank + 1)
            ranked = sorted(fused, key=lambda a: fused[a], reverse=True)
            scores = fused
        return [
            Hit(a, scores[a], dense.get(a, 0.0), lexical.get(a, 0.0)) for a in ranked[:k]
        ]

    def confidence(self, hit: Hit) -> float:
        """How likely the hit answers the question, from 0 to 1 (a calibrated logistic model).

        Features: the dense cosine similarity and the BM25 score (log-scaled) of the article.
        The weights come from ``calibration.json``; without it, the cosine alone is used.
        """
        weights = self._calibration.get("weights")
        if not weights:
            return max(0.0, min(1.0, hit.dense))
        z = (
            weights["bias"]
            + weights["dense"] * hit.dense
            + weights["bm25"] * math.log1p(hit.bm25)
        )
        return 1.0 / (1.0 + math.exp(-z))

    @property
    def threshold(self) -> float:
        """The confidence below which the assistant says it is not sure."""
        return float(self._calibration.get("threshold", DEFAULT_THRESHOLD))

    def answer(self, query: str, language: str) -> Answer | None:
        """The best passage in ``language`` when confident enough, else ``None``."""
        hits = self.search(query, k=1)
        if not hits:
            return None
        confidence = self.confidence(hits[0])
        if confidence < self.threshold:
            return None
        article = self.articles[hits[0].article_id]
        return Answer(
            article_id=article.id,
            text=article.in_language(language).body,
            source_url=article.source_url,
            confidence=confidence,
        )
