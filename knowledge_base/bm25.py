"""Okapi BM25 as a sparse term-by-document matrix, so scoring a query is a few row reads.

``rank_bm25`` loops over every document in Python for every query term; here each term's BM25
contribution to every document (IDF times saturated, length-normalised term frequency) is
computed once when the index is loaded, and a query's scores are a weighted sum of the rows of
its terms (a sparse-matrix product, microseconds for this knowledge base).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import sparse


class BM25:
    """BM25 scores of a query against a fixed set of tokenised documents.

    Args:
        documents: Each document's tokens.
        k1: Term-frequency saturation.
        b: Document-length normalisation (0: none, 1: full).
    """

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75):
        self.k1 = k1
        self.b = b
        self.vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        counts: list[float] = []
        lengths = np.array([len(d) for d in documents], dtype=np.float64)
        for doc, tokens in enumerate(documents):
            for token, count in Counter(tokens).items():
                rows.append(self.vocabulary.setdefault(token, len(self.vocabulary)))
                cols.append(doc)
                counts.append(float(count))
        n_docs = len(documents)
        tf = sparse.csr_matrix(
            (counts, (rows, cols)), shape=(len(self.vocabulary), n_docs), dtype=np.float64
        )
        self.document_frequency = np.diff(tf.indptr).astype(np.int64)
        idf = np.log1p((n_docs - self.document_frequency + 0.5) / (self.document_frequency + 0.5))
        average = float(lengths.mean()) if n_docs and lengths.sum() else 1.0
        norm = k1 * (1.0 - b + b * lengths / average)
        data = tf.data * (k1 + 1.0) / (tf.data + norm[tf.indices])
        data *= np.repeat(idf, np.diff(tf.indptr))
        self._weights = sparse.csr_matrix((data, tf.indices, tf.indptr), shape=tf.shape)
        self.n_documents = n_docs

    def scores(self, query: Sequence[str] | Mapping[str, float]) -> np.ndarray:
        """BM25 score of every document for ``query``.

        Args:
            query: Query tokens (a repeated token counts again), or tokens with weights (for
                a translated query whose words are only probably right).
        """
        weighted = query if isinstance(query, Mapping) else Counter(query)
        ids: list[int] = []
        weights: list[float] = []
        for token, weight in weighted.items():
            index = self.vocabulary.get(token)
            if index is not None and weight > 0:
                ids.append(index)
                weights.append(float(weight))
        if not ids:
            return np.zeros(self.n_documents, dtype=np.float64)
        rows = self._weights[ids]
        result: np.ndarray = rows.T @ np.asarray(weights, dtype=np.float64)
        return result

    def idf(self, token: str) -> float:
        """The inverse document frequency of ``token`` (0 when no document has it)."""
        index = self.vocabulary.get(token)
        if index is None:
            return 0.0
        n = float(self.document_frequency[index])
        return math.log1p((self.n_documents - n + 0.5) / (n + 0.5))
