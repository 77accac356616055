"""The steps of a retrain job: training config, commands, promotion and reload.

Training and evaluation run in the Rasa environment (``.venv-rasa``) as subprocesses, with
the repository on ``PYTHONPATH`` for the custom NLU components.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

import yaml

from eval.review.core.config import REPO_ROOT, Settings

__all__ = [
    "CURRENT",
    "KEEP",
    "current_model",
    "eval_command",
    "evaluation_key",
    "install_model",
    "keep_model",
    "set_current",
    "subprocess_env",
    "train_command",
    "understand_command",
    "write_training_config",
]

# Names shared with bot/train.py (the one trainer).
CURRENT = "CURRENT"
KEEP = "KEEP"

# Components and policies whose training length is set by "epochs".
_EPOCH_COMPONENTS = frozenset(
    {"DIETClassifier", "ResponseSelector", "TEDPolicy", "UnexpecTEDIntentPolicy"}
)


def subprocess_env() -> dict[str, str]:
    """Environment of training and evaluation: offline, quiet, the repository importable."""
    return {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "PYTHONUNBUFFERED": "1",
    }


def write_training_config(source: Path, target: Path, epochs: int | None) -> Path:
    """Copies the config, with every ``epochs`` set to ``epochs`` when given."""
    if epochs is None:
        shutil.copyfile(source, target)
        return target
    config: dict[str, Any] = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    for section in ("pipeline", "policies"):
        for item in config.get(section) or []:
            if isinstance(item, dict) and (
                "epochs" in item or item.get("name") in _EPOCH_COMPONENTS
            ):
                item["epochs"] = epochs
    target.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    return target


def train_command(
    settings: Settings, config: Path, out: Path, staged: Path | None
) -> list[str]:
    """``bot/train.py`` (the one trainer) for a candidate.

    It trains on nlu_data, the approved corrections and the staged ones, into the job's
    folder, without touching the current model.
    """
    command = [
        str(settings.path(settings.rasa_venv) / "bin" / "python"), "-m", "bot.train",
        "--candidate", "--out", str(out), "--config", str(config),
    ]
    approved = settings.path(settings.approved_dir).resolve()
    if not approved.is_relative_to(settings.path(settings.nlu_dir).resolve()) and approved.exists():
        command += ["--data", str(approved)]
    if staged is not None and staged.exists():
        command += ["--data", str(staged)]
    return command


def understand_command(settings: Settings, model: Path, cases: Path, output: Path) -> list[str]:
    """Parses the corrected messages with a model (see ``understands.py``)."""
    return [
        str(settings.path(settings.rasa_venv) / "bin" / "python"),
        "-m", "eval.review.retrain.understands", str(model), str(cases), str(output),
    ]


def eval_command(settings: Settings, model: Path, output: Path) -> list[str]:
    """The held-out evaluator on one model, writing its JSON report."""
    return [
        str(settings.path(settings.rasa_venv) / "bin" / "python"),
        "-m", "eval.nlu_eval",
        "--model", str(model),
        "--json", str(output),
    ]


def evaluation_key(model: Path) -> str:
    """Identifies an evaluation: the model file (size, time) and the held-out data and evaluator.

    Two jobs that evaluate the same model file on the same test set get the same scores, so a
    job reuses an earlier job's evaluation of the current model when the keys match.
    """
    digest = hashlib.sha256()
    stat = model.stat()
    digest.update(f"{model.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    for path in sorted((REPO_ROOT / "eval" / "data").glob("nlu_test_*.yml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update((REPO_ROOT / "eval" / "nlu_eval.py").read_bytes())
    return digest.hexdigest()


def current_model(models_dir: Path) -> Path | None:
    """The current model: ``models/CURRENT``'s, else the newest (as ``bot/train.py`` says)."""
    pointer = models_dir / CURRENT
    if pointer.exists():
        model = models_dir / pointer.read_text(encoding="utf-8").strip()
        if model.is_file():
            return model
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def set_current(models_dir: Path, model: Path) -> None:
    """Names ``model`` (a file in ``models_dir``) the current model, atomically."""
    partial = models_dir / f".{CURRENT}.part"
    partial.write_text(model.name + "\n", encoding="utf-8")
    os.replace(partial, models_dir / CURRENT)


def keep_model(models_dir: Path, model: Path) -> None:
    """Adds a model to ``models/KEEP`` (``bot/train.py`` never prunes those: rollback)."""
    keep = models_dir / KEEP
    names = keep.read_text(encoding="utf-8").split() if keep.exists() else []
    if model.name not in names:
        names.append(model.name)
        partial = models_dir / f".{KEEP}.part"
        partial.write_text("\n".join(names) + "\n", encoding="utf-8")
        os.replace(partial, keep)


def install_model(candidate: Path, models_dir: Path) -> Path:
    """Copies the candidate into the models directory under its own (hash) name."""
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / candidate.name
    if not target.exists():
        partial = models_dir / f".{candidate.name}.part"
        shutil.copyfile(candidate, partial)
        os.replace(partial, target)
    return target
