"""Checks that a model understands the corrected messages (run in the Rasa environment).

Reads ``[{"text", "intent"}, …]``, parses each text with the model as the assistant would,
and writes ``[{"text", "intent", "predicted", "confidence", "ok"}, …]``.

Usage: ``.venv-rasa/bin/python -m eval.review.retrain.understands MODEL IN.json OUT.json``
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path


def main() -> None:
    """Command-line entry point."""
    from eval.nlu_eval import predict

    model, source, target = (Path(a) for a in sys.argv[1:4])
    cases = json.loads(source.read_text(encoding="utf-8"))
    predictions = asyncio.run(predict(model, [c["text"] for c in cases])) if cases else []
    results = [
        {"text": c["text"], "intent": c["intent"], "predicted": p[0],
         "confidence": round(p[1], 3), "ok": p[0] == c["intent"]}
        for c, p in zip(cases, predictions, strict=True)
    ]
    target.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
