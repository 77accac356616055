"""Run a short script in the Rasa environment (``.venv-rasa``) and read the JSON it prints."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest

from eval.stack import RASA_PYTHON, ROOT


def run_in_rasa(script: str, payload: Any) -> Any:
    """``script`` gets ``payload`` as JSON in ``sys.argv[1]``; returns its last printed line."""
    if not RASA_PYTHON.exists():
        pytest.skip("needs .venv-rasa (make setup)")
    run = subprocess.run(
        [str(RASA_PYTHON), "-c", script, json.dumps(payload)], cwd=ROOT,
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])
