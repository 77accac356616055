"""Retrain and compare: the promotion rule, the job's steps, and one real end-to-end run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from eval.review.models import AuditEntry
from eval.review.retrain.compare import comparison_table, decide, summarise_report
from eval.review.retrain.jobs import JobRunner
from eval.review.retrain.steps import write_training_config
from eval.stack import ROOT
from tests.review.conftest import ADMIN, REVIEWER, build_review_app


def _scores(en: float, es: float) -> dict[str, dict[str, Any]]:
    return summarise_report([
        {"language": "en", "macro_f1": en, "per_intent": {"greet": {"f1": en, "support": 3}}},
        {"language": "es", "macro_f1": es, "per_intent": {"greet": {"f1": es, "support": 2}}},
    ])


@pytest.mark.parametrize(
    ("current", "candidate", "tolerance", "promote"),
    [
        ((0.90, 0.90), (0.90, 0.90), 0.0, True),
        ((0.90, 0.90), (0.95, 0.91), 0.0, True),
        ((0.90, 0.90), (0.99, 0.89), 0.0, False),  # one language worse is enough to refuse
        ((0.90, 0.90), (0.99, 0.89), 0.02, True),
        ((0.90, 0.90), (0.80, 0.95), 0.05, False),
    ],
)
def test_promoted_only_if_no_languages_macro_f1_drops_beyond_the_tolerance(
    current: tuple[float, float], candidate: tuple[float, float], tolerance: float,
    promote: bool,
) -> None:
    decision = decide(_scores(*current), _scores(*candidate), tolerance)
    assert decision.promote is promote
    assert len(decision.reasons) == 2 and decision.reasons[0].startswith("en: macro-F1")


def test_without_a_current_model_the_candidate_is_promoted_and_a_missing_language_is_not(
) -> None:
    assert decide(None, _scores(0.1, 0.1)).promote
    only_en = {"en": _scores(0.9, 0.9)["en"]}
    assert not decide(_scores(0.5, 0.5), only_en).promote


def test_the_comparison_puts_both_models_side_by_side_per_language_and_intent() -> None:
    table = comparison_table(_scores(0.8, 0.7), _scores(0.9, 0.6))
    assert [(t["language"], round(t["delta"], 3)) for t in table] == [("en", 0.1), ("es", -0.1)]
    assert table[0]["intents"] == [
        {"intent": "greet", "current": 0.8, "candidate": 0.9, "delta": pytest.approx(0.1),
         "support": 3}
    ]


def test_the_epochs_override_changes_only_the_training_length(tmp_path: Path) -> None:
    source = tmp_path / "source.yml"
    with_diet = TINY_CONFIG.replace(
        "  - name: LogisticRegressionClassifier\n    max_iter: 500\n",
        "  - name: DIETClassifier\n    epochs: 100\n",
    )
    source.write_text(with_diet + "  - name: TEDPolicy\n")
    config = yaml.safe_load(write_training_config(source, tmp_path / "out.yml", 2).read_text())
    original = yaml.safe_load(source.read_text())
    assert [c.get("epochs") for c in config["pipeline"]] == [None, None, None, 2]
    assert config["policies"][-1] == {"name": "TEDPolicy", "epochs": 2}
    for before, after in zip(original["pipeline"], config["pipeline"], strict=True):
        assert {k: v for k, v in after.items() if k != "epochs"} == {
            k: v for k, v in before.items() if k != "epochs"
        }
    # without an override the file is copied as is, comments included
    assert write_training_config(ROOT / "config.yml", tmp_path / "same.yml", None).read_text() == (
        (ROOT / "config.yml").read_text()
    )


class _FakeRunner(JobRunner):
    """Training and evaluation replaced: the candidate is worse in Spanish."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.evaluated: list[str] = []

    def train(self, workdir: Path, log: Any) -> Path:
        model = workdir / "candidate.tar.gz"
        model.write_bytes(b"not a real model")
        log("trained (fake)")
        return model

    def evaluate(self, model: Path, output: Path, log: Any, label: str) -> dict[str, Any]:
        self.evaluated.append(label)
        return _scores(0.9, 0.9) if label == "current" else _scores(0.95, 0.85)


TINY_CONFIG = """recipe: default.v1
language: en
assistant_id: review-test
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 2
    max_ngram: 4
  - name: LogisticRegressionClassifier
    max_iter: 500
policies:
  - name: MemoizationPolicy
  - name: RulePolicy
"""


