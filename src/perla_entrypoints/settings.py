"""Settings: every knob perla reads, from ``PERLA_*`` environment variables or a TOML file.

Precedence: explicit keyword arguments > environment > the TOML file named by
``PERLA_CONFIG_FILE`` > defaults. With nothing set, perla runs on embedded defaults: a SQLite
file and everything else under ``PERLA_DATA_DIR`` and an in-process broker.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from platformdirs import user_data_dir

from perla_core.kernel.errors import InvalidValue

ENV_PREFIX = "PERLA_"
SECRET_SUFFIXES = ("api_key", "password", "token", "secret")
"""Fields whose names end so are never shown (``Settings.redacted``)."""


def _default_data_dir() -> Path:
    return Path(user_data_dir("perla", appauthor=False))


@attrs.frozen
class Settings:
    """What perla can be configured with; each field is ``PERLA_<FIELD>`` in the environment."""

    data_dir: Path = attrs.field(factory=_default_data_dir, converter=Path)
    """Folder for everything perla keeps locally on embedded defaults (database, documents)."""
    database_url: str | None = None
    """SQLAlchemy URL: ``postgresql://user@host/db`` (psycopg 3), ``sqlite:///path``, or
    ``memory://`` for the in-memory adapters. Default: a SQLite file in ``data_dir``."""
    redis_url: str | None = None
    """Redis for the Dramatiq broker (``redis://host:6379/0``). Default: in-process broker."""
    redis_namespace: str = "perla"
    """Key prefix of Dramatiq's queues in Redis."""
    db_pool_size: int = 10
    """Connections kept open per process (PostgreSQL)."""
    host: str = "127.0.0.1"
    """Address ``perla serve`` binds to."""
    port: int = 8000
    """Port ``perla serve`` listens on."""
    log_level: str = "INFO"
    """DEBUG, INFO, WARNING or ERROR."""
    log_format: str = "console"
    """``console`` for people, ``json`` for log collectors."""
    worker_threads: int = 4
    """Threads per ``perla worker`` process."""
    scheduler_tick_seconds: float = 1.0
    """How often the scheduler enqueues the outbox relay (and, later, due reminders)."""
    hotel_sync_minutes: float = 60.0
    """How often the scheduler files Dome's changed hotel suppliers in the hotel directory
    (0 turns it off; ``perla hotels sync-dome`` runs one at once)."""
    outbox_batch_size: int = 100
    """Outbox messages the relay hands over per tick."""
    outbox_lease_seconds: int = 300
    """How long a relayed outbox message is left to the workers before the relay offers it
    again (a worker or relay that died mid-batch); lower it where workers are restarted often."""
    auth_cache_seconds: float = 30.0
    """How long an API key check is cached in a process (0 disables; revocation takes up
    to this long to reach every process)."""
    max_body_bytes: int = 1_048_576
    """Largest request body the HTTP API accepts."""
    dome_url: str | None = None
    """Dome's API (``https://dome.example/api/v1``). Default: an in-process Dome double."""
    dome_api_key: str | None = None
    """The key perla presents to Dome (never logged)."""
    perlahub_url: str | None = None
    """PerlaHub's API. Default: an in-process PerlaHub double."""
    perlahub_api_key: str | None = None
    """The key perla presents to PerlaHub (never logged)."""
    gateway_timeout_seconds: float = 10.0
    """Timeout of each call to Dome or PerlaHub."""
    gateway_retries: int = 3
    """Retries of an idempotent call to Dome or PerlaHub on 5xx, 429 or timeouts."""
    smtp_host: str | None = None
    """SMTP server for outgoing mail. Default: .eml files in ``<data_dir>/mail``."""
    smtp_port: int = 587
    """SMTP port (587 for STARTTLS, 465 for implicit TLS)."""
    smtp_security: str = "starttls"
    """``starttls``, ``ssl`` or ``none`` (never with a password)."""
    smtp_username: str | None = None
    """SMTP login, if the server asks for one."""
    smtp_password: str | None = None
    """SMTP password (never logged)."""
    mail_from: str = "perla@perlatours.com"
    """The sender of perla's e-mails."""
    suppliers_email: str = "suppliers@perlatours.com"
    """Where supplier requests go (the Suppliers team that creates hotels in Dome)."""
    reservations_email: str = "reservas@perlatours.com"
    """The reservations address guests write to and perla answers inquiries from (replies
    come back to ``reservas+<token>@...``)."""
    reservations_name: str = "Reservas PerlaHub"
    """The display name guests see on inquiry e-mails."""
    web_form_rate_limit: int = 5
    """Web-form inquiries accepted per client IP per window (then 429 with Retry-After)."""
    web_form_rate_window_seconds: float = 60.0
    """The web form's rate-limit window."""
    api_rate_limit: int = 600
    """Requests accepted per API key per window on ``/api/v1`` (then 429 with Retry-After;
    0 turns the limit off)."""
    api_rate_window_seconds: float = 60.0
    """The API's rate-limit window."""
    zenvia_webhook_rate_limit: int = 1200
    """Zenvia webhook events accepted per client IP per window (0 turns the limit off)."""
    payments_webhook_rate_limit: int = 300
    """Payment webhook calls accepted per client IP per window (0 turns the limit off)."""
    webhook_rate_window_seconds: float = 60.0
    """The webhooks' rate-limit window."""
    cors_origins: str = ""
    """Comma-separated origins (``https://app.perlatours.com``) whose browsers may call the API
    across origins. Empty: no CORS headers at all (only same-origin pages and non-browser
    clients)."""
    trusted_proxies: str = ""
    """Comma-separated networks of the reverse proxies in front of perla (``10.0.0.0/8``):
    behind them the client's IP is read from ``X-Forwarded-For``, elsewhere it is ignored."""
    zenvia_url: str | None = None
    """Zenvia's API (``https://api.zenvia.com/v2``). Default: an in-memory messenger that keeps
    what the bot would send (nothing leaves the process)."""
    zenvia_api_token: str | None = None
    """The ``X-API-TOKEN`` perla presents to Zenvia (never logged)."""
    whatsapp_sender: str = "5491100000000"
    """perla's WhatsApp number: the ``from`` of every message the bot sends."""
    zenvia_webhook_secret: str | None = None
    """The shared secret Zenvia sends in ``zenvia_webhook_header`` with each event (set it in
    the subscription's ``webhook.headers``). Unset: ``POST /webhooks/zenvia`` refuses every
    event with 503 (perla never makes one up). Never logged."""
    zenvia_webhook_header: str = "X-Perla-Webhook-Secret"
    """The header that carries ``zenvia_webhook_secret``."""
    payments_webhook_secret: str | None = None
    """The shared secret of ``POST /webhooks/payments``: the provider signs the raw body with
    HMAC-SHA256 and sends ``X-Perla-Signature: sha256=<hex>``. Unset: the route refuses every
    payment with 503. Never logged."""
    order_idle_minutes: int = 120
    """How long a WhatsApp cart or an unanswered summary waits before it expires."""
    webhook_max_bytes: int = 262_144
    """Largest webhook body accepted (then 413)."""
    operators_email: str | None = None
    """Where the operators are told a conversation was handed to them (e-mail)."""
    operators_whatsapp: str | None = None
    """The operators' WhatsApp number, told the same by WhatsApp."""
    survey_file: str | None = None
    """The campaigns' survey flow (YAML). Default: the shipped ``dormant_survey.yaml``."""
    flow_file: str | None = None
    """The bot's flow (YAML). Default: the shipped ``microcom.yaml``; the file is re-read when
    it changes."""
    anthropic_api_key: str | None = None
    """Anthropic's API key: with it the bot understands messages with Claude and falls back to
    the offline rules when the model fails; without it, the rules alone (never logged)."""
    anthropic_model: str = "claude-haiku-4-5"
    """The Claude model that interprets messages."""
    anthropic_base_url: str | None = None
    """Another address for Anthropic's API (a proxy, or the local double)."""
    anthropic_timeout_seconds: float = 10.0
    """Timeout of each call to Anthropic."""
    assistant_model: str | None = None
    """The Claude model of the PerlaHub assistant (default: ``anthropic_model``). Without an
    Anthropic key the assistant runs on the offline Spanish command grammar."""
    assistant_max_tokens: int = 1024
    """The most tokens the assistant's model may answer with, per call."""
    assistant_timeout_seconds: float = 30.0
    """Timeout of each call of the assistant to Anthropic."""
    assistant_max_rounds: int = 6
    """Model calls per assistant turn at most (tool use loops stop there)."""
    usd_ars_rate: str = "1000.00"
    """How many ARS one USD is worth (exact decimal text): converts catalogue prices either
    way, half-up cents."""
    catalogue_file: str | None = None
    """A catalogue file (CSV or JSON) the demo imports. Default: the shipped
    ``catalogue_sample.csv``."""
    document_store: str = "local"
    """Where pre-invoice and invoice PDFs are kept: ``local`` (a folder, ``documents_dir``) or
    ``s3`` (``s3_bucket``)."""
    documents_dir: str | None = None
    """The local document folder. Default: ``<data_dir>/documents``."""
    s3_bucket: str | None = None
    """The S3 bucket of the documents (``document_store = "s3"``)."""
    s3_prefix: str = ""
    """A key prefix inside the bucket (``perla/``)."""
    s3_endpoint_url: str | None = None
    """Another S3 endpoint (MinIO, a local double). Default: AWS's."""
    s3_region: str | None = None
    """The bucket's region (``sa-east-1``)."""
    s3_access_key_id: str | None = None
    """The S3 access key id. Default: boto3's own chain (environment, instance role)."""
    s3_access_secret: str | None = None
    """The S3 secret access key (never logged)."""
    public_base_url: str = "http://127.0.0.1:8000"
    """perla's public address: links to locally stored documents start with it."""
    documents_link_secret: str | None = None
    """Signs perla's document links (HMAC). Default: a random one kept in
    ``<data_dir>/documents-link-secret`` (never logged)."""
    document_link_seconds: int = 604_800
    """How long a document link stays valid (default seven days)."""
    dashboard_session_secret: str | None = None
    """Signs the activity page's session cookies (HMAC). Default: a random one kept in
    ``<data_dir>/dashboard-session-secret`` (never logged)."""
    dashboard_session_hours: int = 12
    """How long a login to the activity page (``/dashboard``) lasts."""
    seller_legal_name: str = "MICROCOM S.R.L."
    """The seller printed on pre-invoices and invoices."""
    seller_cuit: str = "30-71234567-1"
    """The seller's CUIT (validated)."""
    seller_address: str = "Av. Corrientes 1234, CABA"
    """The seller's fiscal address."""
    seller_vat_condition: str = "Responsable Inscripto"
    """The seller's VAT condition (Responsable Inscripto, Monotributista, Exento ...)."""
    pre_invoice_series: str = "PF-0001"
    """The series pre-invoices are numbered in, without gaps."""
    invoice_series: str = "A-0001"
    """The series invoices are numbered in, without gaps."""
    executives_email: str | None = None
    """Where MICROCOM's executives get every pre-invoice and invoice (after the order's
    account manager). Unset: only the account manager."""
    campaign_dormant_cron: str | None = None
    """When the scheduler starts a dormant-client campaign run: a 5-field cron expression in
    UTC (``0 9 * * 1`` = Mondays 09:00). Unset: runs start only by hand (``perla campaign
    run dormant`` or the API)."""
    campaign_dormant_months: int = 8
    """A client is dormant after this many (30-day) months without any interaction."""
    campaign_surveyed_within_days: int = 90
    """Clients sent a campaign survey within this many days are left out of a new run."""
    campaign_template_id: str = "reactivacion_dormidos"
    """The approved WhatsApp template (Zenvia's id) that opens the survey."""
    campaign_rate_per_second: int = 20
    """Survey templates sent per second."""
    campaign_daily_cap: int = 1000
    """Distinct clients messaged per day (the WhatsApp messaging tier); a larger run goes on
    the next day by itself."""
    campaign_recovered_days: int = 30
    """A client who answered counts as recovered when it orders within this many days."""
    raw_message_retention_days: int = 365
    """Days raw WhatsApp messages are kept (conversation message texts and webhook payloads);
    the scheduler blanks older ones once a day (``perla privacy retention`` at once). 0 keeps
    them (see ``docs/privacy.md``)."""
    metrics_enabled: bool = True
    """Serve Prometheus metrics at ``GET /metrics`` (no API key, not in the schema: keep it
    off the public internet, block it at the proxy). ``false`` removes the route."""

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'perla.db'}"

    @property
    def embedded(self) -> bool:
        """True when no external service is configured (SQLite/memory and no Redis)."""
        url = self.effective_database_url
        return self.redis_url is None and not url.startswith(("postgres", "postgresql"))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read ``PERLA_*`` variables (and ``PERLA_CONFIG_FILE``), then apply ``overrides``."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        config_file = env.get(f"{ENV_PREFIX}CONFIG_FILE")
        if config_file:
            values.update(_read_toml(Path(config_file)))
        for field in attrs.fields(cls):
            key = f"{ENV_PREFIX}{field.name.upper()}"
            if key in env and env[key] != "":
                values[field.name] = env[key]
        values.update(overrides)
        return cls(**_coerce(values))

    def redacted(self) -> dict[str, str]:
        """The settings as text, with secrets (fields named ``*api_key``, ``*password``,
        ``*token``, ``*secret``) and passwords in URLs masked (safe to log or print)."""
        return {
            f.name: "***"
            if f.name.endswith(SECRET_SUFFIXES) and getattr(self, f.name)
            else _redact(str(getattr(self, f.name)))
            for f in attrs.fields(type(self))
        }


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidValue(f"cannot read {path}: {exc}", field="PERLA_CONFIG_FILE") from None
    section = data.get("perla", data)
    known = {f.name for f in attrs.fields(Settings)}
    unknown = set(section) - known
    if unknown:
        raise InvalidValue(
            f"unknown setting {sorted(unknown)[0]!r} in {path}", field=sorted(unknown)[0]
        )
    return dict(section)


