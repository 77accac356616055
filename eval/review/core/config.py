"""Settings of the staff review app, read from the environment when the app is created.

Nothing is read at import time: :func:`get_settings` builds the object (tests pass values as
keyword arguments instead). Values come from keyword arguments, then the environment, then
``.env`` in the repository root. Relative paths are taken from the repository root, so the app
finds ``var/``, ``models/`` and ``nlu_data/`` whatever the working directory.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url

__all__ = ["REPO_ROOT", "Settings", "get_settings"]

REPO_ROOT = Path(__file__).resolve().parents[3]


class Settings(BaseSettings):
    """Everything the review app can be told.

    Attributes:
        host: Interface to listen on (``REVIEW_HOST``).
        port: Port to listen on (``REVIEW_PORT``).
        secret_key: Keys the session and CSRF token hashes (``REVIEW_SECRET_KEY``, required).
        db_url: The app's own database: users, sessions, corrections, tags, audit log, jobs
            (``REVIEW_DB_URL``). Required with ``APP_PROFILE=production``: a container's
            local file would lose them at every restart.
        tracker_db_url: Rasa's tracker store, read only (``TRACKER_DB_URL``, e.g.
            ``postgresql+psycopg://user@host:5432/db``). When unset: the production profile's
            PostgreSQL settings if ``TRACKER_DB_HOST`` is set (``TRACKER_DB_PORT``,
            ``TRACKER_DB_USER``, ``TRACKER_DB_PASSWORD``, ``TRACKER_DB_NAME``, as in
            ``bot/endpoints.production.yml``), otherwise the embedded SQLite file.
        tracker_sqlite_path: The embedded SQLite tracker store (``TRACKER_SQLITE_PATH``).
        rasa_url: Rasa's HTTP API, to load a promoted model (``RASA_URL``).
        rasa_auth_token: Token of Rasa's HTTP API (``RASA_AUTH_TOKEN``).
        nlu_dir: The project's NLU training data, for de-duplication (``REVIEW_NLU_DIR``).
        domain_dir: The Rasa domain: intents and entities offered to reviewers
            (``REVIEW_DOMAIN_DIR``).
        cookie_secure: Adds ``Secure`` to the session cookie (``REVIEW_COOKIE_SECURE``, on by
            default; the embedded default's ``.env`` turns it off for http://127.0.0.1).
        session_hours: Longest life of a sign-in (``REVIEW_SESSION_HOURS``).
        session_idle_minutes: A sign-in unused this long ends (``REVIEW_SESSION_IDLE_MINUTES``).
        login_max_failures: Failed sign-ins per user and IP address before a pause
            (``REVIEW_LOGIN_MAX_FAILURES``).
        login_window_seconds: The window those failures are counted in
            (``REVIEW_LOGIN_WINDOW_SECONDS``).
        login_limit_per_ip: Sign-in attempts per client address, whatever the user name
            (``REVIEW_LOGIN_LIMIT_PER_IP``, ``limits`` rules).
        login_limit_global: Failed sign-ins across all addresses before every sign-in pauses
            (``REVIEW_LOGIN_LIMIT_GLOBAL``): bounds password spraying from many addresses.
        trusted_proxies: Reverse proxies whose ``X-Forwarded-For`` names the client
            (``TRUSTED_PROXIES``, comma-separated addresses or networks; empty: none).
        rate_limit_storage: ``limits`` storage (``RATE_LIMIT_STORAGE``).
        max_body_bytes: Largest request body, refused before it is read
            (``REVIEW_MAX_BODY_BYTES``).
        low_confidence: A resident message below this NLU confidence is "low confidence"
            (``REVIEW_LOW_CONFIDENCE``).
        timezone: Dates in filters and charts are days in this zone (``REVIEW_TIMEZONE``).
        page_size: Conversations per inbox page (``REVIEW_PAGE_SIZE``).
        rasa_venv: The Rasa environment that trains and evaluates (``REVIEW_RASA_VENV``).
        models_dir: Where promoted models go; the newest is the current model
            (``REVIEW_MODELS_DIR``).
        jobs_dir: Work directories of retrain jobs (``REVIEW_JOBS_DIR``).
        train_config: Pipeline and policies of the candidate model (``REVIEW_TRAIN_CONFIG``).
        train_epochs: Overrides every ``epochs`` in that config, e.g. for a quick test run
            (``REVIEW_TRAIN_EPOCHS``).
        train_data: Dialogue data trained with the NLU data, so a promoted model is a full
            model that ``rasa run`` can serve (``REVIEW_TRAIN_DATA``, comma-separated).
        promote_tolerance: A candidate can be approved only if no language's macro-F1 drops
            by more than this (``REVIEW_PROMOTE_TOLERANCE``).
        intent_tolerance: ... nor any intent's F1 in any language by more than this
            (``REVIEW_INTENT_TOLERANCE``).
        intent_margin: Two intents closer than this are "two close meanings"
            (``REVIEW_INTENT_MARGIN``).
        articles_dir: The knowledge base's articles (``REVIEW_ARTICLES_DIR``).
        approved_dir: Where approved corrections become training data, read by
            ``bot/train.py`` (``REVIEW_APPROVED_DIR``; inside ``nlu_data/`` by default).
        staging_dir: Where a candidate's corrections wait, outside ``nlu_data/``, until an admin
            approves it (``REVIEW_STAGING_DIR``).
        reviewed_eval_dir: Approved knowledge questions (retrieval pairs and benchmark
            questions, ``retrieval.yml``) and form steps (``form_steps.yml``)
            (``REVIEW_REVIEWED_EVAL_DIR``).
        model_server_token: Token Rasa sends to pull the current model from
            ``/model-server/current.tar.gz`` (``MODEL_SERVER_TOKEN``; unset: the model server
            answers 404).
    """

    model_config = SettingsConfigDict(
        env_prefix="REVIEW_",
        env_file=REPO_ROOT / ".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8001, ge=1, le=65535)
    secret_key: SecretStr = Field(min_length=16)
    db_url: str = "sqlite:///var/review.db"
    tracker_db_url: str | None = Field(default=None, validation_alias="TRACKER_DB_URL")
    tracker_sqlite_path: Path = Field(
        default=Path("var/tracker.db"), validation_alias="TRACKER_SQLITE_PATH"
    )
    tracker_db_host: str | None = Field(default=None, validation_alias="TRACKER_DB_HOST")
    tracker_db_port: int = Field(default=5432, validation_alias="TRACKER_DB_PORT")
    tracker_db_user: str | None = Field(default=None, validation_alias="TRACKER_DB_USER")
    tracker_db_password: SecretStr | None = Field(
        default=None, validation_alias="TRACKER_DB_PASSWORD"
    )
    tracker_db_name: str | None = Field(default=None, validation_alias="TRACKER_DB_NAME")
    rasa_url: str | None = Field(default="http://127.0.0.1:5005", validation_alias="RASA_URL")
    rasa_auth_token: SecretStr | None = Field(default=None, validation_alias="RASA_AUTH_TOKEN")
    nlu_dir: Path = Path("nlu_data")
    domain_dir: Path = Path("bot/domain")
    cookie_secure: bool = True
    session_hours: float = Field(default=8.0, gt=0)
    session_idle_minutes: float = Field(default=30.0, gt=0)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=300, ge=1)
    login_limit_per_ip: str = "10/minute;60/hour"
    login_limit_global: str = "100/minute"
    trusted_proxies: str = Field(default="", validation_alias="TRUSTED_PROXIES")
    rate_limit_storage: str = Field(default="memory://", validation_alias="RATE_LIMIT_STORAGE")
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    low_confidence: float = Field(default=0.6, ge=0, le=1)
    timezone: str = "America/Los_Angeles"
    page_size: int = Field(default=50, ge=1, le=500)
    rasa_venv: Path = Path(".venv-rasa")
    models_dir: Path = Path("models")
    jobs_dir: Path = Path("var/review-jobs")
    train_config: Path = Path("config.yml")
    train_epochs: int | None = Field(default=None, ge=1)
    train_data: str = "bot/rules,bot/stories"
    promote_tolerance: float = Field(default=0.0, ge=0)
    intent_tolerance: float = Field(default=0.02, ge=0)
    intent_margin: float = Field(default=0.1, ge=0, le=1)
    articles_dir: Path = Path("knowledge_base/articles")
    approved_dir: Path = Path("nlu_data/reviewed")
    staging_dir: Path = Path("var/review/staged")
    reviewed_eval_dir: Path = Path("eval/data/reviewed")
    model_server_token: SecretStr | None = Field(
        default=None, validation_alias="MODEL_SERVER_TOKEN"
    )

    @model_validator(mode="after")
    def _shared_database_in_production(self) -> Settings:
        from connectors.storage import production_profile

        if production_profile() and "db_url" not in self.model_fields_set:
            raise ValueError(
                "APP_PROFILE=production needs REVIEW_DB_URL (the review app's own database, "
                "e.g. postgresql+psycopg://user@host:5432/db): without it users, corrections "
                "and jobs would go to a local SQLite file"
            )
        return self

    def languages(self) -> tuple[str, ...]:
        """The assistant's languages: the language packs', in menu order."""
        from bot.languages import codes

        return codes()

    def path(self, value: Path) -> Path:
        """``value`` made absolute against the repository root."""
        return value if value.is_absolute() else REPO_ROOT / value

    def review_db_url(self) -> URL:
        """The app's database URL, a relative SQLite path anchored at the repository root."""
        return _anchor_sqlite(make_url(self.db_url))

    def tracker_url(self) -> URL:
        """Where the tracker store is (see ``tracker_db_url``)."""
        if self.tracker_db_url:
            return _anchor_sqlite(make_url(self.tracker_db_url))
        if self.tracker_db_host:
            password = self.tracker_db_password.get_secret_value() if self.tracker_db_password \
                else None
            return URL.create(
                "postgresql+psycopg",
                username=self.tracker_db_user or None,
                password=password or None,
                host=self.tracker_db_host,
                port=self.tracker_db_port,
                database=self.tracker_db_name,
            )
        return URL.create("sqlite", database=str(self.path(self.tracker_sqlite_path)))


def _anchor_sqlite(url: URL) -> URL:
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        if not database.is_absolute():
            return url.set(database=str(REPO_ROOT / database))
    return url


def get_settings() -> Settings:
    """Reads the settings from the environment (and ``.env``); fails when a secret is missing."""
    return Settings()  # type: ignore[call-arg]  # required values come from the environment
