"""The "not sure" threshold fitted by eval/retrieval_benchmark.py."""

from __future__ import annotations

import random

from eval.retrieval_benchmark import decide, fit


def _examples(seed: int) -> list[tuple[list[float], int, str, bool]]:
    rng = random.Random(seed)
    right = [([rng.gauss(0.6, 0.1), rng.gauss(0.2, 0.05), 0.9, 3.0], 1, "en", False)
             for _ in range(150)]
    wrong = [([rng.gauss(0.2, 0.1), rng.gauss(0.02, 0.05), 0.6, 1.0], 0, "en", rng.random() < 0.5)
             for _ in range(50)]
    return right + wrong


def test_the_threshold_separates_right_answers_from_wrong_ones() -> None:
    model = fit(_examples(0))
    assert 0.05 <= model["threshold"] <= 0.95
    assert decide(model, [0.7, 0.25, 0.9, 3.0])
    assert not decide(model, [0.1, 0.0, 0.6, 1.0])


def test_the_fit_is_deterministic() -> None:
    assert fit(_examples(1)) == fit(_examples(1))
