"""A language is a data pack: a made-up fourth-kind language works end to end, no code changed.

The repository's packs are copied into a temporary folder with one more, Runish (``xx``,
written in Runic letters; see :mod:`tests.languages.fake_pack`), and ``LA311_LANGUAGE_PACKS``
points every layer at that folder. Nothing below names Runish to the code: each layer finds it
in the packs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient

from actions.parsing import count_items, find_items, parse_count
from bot.domain_build import assembled_domain
from bot.language import choose_language, detect_language, requested_language
from bot.languages import PACKS_ENV, codes, default_language, get_pack, ui_text
from bot.train import nlu_folders
from connectors.open311.catalog import get_catalog, normalize_locale
from connectors.rest.validation import InvalidChatRequest, payload_or_text
from connectors.sms.gateway import TwilioGateway
from connectors.sms.handler import SMSWebhookHandler
from connectors.sms.keywords import Action, classify
from connectors.sms.messages import bilingual, message, notice_languages
from connectors.sms.store import SMSStore
from connectors.webchat.app import create_app
from connectors.webchat.settings import WebchatSettings
from eval import fact_check, sms_budget
from eval.conversation_eval import default_answer
from eval.review.labels import intent_label, ui_language
from knowledge_base.articles import ARTICLES_DIR, load_articles, missing_texts
from knowledge_base.index import build
from knowledge_base.retriever import Retriever, all_views, fused_views
from knowledge_base.text import guess_language, tokenize
from tests.languages import fake_pack
from tests.languages.fake_pack import (
    ARTICLE,
    BODY,
    CODE,
    ENDING,
    ITEM,
    MARK,
    NAME,
    QUESTION,
    REPOSITORY_CODES,
    VAGUE,
)
from tests.sms.conftest import AUTH_TOKEN, RESIDENT, FakeBot, signed, twilio_form

# A few real articles, so the index builds in seconds.
ARTICLE_IDS = (ARTICLE, "library-get-card", "parking-ticket-pay-online", "sanitation-blue-bin")


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's packs plus Runish."""
    return fake_pack.make_packs(tmp_path_factory.mktemp("packs"))


