"""Fuzz every public HTTP surface of the running assistant; no answer may be a 5xx.

Targets, each a real server on 127.0.0.1 (``eval/stack.py`` plus the web chat and the staff
review app started here):

* the FastAPI apps, from their own OpenAPI schemas (web chat, review app signed out and signed
  in as a reviewer, embedded Open311 server): every operation, with path and query parameters
  drawn from their types (and beyond: 25-digit ids, control characters, lone surrogates) and
  bodies drawn from the request schema or from arbitrary JSON, forms, bytes and deep nesting;
* the REST webhook and the SMS webhook through the guard, with hypothesis-built bodies and
  headers (valid tokens and signatures half of the time, so requests also reach Rasa).

Usage: ``python -m eval.fuzz [--requests 5000] [--seed 1]``; prints the answers by status
and target and exits 1 when any answer is 500 or more. ``make test`` runs a smaller run
(``tests/security/test_fuzz.py``). Rate limits are raised for the run so requests reach the
code behind them (the limits themselves are tested elsewhere).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from connectors.sms.signature import compute_twilio_signature
from eval.stack import APP_PYTHON, ROOT, Service, Stack, free_port, start_stack

Draw = Callable[[st.SearchStrategy[Any]], Any]
UNLIMITED = "1000000/minute"
# Operations left out: a retrain job trains a model for minutes; signing out ends the run's
# session (sign-out is covered by the review app's own tests).
EXCLUDED = {("POST", "/jobs"), ("POST", "/api/jobs"), ("POST", "/logout"),
            ("POST", "/api/logout")}
REVIEWER = ("fuzz-reviewer", "a long fuzzing passphrase")


@dataclass
class Report:
    """Answers by target and status, and the requests that got a 5xx."""

    counts: dict[str, Counter[int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def add(self, target: str, status: int, what: str) -> None:
        """Counts one answer; keeps a description of the request when it was a 5xx."""
        self.counts.setdefault(target, Counter())[status] += 1
        if status >= 500:
            self.failures.append(f"{target}: {status} {what[:300]}")

    @property
    def total(self) -> int:
        """Requests sent."""
        return sum(sum(c.values()) for c in self.counts.values())

    @property
    def server_errors(self) -> int:
        """Answers of 500 or more (599: the server hung up)."""
        return sum(n for c in self.counts.values() for s, n in c.items() if s >= 500)

    def table(self) -> str:
        """The counts as a text table."""
        lines = [f"{'target':<24} {'requests':>8} {'2xx':>6} {'3xx':>5} {'4xx':>6} {'5xx':>5}"]
        for target, counts in self.counts.items():
            band = Counter(status // 100 for status in counts.elements())
            lines.append(f"{target:<24} {sum(counts.values()):>8} {band[2]:>6} {band[3]:>5} "
                         f"{band[4]:>6} {band[5]:>5}")
        lines.append(f"{'all':<24} {self.total:>8} {'':>6} {'':>5} {'':>6} "
                     f"{self.server_errors:>5}")
        return "\n".join(lines)


# -- strategies -------------------------------------------------------------------------------

NASTY_TEXT = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", " ", "\x00", "\ud800", "../../etc/passwd", "%00", "9" * 25, "-1",
                     "<script>", "sms:+12135550123", "/affirm", '/inform{"a":1}', "🙂" * 20,
                     "a" * 5000]),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | NASTY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(NASTY_TEXT, inner, max_size=4),
    max_leaves=12,
)


def deep(depth: int) -> bytes:
    """JSON arrays nested ``depth`` levels."""
    return b"[" * depth + b"]" * depth


def schema_value(schema: dict[str, Any], spec: dict[str, Any], depth: int = 0) -> Any:
    """A strategy for values that fit ``schema`` (``$ref`` resolved against ``spec``)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return schema_value(spec["components"]["schemas"][name], spec, depth)
    for combined in ("anyOf", "oneOf", "allOf"):
        if combined in schema:
            return st.one_of([schema_value(s, spec, depth) for s in schema[combined]])
    kind = schema.get("type")
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if kind == "integer":
        return st.integers(-(2**70), 2**70) | st.integers(0, 50)
    if kind == "number":
        return st.floats()
    if kind == "boolean":
        return st.booleans()
    if kind == "array" and depth < 3:
        return st.lists(schema_value(schema.get("items", {}), spec, depth + 1), max_size=3)
    if kind == "object" and depth < 3:
        properties = schema.get("properties", {})
        return st.fixed_dictionaries(
            {name: schema_value(sub, spec, depth + 1) for name, sub in properties.items()
             if name in schema.get("required", [])},
            optional={name: schema_value(sub, spec, depth + 1)
                      for name, sub in properties.items()
                      if name not in schema.get("required", [])},
        )
    if kind == "null":
        return st.none()
    return NASTY_TEXT


