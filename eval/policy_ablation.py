"""Does TEDPolicy earn its cost? Train the dialogue policies with and without it and compare.

Trains the core (dialogue) model twice from the same domain and rules — the project's
config.yml (MemoizationPolicy + RulePolicy) and the same plus TEDPolicy — then runs the test
stories (tests/rasa/test_stories.yml) against each and prints training time, model size and
the share of test stories predicted end to end correctly.

Usage: ``.venv-rasa/bin/python -m eval.policy_ablation`` (a few minutes on 2 cores).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from bot.domain_build import build_domain

ROOT = Path(__file__).resolve().parent.parent
TED = {"name": "TEDPolicy", "max_history": 5, "epochs": 50, "constrain_similarities": True}


def train_and_test(config: dict[str, Any], workdir: Path, label: str) -> dict[str, Any]:
    """Trains a core model with ``config`` and runs the test stories against it."""
    config_path = workdir / f"{label}.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    out = workdir / label
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "core", "--config", str(config_path),
         "--domain", str(build_domain(workdir / "domain")), "--stories", str(ROOT / "bot/rules"),
         "--out", str(out), "--fixed-model-name", label],
        check=True, cwd=ROOT, capture_output=True,
    )
    seconds = time.monotonic() - started
    model = out / f"{label}.tar.gz"
    results = workdir / f"{label}-results"
    subprocess.run(
        [sys.executable, "-m", "rasa", "test", "core", "--stories",
         str(ROOT / "tests/rasa/test_stories.yml"), "--model", str(model), "--out", str(results)],
        check=False, cwd=ROOT, capture_output=True,
    )
    report = json.loads((results / "story_report.json").read_text())
    conversations = report.get("conversation_accuracy", {})
    return {
        "train_seconds": round(seconds, 1),
        "model_mb": round(model.stat().st_size / 1e6, 2),
        "story_accuracy": conversations.get("accuracy"),
        "stories": conversations.get("total"),
        "action_f1": report.get("weighted avg", {}).get("f1-score"),
    }


def main() -> None:
    """Command-line entry point."""
    base = yaml.safe_load((ROOT / "config.yml").read_text())
    with_ted = {**base, "policies": [*base["policies"], TED]}
    with tempfile.TemporaryDirectory() as workdir:
        rows = {
            "rules + memoization": train_and_test(base, Path(workdir), "base"),
            "rules + memoization + TED": train_and_test(with_ted, Path(workdir), "ted"),
        }
    print(f"{'policies':28} {'train s':>8} {'MB':>6} {'stories ok':>10} {'action F1':>9}")
    for name, row in rows.items():
        print(f"{name:28} {row['train_seconds']:8.1f} {row['model_mb']:6.2f} "
              f"{row['story_accuracy']:10.3f} {row['action_f1']:9.3f}")


if __name__ == "__main__":
    main()
