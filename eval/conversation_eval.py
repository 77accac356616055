"""Replay the held-out multi-turn conversations against the running assistant, as residents.

Each conversation of ``eval/data/conversations_{dev,sealed}*.yml`` (format: the files' header and
``eval/data/README.md``) is played through the real channels — the REST webhook for ``web``,
Twilio-signed SMS webhooks for ``sms`` — against a stack started on free ports (or ``--url``
of a running one). The runner plays the resident: it sends the scripted turns, and when the
assistant asks for something the script does not say, it answers from the conversation's
``facts``. After every turn it checks the expectations (words in the replies, 911 first, a
report started or not, the language of every reply) and at the end the outcome (exactly one
request of the right type and address on the City backend, or none; steps never asked; the
handoff).

Reports the pass rate per language for each part — DEV (engineers may read its failures) and
SEALED (never opened while tuning: only its figures and failure *categories* are printed) —
plus the issue's counters: questions naming a problem that started a form unasked, report
conversations that filed the wrong number or type of requests, language flips on short replies.

Usage: ``.venv/bin/python -m eval.conversation_eval [--part dev|sealed|all] [--only ID] [--lang L]
[--url http://127.0.0.1:5005 --token T --sms-token S --rest-token W --open311 URL]
[--json out.json]`` (W: ``WEBCHAT_REST_TOKEN``, the default)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import yaml

from bot.language import detect_language
from bot.languages import get_pack
from bot.text import fold
from connectors.senders import conversation_id
from connectors.sms.signature import compute_twilio_signature

ROOT = Path(__file__).resolve().parent.parent
# Each part is the union of its writers' files (the files' headers say who wrote what), in
# every language: a new writer's or a new language's file joins its part by its name.
DATA = ROOT / "eval/data"
PARTS = {part: sorted(DATA.glob(f"conversations_{part}*.yml")) for part in ("dev", "sealed")}
TARGET_PASS_RATE = 0.95
FORM = "service_request_form"
# Step names of the conversation files → the form's slots.
STEPS = {
    "where": "address", "items": "item_description", "count": "item_count",
    "lights": "lights_out_count", "blocking": "blocking_traffic",
    "vehicle": "vehicle_description", "animal": "animal_type", "surface": "graffiti_surface",
    "description": "description", "contact": "contact_info", "confirm": "confirm_request",
}
SLOT_STEPS = {slot: step for step, slot in STEPS.items()}
# A step a conversation file leaves out is answered with the language pack's eval answers.
DEFAULTS = {"description": "skip", "contact": "skip", "confirm": "yes"}


def default_answer(step: str, language: str) -> str:
    """What a resident says at ``step`` when the conversation file does not say.

    The language pack's ``eval.skip`` (description, contact) or ``eval.yes`` (confirmation).
    """
    return str(get_pack(language).section("eval")[DEFAULTS[step]])


MAX_AUTO_ANSWERS = 12
SHORT_REPLY_WORDS = 2
def _new_phone() -> str:
    """A random, valid-looking LA number: no two runs share a conversation."""
    return f"+1{secrets.choice(['213', '323', '818'])}{secrets.randbelow(8) + 2}" + "".join(
        str(secrets.randbelow(10)) for _ in range(6)
    )


class Failure(AssertionError):
    """A conversation that did not go as a resident needed. ``category`` groups failures."""

    def __init__(self, category: str, detail: str) -> None:
        super().__init__(f"{category}: {detail}")
        self.category = category


@dataclass
class Target:
    """Where the stack listens and its secrets."""

    rasa_url: str
    token: str
    sms_token: str
    open311_url: str
    rest_token: str = ""  # the REST channel's web token: conversations are web:<sender>


@dataclass
class Resident:
    """One resident in one conversation, on the web chat or by SMS."""

    target: Target
    channel: str
    sender: str = field(default_factory=lambda: f"eval-{secrets.token_hex(6)}")

    def __post_init__(self) -> None:
        if self.channel == "sms":
            self.sender = _new_phone()

    def say(self, text: str) -> list[str]:
        """Sends one message; returns the assistant's messages (texts, buttons appended)."""
        if self.channel == "sms":
            return self._sms(text)
        reply = httpx.post(
            f"{self.target.rasa_url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text}, timeout=90,
            headers={"Authorization": f"Bearer {self.target.rest_token}"},
        )
        if reply.status_code != 200:
            raise Failure("http_error", f"{reply.status_code} for {text!r}: {reply.text[:200]}")
        out = []
        for message in reply.json():
            titles = " | ".join(b.get("title", "") for b in message.get("buttons") or [])
            out.append((message.get("text") or "") + (f" [{titles}]" if titles else ""))
        return out

    def _sms(self, text: str) -> list[str]:
        url = f"{self.target.rasa_url}/webhooks/sms/webhook"
        sid = f"SM{secrets.token_hex(16)}"
        form = {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32,
                "From": self.sender, "To": "+13235550199", "Body": text, "NumMedia": "0"}
        signature = compute_twilio_signature(url, form, self.target.sms_token)
        reply = httpx.post(url, content=urlencode(form).encode(), timeout=90, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature})
        if reply.status_code != 200:
            raise Failure("http_error", f"{reply.status_code} for {text!r}")
        root = ET.fromstring(reply.content)
        return [m.text or "" for m in root.findall("Message")]

    def tracker(self) -> dict[str, Any]:
        """The conversation as Rasa holds it (token-protected HTTP API)."""
        conversation = conversation_id("sms" if self.channel == "sms" else "web", self.sender)
        reply = httpx.get(f"{self.target.rasa_url}/conversations/{conversation}/tracker",
                          params={"token": self.target.token}, timeout=30)
        reply.raise_for_status()
        data: dict[str, Any] = reply.json()
        return data