@dataclass
class Operation:
    """One operation of an OpenAPI schema."""

    method: str
    path: str
    parameters: list[dict[str, Any]]
    body: dict[str, Any]


def operations(spec: dict[str, Any]) -> list[Operation]:
    """Every operation of a schema, less :data:`EXCLUDED`."""
    found = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if (method.upper(), path) in EXCLUDED:
                continue
            found.append(Operation(method.upper(), path, op.get("parameters", []),
                                   op.get("requestBody", {}).get("content", {})))
    return found


def openapi_request(draw: Draw, op: Operation, spec: dict[str, Any]) -> dict[str, Any]:
    """Method, URL path, query, headers and body for one operation."""
    path = op.path
    query: list[tuple[str, bytes]] = []
    for parameter in op.parameters:
        value = draw(st.one_of(schema_value(parameter.get("schema", {}), spec), NASTY_TEXT))
        text = json.dumps(value) if isinstance(value, dict | list) else str(value)
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", quote(_wire(text), safe="") or "x")
        elif parameter["in"] == "query" and draw(st.booleans()):
            query.append((parameter["name"], _wire(text)))
    if query:
        path = f"{path}?{urlencode(query)}"
    headers: dict[str, str] = {}
    content: bytes = b""
    kind = draw(st.sampled_from(["schema", "json", "form", "bytes", "deep", "none"]))
    if kind == "schema" and "application/json" in op.body:
        value = draw(schema_value(op.body["application/json"].get("schema", {}), spec))
        content, headers["Content-Type"] = _json(value), "application/json"
    elif kind == "schema" and "application/x-www-form-urlencoded" in op.body:
        form_schema = op.body["application/x-www-form-urlencoded"].get("schema", {})
        value = draw(schema_value(form_schema, spec))
        content = urlencode({_wire(k): _wire(str(v)) for k, v in (value or {}).items()}).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif kind == "json":
        content, headers["Content-Type"] = _json(draw(JSON_VALUES)), draw(
            st.sampled_from(["application/json", "text/plain", "application/json; charset=x"]))
    elif kind == "form":
        pairs = draw(st.dictionaries(NASTY_TEXT, NASTY_TEXT, max_size=5))
        content = urlencode({_wire(k): _wire(v) for k, v in pairs.items()}).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif kind == "bytes":
        content = draw(st.binary(max_size=300))
        headers["Content-Type"] = draw(st.sampled_from(
            ["application/json", "multipart/form-data; boundary=x", "text/plain", "a/b"]))
    elif kind == "deep":
        content, headers["Content-Type"] = b'{"a": ' + deep(draw(st.integers(30, 3000))) + b"}", \
            "application/json"
    return {"method": op.method, "path": path, "headers": headers, "content": content}


def _wire(text: str) -> bytes:
    """UTF-8 bytes of any string, lone surrogates included (as a broken client sends them)."""
    return text.encode("utf-8", "surrogatepass")


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=True, allow_nan=True).encode("utf-8")


# -- targets ----------------------------------------------------------------------------------


