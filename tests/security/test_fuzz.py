"""A small fuzz run in every ``make test`` (``python -m eval.fuzz`` is the 5,000-request one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.fuzz import run
from eval.stack import Stack

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_no_public_surface_answers_a_5xx(rasa_stack: Stack, tmp_path: Path) -> None:
    report = run(rasa_stack, total=400, workdir=tmp_path)
    print(report.table())
    assert report.total >= 400
    assert report.server_errors == 0, report.failures[:10]
    # The run reached the code behind the validation, not only the refusals.
    assert sum(c[200] for c in report.counts.values()) >= 50