def _has(replies: list[str], needle: str) -> bool:
    return fold(needle) in fold(" \n ".join(replies))


def _form_state(tracker: dict[str, Any]) -> tuple[bool, str | None]:
    loop = (tracker.get("active_loop") or {}).get("name")
    return loop == FORM, tracker["slots"].get("requested_slot") if loop == FORM else None


def _requests(target: Target) -> list[dict[str, Any]]:
    reply = httpx.get(f"{target.open311_url}/requests.json", timeout=30)
    reply.raise_for_status()
    items: list[dict[str, Any]] = reply.json()
    return items


def _reply_language(text: str) -> str | None:
    words = re.sub(r"https?://\S+|\[[^\]]*\]", " ", text)
    detection = detect_language(words)
    return detection.language if detection.method in ("script", "lexicon", "langdetect") else None


@dataclass
class Outcome:
    """What happened in one conversation."""

    id: str
    lang: str
    patterns: list[str]
    passed: bool
    category: str = ""
    detail: str = ""
    transcript: list[tuple[str, list[str]]] = field(default_factory=list)
    asked_form_unasked: bool = False
    wrong_filing: bool = False
    language_flip: bool = False


class Conversation:
    """Plays one conversation of the held-out set."""

    def __init__(self, spec: dict[str, Any], target: Target) -> None:
        self.spec = spec
        self.target = target
        self.lang = str(spec["lang"])
        self.resident = Resident(target, str(spec.get("channel", "web")))
        self.facts = {str(k): str(v) for k, v in (spec.get("facts") or {}).items()}
        self.transcript: list[tuple[str, list[str]]] = []
        self.asked: set[str] = set()
        self.flags: dict[str, bool] = {"asked_form_unasked": False, "language_flip": False}

    # --- talking --------------------------------------------------------------------------
    def send(self, text: str) -> list[str]:
        """Says ``text`` as the resident; remembers the exchange and what was asked."""
        replies = self.resident.say(text)
        self.transcript.append((text, replies))
        self._note_asked()
        return replies

    def _note_asked(self) -> None:
        for event in self.resident.tracker()["events"]:
            if event.get("event") == "slot" and event.get("name") == "requested_slot":
                if event.get("value"):
                    self.asked.add(str(event["value"]))

    def answer_for(self, slot: str) -> str:
        """What the resident answers when the assistant asks for ``slot``."""
        step = SLOT_STEPS.get(slot)
        if step is None:
            raise Failure("asked_unknown", f"the assistant asked for {slot!r}")
        if step in self.facts:
            return self.facts[step]
        if step in DEFAULTS:
            return default_answer(step, self.lang)
        raise Failure("asked_without_fact", f"the assistant asked for {step!r}")

    def advance_to(self, step: str) -> None:
        """Answers from facts until the assistant asks for ``step``."""
        wanted = STEPS[step]
        for _ in range(MAX_AUTO_ANSWERS):
            active, requested = _form_state(self.resident.tracker())
            if active and requested == wanted:
                return
            if not active:
                raise Failure("never_asked", f"the assistant never asked for {step!r}")
            self.send(self.answer_for(str(requested)))
        raise Failure("loop", f"still not asking for {step!r} after {MAX_AUTO_ANSWERS} answers")

    # --- checking -------------------------------------------------------------------------
    def check_turn(self, text: str, replies: list[str], expect: dict[str, Any],
                   was_active: bool) -> None:
        """Checks one turn's replies against its ``expect`` (raises :class:`Failure`)."""
        if not replies:
            raise Failure("empty_reply", f"no reply to {text!r}")
        if "language" in expect:
            self.lang = str(expect["language"])
        for reply in replies:
            language = _reply_language(reply)
            if language and language != self.lang:
                if len(text.split()) <= SHORT_REPLY_WORDS:
                    self.flags["language_flip"] = True
                raise Failure("language", f"{text!r} answered in {language}: {reply[:80]!r}")
        if "first" in expect and not any(_has(replies[:1], n) for n in expect["first"]):
            raise Failure("first_reply", f"{text!r}: first reply {replies[0][:100]!r} lacks "
                                         f"any of {expect['first']}")
        if "any" in expect and not any(_has(replies, n) for n in expect["any"]):
            raise Failure("answer_words", f"{text!r}: no {expect['any']} in {replies}")
        for needle in expect.get("all") or []:
            if not _has(replies, needle):
                raise Failure("answer_words", f"{text!r}: {needle!r} missing in {replies}")
        for needle in expect.get("none") or []:
            if _has(replies, needle):
                raise Failure("unwanted_words", f"{text!r}: {needle!r} in {replies}")
        form = expect.get("form")
        if form:
            active, _ = _form_state(self.resident.tracker())
            wanted = {"none": not active, "started": active, "kept": active and was_active,
                      "ended": not active}[str(form)]
            if not wanted:
                if form == "none" and "ask_vs_report" in self.spec.get("patterns", []):
                    self.flags["asked_form_unasked"] = True
                raise Failure(f"form_{form}", f"{text!r}: form active={active} → {replies}")

    def check_outcome(self, before: list[dict[str, Any]]) -> None:
        """Checks what reached the City backend and what was asked (raises :class:`Failure`)."""
        outcome = self.spec.get("outcome") or {}
        known = {r.get("service_request_id") for r in before}
        new = [r for r in _requests(self.target) if r.get("service_request_id") not in known]
        filed = outcome.get("filed")
        if filed == "none":
            if new:
                self.flags["wrong_filing"] = True
                raise Failure("filed_unwanted", f"filed {[r.get('service_code') for r in new]}")
        elif isinstance(filed, dict):
            if len(new) != 1 or new[0].get("service_code") != filed.get("type"):
                self.flags["wrong_filing"] = True
                raise Failure("filed_wrong", f"expected one {filed.get('type')}, got "
                                             f"{[r.get('service_code') for r in new]}")
            where = str(filed.get("where_has") or "")
            if where and fold(where) not in fold(str(new[0].get("address") or "")):
                raise Failure("filed_address", f"{new[0].get('address')!r} lacks {where!r}")
        for step in outcome.get("never_asked") or []:
            if STEPS.get(step) in self.asked:
                raise Failure("asked_again", f"asked for {step!r} although it was said")
        if outcome.get("handoff") and not any(
            _has(replies, "473-3231") or _has(replies, "3-1-1") for _, replies in self.transcript
        ):
            raise Failure("handoff", "no 311 phone numbers given")

    # --- the whole conversation -----------------------------------------------------------
    def play(self) -> Outcome:
        """Plays the script, answering from the facts; returns how it went."""
        before = _requests(self.target)
        try:
            for turn in self.spec["turns"]:
                if turn.get("when"):
                    self.advance_to(str(turn["when"]))
                was_active, _ = _form_state(self.resident.tracker())
                replies = self.send(str(turn["say"]))
                self.check_turn(str(turn["say"]), replies, turn.get("expect") or {}, was_active)
            filed = (self.spec.get("outcome") or {}).get("filed")
            if isinstance(filed, dict):
                self._finish_form()
            self.check_outcome(before)
        except Failure as failure:
            return self._outcome(False, failure.category, str(failure))
        return self._outcome(True)

    def _finish_form(self) -> None:
        for _ in range(MAX_AUTO_ANSWERS):
            active, requested = _form_state(self.resident.tracker())
            if not active:
                return
            self.send(self.answer_for(str(requested)))
        raise Failure("loop", "the form did not end")

    def _outcome(self, passed: bool, category: str = "", detail: str = "") -> Outcome:
        return Outcome(
            id=str(self.spec["id"]), lang=str(self.spec["lang"]),
            patterns=list(self.spec.get("patterns") or []), passed=passed,
            category=category, detail=detail, transcript=self.transcript,
            asked_form_unasked=self.flags["asked_form_unasked"],
            wrong_filing=category in ("filed_unwanted", "filed_wrong"),
            language_flip=self.flags["language_flip"],
        )