def _coerce(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in attrs.fields(Settings):
        if field.name not in values:
            continue
        raw = values[field.name]
        kind = getattr(field.type, "__name__", field.type)
        try:
            if kind == "bool":
                out[field.name] = _boolean(raw)
            elif kind == "int":
                out[field.name] = int(raw)
            elif kind == "float":
                out[field.name] = float(raw)
            else:
                out[field.name] = raw
        except (TypeError, ValueError):
            raise InvalidValue(
                f"{raw!r} is not a valid {field.type}", field=f"{ENV_PREFIX}{field.name.upper()}"
            ) from None
    if "log_format" in out and out["log_format"] not in ("console", "json"):
        raise InvalidValue("must be console or json", field="PERLA_LOG_FORMAT")
    if "document_store" in out and out["document_store"] not in ("local", "s3"):
        raise InvalidValue("must be local or s3", field="PERLA_DOCUMENT_STORE")
    return out


def _boolean(raw: object) -> bool:
    """``true``/``false`` (also 1/0, yes/no, on/off) from the environment, or a TOML bool."""
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in ("true", "1", "yes", "on"):
        return True
    if word in ("false", "0", "no", "off"):
        return False
    raise ValueError(word)


def _redact(text: str) -> str:
    if "://" in text and "@" in text:
        scheme, rest = text.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else text
    return text
