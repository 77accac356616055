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

    @classmethod
    def from_env(cls) -> WebchatSettings:
        """Reads the settings from the environment (and ``.env``).

        Raises:
            pydantic.ValidationError: ``RASA_AUTH_TOKEN`` is missing or a value is invalid.
        """
        return cls()  # type: ignore[call-arg]  # the token comes from the environment

    @field_validator("rasa_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("RASA_URL must start with http:// or https://")
        return value.rstrip("/")
