"""Merging independently written questions into the retrieval sets."""

from __future__ import annotations

from pathlib import Path

import yaml

from eval.merge_questions import merge


def _target(tmp_path: Path) -> Path:
    target = tmp_path / "set.yml"
    target.write_text('# header\nquestions:\n  - text: "old"\n    language: en\n'
                      "    expected: sanitation-bulky-cost\n", encoding="utf-8")
    return target


def _source(tmp_path: Path, questions: list[dict[str, object]]) -> Path:
    source = tmp_path / "new.yml"
    source.write_text(yaml.safe_dump({"questions": questions}, allow_unicode=True),
                      encoding="utf-8")
    return source


def test_valid_new_questions_are_appended_as_written(tmp_path: Path) -> None:
    target = _target(tmp_path)
    source = _source(tmp_path, [
        {"text": "cuanto cobran por llevarse un ropero \"viejo\"", "language": "es",
         "expected": "sanitation-bulky-cost"},
        {"text": "bulky pickup free?", "language": "en", "expected": "myla311-cost"},  # known
    ])
    report = merge(target, [source])
    assert (report["added"], report["skipped_duplicates"], report["invalid"]) == (1, 1, [])
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert [q["text"] for q in data["questions"]] == [
        "old", 'cuanto cobran por llevarse un ropero "viejo"']
    assert target.read_text(encoding="utf-8").startswith("# header\n")


def test_an_unknown_article_writes_nothing(tmp_path: Path) -> None:
    target = _target(tmp_path)
    before = target.read_text(encoding="utf-8")
    source = _source(tmp_path, [
        {"text": "a question", "language": "en", "expected": "no-such-article"},
        {"text": "another one", "language": "fr", "expected": "sanitation-bulky-cost"},
    ])
    report = merge(target, [source])
    assert len(report["invalid"]) == 2
    assert target.read_text(encoding="utf-8") == before
