"""Hybrid, language-aware retrieval over the knowledge base.

A query is scored against every article by several *views* (see ``knowledge_base/index.py``
for how each is built), chosen by how the query's language reaches the sentence encoder
(its pack's ``retrieval.encoder``): *direct* (English) or *gloss* (Spanish):

===================  ========  =============================================================
view                 reach     what it compares
===================  ========  =============================================================
``dense``            both      MiniLM vector of the query · article centroid in its language
``classifier``       direct    logistic regression over the query's MiniLM vector
``bm25``             both      BM25, query-language documents, typo-corrected query terms
``chars``            both      character 3–5-gram TF-IDF cosine (typos, word forms)
``gloss_dense``      gloss     MiniLM vector of the English gloss · English+glossed centroid
``gloss_classifier`` gloss     logistic regression over the gloss's MiniLM vector
``gloss_bm25``       gloss     English BM25 with the query's weighted word translations
``concept_bm25``     gloss     BM25 over the language's documents and query mapped to English
===================  ========  =============================================================

``search(method="bm25")`` and ``search(method="dense")`` rank by one view alone;
``method="fused"`` adds the views' per-query z-scores with per-language weights from
``calibration.json`` (written by ``eval/retrieval_benchmark.py --tune``; a language it has no
weights for weighs every view 1). A glossed query makes one encoder call (its gloss; MiniLM is
English-only), an English query one as well.

Whether the best article is good enough to answer is a per-language logistic model of the top
hit's fused score, its margin over the runner-up, its dense similarity and its BM25 score
(``--calibrate``), so unanswerable questions get ``None`` from :meth:`Retriever.answer`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from knowledge_base.articles import ARTICLES_DIR, Article, load_articles
from knowledge_base.bm25 import BM25
from knowledge_base.index import INDEX_DIR, classifiers, embed, gloss_space, spaces
from knowledge_base.languages import (
    answer_kinds,
    default_language,
    direct_language,
    encoder,
    gloss_languages,
    languages,
    supported,
)
from knowledge_base.provenance import citation_policy
from knowledge_base.text import fold, guess_language, speller_suffixes, tokenize
from knowledge_base.translation import (
    Speller,
    TranslationTable,
    bag_of,
    concepts_of,
)

Method = Literal["bm25", "dense", "fused"]
CALIBRATION_PATH = Path(__file__).resolve().parent / "calibration.json"
DEFAULT_THRESHOLD = 0.5
# An article that offers the request type the conversation is about needs this share of the
# threshold (see :meth:`Retriever.answer`). Chosen on the DEV conversations: follow-ups such as
# "oye y esto es gratis o cobran?" with the type's name appended scored 0.33-0.36 (Spanish
# threshold 0.43), off-topic messages with it appended ("quien gano el partido?") at most 0.27.
CONTEXT_RELAX = 0.75
# Hits considered for an answer, and how far below the best one's fused score a hit may be
# and still be preferred for giving what the question asks for (a price, days, hours).
ANSWER_CANDIDATES = 3
KIND_MARGIN = 0.15
DIRECT_VIEWS: tuple[str, ...] = ("dense", "classifier", "bm25", "chars")
GLOSS_VIEWS: tuple[str, ...] = (
    "bm25", "chars", "gloss_dense", "gloss_classifier", "gloss_bm25", "concept_bm25"
)
_ENCODED = {"dense": "query", "classifier": "query", "gloss_dense": "gloss",
            "gloss_classifier": "gloss"}


def fused_views(language: str) -> tuple[str, ...]:
    """The views fused for a query in ``language``."""
    return DIRECT_VIEWS if encoder(language) == "direct" else GLOSS_VIEWS


def all_views(language: str) -> tuple[str, ...]:
    """Every view a query in ``language`` can be scored by (the fused ones and ``dense``)."""
    fused = fused_views(language)
    return fused if "dense" in fused else ("dense", *fused)


def evidence_view(language: str) -> str:
    """The dense view a hit's ``dense`` similarity is read from."""
    return "dense" if encoder(language) == "direct" else "gloss_dense"


@dataclass(frozen=True)
class Hit:
    """An article found for a query, with the evidence used to judge it.

    Attributes:
        article_id: The article.
        score: Its score under the method asked for (fused: see :meth:`Retriever.fuse`).
        dense: Cosine similarity of the query (a glossed language's: its gloss) to the
            article centroid.
        bm25: BM25 score of the article in the query's language.
        margin: ``score`` minus the best score of any other article.
        language: The language the query was treated as.
    """

    article_id: str
    score: float
    dense: float
    bm25: float
    margin: float = 0.0
    language: str = ""


