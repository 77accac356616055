"""The steps of a retrain job: training config, commands, promotion and reload.

Training and evaluation run in the Rasa environment (``.venv-rasa``) as subprocesses, with
the repository on ``PYTHONPATH`` for the custom NLU components.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

from eval.review.core.config import REPO_ROOT, Settings

__all__ = [
    "current_model",
    "eval_command",
    "evaluation_key",
    "promote_model",
    "reload_rasa",
    "subprocess_env",
    "train_command",
    "write_training_config",
]

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


def _training_data(settings: Settings) -> list[str]:
    nlu = settings.path(settings.nlu_dir).resolve()
    export = settings.path(settings.export_dir).resolve()
    data = [str(nlu)]
    if not export.is_relative_to(nlu) and export.exists():
        data.append(str(export))
    for entry in settings.train_data.split(","):
        path = settings.path(Path(entry.strip())) if entry.strip() else None
        if path is not None and path.exists():
            data.append(str(path))
    return data


def train_command(settings: Settings, config: Path, out: Path, name: str) -> list[str]:
    """``rasa train`` of a full model (NLU and dialogue, so ``rasa run`` can serve it)."""
    return [
        str(settings.path(settings.rasa_venv) / "bin" / "rasa"),
        "train",
        "--config", str(config),
        "--domain", str(settings.path(settings.domain_dir)),
        "--data", *_training_data(settings),
        "--out", str(out),
        "--fixed-model-name", name,
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
    """The model ``rasa run --model models`` serves: the newest ``*.tar.gz``."""
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def promote_model(candidate: Path, models_dir: Path, now: datetime) -> Path:
    """Copies the candidate into the models directory as the newest model (atomically)."""
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / f"reviewed-{now.strftime('%Y%m%d-%H%M%S')}.tar.gz"
    partial = models_dir / f".{target.name}.part"
    shutil.copyfile(candidate, partial)
    os.replace(partial, target)
    return target


def reload_rasa(
    rasa_url: str | None, token: str | None, model: Path, timeout: float = 300.0
) -> str:
    """Asks a running Rasa server to load ``model``; returns a line for the job log."""
    if not rasa_url:
        return "RASA_URL is not set: the model loads at Rasa's next start."
    url = rasa_url.rstrip("/") + "/model"
    try:
        reply = httpx.put(
            url,
            params={"token": token} if token else None,
            json={"model_file": str(model)},
            timeout=timeout,
        )
    except httpx.HTTPError as error:
        return f"Rasa is not reachable at {url} ({type(error).__name__}): the model loads at" \
            " its next start."
    if reply.status_code == 204 or reply.is_success:
        return f"Rasa at {url} loaded {model.name}."
    return f"Rasa at {url} refused the model (HTTP {reply.status_code}): {reply.text[:300]}"
