"""Settings of the web chat, read from the environment when the app is created (never at import).

Values come from keyword arguments, then the environment, then ``.env`` in the repository root.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["WebchatSettings"]

REPO_ROOT = Path(__file__).resolve().parents[2]


class WebchatSettings(BaseSettings):
    """Where the web chat listens and which assistant it talks to.

    Attributes:
        host: Interface to listen on (``WEBCHAT_HOST``).
        port: TCP port (``WEBCHAT_PORT``).
        rasa_url: Base URL of the Rasa server, without the trailing slash (``RASA_URL``).
        rasa_auth_token: Token of Rasa's HTTP API, used server side only to read a
            conversation's history (``RASA_AUTH_TOKEN``, required).
        chat_timeout_seconds: How long one turn of the assistant may take
            (``WEBCHAT_CHAT_TIMEOUT``).
        rest_token: The REST channel's token for web chat conversations (``WEBCHAT_REST_TOKEN``,
            required); Rasa stores them as ``web:<sender>``.
        trusted_proxies: Addresses (or networks) of reverse proxies whose ``X-Forwarded-For``
            names the client (``TRUSTED_PROXIES``, comma-separated; empty: none, the peer's
            address is the client's).
        rate_limit_storage: ``limits`` storage (``RATE_LIMIT_STORAGE``): ``memory://`` or
            ``redis://host:6379/1`` when several processes serve the page.
        chat_limit_per_client: Messages per client address (``WEBCHAT_RATE_LIMIT_CLIENT``).
        chat_limit_per_conversation: Messages per conversation
            (``WEBCHAT_RATE_LIMIT_CONVERSATION``).
        history_limit_per_client: History reads per client address
            (``WEBCHAT_RATE_LIMIT_HISTORY``).
    """

    model_config = SettingsConfigDict(
        env_file=REPO_ROOT / ".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    host: str = Field(default="127.0.0.1", validation_alias="WEBCHAT_HOST")
    port: int = Field(default=8000, ge=0, le=65535, validation_alias="WEBCHAT_PORT")
    rasa_url: str = Field(default="http://127.0.0.1:5005", validation_alias="RASA_URL")
    rasa_auth_token: SecretStr = Field(validation_alias="RASA_AUTH_TOKEN", min_length=1)
    chat_timeout_seconds: float = Field(default=30.0, gt=0, validation_alias="WEBCHAT_CHAT_TIMEOUT")
    rest_token: SecretStr = Field(validation_alias="WEBCHAT_REST_TOKEN", min_length=1)
    trusted_proxies: str = Field(default="", validation_alias="TRUSTED_PROXIES")
    rate_limit_storage: str = Field(default="memory://", validation_alias="RATE_LIMIT_STORAGE")
    chat_limit_per_client: str = Field(
        default="30/minute;600/hour", validation_alias="WEBCHAT_RATE_LIMIT_CLIENT"
    )
    chat_limit_per_conversation: str = Field(
        default="15/minute;200/hour", validation_alias="WEBCHAT_RATE_LIMIT_CONVERSATION"
    )
    history_limit_per_client: str = Field(
        default="60/minute", validation_alias="WEBCHAT_RATE_LIMIT_HISTORY"
    )

    @classmethod
    def from_env(cls) -> WebchatSettings:
        """Reads the settings from the environment (and ``.env``).

        Raises:
            pydantic.ValidationError: ``RASA_AUTH_TOKEN`` is missing or a value is invalid.
        """
        return cls()  # type: ignore[call-arg]  # the tokens come from the environment

    @field_validator("rasa_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("RASA_URL must start with http:// or https://")
        return value.rstrip("/")
