"""Train the Rasa model only when its inputs changed (run in the Rasa environment).

The inputs are config.yml, the domain (bot/domain), the rules and stories (bot/rules,
bot/stories), the NLU data (nlu_data/, including staff-reviewed examples) and the custom
components (bot/components). Their content
hash is written next to the model as ``models/<hash>.tar.gz``; when that file exists there is
nothing to do. ``--force`` trains anyway, ``--print-hash`` only prints the hash.

Usage: ``.venv-rasa/bin/python -m bot.train [--force] [--print-hash] [--out models]``
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INPUTS = (
    "config.yml", "bot/domain", "bot/rules", "bot/stories", "nlu_data", "bot/components",
    "bot/policies", "bot/languages", "bot/language.py", "bot/safety.py", "bot/text.py",
)
TRAINING_DATA = ("nlu_data", "bot/rules", "bot/stories")
KEEP_MODELS = 3


def content_hash(root: Path = ROOT) -> str:
    """A hash of every training input file's path and bytes, in a stable order."""
    digest = hashlib.sha256()
    for entry in INPUTS:
        path = root / entry
        files = (
            sorted([*path.rglob("*.yml"), *path.rglob("*.py")]) if path.is_dir() else [path]
        )
        for file in files:
            if file.is_file():
                digest.update(file.relative_to(root).as_posix().encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def train(out: Path, force: bool = False) -> Path:
    """Trains into ``out/<hash>.tar.gz`` unless that model already exists."""
    model = out / f"{content_hash()}.tar.gz"
    if model.exists() and not force:
        print(f"Model is up to date: {model.relative_to(ROOT)}")
        return model
    data = [str(ROOT / d) for d in TRAINING_DATA if (ROOT / d).exists()]
    command = [
        sys.executable, "-m", "rasa", "train",
        "--config", str(ROOT / "config.yml"),
        "--domain", str(ROOT / "bot/domain"),
        "--data", *data,
        "--out", str(out),
        "--fixed-model-name", model.name.removesuffix(".tar.gz"),
    ]
    print("Training the Rasa model (inputs changed)…", flush=True)
    started = time.monotonic()
    subprocess.run(command, check=True, cwd=ROOT)
    print(f"Trained {model.relative_to(ROOT)} in {time.monotonic() - started:.0f} s")
    prune(out, keep=KEEP_MODELS)
    return model


def prune(out: Path, keep: int) -> None:
    """Deletes all but the ``keep`` newest models (the newest is the one `rasa run` loads)."""
    models = sorted(out.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in models[keep:]:
        old.unlink()


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="train even if up to date")
    parser.add_argument("--print-hash", action="store_true", help="print the hash and exit")
    parser.add_argument("--out", type=Path, default=ROOT / "models")
    args = parser.parse_args()
    if args.print_hash:
        print(content_hash())
        return
    train(args.out.resolve(), args.force)


if __name__ == "__main__":
    main()
