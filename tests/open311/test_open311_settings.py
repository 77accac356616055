"""Settings come from the environment or a .env file, only when asked for."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from connectors.open311.client import Open311Client
from connectors.open311.server import create_app
from connectors.open311.settings import Open311ServerSettings, Open311Settings

VARIABLES = [
    "OPEN311_BASE_URL",
    "OPEN311_API_KEY",
    "OPEN311_JURISDICTION_ID",
    "OPEN311_SERVER_HOST",
    "OPEN311_SERVER_PORT",
    "OPEN311_SERVER_DB",
    "OPEN311_SERVER_API_KEYS",
    "OUTBOX_DB",
    "OUTBOX_POLL_SECONDS",
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPEN311_API_KEY", "secret")
    settings = Open311Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.base_url == "http://127.0.0.1:8311/open311/v2"
    assert settings.api_key.get_secret_value() == "secret"
    assert "secret" not in repr(settings)
    assert settings.jurisdiction_id == "lacity.org"
    assert (settings.outbox_db, settings.outbox_poll_seconds) == (Path("var/outbox.db"), 5)
    server = Open311ServerSettings(_env_file=None)
    assert (server.host, server.port, server.db) == ("127.0.0.1", 8311, Path("var/open311.db"))
    assert server.api_keys == {"secret"}  # defaults to OPEN311_API_KEY


def test_api_key_is_required() -> None:
    with pytest.raises(ValidationError, match="OPEN311_API_KEY"):
        Open311Settings(_env_file=None)  # type: ignore[call-arg]


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPEN311_API_KEY", "client-key")
    monkeypatch.setenv("OPEN311_BASE_URL", "https://311.example.org/open311/v2/")
    monkeypatch.setenv("OPEN311_JURISDICTION_ID", "example.org")
    monkeypatch.setenv("OPEN311_SERVER_PORT", "9000")
    monkeypatch.setenv("OPEN311_SERVER_DB", str(tmp_path / "s.db"))
    monkeypatch.setenv("OPEN311_SERVER_API_KEYS", " one, two ,,")
    monkeypatch.setenv("OUTBOX_POLL_SECONDS", "0.5")
    settings = Open311Settings(_env_file=None)  # type: ignore[call-arg]
    server = Open311ServerSettings(_env_file=None)
    assert settings.outbox_poll_seconds == 0.5
    assert (server.port, server.db, server.api_keys) == (9000, tmp_path / "s.db", {"one", "two"})
    client = Open311Client.from_settings(settings)
    assert client.base_url == "https://311.example.org/open311/v2"
    assert client.jurisdiction_id == "example.org"


def test_dotenv_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("OPEN311_API_KEY=from-dotenv\nUNRELATED=1\n", encoding="utf-8")
    settings = Open311Settings(_env_file=env_file)  # type: ignore[call-arg]
    assert settings.api_key.get_secret_value() == "from-dotenv"


def test_server_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="OPEN311_SERVER_API_KEYS"):
        create_app(Open311ServerSettings(db=tmp_path / "x.db", _env_file=None))
