"""The composition root: the one place that chooses adapters.

``build_container()`` reads :class:`Settings` (``PERLA_*`` variables, an optional TOML file)
and returns a :class:`Container`; nothing is built until a provider is first called. Tests and
users swap any adapter with ``container.<provider>.override(...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import attrs
from dependency_injector import containers, providers

from perla_adapters.dramatiq import DramatiqTaskQueue, make_broker
from perla_adapters.mail import EmlFileMailer, SmtpMailer
from perla_adapters.memory import (
    InMemoryHotelDirectory,
    InMemoryHotelImportLog,
    InMemoryStore,
    InMemoryUnitOfWork,
)
from perla_adapters.memory.dome import InMemoryDome
from perla_adapters.memory.perlahub import InMemoryPerlaHub
from perla_adapters.system import SystemClock, TokenSecrets, Uuid7Ids
from perla_core.assistant.catalogue import build_toolbox
from perla_core.assistant.engine import AssistantDeps, AssistantLimits
from perla_core.assistant.tools import ToolBox
from perla_core.gateways import DomeGateway, PerlaHubGateway
from perla_core.hotels.imports import HotelImportLog
from perla_core.hotels.ports import HotelDirectory
from perla_core.inquiries.values import InquiryMailbox
from perla_core.kernel.ports import Clock, IdGenerator, SecretGenerator
from perla_core.mail import Mailer
from perla_core.outbox import HandlerRegistry
from perla_core.uow import UnitOfWork
from perla_entrypoints.settings import Settings

if TYPE_CHECKING:
    from perla_adapters.documents.links import LinkSigner
    from perla_adapters.flows.yaml_source import FlowFile
    from perla_core.answers import FactsSource
    from perla_core.catalogue.model import ExchangeRate
    from perla_core.conversations import BotDeps
    from perla_core.documents import DocumentRenderer, DocumentStore
    from perla_core.language import IntentInterpreter
    from perla_core.language.ports import LanguageModel
    from perla_core.messaging import Messenger
    from perla_core.search.ports import Embedder, SearchIndex
    from perla_entrypoints.http.ratelimit import RateLimiter

MEMORY_URL = "memory://"


class Storage(Protocol):
    """Where the units of work come from, and the database's health; the hotel directory and
    the import log (one each per storage: the directory caches profiles)."""

    def unit_of_work(self) -> UnitOfWork: ...

    def hotel_directory(self) -> HotelDirectory: ...

    def hotel_import_log(self) -> HotelImportLog: ...

    def migrate(self) -> None: ...

    def ready(self) -> bool: ...

    def close(self) -> None: ...


class MemoryStorage:
    """Everything in this process's memory: for tests and throw-away runs."""

    def __init__(self, clock: Clock, ids: IdGenerator) -> None:
        self.store = InMemoryStore()
        self._clock = clock
        self._ids = ids
        self._hotels = InMemoryHotelDirectory()
        self._hotel_imports = InMemoryHotelImportLog()

    def unit_of_work(self) -> UnitOfWork:
        return InMemoryUnitOfWork(self.store, self._clock, self._ids)

    def hotel_directory(self) -> HotelDirectory:
        return self._hotels

    def hotel_import_log(self) -> HotelImportLog:
        return self._hotel_imports

    def migrate(self) -> None:
        return None

    def ready(self) -> bool:
        return True

    def close(self) -> None:
        return None


