"""Nothing is visible without signing in; roles, CSRF, rate limiting, argon2, the audit log."""

from __future__ import annotations

import re
import time
from pathlib import Path

from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import select

from eval.review.models import AuditEntry, AuthSession, User
from tests.review.conftest import (
    ADMIN,
    REVIEWER,
    Conversations,
    ReviewApp,
    build_review_app,
    login,
)

_STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
_PUBLIC = {"/model-server/current.tar.gz", "/login", "/health", "/ready"}  # probes hold no data


def _routes(app_state: ReviewApp) -> list[tuple[str, str]]:
    """Every (method, path) of the app, path parameters filled in.

    FastAPI keeps included routers nested in ``app.routes``; ``iter_route_contexts`` walks
    them with their prefixes.
    """
    found = []
    for route in iter_route_contexts(app_state.app.routes):
        if not isinstance(route.original_route, APIRoute) or route.path in _PUBLIC:
            continue
        assert route.path and route.methods
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        for method in sorted(route.methods):
            found.append((method, path))
    return found


def test_the_app_has_pages_and_a_json_api_to_protect(offline_app: ReviewApp) -> None:
    routes = _routes(offline_app)
    assert len(routes) > 30
    assert ("GET", "/") in routes and ("GET", "/api/conversations") in routes
    assert ("POST", "/conversations/1/reveal") in routes


def test_without_a_session_pages_redirect_to_login_and_the_api_answers_401(
    offline_app: ReviewApp,
) -> None:
    client = offline_app.client()
    for method, path in _routes(offline_app):
        reply = client.request(method, path, follow_redirects=False)
        broken = client.request(method, path, content=b"{not json",
                                headers={"content-type": "application/json"},
                                follow_redirects=False)
        for answer in (reply, broken):
            if path.startswith("/api/"):
                assert answer.status_code == 401, (method, path, answer.status_code)
                assert answer.json() == {"detail": "Not signed in."}
            else:
                assert answer.status_code == 303, (method, path, answer.status_code)
                assert answer.headers["location"].startswith("/login"), (method, path)


def test_a_forged_or_expired_cookie_is_not_a_session(offline_app: ReviewApp) -> None:
    client = offline_app.client()
    client.cookies.set("review_session", "made-up-token")
    assert client.get("/api/conversations").status_code == 401
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_every_change_needs_the_sessions_csrf_token(offline_app: ReviewApp) -> None:
    client, token = offline_app.signed_in(ADMIN)
    changes = [(m, p) for m, p in _routes(offline_app) if m in _STATE_CHANGING]
    assert len(changes) > 15
    for method, path in changes:
        missing = client.request(method, path, follow_redirects=False)
        assert missing.status_code == 403, (method, path, missing.status_code)
        wrong = client.request(method, path, headers={"X-CSRF-Token": token[::-1]},
                               follow_redirects=False)
        assert wrong.status_code == 403, (method, path, wrong.status_code)
        form = client.request(method, path, data={"csrf_token": "nope"}, follow_redirects=False)
        assert form.status_code == 403, (method, path, form.status_code)
    # and the right token goes through (here: an admin adds an account)
    created = client.post(
        "/api/users", json={"username": "new-reviewer", "password": "a long enough one"},
        headers={"X-CSRF-Token": token},
    )
    assert created.status_code == 201


def test_a_token_from_another_session_is_refused(offline_app: ReviewApp) -> None:
    admin, _ = offline_app.signed_in(ADMIN)
    _, other_token = offline_app.signed_in(REVIEWER)
    reply = admin.post("/api/users", json={"username": "x-user", "password": "long password 1"},
                       headers={"X-CSRF-Token": other_token})
    assert reply.status_code == 403


_ADMIN_ONLY = [
    ("GET", "/users"),
    ("GET", "/api/users"),
    ("POST", "/users"),
    ("POST", "/api/users"),
    ("POST", "/users/1"),
    ("PATCH", "/api/users/1"),
    ("POST", "/users/1/password"),
    ("GET", "/audit"),
    ("GET", "/api/audit"),
    ("POST", "/jobs"),
    ("POST", "/api/jobs"),
    ("POST", "/conversations/1/reveal"),
    ("POST", "/api/conversations/1/reveal"),
]


def test_a_reviewer_cannot_manage_accounts_reveal_or_retrain(offline_app: ReviewApp) -> None:
    client, token = offline_app.signed_in(REVIEWER)
    for method, path in _ADMIN_ONLY:
        reply = client.request(
            method, path, headers={"X-CSRF-Token": token},
            data={"csrf_token": token, "username": "x", "password": "y" * 12},
            follow_redirects=False,
        )
        assert reply.status_code == 403, (method, path, reply.status_code)
    with offline_app.app.state.sessions() as db:
        assert db.scalar(select(User).where(User.username == "x")) is None