def run_part(
    paths: list[Path], target: Target, only: str | None = None, lang: str | None = None
) -> list[Outcome]:
    """Plays every conversation of one part's files (or just ``only``, or one language's)."""
    specs = [c for path in paths
             for c in yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]
             if (only is None or c["id"] == only) and (lang is None or c["lang"] == lang)]
    return [Conversation(spec, target).play() for spec in specs]


def summarise(part: str, outcomes: list[Outcome], show: bool) -> dict[str, Any]:
    """Prints and returns the figures of one part."""
    summary: dict[str, Any] = {}
    for lang in sorted({o.lang for o in outcomes}):
        mine = [o for o in outcomes if o.lang == lang]
        rate = sum(o.passed for o in mine) / len(mine)
        summary[lang] = {
            "conversations": len(mine), "passed": sum(o.passed for o in mine), "pass_rate": rate,
            "form_started_unasked": sum(o.asked_form_unasked for o in mine),
            "wrong_filings": sum(o.wrong_filing for o in mine),
            "language_flips_on_short_replies": sum(o.language_flip for o in mine),
            "failure_categories": dict(Counter(o.category for o in mine if not o.passed)),
        }
        s = summary[lang]
        print(f"{part:6} {lang}: {s['passed']}/{s['conversations']} passed ({rate:.3f}); "
              f"forms started unasked {s['form_started_unasked']}, wrong filings "
              f"{s['wrong_filings']}, language flips {s['language_flips_on_short_replies']}; "
              f"failures by category {s['failure_categories']}")
    if show:
        for o in outcomes:
            if not o.passed:
                print(f"\n--- {o.id} [{o.lang}] {o.detail}")
                for said, replies in o.transcript:
                    print(f"  > {said}")
                    for reply in replies:
                        print(f"    < {reply[:300]}")
    return summary


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["dev", "sealed", "all"], default="all")
    parser.add_argument("--only", default=None, help="one conversation id (dev part only)")
    parser.add_argument("--lang", default=None, help="one language's conversations")
    parser.add_argument("--url", default=None, help="a running Rasa server (else one is started)")
    parser.add_argument("--token", default="")
    parser.add_argument("--sms-token", default="")
    parser.add_argument("--rest-token", default=os.environ.get("WEBCHAT_REST_TOKEN", ""))
    parser.add_argument("--open311", default="")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    parts = ["dev", "sealed"] if args.part == "all" else [args.part]
    report: dict[str, Any] = {}

    def run(target: Target) -> None:
        for part in parts:
            only = args.only if part == "dev" else None
            outcomes = run_part(PARTS[part], target, only, args.lang)
            report[part] = summarise(part, outcomes, show=part == "dev")

    if args.url:
        run(Target(args.url, args.token, args.sms_token, args.open311, args.rest_token))
    else:
        from eval.stack import start_stack

        # A scripted resident types faster than a person: no rate limit in the way.
        os.environ.setdefault("RATE_LIMIT_SMS", "1000/minute")
        os.environ.setdefault("RATE_LIMIT_CONVERSATION", "1000/minute")
        with tempfile.TemporaryDirectory() as workdir, start_stack(Path(workdir)) as stack:
            run(Target(stack.rasa_url, stack.token, stack.sms_token, stack.open311_url,
                       stack.rest_tokens["web"]))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    ok = all(s["pass_rate"] >= TARGET_PASS_RATE for p in report.values() for s in p.values())
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
