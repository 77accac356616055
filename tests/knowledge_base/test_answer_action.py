"""The answer action sends the short form by SMS and the full answer elsewhere, with the source."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import ActionAnswerQuestion
from knowledge_base.retriever import Answer

ANSWER = Answer(
    article_id="sanitation-bulky-cost",
    title="¿Cuesta la recolección de artículos grandes?",
    text="La recolección de artículos grandes es gratis para los residentes de la Ciudad: como "
         "quitar grafiti o recoger animales muertos, se paga con impuestos.",
    sms="Es gratis para los residentes de la Ciudad.",
    source_url="https://myla311.lacity.gov",
    source="https://myla311.lacity.gov",
    confidence=0.9,
)


class FakeRetriever:
    def __init__(self, answer: Answer | None) -> None:
        self._answer = answer
        self.asked: list[tuple[str, str]] = []

    def answer(
        self, question: str, language: str, context: str | None = None,
        exclude: str | None = None,
    ) -> Answer | None:
        self.asked.append((question, language))
        return self._answer


def tracker(channel: str | None, text: str = "cuanto cuesta recoger un sofa") -> Tracker:
    events: list[dict[str, Any]] = [
        {"event": "user", "text": text, "input_channel": channel, "parse_data": {}}
    ]
    return Tracker.from_dict({
        "sender_id": "unit",
        "slots": {"language": "es"},
        "latest_message": {"text": text, "intent": {"name": "ask_question"},
                           "entities": [], "input_channel": channel},
        "events": events,
        "latest_action_name": "action_listen",
    })


@pytest.mark.parametrize(
    ("channel", "expected"),
    [("sms", ANSWER.sms), ("rest", ANSWER.text), (None, ANSWER.text)],
)
async def test_the_short_form_goes_by_sms_and_the_full_answer_elsewhere(
    channel: str | None, expected: str
) -> None:
    dispatcher = CollectingDispatcher()
    retriever = FakeRetriever(ANSWER)
    await ActionAnswerQuestion(retriever).run(dispatcher, tracker(channel), {})
    assert retriever.asked == [("cuanto cuesta recoger un sofa", "es")]
    message = dispatcher.messages[0]
    assert message["response"] == "utter_kb_answer"
    assert message["answer"] == expected
    assert message["source_url"] == ANSWER.source


async def test_no_confident_answer_says_not_sure() -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerQuestion(FakeRetriever(None)).run(dispatcher, tracker("sms"), {})
    assert dispatcher.messages[0]["response"] == "utter_kb_not_sure"