def test_reveal_shows_personal_data_to_an_admin_only_and_is_audited(
    tmp_path: Path, sqlite_conversations: Conversations
) -> None:
    app = build_review_app(tmp_path, sqlite_conversations.tracker_url)
    conversation = sqlite_conversations.conversation_id("handoff")
    admin, token = app.signed_in(ADMIN)

    redacted = admin.get(f"/conversations/{conversation}")
    assert redacted.status_code == 200
    assert "Juan Perez" not in redacted.text and "213-555-0199" not in redacted.text
    assert "me llamo [name], mi teléfono es [phone] y mi correo [email]" in redacted.text

    reviewer, reviewer_token = app.signed_in(REVIEWER)
    refused = reviewer.post(f"/conversations/{conversation}/reveal",
                            data={"csrf_token": reviewer_token})
    assert refused.status_code == 403
    assert "Juan Perez" not in refused.text

    revealed = admin.post(f"/conversations/{conversation}/reveal", data={"csrf_token": token})
    assert revealed.status_code == 200
    assert "Juan Perez" in revealed.text and "213-555-0199" in revealed.text
    assert "This view was recorded in the audit log" in revealed.text
    as_json = admin.post(f"/api/conversations/{conversation}/reveal",
                         headers={"X-CSRF-Token": token}).json()
    assert any("juan.perez@example.org" in t.get("text", "") for t in as_json["turns"])

    with app.app.state.sessions() as db:
        reveals = db.scalars(select(AuditEntry).where(AuditEntry.action == "reveal")).all()
    assert [(r.username, r.target) for r in reveals] == [
        (ADMIN[0], f"conversation:{conversation}"),
        (ADMIN[0], f"conversation:{conversation}"),
    ]
    assert all(r.at is not None for r in reveals)
    # the audit page shows it to admins
    assert "reveal" in admin.get("/audit?action=reveal").text


def test_passwords_are_stored_as_argon2id_hashes(offline_app: ReviewApp) -> None:
    with offline_app.app.state.sessions() as db:
        users = db.scalars(select(User)).all()
    assert len(users) == 2
    for user in users:
        assert user.password_hash.startswith("$argon2id$")
        assert ADMIN[1] not in user.password_hash and REVIEWER[1] not in user.password_hash


def test_the_session_cookie_is_httponly_samesite_and_only_a_hash_is_stored(
    offline_app: ReviewApp,
) -> None:
    client = offline_app.client()
    reply = login(client, *ADMIN)
    assert reply.status_code == 303 and reply.headers["location"] == "/"
    cookie = reply.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    token = client.cookies["review_session"]
    with offline_app.app.state.sessions() as db:
        stored = db.scalars(select(AuthSession.id)).all()
    assert stored and token not in stored


def test_the_secure_flag_is_configurable(tmp_path: Path) -> None:
    app = build_review_app(tmp_path, f"sqlite:///{tmp_path}/t.db", cookie_secure=True)
    reply = login(app.client(), *ADMIN)
    assert "Secure" in reply.headers["set-cookie"]


def test_wrong_passwords_are_rate_limited_per_user_and_ip(tmp_path: Path) -> None:
    # The window must outlast five argon2 checks (about 0.45 s each on a loaded 2-core CI).
    app = build_review_app(tmp_path, f"sqlite:///{tmp_path}/t.db", login_window_seconds=5)
    client = app.client()
    for _ in range(5):
        assert login(client, ADMIN[0], "wrong password").status_code == 401
    blocked = login(client, *ADMIN)
    assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.text
    # another address is not blocked; the same one is again after the window
    other = TestClient(app.app, base_url="http://127.0.0.1", client=("10.0.0.7", 5000))
    assert login(other, *ADMIN).status_code == 303
    time.sleep(5.1)
    assert login(client, *ADMIN).status_code == 303
    with app.app.state.sessions() as db:
        actions = db.scalars(select(AuditEntry.action)).all()
    assert actions.count("login.failed") == 5 and "login.rate_limited" in actions


