"""Settings of the Open311 connector, its embedded server and the outbox worker.

Nothing is read at import time: call :func:`get_settings` or :func:`get_server_settings`
(cached) or instantiate the classes yourself (tests pass values as keyword arguments).
Values come from keyword arguments, then the environment, then ``.env`` in the repository root.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "Open311ServerSettings",
    "Open311Settings",
    "get_server_settings",
    "get_settings",
]

REPO_ROOT = Path(__file__).resolve().parents[2]

_CONFIG = SettingsConfigDict(
    env_file=REPO_ROOT / ".env",
    env_file_encoding="utf-8",
    extra="ignore",
    populate_by_name=True,
)


class Open311Settings(BaseSettings):
    """Client side: where the Open311 backend is and how the outbox worker runs.

    Attributes:
        base_url: GeoReport v2 base URL, without the trailing slash (``OPEN311_BASE_URL``).
        api_key: API key sent with every POST (``OPEN311_API_KEY``, required).
        jurisdiction_id: Sent with every request (``OPEN311_JURISDICTION_ID``).
        outbox_db: SQLite file of the outbox (``OUTBOX_DB``).
        outbox_poll_seconds: Pause between two delivery passes of the worker
            (``OUTBOX_POLL_SECONDS``).
        outbox_probe_port: Port of the worker's ``/health``, ``/ready`` and ``/metrics``
            (``OUTBOX_PROBE_PORT``; unset: no probe server).
        outbox_probe_host: Interface of that server (``OUTBOX_PROBE_HOST``).
    """

    model_config = _CONFIG

    base_url: str = Field(
        default="http://127.0.0.1:8311/open311/v2", validation_alias="OPEN311_BASE_URL"
    )
    api_key: SecretStr = Field(validation_alias="OPEN311_API_KEY")
    jurisdiction_id: str = Field(default="lacity.org", validation_alias="OPEN311_JURISDICTION_ID")
    outbox_db: Path = Field(default=Path("var/outbox.db"), validation_alias="OUTBOX_DB")
    outbox_poll_seconds: float = Field(default=5.0, gt=0, validation_alias="OUTBOX_POLL_SECONDS")
    outbox_probe_port: int | None = Field(
        default=None, ge=0, le=65535, validation_alias="OUTBOX_PROBE_PORT"
    )
    outbox_probe_host: str = Field(default="127.0.0.1", validation_alias="OUTBOX_PROBE_HOST")


class Open311ServerSettings(BaseSettings):
    """The embedded GeoReport v2 server.

    Attributes:
        host: Interface to listen on (``OPEN311_SERVER_HOST``).
        port: TCP port (``OPEN311_SERVER_PORT``).
        db: SQLite file holding the service requests (``OPEN311_SERVER_DB``).
        api_keys_csv: Comma-separated API keys the server accepts
            (``OPEN311_SERVER_API_KEYS``); defaults to ``OPEN311_API_KEY``.
        client_api_key: ``OPEN311_API_KEY``, used only as the default of ``api_keys_csv``.
        jurisdiction_id: The one jurisdiction this server answers for
            (``OPEN311_JURISDICTION_ID``).

    The server refuses to start without at least one API key; the admin CLI needs none.
    """

    model_config = _CONFIG

    host: str = Field(default="127.0.0.1", validation_alias="OPEN311_SERVER_HOST")
    port: int = Field(default=8311, ge=0, le=65535, validation_alias="OPEN311_SERVER_PORT")
    db: Path = Field(default=Path("var/open311.db"), validation_alias="OPEN311_SERVER_DB")
    api_keys_csv: SecretStr | None = Field(default=None, validation_alias="OPEN311_SERVER_API_KEYS")
    client_api_key: SecretStr | None = Field(default=None, validation_alias="OPEN311_API_KEY")
    jurisdiction_id: str = Field(default="lacity.org", validation_alias="OPEN311_JURISDICTION_ID")

    @property
    def api_keys(self) -> frozenset[str]:
        """The API keys accepted on POST requests."""
        source = self.api_keys_csv or self.client_api_key
        if source is None:
            return frozenset()
        return frozenset(key.strip() for key in source.get_secret_value().split(",") if key.strip())


@lru_cache(maxsize=1)
def get_settings() -> Open311Settings:
    """Read the client/outbox settings once and cache them."""
    return Open311Settings()  # type: ignore[call-arg]  # api_key comes from the environment


@lru_cache(maxsize=1)
def get_server_settings() -> Open311ServerSettings:
    """Read the embedded server settings once and cache them."""
    return Open311ServerSettings()
