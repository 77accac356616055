"""Writes scripted conversations into a tracker store as Rasa's SQLTrackerStore does.

The scripts (``tests/review/data/seeded_conversations.yml``) give, step by step, what the
resident wrote with the NLU's parse and what the assistant replied; this module turns them
into the ``events`` rows Rasa writes (same columns, same JSON), so the review app reads them
exactly as it reads live conversations.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, insert

from eval.review.tracker.schema import events, metadata

SEEDED = Path(__file__).parent / "data" / "seeded_conversations.yml"


def load_scripts(path: Path = SEEDED) -> dict[str, list[dict[str, Any]]]:
    """``{"failures": [...], "successes": [...]}``."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _user(step: dict[str, Any], language: str, ts: float) -> dict[str, Any]:
    text, intent, confidence, second, second_conf = step["u"]
    ranking = [{"name": intent, "confidence": confidence},
               {"name": second, "confidence": second_conf}]
    if intent == "nlu_fallback":  # Rasa puts the classifier's own guess second
        ranking = [{"name": "nlu_fallback", "confidence": confidence},
                   {"name": second, "confidence": second_conf},
                   {"name": "inform", "confidence": max(0.0, second_conf - 0.05)}]
    entities: list[dict[str, Any]] = [
        {"entity": "language", "value": language, "extractor": "LanguageDetector"}
    ]
    parse: dict[str, Any] = {
        "text": str(text),
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": ranking,
        "entities": entities,
    }
    danger = step.get("danger")
    if danger is not None:
        parse["danger_assessment"] = danger
        if danger.get("detected"):
            entities.append({"entity": "danger", "value": danger.get("kind"),
                             "extractor": "DangerDetector"})
    return {"event": "user", "timestamp": ts, "text": str(text), "parse_data": parse,
            "input_channel": "rest", "message_id": f"m{int(ts * 1000)}", "metadata": {}}


def seed(engine: Engine, scripts: dict[str, list[dict[str, Any]]], start: float) -> dict[str, str]:
    """Writes every script as one conversation; returns ``{name: sender_id}``."""
    metadata.create_all(engine)
    senders: dict[str, str] = {}
    ts = start
    rows: list[dict[str, Any]] = []

    def add(sender: str, type_name: str, data: dict[str, Any], intent: str | None = None,
            action: str | None = None) -> None:
        nonlocal ts
        ts += 1.0
        data["timestamp"] = ts
        rows.append({"sender_id": sender, "type_name": type_name, "timestamp": ts,
                     "intent_name": intent, "action_name": action, "data": json.dumps(data)})

    for group in ("failures", "successes"):
        for script in scripts[group]:
            sender = f"seed-{script['name']}"
            senders[script["name"]] = sender
            language = script.get("lang", "en")
            add(sender, "action", {"event": "action", "name": "action_session_start"},
                action="action_session_start")
            add(sender, "session_started", {"event": "session_started"})
            add(sender, "action", {"event": "action", "name": "action_listen"},
                action="action_listen")
            current = None
            for step in script["steps"]:
                if "u" in step:
                    lang = step.get("lang", language)
                    data = _user(step, lang, ts + 1)
                    add(sender, "user", data, intent=data["parse_data"]["intent"]["name"])
                    if lang != current:
                        current = lang
                        add(sender, "slot", {"event": "slot", "name": "language", "value": lang},
                            action="language")
                elif "b" in step:
                    utter, text = step["b"]
                    add(sender, "action", {"event": "action", "name": utter,
                                           "policy": "RulePolicy", "confidence": 1.0},
                        action=utter)
                    add(sender, "bot", {"event": "bot", "text": text,
                                        "metadata": {"utter_action": utter}})
                elif "a" in step:
                    add(sender, "action", {"event": "action", "name": step["a"],
                                           "policy": "RulePolicy", "confidence": 1.0},
                        action=step["a"])
                elif "s" in step:
                    name, value = step["s"]
                    add(sender, "slot", {"event": "slot", "name": name, "value": value},
                        action=name)
            add(sender, "action", {"event": "action", "name": "action_listen"},
                action="action_listen")
    with engine.begin() as conn:
        conn.execute(insert(events), rows)
    return senders
