"""Run the exported sentence encoder with onnxruntime (no PyTorch needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.encoder.export import DEFAULT_OUT

MAX_TOKENS = 128


class SentenceEncoder:
    """all-MiniLM-L6-v2 sentence embeddings (384 floats, unit length) from ONNX."""

    def __init__(
        self, directory: Path = DEFAULT_OUT, threads: int = 1, max_tokens: int = MAX_TOKENS
    ) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        model = directory / "model.onnx"
        if not model.exists():
            raise FileNotFoundError(
                f"{model} is missing: run `make setup` (python -m bot.encoder.export)"
            )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(model), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_tokens)
        self._tokenizer.enable_padding()

    @property
    def dimension(self) -> int:
        """Length of one embedding."""
        return 384

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Embeds ``texts``; returns an array of shape (len(texts), 384)."""
        chunks: list[np.ndarray] = []
        for start in range(0, len(texts), batch_size):
            window = texts[start:start + batch_size]
            batch = self._tokenizer.encode_batch([t or " " for t in window])
            ids = np.array([e.ids for e in batch], dtype=np.int64)
            mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
            types = np.array([e.type_ids for e in batch], dtype=np.int64)
            (vectors,) = self._session.run(
                ["embedding"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
            )
            chunks.append(vectors)
        if not chunks:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.concatenate(chunks).astype(np.float32)