def fuzz_openapi(report: Report, target: str, client: httpx.Client, spec: dict[str, Any],
                 count: int, extra_headers: dict[str, str] | None = None) -> None:
    """Sends ``count`` requests drawn from ``spec``'s operations."""
    ops = operations(spec)

    @settings(max_examples=count, deadline=None, database=None, derandomize=True,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(st.data())
    def one(data: st.DataObject) -> None:
        op = data.draw(st.sampled_from(ops))
        request = openapi_request(data.draw, op, spec)
        headers = {**(extra_headers or {}), **request["headers"]}
        try:
            reply = client.request(request["method"], request["path"], headers=headers,
                                   content=request["content"])
            status = reply.status_code
        except httpx.HTTPError:  # the server hung up: counted as a failure
            status = 599
        report.add(target, status,
                   f"{request['method']} {request['path'][:200]} {request['content'][:120]!r}")

    one()


def fuzz_rest(report: Report, stack: Stack, count: int) -> None:
    """Sends ``count`` requests to the REST webhook through the guard."""
    url = f"{stack.public_url}/webhooks/rest/webhook"
    tokens = [stack.rest_auth("web"), stack.rest_auth("rest"), {},
              {"Authorization": "Bearer wrong"}]
    body = st.one_of(
        st.fixed_dictionaries({"sender": NASTY_TEXT, "message": NASTY_TEXT},
                              optional={"metadata": JSON_VALUES}).map(_json),
        st.fixed_dictionaries({"sender": st.from_regex(r"\Afz[a-z0-9]{6}\Z"),
                               "message": st.sampled_from(["hello", "hola", "/affirm", "yes",
                                                           "pothole at 200 N Spring St"])}
                              ).map(_json),
        JSON_VALUES.map(_json), st.binary(max_size=200),
        st.integers(30, 3000).map(lambda d: b'{"sender":"x","message":' + deep(d) + b"}"),
    )

    @settings(max_examples=count, deadline=None, database=None, derandomize=True,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(body, st.sampled_from(tokens),
           st.sampled_from(["application/json", "text/plain", "application/json; x=1"]))
    def one(content: bytes, auth: dict[str, str], content_type: str) -> None:
        try:
            status = httpx.post(url, content=content, timeout=60,
                                headers={**auth, "Content-Type": content_type}).status_code
        except httpx.HTTPError:
            status = 599
        report.add("REST webhook", status, content[:200].decode("latin-1"))

    one()


def fuzz_sms(report: Report, stack: Stack, count: int) -> None:
    """Sends ``count`` requests to the SMS webhook through the guard.

    The numbers are in area code 626, which no test's residents use: a fuzzed, signed "STOP"
    must not opt out a number another test is texting from.
    """
    url = f"{stack.public_url}/webhooks/sms/webhook"
    form = st.fixed_dictionaries(
        {"From": st.one_of(st.just("+16265550100"), st.from_regex(r"\A\+1626555\d{4}\Z"),
                           NASTY_TEXT),
         "Body": st.one_of(NASTY_TEXT, st.sampled_from(["STOP", "PARA", "hola", "1", "2"])),
         "MessageSid": st.one_of(st.from_regex(r"\ASM[0-9a-f]{32}\Z"), NASTY_TEXT)},
        optional={"NumMedia": NASTY_TEXT, "MediaUrl0": NASTY_TEXT, "OptOutType": NASTY_TEXT,
                  "To": NASTY_TEXT},
    )

    @settings(max_examples=count, deadline=None, database=None, derandomize=True,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(form, st.sampled_from(["signed", "unsigned", "bytes", "json"]),
           st.binary(max_size=200))
    def one(fields: dict[str, str], kind: str, junk: bytes) -> None:
        text = {k: _wire(v).decode("utf-8", "replace") for k, v in fields.items()}
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        content = urlencode(text).encode()
        if kind == "signed":
            headers["X-Twilio-Signature"] = compute_twilio_signature(url, text, stack.sms_token)
        elif kind == "bytes":
            content = junk
        elif kind == "json":
            content, headers["Content-Type"] = _json(fields), "application/json"
        try:
            status = httpx.post(url, content=content, headers=headers, timeout=60).status_code
        except httpx.HTTPError:
            status = 599
        report.add("SMS webhook", status, f"{kind} {text}")

    one()


# -- the apps ---------------------------------------------------------------------------------


@contextmanager
def web_apps(stack: Stack, workdir: Path) -> Iterator[dict[str, Any]]:
    """The web chat and the review app (with a reviewer) as processes, and their schemas."""
    from connectors.open311.server.app import create_app as create_open311
    from connectors.open311.settings import Open311ServerSettings
    from connectors.webchat.app import create_app as create_webchat
    from connectors.webchat.settings import WebchatSettings
    from eval.review.core.config import Settings
    from eval.review.core.db import session_factory
    from eval.review.core.security import hash_password
    from eval.review.main import create_app as create_review
    from eval.review.models import User

    secret = secrets.token_urlsafe(32)
    review_db = workdir / "review.db"
    review_settings = Settings(_env_file=None, secret_key=SecretStr(secret),  # type: ignore[call-arg]
                               db_url=f"sqlite:///{review_db}",
                               tracker_sqlite_path=stack.workdir / "tracker.db")
    review_app = create_review(review_settings)
    with session_factory(review_app.state.review_engine)() as db:
        db.add(User(username=REVIEWER[0], password_hash=hash_password(REVIEWER[1]),
                    role="reviewer"))
        db.commit()
    review_app.state.review_engine.dispose()
    web_port, review_port = free_port(), free_port()
    common = {**os.environ, "PYTHONPATH": str(ROOT), "RATE_LIMIT_STORAGE": "memory://"}
    web = Service("webchat", [str(APP_PYTHON), "-m", "connectors.webchat"],
                  f"http://127.0.0.1:{web_port}/", {
                      **common, "WEBCHAT_HOST": "127.0.0.1", "WEBCHAT_PORT": str(web_port),
                      "RASA_URL": stack.rasa_url, "RASA_AUTH_TOKEN": stack.token,
                      "WEBCHAT_REST_TOKEN": stack.rest_tokens["web"],
                      "WEBCHAT_RATE_LIMIT_CLIENT": UNLIMITED,
                      "WEBCHAT_RATE_LIMIT_CONVERSATION": UNLIMITED,
                      "WEBCHAT_RATE_LIMIT_HISTORY": UNLIMITED}, workdir / "webchat.log")
    review = Service("review", [str(APP_PYTHON), "-m", "eval.review", "serve"],
                     f"http://127.0.0.1:{review_port}/login", {
                         **common, "REVIEW_SECRET_KEY": secret,
                         "REVIEW_DB_URL": f"sqlite:///{review_db}", "REVIEW_HOST": "127.0.0.1",
                         "REVIEW_PORT": str(review_port), "REVIEW_COOKIE_SECURE": "false",
                         "TRACKER_SQLITE_PATH": str(stack.workdir / "tracker.db"),
                         "REVIEW_EXPORT_DIR": str(workdir / "reviewed"),
                         "REVIEW_JOBS_DIR": str(workdir / "jobs"),
                         "REVIEW_LOGIN_LIMIT_PER_IP": UNLIMITED,
                         "REVIEW_LOGIN_LIMIT_GLOBAL": UNLIMITED}, workdir / "review.log")
    web_schema = create_webchat(WebchatSettings(  # type: ignore[call-arg]
        _env_file=None, rasa_auth_token=SecretStr("x"), rest_token=SecretStr("x"))).openapi()
    open311_schema = create_open311(Open311ServerSettings(  # type: ignore[call-arg]
        _env_file=None, OPEN311_SERVER_API_KEYS="x",
        OPEN311_SERVER_DB=workdir / "schema-only.db")).openapi()
    web.start()
    review.start()
    try:
        yield {"webchat": (f"http://127.0.0.1:{web_port}", web_schema),
               "review": (f"http://127.0.0.1:{review_port}", review_app.openapi()),
               "open311": (stack.open311_url.removesuffix("/open311/v2"), open311_schema)}
    finally:
        review.stop()
        web.stop()


def signed_in(base_url: str) -> tuple[httpx.Client, str]:
    """A client signed in to the review app as the reviewer, and its CSRF token."""
    client = httpx.Client(base_url=base_url, timeout=60)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    client.post("/login", data={"username": REVIEWER[0], "password": REVIEWER[1],
                                "csrf_token": token.group(1), "next": "/"})
    csrf = client.get("/api/me").json()["csrf_token"]
    return client, csrf


def run(stack: Stack, total: int = 5000, workdir: Path | None = None) -> Report:
    """Fuzzes every target with about ``total`` requests; returns the report."""
    report = Report()
    share = {"webchat": 0.25, "review (signed out)": 0.1, "review (reviewer)": 0.2,
             "open311": 0.1, "REST webhook": 0.2, "SMS webhook": 0.15}
    counts = {name: max(10, int(total * part)) for name, part in share.items()}
    with tempfile.TemporaryDirectory() as scratch, web_apps(stack, workdir or Path(scratch)) \
            as apps:
        url, spec = apps["webchat"]
        with httpx.Client(base_url=url, timeout=60) as client:
            fuzz_openapi(report, "webchat", client, spec, counts["webchat"])
        url, spec = apps["review"]
        with httpx.Client(base_url=url, timeout=60) as client:
            fuzz_openapi(report, "review (signed out)", client, spec,
                         counts["review (signed out)"])
        client, csrf = signed_in(url)
        try:
            fuzz_openapi(report, "review (reviewer)", client, spec, counts["review (reviewer)"],
                         {"X-CSRF-Token": csrf})
        finally:
            client.close()
        url, spec = apps["open311"]
        with httpx.Client(base_url=url, timeout=60) as client:
            fuzz_openapi(report, "open311", client, spec, counts["open311"])
        fuzz_rest(report, stack, counts["REST webhook"])
        fuzz_sms(report, stack, counts["SMS webhook"])
    return report


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m eval.fuzz")
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args(argv)
    started = time.monotonic()
    # The limits are tested on their own; here requests should reach the code behind them.
    os.environ.update(RATE_LIMIT_CONVERSATION=UNLIMITED, RATE_LIMIT_SMS=UNLIMITED)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "stack").mkdir()
        with start_stack(workdir / "stack") as stack:
            report = run(stack, args.requests, workdir)
    print(report.table())
    print(f"{report.total} requests in {time.monotonic() - started:.0f} s, "
          f"{report.server_errors} answers >= 500")
    for failure in report.failures[:20]:
        print("  " + failure)
    return 1 if report.server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
