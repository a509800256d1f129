"""The guest's web form: ``POST /public/v1/inquiries``, the one route without an API key.

The hotel's contact form (or the booking engine's) posts what the guest typed. Anti-spam is
this layer's: requests are limited per client IP (``web_form_rate_limit`` per
``web_form_rate_window_seconds``; then 429 with ``Retry-After``), and a hidden ``website``
field (a honeypot people never see, bots fill in) makes the request look accepted while
nothing is stored. The answer is 202 with a reference to quote, never an id or stored data.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, Router, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED
from litestar.types import Guard
from msgspec import Meta, Struct

from perla_core.access.model import SYSTEM
from perla_core.inquiries import services
from perla_core.inquiries.commands import RegisterWebFormInquiry
from perla_core.inquiries.model import short_reference
from perla_entrypoints.container import Container, settings_of
from perla_entrypoints.http.dependencies import ClockDep, IdsDep, NewUow, SecretsDep
from perla_entrypoints.http.openapi import doc, responses
from perla_entrypoints.http.problems import fields_renamed
from perla_entrypoints.http.ratelimit import rate_limit_guard
from perla_entrypoints.http.schemas import StrictBody

PUBLIC_INQUIRIES = "/public/v1/inquiries"

Count = Annotated[int, Meta(ge=0)]
Honeypot = Annotated[str | None, Meta(description="Leave empty: a field hidden from people")]
FORM_NAMES = {"guest_name": "name", "guest_email": "email", "guest_phone": "phone"}
"""The core's field names as the form names them, for the problems' ``errors``."""


class WebFormIn(StrictBody):
    """What the guest filled in: a name and an e-mail or a phone; the rest is optional.
    ``website`` is the honeypot: leave it out (or empty)."""

    name: str
    email: str | None = None
    phone: str | None = None
    check_in: date | None = None
    check_out: date | None = None
    adults: Count | None = None
    children: Count | None = None
    rooms: Count | None = None
    message: str | None = None
    form: Annotated[
        str | None, Meta(description="Which form or page it came from (e.g. contacto)")
    ] = None
    website: Honeypot = None

    def to_command(self) -> RegisterWebFormInquiry:
        return RegisterWebFormInquiry(
            guest_name=self.name,
            guest_email=self.email,
            guest_phone=self.phone,
            check_in=self.check_in,
            check_out=self.check_out,
            adults=self.adults,
            children=self.children,
            rooms=self.rooms,
            message=self.message,
            form=self.form,
        )


class WebFormReceipt(Struct, kw_only=True):
    """The inquiry was received; ``reference`` is what to quote to the hotel."""

    status: Annotated[str, Meta(description="Always received")]
    reference: Annotated[str, Meta(description="C-1A2B3C4D")]


class PublicInquiryController(Controller):
    path = PUBLIC_INQUIRIES
    tags = ["public"]
    security = []  # no API key here

    @post(
        "/",
        operation_id="submitWebFormInquiry",
        summary="Send an inquiry from the hotel's web form (no API key; rate-limited)",
        description=doc(services.register_web_form_inquiry),
        sync_to_thread=True,
        status_code=HTTP_202_ACCEPTED,
        responses=responses(400, 413, 422, 429),
    )
    def submit(
        self,
        data: JSONBody[WebFormIn],
        uows: NewUow,
        clock: ClockDep,
        ids: IdsDep,
        secrets: SecretsDep,
    ) -> WebFormReceipt:
        if data.website and data.website.strip():
            # a bot: answer as if accepted, store nothing, reveal nothing
            return WebFormReceipt(status="received", reference=short_reference(ids.new_id()))
        with fields_renamed(FORM_NAMES):
            inquiry_id = services.register_web_form_inquiry(
                data.to_command(), uows(), clock, ids, secrets, SYSTEM
            )
        return WebFormReceipt(status="received", reference=short_reference(inquiry_id))


def public_routes(container: Container) -> Router:
    """The web form, rate-limited per client IP with the container's limiter."""
    settings = settings_of(container)
    guard: Guard = rate_limit_guard(
        container.rate_limiter(),
        limit=settings.web_form_rate_limit,
        window_seconds=settings.web_form_rate_window_seconds,
        scope="web_form",
        trusted_proxies=[p.strip() for p in settings.trusted_proxies.split(",") if p.strip()],
    )
    return Router(
        path="/",
        route_handlers=[PublicInquiryController],
        guards=[guard],
    )