@pytest.mark.slow
def test_a_candidate_is_staged_gated_approved_by_an_admin_and_rolled_back(
    tmp_path: Path,
) -> None:
    """The learning loop with the real trainer (bot/train.py), evaluator and tracker data."""
    import subprocess
    import time as _time

    from sqlalchemy import create_engine, func
    from sqlalchemy import select as sql_select

    from eval.review.tracker.schema import events
    from tests.review.seeded import load_scripts, seed

    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = create_engine(url)
    scripts = load_scripts()
    scripts = {"failures": [s for s in scripts["failures"] if s["name"] == "double_fallback"],
               "successes": []}
    senders = seed(engine, scripts, _time.time() - 600)
    with engine.connect() as conn:
        first = int(conn.execute(sql_select(func.min(events.c.id)).where(
            events.c.sender_id == senders["double_fallback"])).scalar_one())
    config = tmp_path / "tiny.yml"
    config.write_text(TINY_CONFIG)
    app = build_review_app(tmp_path, url, train_config=config, promote_tolerance=1.0,
                           intent_tolerance=1.0, model_server_token="token-for-rasa-123")
    reviewer, reviewer_token = app.signed_in(REVIEWER)
    admin, admin_token = app.signed_in(ADMIN)
    view = reviewer.get(f"/api/conversations/{first}").json()
    message = next(t for t in view["turns"] if t["kind"] == "user")
    corrected = reviewer.put(
        f"/api/conversations/{first}/messages/{message['event_id']}/corrections",
        json={"kind": "intent", "value": "report_dead_animal"},
        headers={"X-CSRF-Token": reviewer_token})
    assert corrected.status_code == 200, corrected.text
    # a reviewer cannot build, approve or roll back
    assert reviewer.post("/api/jobs", headers={"X-CSRF-Token": reviewer_token}).status_code == 403
    started = admin.post("/api/jobs", headers={"X-CSRF-Token": admin_token})
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    app.app.state.runner.wait(job_id, timeout=900)
    job = admin.get(f"/api/jobs/{job_id}").json()["job"]
    assert job["status"] == "ready", (job["message"], job["log"][-3000:])
    staged = app.settings.path(app.settings.staging_dir) / f"job-{job_id}"
    assert list((staged / "reviewed").glob("*.yml"))
    assert not list(app.export_dir.glob("*.yml"))  # nothing approved yet
    assert job["result"]["understood"][0]["ok"]
    assert reviewer.post(f"/api/jobs/{job_id}/approve",
                         headers={"X-CSRF-Token": reviewer_token}).status_code == 403
    approved = admin.post(f"/api/jobs/{job_id}/approve", headers={"X-CSRF-Token": admin_token})
    assert approved.status_code == 200, approved.text
    models = app.settings.path(app.settings.models_dir)
    model = (models / "CURRENT").read_text().strip()
    assert (models / model).is_file() and list(app.export_dir.glob("*.yml"))
    served = app.client().get("/model-server/current.tar.gz",
                              params={"token": "token-for-rasa-123"})
    assert served.status_code == 200 and served.headers["etag"] == model.removesuffix(".tar.gz")
    # a restart (make run → bot/train.py) finds this model up to date: same inputs, same name
    printed = subprocess.run(
        [str(ROOT / ".venv-rasa/bin/python"), "-m", "bot.train", "--print-hash", "--config",
         str(config), "--data", str(app.export_dir)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert f"{printed}.tar.gz" == model
    rebuilt = build_review_app(tmp_path / "again", url, models_dir=models,
                               model_server_token="token-for-rasa-123")
    again = rebuilt.client().get("/model-server/current.tar.gz",
                                 params={"token": "token-for-rasa-123"})
    assert again.headers["etag"] == model.removesuffix(".tar.gz")
    # one click back: the approved file leaves the training data, no model is current
    assert reviewer.post(f"/api/jobs/{job_id}/rollback",
                         headers={"X-CSRF-Token": reviewer_token}).status_code == 403
    rolled = admin.post(f"/api/jobs/{job_id}/rollback", headers={"X-CSRF-Token": admin_token})
    assert rolled.status_code == 200, rolled.text
    assert not list(app.export_dir.glob("*.yml"))
    assert not (models / "CURRENT").exists()
    with app.app.state.sessions() as db:
        actions = [a.action for a in db.scalars(select(AuditEntry))]
    assert "release.approve" in actions and "release.rollback" in actions
