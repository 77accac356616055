"""The one trainer of the Rasa model (run in the Rasa environment).

``make model`` and the staff review app's candidates both call it.

A model is named by the content hash of its inputs: config, domain (bot/domain), custom
components (bot/components), the language packs (bot/languages), and the training data:
nlu_data/<code>/ for each language pack (a folder of a language without a pack is left out),
nlu_data/reviewed/ (approved staff corrections), bot/rules, bot/stories, plus any
``--data DIR`` (a candidate's staged corrections). Training data files are hashed by their path
inside their data folder (``--data var/review/staged/job-3/reviewed`` hashes ``reviewed/…``),
so a candidate trained on staged corrections has the same name as the model ``make model``
would train once those files are approved into nlu_data/reviewed/: after an approval (or a
rollback), a restart finds the model up to date instead of training another.

``models/CURRENT`` names the current model (what the review app's model server gives Rasa);
training without ``--candidate`` sets it. ``models/KEEP`` lists models never pruned (the
review app's releases, for rollback). ``--force`` trains anyway, ``--print-hash`` only prints
the hash, ``--print-data`` the training data folders (``make validate`` checks those).

Usage: ``.venv-rasa/bin/python -m bot.train [--force] [--print-hash] [--print-data]
[--out models] [--config config.yml] [--data DIR …] [--candidate]``
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.domain_build import build_domain
from bot.languages import codes

ROOT = Path(__file__).resolve().parent.parent
# Code and data that shape the model besides config.yml and the training data below.
INPUTS = (
    "bot/domain", "bot/components", "bot/policies", "bot/languages", "bot/language.py",
    "bot/safety.py", "bot/text.py", "bot/domain_build.py",
    "knowledge_base/articles",  # words the UnknownWords component counts as known
)
NLU_DATA = "nlu_data"
SHARED_NLU_DATA = ("reviewed",)
"""Folders of nlu_data/ that hold every language's examples (the others are one language's)."""
OTHER_DATA = ("bot/rules", "bot/stories")


def nlu_folders(root: Path = ROOT) -> list[Path]:
    """The NLU data trained on: nlu_data/<code>/ of each language pack, and the shared folders.

    Files directly in nlu_data/ count as shared too; a folder named after no pack (a language
    being prepared) is left out.
    """
    base = root / NLU_DATA
    if not base.is_dir():
        return []
    wanted = {*codes(), *SHARED_NLU_DATA}
    return sorted(p for p in base.iterdir() if (p.is_dir() and p.name in wanted) or (
        p.is_file() and p.suffix == ".yml"))
KEEP_MODELS = 3
CURRENT = "CURRENT"
KEEP = "KEEP"


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in [*path.rglob("*.yml"), *path.rglob("*.py")] if p.is_file())


def content_hash(
    root: Path = ROOT, config: Path | None = None, extra: tuple[Path, ...] = ()
) -> str:
    """A hash of every training input (see the module doc for how files are named)."""
    entries: list[tuple[str, bytes]] = []
    config = config or root / "config.yml"
    entries.append(("config.yml", config.read_bytes()))
    for entry in INPUTS:
        for file in _files(root / entry):
            entries.append((file.relative_to(root).as_posix(), file.read_bytes()))
    # Files are named by their path inside their data root: nlu_data/en/core.yml is "en/core.yml".
    data_files: list[tuple[Path, Path, str | None]] = [
        (file, root / NLU_DATA, None) for folder in nlu_folders(root) for file in _files(folder)
    ]
    for data_root, prefix in [(root / d, None) for d in OTHER_DATA] + [(d, d.name) for d in extra]:
        if data_root.exists():
            data_files += [(file, data_root, prefix) for file in _files(data_root)]
    for file, data_root, prefix in data_files:
        relative = file.relative_to(data_root).as_posix()
        key = f"data:{prefix}/{relative}" if prefix else f"data:{relative}"
        entries.append((key, file.read_bytes()))
    digest = hashlib.sha256()
    for key, content in sorted(entries, key=lambda e: (e[0], hashlib.sha256(e[1]).digest())):
        digest.update(key.encode())
        digest.update(hashlib.sha256(content).digest())
    return digest.hexdigest()[:16]


def set_current(out: Path, model: Path) -> None:
    """Names ``model`` the current model (atomically)."""
    partial = out / f".{CURRENT}.part"
    partial.write_text(model.name + "\n", encoding="utf-8")
    os.replace(partial, out / CURRENT)


def current(out: Path) -> Path | None:
    """The current model: ``CURRENT``'s, or the newest model when there is no pointer."""
    pointer = out / CURRENT
    if pointer.exists():
        model = out / pointer.read_text(encoding="utf-8").strip()
        if model.is_file():
            return model
    models = sorted(out.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def train(
    out: Path,
    force: bool = False,
    config: Path | None = None,
    extra: tuple[Path, ...] = (),
    candidate: bool = False,
) -> Path:
    """Trains into ``out/<hash>.tar.gz`` unless that model already exists."""
    config = config or ROOT / "config.yml"
    model = out / f"{content_hash(ROOT, config, extra)}.tar.gz"
    if model.exists() and not force:
        print(f"Model is up to date: {model}")
    else:
        data = [str(folder) for folder in nlu_folders(ROOT)]
        data += [str(ROOT / d) for d in OTHER_DATA if (ROOT / d).exists()]
        data += [str(d) for d in extra if d.exists()]
        print("Training the Rasa model (inputs changed)…", flush=True)
        started = time.monotonic()
        build = ROOT / "var" / "build"
        build.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=build) as workdir:
            domain = build_domain(Path(workdir) / "domain")  # bot/domain + the packs' replies
            command = [
                sys.executable, "-m", "rasa", "train",
                "--config", str(config),
                "--domain", str(domain),
                "--data", *data,
                "--out", str(out),
                "--fixed-model-name", model.name.removesuffix(".tar.gz"),
            ]
            subprocess.run(command, check=True, cwd=ROOT)
        print(f"Trained {model} in {time.monotonic() - started:.0f} s")
    if not candidate:
        set_current(out, model)
        prune(out, keep=KEEP_MODELS)
    return model


def prune(out: Path, keep: int) -> None:
    """Deletes all but the ``keep`` newest models, the current one and those in ``KEEP``."""
    pinned = {current(out)}
    keep_file = out / KEEP
    if keep_file.exists():
        pinned |= {out / line.strip() for line in keep_file.read_text().splitlines()
                   if line.strip()}
    models = sorted(out.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in models[keep:]:
        if old not in pinned:
            old.unlink()


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="train even if up to date")
    parser.add_argument("--print-hash", action="store_true", help="print the hash and exit")
    parser.add_argument("--out", type=Path, default=ROOT / "models")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--data", type=Path, action="append", default=[],
                        help="more training data (a candidate's staged corrections)")
    parser.add_argument("--candidate", action="store_true",
                        help="a candidate: neither set it current nor prune")
    parser.add_argument("--print-data", action="store_true",
                        help="print the training data folders (relative) and exit")
    args = parser.parse_args()
    if args.print_data:
        folders = [*nlu_folders(ROOT), *(ROOT / d for d in OTHER_DATA if (ROOT / d).exists())]
        print(" ".join(str(f.relative_to(ROOT)) for f in folders))
        return
    extra = tuple(d.resolve() for d in args.data)
    if args.print_hash:
        print(content_hash(ROOT, args.config.resolve(), extra))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    train(args.out.resolve(), args.force, args.config.resolve(), extra, args.candidate)


if __name__ == "__main__":
    main()
