"""Bilingual knowledge base of City-service answers, and its hybrid (BM25 + FAISS) retriever."""