@pytest.fixture(autouse=True)
def runish(packs: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every layer reads the packs with Runish in them."""
    monkeypatch.setenv(PACKS_ENV, str(packs))
    return packs


def test_the_language_list_comes_from_the_packs() -> None:
    assert codes() == (*REPOSITORY_CODES, CODE)
    assert {"en", "es"} <= set(REPOSITORY_CODES)
    assert default_language() == "en"
    assert get_pack(CODE).name == NAME


def test_the_web_page_offers_the_language_and_speaks_it() -> None:
    settings = WebchatSettings(
        rasa_url="http://rasa.test:5005/", rasa_auth_token="t", rest_token="r", _env_file=None
    )
    tracker = {"slots": {"language": CODE}, "events": []}

    def rasa(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/webhooks/rest/webhook":
            return httpx.Response(200, json=[{"text": f"{MARK} hi"}])
        return httpx.Response(200, json=tracker)

    with TestClient(create_app(settings, transport=httpx.MockTransport(rasa))) as client:
        page = client.get("/", headers={"Accept-Language": "fr, xx;q=0.8, en;q=0.5"}).text
        assert f'<html lang="{CODE}">' in page
        assert f'data-lang="{CODE}"' in page and f">{NAME}</button>" in page  # the menu
        assert ui_text(CODE, "web", "heading") in page
        assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "en"}).text
        reply = client.post("/api/chat", json={"sender": "w0123456789", "message": "ᚺᛖᛚᛚᛟ",
                                               "locale": CODE})
        assert reply.status_code == 200 and reply.json()["language"] == CODE
        refused = client.post("/api/chat", json={"sender": "w0123456789", "message": "x",
                                                 "locale": "fr"})
        assert refused.status_code == 400
        assert refused.json()["message"][CODE].startswith(MARK)
        assert '"en", "es"' in refused.json()["message"][CODE]
        assert f'ᛟᚱ "{CODE}".' in refused.json()["message"][CODE]
    # The widget's language switch to Runish is one of its own payloads.
    switch = '/set_language{"language": "xx"}'
    assert payload_or_text(switch, set(), client_payloads=True) == switch


def test_messages_in_its_script_are_detected_and_it_can_be_asked_for() -> None:
    detection = detect_language("ᚺᛖᛚᛚᛟ ᛁ ᚺᚨᚢᛖ ᚨ ᛈᛟᛏᚺᛟᛚᛖ")
    assert (detection.language, detection.method) == (CODE, "script")
    assert detect_language("hello, there is a pothole on my street").language == "en"
    assert detect_language("hay un bache en mi calle").language == "es"
    assert requested_language("can you answer in Runish?") == CODE
    entities = [{"entity": "language", "value": CODE, "method": "script", "words": 5,
                 "evidence": 5, "confidence": 1.0}]
    assert choose_language("en", False, entities, None, codes()) == (CODE, False)
    assert guess_language(QUESTION) == CODE


def test_form_answers_in_the_language_are_read() -> None:
    """An item with the language's ending glued to it is that item; "2ᛏ" (a counter word
    glued to the digits, as in "소파 2개") is a count of 2, while "2nd" stays an ordinal."""
    assert find_items(f"{ITEM}{ENDING} ᚺᛖᚱᛖ") == [ITEM]
    assert find_items(f"{ITEM}ᛏᛏ") == []  # not an ending: another word
    assert parse_count(f"{ITEM} 2ᛏ") == 2
    assert parse_count("on 2nd street") is None


def test_a_bare_item_in_a_language_without_plurals_leaves_the_count_to_ask() -> None:
    """Runish nouns do not mark number (``nouns_mark_number: false``, like Korean "소파"): a bare
    item is one or several, so the form asks; a number after it ("2ᛏ") is its count; a vague
    number word ("several") is no count in any language."""
    assert count_items(f"{ITEM}{ENDING} ᚺᛖᚱᛖ") is None
    assert count_items(f"{ITEM}{ENDING} 2ᛏ ᚺᛖᚱᛖ") == 2
    assert count_items(f"{VAGUE} {ITEM}") is None and parse_count(VAGUE) is None
    assert count_items("a couch and two chairs") == 3  # English nouns still say one


def test_replies_and_interface_texts_are_looked_up_in_the_pack() -> None:
    domain = assembled_domain()
    slot = next(s for f in domain.values() for name, s in (f.get("slots") or {}).items()
                if name == "language")
    assert slot["values"] == [*REPOSITORY_CODES, CODE]
    greet = domain["responses.yml"]["responses"]["utter_greet"]
    runish = [v for v in greet if v.get("condition") == [
        {"type": "slot", "name": "language", "value": CODE}]]
    assert runish and runish[0]["text"].startswith(MARK)
    assert greet[-1].get("condition") is None  # English, the fallback, comes last
    assert ui_text(CODE, "chat", "anonymous") == f"{MARK} anonymous"
    error = InvalidChatRequest(413, "message_too_long", n=2000)
    assert set(error.message) == {*REPOSITORY_CODES, CODE}
    assert error.message[CODE] == f"{MARK} The message is too long. Please keep it under 2000 " \
                                  "characters."
    # The Open311 catalog has no Runish names: it falls back to English.
    pothole = get_catalog().service("pothole")
    assert pothole is not None
    assert normalize_locale("xx-RU") == CODE
    assert pothole.service_name.get(CODE) == pothole.service_name.get("en")
    # The review app: Runish reviewers get English names (the pack has no review section).
    assert ui_language("xx") == CODE and intent_label("report_pothole", CODE) == "Pothole"
    assert default_answer("confirm", CODE) == "ᛃᚨ" and default_answer("contact", CODE) == "ᛋᚲᛁᛈ"


async def test_sms_keywords_in_the_language_are_answered_in_it(tmp_path: Path) -> None:
    keyword = classify("  xstoppa! ")
    assert keyword is not None and (keyword.action, keyword.language) == (Action.OPT_OUT, CODE)
    store = SMSStore(tmp_path / "sms.db")
    handler = SMSWebhookHandler(TwilioGateway(AUTH_TOKEN), store)
    bot = FakeBot()
    reply = await handler.handle(signed(twilio_form("XSTOPPA")), bot)
    assert message("opt_out", CODE) in reply.body and store.is_opted_out(RESIDENT)
    reply = await handler.handle(signed(twilio_form("XSTARTA")), bot)
    assert message("opt_in", CODE) in reply.body and not store.is_opted_out(RESIDENT)
    # keywords never reach the assistant as text; the opt-out ends the conversation
    assert [turn.text for turn in bot.turns] == ["/restart"]
    # notices: false — a notice for an unknown language is not written in Runish
    assert CODE not in notice_languages() and notice_languages()[:2] == ["en", "es"]
    assert MARK not in bilingual("empty")


def test_article_text_in_the_pack_is_merged_and_checked(tmp_path: Path) -> None:
    articles = {a.id: a for a in load_articles()}
    assert articles[ARTICLE].text[CODE].body == BODY
    assert articles[ARTICLE].text[CODE].sms == BODY  # no sms: the body
    assert articles["library-get-card"].in_language(CODE) == articles["library-get-card"].text["en"]
    assert len(missing_texts(list(articles.values()), CODE)) == len(articles) - 1
    graffiti = articles[ARTICLE]
    checked = fact_check.check_figures(graffiti, [])
    assert any(f.language == CODE and "311" in f.detail for f in checked)
    sms = [c for c in sms_budget.check_all([graffiti]) if c.language == CODE]
    assert len(sms) == 1 and sms[0].encoding == "UCS-2"  # Runic is not GSM-7


def test_the_char_ngram_analyzer_reads_the_script() -> None:
    terms = tokenize("ᚷᚱᚨᚠᚠᛁᛏᛁ 311", CODE)
    assert "ᚷᚱ" in terms and "ᚷᚱᚨ" in terms and "311" in terms
    assert tokenize("recolección de basura", "es") == tokenize("recoleccion basuras", "es")


@pytest.fixture(scope="module")
def retriever(packs: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Retriever]:
    """A small index of a few real articles, built with Runish in the packs."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PACKS_ENV, str(packs))
        root = tmp_path_factory.mktemp("kb")
        chosen = []
        for path in sorted(ARTICLES_DIR.glob("*.yml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            chosen += [a for a in data["articles"] if a["id"] in ARTICLE_IDS]
        (root / "articles").mkdir()
        (root / "articles" / "subset.yml").write_text(
            yaml.safe_dump({"articles": chosen}, allow_unicode=True), encoding="utf-8"
        )
        build(root / "index", progress=False, articles_dir=root / "articles")
        calibration = {"confidence": {CODE: {"bias": 0.0, "weights": [0, 0, 0, 0],
                                             "threshold": 0.4}}}
        yield Retriever(load_articles(root / "articles"), root / "index", calibration)


def test_retrieval_in_the_language(retriever: Retriever) -> None:
    assert fused_views(CODE) == fused_views("es")  # a glossed language, like Spanish
    assert "dense" in all_views(CODE)
    hits = retriever.search(QUESTION, k=2, language=CODE)
    assert hits[0].article_id == ARTICLE and hits[0].language == CODE
    assert retriever.search(QUESTION, k=1)[0].language == CODE  # the script tells
    answer = retriever.answer(QUESTION, CODE)
    assert answer is not None and answer.text == BODY and answer.language == CODE
    # An article without Runish text answers in English, and says so.
    library = retriever.answer("how do i get a library card", CODE)
    assert library is not None and library.article_id == "library-get-card"
    assert library.language == "en" and library.text == retriever.articles[
        "library-get-card"].text["en"].body


def test_training_data_is_found_by_pack(tmp_path: Path) -> None:
    for folder in ("en", "es", CODE, "qq", "reviewed"):  # qq: a language without a pack yet
        (tmp_path / "nlu_data" / folder).mkdir(parents=True)
        (tmp_path / "nlu_data" / folder / "data.yml").write_text("version: '3.1'\n")
    assert [p.name for p in nlu_folders(tmp_path)] == sorted(["en", "es", "reviewed", CODE])