class SqlStorage:
    """SQLite or PostgreSQL through SQLAlchemy; the schema comes from alembic migrations."""

    def __init__(self, url: str, pool_size: int, clock: Clock, ids: IdGenerator) -> None:
        from perla_adapters.sql import (  # noqa: PLC0415
            SqlHotelDirectory,
            SqlHotelImportLog,
            create_engine_for,
        )

        self.url = url
        self.engine = create_engine_for(url, pool_size=pool_size)
        self._clock = clock
        self._ids = ids
        self._hotels = SqlHotelDirectory(self.engine)
        self._hotel_imports = SqlHotelImportLog(self.engine)

    def unit_of_work(self) -> UnitOfWork:
        from perla_adapters.sql import SqlAlchemyUnitOfWork  # noqa: PLC0415

        return SqlAlchemyUnitOfWork(self.engine, self._clock, self._ids)

    def hotel_directory(self) -> HotelDirectory:
        return self._hotels

    def hotel_import_log(self) -> HotelImportLog:
        return self._hotel_imports

    def migrate(self) -> None:
        from perla_adapters.sql import migrate  # noqa: PLC0415

        migrate(self.engine)

    def ready(self) -> bool:
        from perla_adapters.sql import database_ready  # noqa: PLC0415

        return database_ready(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def make_storage(url: str, pool_size: int, clock: Clock, ids: IdGenerator) -> Storage:
    if url == MEMORY_URL:
        return MemoryStorage(clock, ids)
    return SqlStorage(url, int(pool_size), clock, ids)


def make_dome(
    url: str | None, api_key: str | None, timeout: float, retries: int, clock: Clock
) -> DomeGateway:
    if not url:
        return InMemoryDome(clock=clock)
    from perla_adapters.dome import HttpDomeGateway  # noqa: PLC0415

    return HttpDomeGateway(url, api_key or "", timeout=float(timeout), retries=int(retries))


def make_mailer(settings: Settings, clock: Clock) -> Mailer:
    if not settings.smtp_host:
        return EmlFileMailer(settings.data_dir / "mail", clock=clock)
    return SmtpMailer(
        settings.smtp_host,
        settings.smtp_port,
        security=settings.smtp_security,  # type: ignore[arg-type]
        username=settings.smtp_username,
        password=settings.smtp_password,
        clock=clock,
    )


def make_perlahub(
    url: str | None, api_key: str | None, timeout: float, retries: int, clock: Clock
) -> PerlaHubGateway:
    if not url:
        return InMemoryPerlaHub(clock=clock)
    from perla_adapters.perlahub import HttpPerlaHubGateway  # noqa: PLC0415

    return HttpPerlaHubGateway(url, api_key or "", timeout=float(timeout), retries=int(retries))


def make_rate_limiter(redis_url: str | None) -> RateLimiter:
    from perla_entrypoints.http.ratelimit import (  # noqa: PLC0415 - the server extra
        MemoryRateLimiter,
        RedisRateLimiter,
    )

    if redis_url:
        return RedisRateLimiter(redis_url)
    return MemoryRateLimiter()


def make_messenger(settings: Settings, clock: Clock) -> Messenger:
    """Zenvia when ``zenvia_url`` is set, otherwise an in-memory messenger (nothing leaves)."""
    if not settings.zenvia_url:
        from perla_adapters.memory.messaging import InMemoryMessenger  # noqa: PLC0415

        return InMemoryMessenger(clock)
    from perla_adapters.zenvia import ZenviaMessenger  # noqa: PLC0415

    return ZenviaMessenger(
        settings.zenvia_api_token or "",
        clock,
        base_url=settings.zenvia_url,
        timeout=settings.gateway_timeout_seconds,
        retries=settings.gateway_retries,
    )


def make_interpreter(settings: Settings) -> IntentInterpreter:
    """Claude with the offline rules as fallback when an Anthropic key is set; else the rules."""
    from perla_core.language import FallbackInterpreter, RulesInterpreter  # noqa: PLC0415

    if not settings.anthropic_api_key:
        return RulesInterpreter()
    from perla_adapters.llm.anthropic import (  # noqa: PLC0415 - the anthropic extra
        AnthropicInterpreter,
        AnthropicLanguageModel,
    )

    model = AnthropicLanguageModel(
        settings.anthropic_api_key,
        model=settings.anthropic_model,
        base_url=settings.anthropic_base_url,
        timeout=settings.anthropic_timeout_seconds,
    )
    return FallbackInterpreter(AnthropicInterpreter(model), RulesInterpreter())


def make_assistant_model(settings: Settings) -> LanguageModel:
    """Claude over the Messages API when an Anthropic key is set; else the offline grammar."""
    if not settings.anthropic_api_key:
        from perla_core.assistant.grammar import OfflineAssistantModel  # noqa: PLC0415

        return OfflineAssistantModel()
    from perla_adapters.llm.anthropic import AnthropicLanguageModel  # noqa: PLC0415

    return AnthropicLanguageModel(
        settings.anthropic_api_key,
        model=settings.assistant_model or settings.anthropic_model,
        base_url=settings.anthropic_base_url,
        timeout=settings.assistant_timeout_seconds,
    )


def make_assistant(
    settings: Settings,
    uow: UnitOfWork,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    ids: IdGenerator,
    secrets: SecretGenerator,
    model: LanguageModel,
    tools: ToolBox,
    directory: HotelDirectory,
    perlahub: PerlaHubGateway,
) -> AssistantDeps:
    """What an assistant turn needs (a fresh unit of work each time)."""
    from perla_core.onboarding.sync import PerlaHubConnectionTester  # noqa: PLC0415

    return AssistantDeps(
        uow=uow,
        clock=clock,
        ids=ids,
        secrets=secrets,
        model=model,
        tools=tools,
        directory=directory,
        tester=PerlaHubConnectionTester(uow_factory, perlahub),
        suppliers_address=settings.suppliers_email,
        limits=AssistantLimits(
            max_rounds=settings.assistant_max_rounds, max_tokens=settings.assistant_max_tokens
        ),
    )


def shipped_flow_path() -> Path:
    """The MICROCOM sales flow packaged with perla."""
    return Path(str(resources.files("perla_entrypoints") / "data" / "flows" / "microcom.yaml"))


def make_flow_file(settings: Settings) -> FlowFile:
    """The bot's flow file (re-read when it changes), checked against the hooks perla has."""
    from perla_adapters.flows.yaml_source import FlowFile  # noqa: PLC0415
    from perla_entrypoints.bot_hooks import HOOK_NAMES  # noqa: PLC0415

    path = Path(settings.flow_file) if settings.flow_file else shipped_flow_path()
    return FlowFile(path, hooks=HOOK_NAMES)


def shipped_survey_path() -> Path:
    """The dormant-client survey packaged with perla."""
    data = resources.files("perla_entrypoints") / "data" / "flows" / "dormant_survey.yaml"
    return Path(str(data))


def make_survey_file(settings: Settings) -> FlowFile:
    """The campaigns' survey flow (re-read when it changes)."""
    from perla_adapters.flows.yaml_source import FlowFile  # noqa: PLC0415

    path = Path(settings.survey_file) if settings.survey_file else shipped_survey_path()
    return FlowFile(path)


def make_bot(
    interpreter: IntentInterpreter,
    flow_file: FlowFile,
    survey_file: FlowFile,
    settings: Settings,
    search_index: SearchIndex,
    facts: FactsSource,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    ids: IdGenerator,
    rate: Callable[[], ExchangeRate],
) -> BotDeps:
    from perla_core.conversations import BotDeps  # noqa: PLC0415
    from perla_core.orders.pricing import CataloguePricing  # noqa: PLC0415
    from perla_entrypoints.bot_hooks import bot_hooks  # noqa: PLC0415
    from perla_entrypoints.purchase_hooks import PurchaseDeps, purchase_hooks  # noqa: PLC0415

    purchase = PurchaseDeps(
        index=search_index,
        pricing=CataloguePricing(uow_factory, clock, rate),
        clock=clock,
        ids=ids,
        idle_for=timedelta(minutes=settings.order_idle_minutes),
    )
    return BotDeps(
        interpreter=interpreter,
        flow=flow_file.current,
        flows={survey_file.current().name: survey_file.current},
        hooks={**bot_hooks(search_index, facts), **purchase_hooks(purchase)},
        sender=settings.whatsapp_sender,
    )


def make_embedder() -> Embedder:
    """The offline feature-hashing embedder (no model to download)."""
    from perla_core.search.embedding import HashingEmbedder  # noqa: PLC0415

    return HashingEmbedder()


def make_search_index(url: str, data_dir: str, embedder: Embedder) -> SearchIndex:
    """In memory with the in-memory database; a LanceDB folder (``<data_dir>/index``) else."""
    if url == MEMORY_URL:
        from perla_adapters.memory.search import InMemorySearchIndex  # noqa: PLC0415

        return InMemorySearchIndex(embedder)
    from perla_adapters.lancedb.search import LanceDbSearchIndex  # noqa: PLC0415

    return LanceDbSearchIndex(Path(data_dir) / "index", embedder)


def make_exchange_rate(settings: Settings, clock: Clock) -> Callable[[], ExchangeRate]:
    """The configured USD→ARS rate (``PERLA_USD_ARS_RATE``), as of the day it is asked."""
    from perla_core.catalogue.model import ExchangeRate  # noqa: PLC0415

    return lambda: ExchangeRate.parse(settings.usd_ars_rate, clock.now().date())


def make_link_signer(settings: Settings, clock: Clock) -> LinkSigner:
    """Signs perla's document links: the configured secret, or one kept in the data folder."""
    from perla_adapters.documents.links import (  # noqa: PLC0415
        LinkSigner,
        load_or_create_secret,
    )

    secret = settings.documents_link_secret or load_or_create_secret(
        settings.data_dir / "documents-link-secret"
    )
    return LinkSigner(secret, settings.public_base_url, clock)


def make_document_store(settings: Settings, links: LinkSigner) -> DocumentStore:
    """S3 when ``document_store`` is ``s3``; the local folder (``documents_dir``) otherwise."""
    if settings.document_store == "s3":
        from perla_adapters.documents.s3 import S3DocumentStore  # noqa: PLC0415

        return S3DocumentStore(
            settings.s3_bucket or "",
            prefix=settings.s3_prefix,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_access_secret,
            timeout=settings.gateway_timeout_seconds,
            retries=settings.gateway_retries,
        )
    from perla_adapters.documents.local import LocalDocumentStore  # noqa: PLC0415

    folder = Path(settings.documents_dir) if settings.documents_dir else None
    return LocalDocumentStore(folder or settings.data_dir / "documents", links)


def make_document_renderer() -> DocumentRenderer:
    from perla_adapters.documents.pdf import FpdfDocumentRenderer  # noqa: PLC0415

    return FpdfDocumentRenderer()


def make_facts(
    uow_factory: Callable[[], UnitOfWork], clock: Clock, rate: Callable[[], ExchangeRate]
) -> FactsSource:
    """Product facts read from the catalogue at answer time."""
    from perla_core.answers.catalogue import CatalogueFacts  # noqa: PLC0415

    return CatalogueFacts(uow_factory, clock, rate)


class Container(containers.DeclarativeContainer):
    """perla's providers. ``config`` holds the :class:`Settings` fields by name."""

    config = providers.Configuration()
    settings = providers.Dependency(instance_of=Settings)

    # time, identifiers, secrets
    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid7Ids)
    secrets = providers.Singleton(TokenSecrets)

    # storage: one engine (or in-memory store) per process, a fresh unit of work per use case
    storage = providers.Singleton(
        make_storage,
        url=config.effective_database_url,
        pool_size=config.db_pool_size,
        clock=clock,
        ids=ids,
    )
    uow = providers.Factory(lambda storage: storage.unit_of_work(), storage)
    hotel_directory = providers.Factory(lambda storage: storage.hotel_directory(), storage)
    hotel_import_log = providers.Factory(lambda storage: storage.hotel_import_log(), storage)

    # work that is ready now
    broker = providers.Singleton(
        make_broker, redis_url=config.redis_url, namespace=config.redis_namespace
    )
    task_queue = providers.Singleton(DramatiqTaskQueue, broker)

    # the other systems: their HTTP APIs when configured, in-process doubles otherwise
    dome = providers.Singleton(
        make_dome,
        url=config.dome_url,
        api_key=config.dome_api_key,
        timeout=config.gateway_timeout_seconds,
        retries=config.gateway_retries,
        clock=clock,
    )
    perlahub = providers.Singleton(
        make_perlahub,
        url=config.perlahub_url,
        api_key=config.perlahub_api_key,
        timeout=config.gateway_timeout_seconds,
        retries=config.gateway_retries,
        clock=clock,
    )

    # outgoing e-mail: SMTP when configured, .eml files in the data folder otherwise
    mailer = providers.Singleton(make_mailer, settings=settings, clock=clock)

    # the reservations mailbox guests' inquiries are answered from
    inquiry_mailbox = providers.Singleton(
        InquiryMailbox, address=config.reservations_email, display_name=config.reservations_name
    )

    # per-client limits on public routes: shared through Redis when there is one
    rate_limiter = providers.Singleton(make_rate_limiter, config.redis_url)

    # WhatsApp: Zenvia when configured, an in-memory messenger otherwise; the bot's parts
    messenger = providers.Singleton(make_messenger, settings=settings, clock=clock)
    intent_interpreter = providers.Singleton(make_interpreter, settings=settings)
    flow_file = providers.Singleton(make_flow_file, settings=settings)
    survey_file = providers.Singleton(make_survey_file, settings=settings)

    # the catalogue's search index (finds candidates) and facts (prices and stock, read now)
    embedder = providers.Singleton(make_embedder)
    search_index = providers.Singleton(
        make_search_index,
        url=config.effective_database_url,
        data_dir=config.data_dir,
        embedder=embedder,
    )
    exchange_rate = providers.Singleton(make_exchange_rate, settings=settings, clock=clock)
    catalogue_facts = providers.Singleton(
        make_facts, uow_factory=uow.provider, clock=clock, rate=exchange_rate
    )

    bot = providers.Singleton(
        make_bot,
        interpreter=intent_interpreter,
        flow_file=flow_file,
        survey_file=survey_file,
        settings=settings,
        search_index=search_index,
        facts=catalogue_facts,
        uow_factory=uow.provider,
        clock=clock,
        ids=ids,
        rate=exchange_rate,
    )

    # billing documents: their PDFs (fpdf2), where they are kept, and perla's signed links
    document_links = providers.Singleton(make_link_signer, settings=settings, clock=clock)
    document_store = providers.Singleton(
        make_document_store, settings=settings, links=document_links
    )
    document_renderer = providers.Singleton(make_document_renderer)

    # the PerlaHub assistant: its model (Claude or the offline grammar), tools and turn deps
    assistant_model = providers.Singleton(make_assistant_model, settings=settings)
    assistant_tools = providers.Singleton(build_toolbox)
    assistant = providers.Factory(
        make_assistant,
        settings=settings,
        uow=uow,
        uow_factory=uow.provider,
        clock=clock,
        ids=ids,
        secrets=secrets,
        model=assistant_model,
        tools=assistant_tools,
        directory=hotel_directory,
        perlahub=perlahub,
    )

    # outbox handlers by topic (see perla_entrypoints.handlers)
    handlers = providers.Singleton(HandlerRegistry)


def build_container(settings: Settings | None = None, **overrides: Any) -> Container:
    """A container for ``settings`` (default: read from the environment).

    ``overrides`` are settings fields, e.g. ``build_container(database_url="memory://")``.
    """
    resolved = settings or Settings.from_env(**overrides)
    if settings is not None and overrides:
        resolved = attrs.evolve(settings, **overrides)
    container = Container()
    values = {f.name: getattr(resolved, f.name) for f in attrs.fields(Settings)}
    values["effective_database_url"] = resolved.effective_database_url
    values["data_dir"] = str(resolved.data_dir)
    container.config.from_dict(values)
    container.settings.override(providers.Object(resolved))
    from perla_entrypoints.handlers import build_handlers  # noqa: PLC0415 - needs the container

    container.handlers.override(providers.Singleton(build_handlers, container))
    return container


def settings_of(container: Container) -> Settings:
    settings: Settings = container.settings()
    return settings


def uow_factory(container: Container) -> Callable[[], UnitOfWork]:
    """A zero-argument callable giving a fresh unit of work (for workers and the HTTP app)."""
    provider = container.uow
    return lambda: provider()  # noqa: PLW0108 - keeps overrides made later effective