@dataclass(frozen=True)
class Answer:
    """The answer to send a resident, in their language, with its citation.

    Attributes:
        article_id: The article answering.
        title: The article's title in the resident's language (what the answer is about).
        text: The full answer (web chat).
        sms: The short form: every number of ``text``, fits three SMS segments with ``source``.
        source_url: The official page cited.
        source: The citation as residents see it: the link, labelled when it is not a City page.
        confidence: How likely the article answers the question (0 to 1).
        offers: The 311 request type worth offering to file after the answer, if any.
        language: The language of ``title``, ``text``, ``sms`` and ``source``: the resident's
            (``None`` says so too), or the default language's when the article has no text in
            theirs.
    """

    article_id: str
    title: str
    text: str
    sms: str
    source_url: str
    source: str
    confidence: float
    offers: str | None = None
    language: str | None = None


def zscores(scores: np.ndarray) -> np.ndarray:
    """Per-query standardisation, so views on different scales can be added."""
    std = float(scores.std())
    if std < 1e-12:
        return np.zeros_like(scores)
    result: np.ndarray = (scores - scores.mean()) / std
    return result


def answer_language(article: Article, language: str) -> str:
    """The language an article answers in: ``language`` if written in it, else the default."""
    language = supported(language)
    return language if article.written_in(language) else default_language()


