"""Retrain and compare: the promotion rule, the job's steps, and one real end-to-end run."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import yaml
from sqlalchemy import select

from eval.review.models import AuditEntry, Job, User
from eval.review.retrain.compare import comparison_table, decide, summarise_report
from eval.review.retrain.jobs import JobRunner
from eval.review.retrain.steps import write_training_config
from eval.stack import ROOT, free_port, latest_model
from tests.review.conftest import ADMIN, REVIEWER, ReviewApp, build_review_app


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
    source.write_text(TINY_CONFIG + "  - name: TEDPolicy\n")
    config = yaml.safe_load(write_training_config(source, tmp_path / "out.yml", 2).read_text())
    original = yaml.safe_load(source.read_text())
    assert [c.get("epochs") for c in config["pipeline"]] == [None, None, 2, None]
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


def test_a_worse_candidate_is_not_promoted_and_the_models_stay(tmp_path: Path) -> None:
    app = build_review_app(tmp_path, f"sqlite:///{tmp_path}/t.db")
    models = app.settings.path(app.settings.models_dir)
    models.mkdir()
    (models / "current.tar.gz").write_bytes(b"current")
    runner = _FakeRunner(app.settings, app.app.state.sessions)
    app.app.state.runner = runner
    client, token = app.signed_in(ADMIN)
    reply = client.post("/jobs", data={"csrf_token": token}, follow_redirects=False)
    assert reply.status_code == 303
    job_id = int(reply.headers["location"].rsplit("/", 1)[1])
    runner.wait(job_id, 30)
    job = client.get(f"/api/jobs/{job_id}").json()
    assert job["status"] == "rejected"
    assert "es: macro-F1 0.900 → 0.850 (-0.050), lower by more than the tolerance" in job["log"]
    assert sorted(p.name for p in models.iterdir()) == ["current.tar.gz"]
    with app.app.state.sessions() as db:
        actions = db.scalars(select(AuditEntry.action)).all()
    assert "retrain.start" in actions and "retrain.rejected" in actions
    assert sorted(runner.evaluated) == ["candidate", "current"]

    # the same current model is not evaluated twice
    second = runner.start(_admin(app), "127.0.0.1")
    runner.wait(second.id, 30)
    again = client.get(f"/api/jobs/{second.id}").json()
    assert again["status"] == "rejected"
    assert f"The current model's evaluation is reused from job {job_id}." in again["log"]
    assert sorted(runner.evaluated) == ["candidate", "candidate", "current"]


def _admin(app: ReviewApp) -> User:
    with app.app.state.sessions() as db:
        user = db.scalar(select(User).where(User.username == ADMIN[0]))
    assert user is not None
    return user


class _RasaStub(BaseHTTPRequestHandler):
    """Stands in for a running Rasa server's PUT /model."""

    calls: list[dict[str, Any]] = []

    def do_PUT(self) -> None:  # noqa: N802 - the http.server API
        length = int(self.headers.get("Content-Length", 0))
        url = urlparse(self.path)
        _RasaStub.calls.append({"path": url.path, "query": parse_qs(url.query),
                                "body": json.loads(self.rfile.read(length))})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def rasa_stub() -> Iterator[str]:
    _RasaStub.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _RasaStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


TINY_CONFIG = """\
recipe: default.v1
language: en
assistant_id: la311-review-test
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 2
    max_ngram: 4
  - name: DIETClassifier
    epochs: 50
    number_of_transformer_layers: 0
    hidden_layers_sizes:
      text: [64]
    embedding_dimension: 16
    entity_recognition: false
    random_seed: 1
  - name: FallbackClassifier
    threshold: 0.3
policies:
  - name: MemoizationPolicy
  - name: RulePolicy
"""


@pytest.mark.slow
@pytest.mark.integration
def test_a_retrain_job_trains_evaluates_compares_and_promotes_end_to_end(
    tmp_path: Path, rasa_stub: str
) -> None:
    """Real `rasa train` (a tiny config, 3 epochs) and the real held-out evaluator, against a
    copy of the current model; a tolerance of 1.0 lets the small candidate be promoted."""
    config = tmp_path / "tiny.yml"
    config.write_text(TINY_CONFIG)
    models = tmp_path / "models"
    models.mkdir()
    current = models / latest_model().name
    shutil.copyfile(latest_model(), current)
    exports = tmp_path / "reviewed"
    exports.mkdir()
    (exports / "reviewed-test-en.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: out_of_scope\n  examples: |\n    - blorp zzkx qwerty\n'
    )
    app: ReviewApp = build_review_app(
        tmp_path, f"sqlite:///{tmp_path}/tracker.db", train_config=config, train_epochs=3,
        models_dir=models, export_dir=exports, promote_tolerance=1.0, rasa_url=rasa_stub,
        rasa_auth_token="stub-token",
    )
    reviewer, reviewer_token = app.signed_in(REVIEWER)
    assert reviewer.post("/jobs", data={"csrf_token": reviewer_token}).status_code == 403

    client, token = app.signed_in(ADMIN)
    reply = client.post("/jobs", data={"csrf_token": token}, follow_redirects=False)
    assert reply.status_code == 303
    job_id = int(reply.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/jobs/{job_id}").text
    assert '<meta http-equiv="refresh" content="3">' in page
    busy = client.post("/api/jobs", headers={"X-CSRF-Token": token})
    assert busy.status_code == 409  # one at a time

    runner: JobRunner = app.app.state.runner
    runner.wait(job_id, 240)
    job = client.get(f"/api/jobs/{job_id}").json()
    assert job["status"] == "promoted", job["message"] + "\n" + job["log"][-3000:]
    log = job["log"]
    assert "rasa train" in log and str(exports) in log and "eval.nlu_eval" in log
    trained_with = yaml.safe_load((Path(result_workdir := job["result"]["workdir"])
                                   / "config.yml").read_text())
    assert trained_with["pipeline"][2] == {**yaml.safe_load(TINY_CONFIG)["pipeline"][2],
                                           "epochs": 3}
    assert Path(result_workdir).parent == app.settings.path(app.settings.jobs_dir)

    result = job["result"]
    assert result["current_model"] == str(current)
    for language in ("en", "es"):
        for model in ("current", "candidate"):
            scores = result[model][language]
            assert 0 <= scores["macro_f1"] <= 1 and scores["per_intent"]["greet"]["support"] > 0
    assert [t["language"] for t in result["table"]] == ["en", "es"]

    promoted = Path(result["promoted_to"])
    assert promoted.parent == models and promoted.exists()
    newest = max(models.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    assert newest == promoted
    assert _RasaStub.calls == [{"path": "/model", "query": {"token": ["stub-token"]},
                                "body": {"model_file": str(promoted)}}]

    page = client.get(f"/jobs/{job_id}").text
    assert "http-equiv" not in page and "Held-out F1: current vs candidate" in page
    assert page.count('<table class="compare"') == 2 and "<code>report_graffiti</code>" in page
    with app.app.state.sessions() as db:
        stored = db.get(Job, job_id)
        assert stored is not None and stored.finished_at is not None
        actions = db.scalars(select(AuditEntry.action)).all()
    assert "retrain.start" in actions and "retrain.promoted" in actions
