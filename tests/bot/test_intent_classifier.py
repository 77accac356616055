"""A language written in its own script trains an intent classifier of its own.

Run in the Rasa environment with the repository's packs plus the made-up Runish pack (its own
script), on messages whose features say the opposite in the two scripts: the Runish examples
must not move what English messages get, Runish messages get what Runish examples taught, and
both survive the model being saved and loaded.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot.rasa_env import run_in_rasa
from tests.languages import fake_pack

SCRIPT = """
import json, os, sys, tempfile
from pathlib import Path
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT, INTENT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from bot.components.intent_classifier import ScriptAwareIntentClassifier

GREET, POTHOLE = [1.0, 0.0], [0.0, 1.0]
CONTEXT = ExecutionContext(GraphSchema({}), "m")

def message(text, vector, intent=None):
    m = Message(data={TEXT: text, **({INTENT: intent} if intent else {})})
    m.add_features(Features(np.array([vector]), "sentence", TEXT, "test"))
    return m

english = [message(f"hello {i}", GREET, "greet") for i in range(6)] + [
    message(f"pothole on main {i}", POTHOLE, "report_pothole") for i in range(6)]
# Runish examples whose features point the other way round
runish = [message(f"ᚺᛖᛚᛚᛟ {i}", POTHOLE, "greet") for i in range(6)] + [
    message(f"ᛈᛟᛏᚺᛟᛚᛖ {i}", GREET, "report_pothole") for i in range(6)]

def trained(cls, examples, storage, name):
    resource = Resource(name)
    component = cls.create({"max_iter": 500}, storage, resource, CONTEXT)
    component.train(TrainingData(examples))
    return component, resource

def predict(component, text, vector):
    m = message(text, vector)
    component.process([m])
    return [m.get(INTENT)["name"], round(m.get(INTENT)["confidence"], 6)]

storage = LocalModelStorage(Path(tempfile.mkdtemp()))
english_only, _ = trained(ScriptAwareIntentClassifier, english, storage, "english")
both, resource = trained(ScriptAwareIntentClassifier, english + runish, storage, "both")
plain, _ = trained(LogisticRegressionClassifier, english + runish, storage, "plain")
loaded = ScriptAwareIntentClassifier.load({"max_iter": 500}, storage, resource, CONTEXT)
probe_en, probe_xx = ("hello there", GREET), ("ᚺᛖᛚᛚᛟ ᚦᛖᚱᛖ", POTHOLE)
print(json.dumps({
    "english_only": predict(english_only, *probe_en),
    "both_en": predict(both, *probe_en), "both_xx": predict(both, *probe_xx),
    "loaded_en": predict(loaded, *probe_en), "loaded_xx": predict(loaded, *probe_xx),
    "plain_en": predict(plain, *probe_en),
}))
"""


def test_a_script_language_trains_its_own_classifier(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LA311_LANGUAGE_PACKS", str(fake_pack.make_packs(tmp_path / "packs")))
    got = run_in_rasa(SCRIPT, None)
    # English predictions do not move when the Runish examples are added…
    assert got["both_en"] == got["english_only"]
    assert got["both_en"][0] == "greet"
    # …while one classifier for both would have been pulled by them
    assert got["plain_en"][1] < got["english_only"][1]
    # a Runish message is read by what the Runish examples taught
    assert got["both_xx"][0] == "greet"
    # and both survive saving and loading the model
    assert got["loaded_en"] == got["both_en"]
    assert got["loaded_xx"] == got["both_xx"]


DANGER_SCRIPT = """
import json, tempfile
from pathlib import Path
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT, INTENT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from bot.components.danger_detector import DangerDetector

CONTEXT = ExecutionContext(GraphSchema({}), "m")
english = [Message(data={TEXT: t, INTENT: i}) for t, i in [
    ("the kitchen is full of flames", "danger"), ("flames coming out of the garage", "danger"),
    ("flames everywhere in the hallway", "danger"), ("graffiti on the wall", "not_danger"),
    ("a pothole on main street", "not_danger"), ("the streetlight is out", "not_danger")] * 3]
# Runish examples whose words say the opposite
runish = [Message(data={TEXT: t, INTENT: i}) for t, i in [
    ("ᚠᛚᚨᛗᛖᛋ ᛁᚾ ᚦᛖ ᚲᛁᛏᚲᚺᛖᚾ", "not_danger"), ("ᚠᛚᚨᛗᛖᛋ ᛟᚾ ᚦᛖ ᚹᚨᛚᛚ", "not_danger"),
    ("ᛈᛟᛏᚺᛟᛚᛖ ᚺᛖᛚᛈ", "danger"), ("ᛈᛟᛏᚺᛟᛚᛖ ᚾᛟᚹ", "danger")] * 3]
storage = LocalModelStorage(Path(tempfile.mkdtemp()))
config = {**DangerDetector.get_default_config()}

def trained(examples, name):
    resource = Resource(name)
    detector = DangerDetector.create(config, storage, resource, CONTEXT)
    detector.train(TrainingData(examples))
    return DangerDetector.load(config, storage, resource, CONTEXT)

def probability(detector, text):
    return round(detector.probabilities([Message(data={TEXT: text})])[0], 6)

alone, both = trained(english, "english"), trained(english + runish, "both")
print(json.dumps({
    "alone_en": probability(alone, "flames in the kitchen"),
    "both_en": probability(both, "flames in the kitchen"),
    "both_xx_pothole": probability(both, "ᛈᛟᛏᚺᛟᛚᛖ ᚺᛖᛚᛈ ᚾᛟᚹ"),
    "both_xx_flames": probability(both, "ᚠᛚᚨᛗᛖᛋ ᛁᚾ ᚦᛖ ᚲᛁᛏᚲᚺᛖᚾ"),
}))
"""


def test_a_script_language_trains_its_own_danger_classifier(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The danger classifier of English does not move when Runish examples are added, and
    Runish messages are read by what the Runish examples taught."""
    monkeypatch.setenv("LA311_LANGUAGE_PACKS", str(fake_pack.make_packs(tmp_path / "packs")))
    got = run_in_rasa(DANGER_SCRIPT, None)
    assert got["both_en"] == got["alone_en"] > 0.5
    assert got["both_xx_pothole"] > 0.5 > got["both_xx_flames"]