class Retriever:
    """Finds the article that answers a resident's question, in any pack's language."""

    def __init__(
        self,
        articles: list[Article],
        index_dir: Path = INDEX_DIR,
        calibration: dict[str, Any] | None = None,
    ) -> None:
        import faiss
        from sklearn.feature_extraction.text import TfidfVectorizer

        faiss.omp_set_num_threads(1)
        lexical = json.loads((index_dir / "lexical.json").read_text())
        by_id = {a.id: a for a in articles}
        self._ids: list[str] = lexical["articles"]
        missing = [i for i in self._ids if i not in by_id]
        if missing:
            raise FileNotFoundError(f"Index {index_dir} is stale: rebuild it ({missing[:3]})")
        self.articles = {i: by_id[i] for i in self._ids}
        self._dense = {
            space: faiss.read_index(str(index_dir / f"dense_{space}.faiss")) for space in spaces()
        }
        with np.load(index_dir / "classifiers.npz") as data:
            self._classifiers = {
                name: (data[f"{name}_coef"], data[f"{name}_intercept"]) for name in classifiers()
            }
        self._bm25 = {lang: BM25(docs) for lang, docs in lexical["bm25"].items()}
        self._concepts = {lang: BM25(docs) for lang, docs in lexical["concept"].items()}
        self._spellers = {
            lang: Speller(
                {t: int(bm25.document_frequency[i]) for t, i in bm25.vocabulary.items()},
                suffixes=speller_suffixes(lang),
            )
            for lang, bm25 in self._bm25.items()
        }
        self._chars: dict[str, tuple[Any, Any]] = {}
        for lang, docs in lexical["chars"].items():
            vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5),
                                         sublinear_tf=True)
            self._chars[lang] = (vectorizer, vectorizer.fit_transform(docs).T.tocsr())
        tables = json.loads((index_dir / "translation.json").read_text())
        self.translations = {
            lang: TranslationTable.from_json(tables[lang]) for lang in gloss_languages()
        }
        self._calibration = calibration or {}
        embed(["warm up"])  # loads the encoder now, not during a resident's first question

    @classmethod
    def load(
        cls, index_dir: Path = INDEX_DIR, articles_dir: Path = ARTICLES_DIR,
        calibration_path: Path = CALIBRATION_PATH,
    ) -> Retriever:
        """Loads the built index (``python -m knowledge_base.index`` builds it)."""
        if not (index_dir / "lexical.json").exists():
            raise FileNotFoundError(
                f"No knowledge-base index in {index_dir}: run `python -m knowledge_base.index`"
            )
        calibration = (
            json.loads(calibration_path.read_text()) if calibration_path.exists() else {}
        )
        return cls(load_articles(articles_dir), index_dir, calibration)

    # ------------------------------------------------------------------ views

    def _centroid_scores(self, space: str, vector: np.ndarray) -> np.ndarray:
        index = self._dense[space]
        scores, ids = index.search(vector[None, :], index.ntotal)
        result = np.empty(index.ntotal, dtype=np.float64)
        result[ids[0]] = scores[0]
        return result

    def _classifier_scores(self, name: str, vector: np.ndarray) -> np.ndarray:
        coef, intercept = self._classifiers[name]
        result: np.ndarray = (coef @ vector + intercept).astype(np.float64)
        return result

    def _bm25_scores(self, query: str, language: str) -> np.ndarray:
        speller = self._spellers[language]
        tokens = [speller.correct(t) or t for t in tokenize(query, language)]
        return self._bm25[language].scores(tokens)

    def _char_scores(self, query: str, language: str) -> np.ndarray:
        vectorizer, documents = self._chars[language]
        result: np.ndarray = (vectorizer.transform([fold(query)]) @ documents).toarray()[0]
        return result

    def view_scores(
        self, query: str, language: str, views: tuple[str, ...] | None = None
    ) -> dict[str, np.ndarray]:
        """Every article's score under each of ``views`` (default: the fused ones).

        Args:
            query: The resident's question.
            language: A pack's code (the default language for any other).
            views: View names (see the module docstring).
        """
        language = supported(language)
        views = views or fused_views(language)
        table = self.translations.get(language)
        texts: dict[str, str] = {}
        for view in views:
            if _ENCODED.get(view) == "query":
                texts["query"] = query
            elif _ENCODED.get(view) == "gloss":
                if table is None:
                    raise ValueError(f"{view!r} needs a glossed language, not {language!r}")
                texts["gloss"] = table.gloss(query)
        vectors = dict(zip(texts, embed(list(texts.values())), strict=True)) if texts else {}
        translated = (
            table.translate(query)
            if table is not None and {"gloss_bm25", "concept_bm25"} & set(views) else []
        )
        scores: dict[str, np.ndarray] = {}
        for view in views:
            if view == "dense":
                scores[view] = self._centroid_scores(language, vectors["query"])
            elif view == "classifier":
                scores[view] = self._classifier_scores(direct_language(), vectors["query"])
            elif view == "gloss_dense":
                scores[view] = self._centroid_scores(gloss_space(language), vectors["gloss"])
            elif view == "gloss_classifier":
                scores[view] = self._classifier_scores(gloss_space(language), vectors["gloss"])
            elif view == "bm25":
                scores[view] = self._bm25_scores(query, language)
            elif view == "gloss_bm25":
                scores[view] = self._bm25[direct_language()].scores(bag_of(translated))
            elif view == "concept_bm25":
                scores[view] = self._concepts[language].scores(concepts_of(translated))
            elif view == "chars":
                scores[view] = self._char_scores(query, language)
            else:
                raise ValueError(f"unknown view {view!r}")
        return scores

    @property
    def calibration(self) -> dict[str, Any]:
        """The fusion weights and confidence models in use (``calibration.json``)."""
        return self._calibration

    def weights(self, language: str) -> dict[str, float]:
        """Fusion weight of each fused view for ``language`` (1 each when not calibrated)."""
        tuned = self._calibration.get("fusion", {}).get(language, {})
        return {view: float(tuned.get(view, 1.0)) for view in fused_views(language)}

    def fuse(
        self, scores: dict[str, np.ndarray], language: str,
        weights: dict[str, float] | None = None,
    ) -> np.ndarray:
        """The weighted sum of the views' z-scores, scaled to about [-1, 1].

        Dividing by the total weight and by √(articles − 1), the largest z-score possible,
        keeps the fused score (a confidence feature) comparable across index sizes.
        """
        weights = weights or self.weights(language)
        total = np.zeros(len(self._ids), dtype=np.float64)
        for view, weight in weights.items():
            if weight:
                total += weight * zscores(scores[view])
        scale = sum(abs(w) for w in weights.values()) * math.sqrt(max(1, len(self._ids) - 1))
        result: np.ndarray = total / max(scale, 1e-9)
        return result

    def hits(
        self, ranking: np.ndarray, scores: dict[str, np.ndarray], language: str, k: int,
        positive_only: bool = False,
    ) -> list[Hit]:
        """The ``k`` best articles of ``ranking`` as hits with their evidence."""
        order = np.argsort(-ranking, kind="stable")[: max(k, 2)]
        dense = scores.get(evidence_view(language))
        if dense is None:
            dense = scores.get("dense")
        lexical = scores.get("bm25")
        out: list[Hit] = []
        for position, idx in enumerate(order[:k]):
            if positive_only and ranking[idx] <= 0:
                break
            other = ranking[order[1]] if position == 0 and len(order) > 1 else ranking[order[0]]
            out.append(Hit(
                article_id=self._ids[idx],
                score=float(ranking[idx]),
                dense=float(dense[idx]) if dense is not None else 0.0,
                bm25=float(lexical[idx]) if lexical is not None else 0.0,
                margin=float(ranking[idx] - other),
                language=language,
            ))
        return out

    def search(
        self, query: str, k: int = 3, method: Method = "fused", language: str | None = None
    ) -> list[Hit]:
        """The ``k`` best articles for ``query`` by one view alone or by all fused.

        Args:
            query: The resident's question.
            k: How many articles.
            method: ``"bm25"`` or ``"dense"`` (one view), or ``"fused"``.
            language: A pack's code; guessed from the words when not given.
        """
        lang = language if language in languages() else guess_language(query)
        if method == "bm25":
            scores = self.view_scores(query, lang, ("bm25",))
            return self.hits(scores["bm25"], scores, lang, k, positive_only=True)
        if method == "dense":
            scores = self.view_scores(query, lang, ("dense",))
            return self.hits(scores["dense"], scores, lang, k)
        weighted = tuple(v for v, w in self.weights(lang).items() if w)
        evidence = (evidence_view(lang), "bm25")
        scores = self.view_scores(query, lang, tuple(dict.fromkeys(weighted + evidence)))
        return self.hits(self.fuse(scores, lang), scores, lang, k)

    def _confident(self, hit: Hit, context: str | None) -> bool:
        """Whether ``hit`` may answer: its confidence reaches the (context-relaxed) threshold."""
        threshold = self.threshold(hit.language)
        if context and self.articles[hit.article_id].offers == context:
            threshold *= CONTEXT_RELAX
        return self.confidence(hit) >= threshold

    def _asked_for(self, query: str, language: str, hits: list[Hit]) -> Hit:
        """The hit that gives what the question asks for, else the best (confident) one.

        "how much does it cost?" wants a price or "free", "which days?" weekdays, "what time?"
        hours (the pack's ``retrieval.asks``): among the hits within :data:`KIND_MARGIN` of the
        best one's fused score, the first whose text shows it answers. "Yes. LA Sanitation
        offers bulky pickup to apartments …" does not answer "is it free?".
        """
        best = hits[0]
        folded = fold(query)
        for question, shows in answer_kinds(language):
            if not question.search(folded):
                continue
            for hit in hits:
                if best.score - hit.score > KIND_MARGIN:
                    break
                text = self.articles[hit.article_id].in_language(
                    answer_language(self.articles[hit.article_id], language)
                )
                if shows.search(fold(f"{text.title} {text.body}")):
                    return hit
        return best

    # ------------------------------------------------------------ confidence

    @staticmethod
    def features(hit: Hit) -> list[float]:
        """What the confidence model looks at: fused score, margin, dense, log BM25."""
        return [hit.score, hit.margin, hit.dense, math.log1p(max(hit.bm25, 0.0))]

    def confidence(self, hit: Hit) -> float:
        """How likely the hit answers the question, from 0 to 1 (a calibrated logistic model).

        The per-language weights come from ``calibration.json``; without them, the dense
        cosine alone is used.
        """
        model = self._calibration.get("confidence", {}).get(hit.language)
        if not model:
            return max(0.0, min(1.0, hit.dense))
        z = model["bias"] + sum(
            w * f for w, f in zip(model["weights"], self.features(hit), strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def threshold(self, language: str | None = None) -> float:
        """The confidence below which the assistant says it is not sure."""
        model = self._calibration.get("confidence", {}).get(supported(language), {})
        return float(model.get("threshold", DEFAULT_THRESHOLD))

    def answer(
        self, query: str, language: str, context: str | None = None, exclude: str | None = None
    ) -> Answer | None:
        """The best passage in ``language`` when confident enough, else ``None``.

        An article not written in ``language`` answers with its default-language text.

        Args:
            query: The resident's words (with the conversation's topic appended by the caller
                for a follow-up).
            language: A pack's code.
            context: The request type the conversation is about (the form in progress, the
                type the message names): an article that offers that very type is accepted
                at :data:`CONTEXT_RELAX` of the threshold. "is it free?" in the middle of a
                bulky-item request is a question about bulky items, and the conversation
                already says so; an article about anything else still needs full confidence.
            exclude: An article id not to answer with (the one just given, for a follow-up).
        """
        hits = [h for h in self.search(query, k=ANSWER_CANDIDATES, language=language)
                if h.article_id != exclude]
        if not hits or not self._confident(hits[0], context):
            return None
        confidence = self.confidence(hits[0])
        hit = self._asked_for(query, language, hits)
        article = self.articles[hit.article_id]
        language = answer_language(article, language)
        text = article.in_language(language)
        return Answer(
            article_id=article.id,
            title=text.title,
            text=text.body,
            sms=text.sms,
            source_url=article.citation,
            source=citation_policy().source_line(article.citation, language),
            confidence=confidence,
            offers=article.offers,
            language=language,
        )