def test_the_login_form_has_its_own_csrf_token_and_redirects_only_locally(
    offline_app: ReviewApp,
) -> None:
    client = offline_app.client()
    forged = client.post("/login", data={"username": ADMIN[0], "password": ADMIN[1]},
                         follow_redirects=False)
    assert forged.status_code == 403
    page = client.get("/login?next=//evil.example/x")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    token = match.group(1)
    reply = client.post("/login", data={"username": ADMIN[0], "password": ADMIN[1],
                                        "csrf_token": token, "next": "//evil.example/x"},
                        follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"] == "/"


def test_signing_out_ends_the_session(offline_app: ReviewApp) -> None:
    client, token = offline_app.signed_in(ADMIN)
    assert client.get("/api/me").status_code == 200
    stolen = dict(client.cookies)
    assert client.post("/logout", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    replay = offline_app.client()
    replay.cookies.update(stolen)
    assert replay.get("/api/me").status_code == 401


def test_a_disabled_account_is_signed_out_and_cannot_sign_in(offline_app: ReviewApp) -> None:
    admin, token = offline_app.signed_in(ADMIN)
    reviewer, _ = offline_app.signed_in(REVIEWER)
    users = {u["username"]: u["id"] for u in admin.get("/api/users").json()}
    reply = admin.patch(f"/api/users/{users[REVIEWER[0]]}", json={"active": False},
                        headers={"X-CSRF-Token": token})
    assert reply.status_code == 204
    assert reviewer.get("/api/me").status_code == 401
    assert login(offline_app.client(), *REVIEWER).status_code == 401
    # and the last admin cannot lock everyone out
    last = admin.patch(f"/api/users/{users[ADMIN[0]]}", json={"role": "reviewer"},
                       headers={"X-CSRF-Token": token})
    assert last.status_code == 400


def test_pages_forbid_framing_and_outside_scripts(offline_app: ReviewApp) -> None:
    reply = offline_app.client().get("/login")
    policy = reply.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "http" not in reply.text.split("<body>")[0].replace("http-equiv", "")


def test_an_admin_adds_an_account_on_the_users_page_and_it_can_sign_in(
    offline_app: ReviewApp,
) -> None:
    admin, token = offline_app.signed_in(ADMIN)
    reply = admin.post("/users", data={"csrf_token": token, "username": "nuevo",
                                       "password": "una contraseña larga", "role": "reviewer"},
                       follow_redirects=False)
    assert reply.status_code == 303
    assert "nuevo" in admin.get("/users").text
    too_short = admin.post("/users", data={"csrf_token": token, "username": "corto",
                                           "password": "short", "role": "reviewer"})
    assert too_short.status_code == 400 and "at least 10 characters" in too_short.text
    assert login(offline_app.client(), "nuevo", "una contraseña larga").status_code == 303
    with offline_app.app.state.sessions() as db:
        created = db.scalars(select(AuditEntry).where(AuditEntry.action == "user.create")).all()
    assert [(a.username, a.target, a.detail) for a in created] == [
        (ADMIN[0], "nuevo", {"role": "reviewer"})
    ]


def test_the_model_server_wants_its_token(tmp_path: Path) -> None:
    from tests.review.conftest import build_review_app

    app = build_review_app(tmp_path, f"sqlite:///{tmp_path / 't.db'}",
                           model_server_token="model-server-secret-123")
    client = app.client()
    assert client.get("/model-server/current.tar.gz").status_code == 401
    assert client.get("/model-server/current.tar.gz",
                      params={"token": "model-server-secret-123"}).status_code == 404  # no model
    models = app.settings.path(app.settings.models_dir)
    models.mkdir(parents=True)
    (models / "abc123.tar.gz").write_bytes(b"model bytes")
    (models / "CURRENT").write_text("abc123.tar.gz\n")
    reply = client.get("/model-server/current.tar.gz", params={"token": "model-server-secret-123"})
    assert reply.status_code == 200 and reply.content == b"model bytes"
    assert reply.headers["etag"] == "abc123"
    again = client.get("/model-server/current.tar.gz", params={"token": "model-server-secret-123"},
                       headers={"If-None-Match": "abc123"})
    assert again.status_code == 304


def test_failed_sign_ins_leave_no_free_text_in_the_audit_log(offline_app: ReviewApp) -> None:
    from tests.review.conftest import login

    client = offline_app.client()
    login(client, "ana-admin reveal conversation:5", "wrong password!")
    login(client, ADMIN[0], "wrong password!")
    with offline_app.app.state.sessions() as db:
        rows = db.scalars(select(AuditEntry).where(AuditEntry.action == "login.failed")).all()
        assert len(rows) == 2
        assert all("reveal" not in (r.username + r.target + str(r.detail)) for r in rows)
        assert rows[0].user_id is None and rows[1].user_id is not None
