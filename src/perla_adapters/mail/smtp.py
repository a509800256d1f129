"""``SmtpMailer``: the Mailer port over SMTP (standard library ``smtplib`` and ``ssl``).

One connection per message: connect (implicit TLS with ``security="ssl"``, usually port
465), upgrade with STARTTLS (``"starttls"``, usually 587; the server must offer it, perla
never falls back to clear text), log in when credentials are configured, send, quit. The
server's certificate is verified against the system's trusted roots, or ``ssl_context``.

Failures map to the port's errors (:mod:`perla_core.mail.errors`):

- refused or dropped connections, timeouts, TLS failures (an untrusted certificate, or no
  STARTTLS offered when it is required: perla never falls back to clear text), any 4xx reply,
  a 5xx greeting or HELO (the server, not the message, is the problem) →
  :class:`MailUnavailable`;
- a 5xx reply to the sender (``MAIL FROM``), to every recipient (``RCPT TO``) or to the
  content (``DATA``) → :class:`MailRejected`, naming the refused addresses;
- a 5xx reply to the login (535: wrong username or password), or a server that offers no
  AUTH mechanism perla speaks (CRAM-MD5, PLAIN, LOGIN) when credentials are configured →
  :class:`MailAuthFailed`, a :class:`MailRejected`: the configuration is wrong and retrying
  will not help. A 4xx reply to the login (454) is :class:`MailUnavailable`.

When the server refuses only some recipients the message has been delivered to the others:
``send`` returns and logs the refused ones (``mail_recipients_refused``), because raising
would make the outbox send it again to those who already have it.

The password is kept out of ``repr`` and logs. SMTP cannot deduplicate by Message-ID; see
the :class:`~perla_core.mail.ports.Mailer` docstring for how the outbox covers that.
"""

from __future__ import annotations

import smtplib
import ssl
from typing import Literal, NoReturn

import structlog

from perla_adapters.mail.mime import render_mime
from perla_core.gateways.errors import RemoteFieldError
from perla_core.kernel.ports import Clock
from perla_core.mail.errors import MailAuthFailed, MailRejected, MailUnavailable
from perla_core.mail.message import OutgoingEmail

Security = Literal["starttls", "ssl", "none"]
SECURITY_MODES: tuple[Security, ...] = ("starttls", "ssl", "none")
USABLE_AUTH = frozenset({"CRAM-MD5", "PLAIN", "LOGIN"})
"""What ``smtplib.SMTP.login`` speaks, in its order of preference."""

log = structlog.get_logger("perla.mail")


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {message}".strip()


def _field_of(address: str, email: OutgoingEmail) -> str:
    return "to" if address in email.to else "cc"


class SmtpMailer:
    """Sends each e-mail through one SMTP session with ``host``:``port``.

    ``security`` is ``"starttls"``, ``"ssl"`` (implicit TLS) or ``"none"`` (a local relay
    only: credentials are refused over it). ``timeout`` bounds each network operation, in
    seconds. ``local_hostname`` is the name sent in EHLO (default: this machine's FQDN).
    Invalid configuration raises ``ValueError`` when the mailer is built, not on first send.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        security: Security = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        local_hostname: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        clock: Clock | None = None,
    ) -> None:
        if security not in SECURITY_MODES:
            raise ValueError(f"security must be one of {', '.join(SECURITY_MODES)}")
        if not host or not 0 < port < 65536:
            raise ValueError("an SMTP host and a port between 1 and 65535 are required")
        if (username is None) != (password is None):
            raise ValueError("give both the SMTP username and password, or neither")
        if username is not None and security == "none":
            raise ValueError("SMTP credentials need security 'starttls' or 'ssl', not 'none'")
        if not (username or "").isascii() or not (password or "").isascii():
            raise ValueError("smtplib sends SMTP credentials as ASCII only; use an ASCII password")
        if timeout <= 0:
            raise ValueError("the SMTP timeout must be positive")
        self.host = host
        self.port = port
        self.security: Security = security
        self.username = username
        self._password = password
        self.timeout = timeout
        self.local_hostname = local_hostname
        self._ssl_context = ssl_context
        self._clock = clock

    def __repr__(self) -> str:
        user = f", username={self.username!r}" if self.username else ""
        return f"SmtpMailer({self.host!r}, {self.port}, security={self.security!r}{user})"

    @property
    def _where(self) -> str:
        return f"SMTP {self.host}:{self.port}"

    def _context(self) -> ssl.SSLContext:
        return self._ssl_context or ssl.create_default_context()

    def send(self, email: OutgoingEmail) -> None:
        date = self._clock.now() if self._clock is not None else None
        message = render_mime(email, date=date)
        smtp = self._connect()
        polite = True
        try:
            self._secure_and_log_in(smtp)
            refused = smtp.send_message(
                message, from_addr=email.sender, to_addrs=list(email.recipients)
            )
        except smtplib.SMTPRecipientsRefused as exc:
            self._all_refused(exc, email)
        except smtplib.SMTPSenderRefused as exc:
            self._refused(exc.smtp_code, exc.smtp_error, f"the sender {email.sender}")
        except smtplib.SMTPDataError as exc:
            self._refused(exc.smtp_code, exc.smtp_error, f"message {email.message_id}")
        except smtplib.SMTPResponseException as exc:  # e.g. a 421 to HELO
            raise MailUnavailable(
                f"{self._where} failed: {_reply(exc.smtp_code, exc.smtp_error)}",
                smtp_code=exc.smtp_code,
            ) from exc
        except OSError as exc:  # smtplib.SMTPException is an OSError too
            polite = False
            raise self._lost(exc, "sending") from exc
        finally:
            self._close(smtp, polite=polite)
        if refused:
            log.warning(
                "mail_recipients_refused",
                message_id=email.message_id,
                refused={a: _reply(code, text) for a, (code, text) in refused.items()},
            )

    # --- the session ---------------------------------------------------------------------

    def _connect(self) -> smtplib.SMTP:
        try:
            if self.security == "ssl":
                return smtplib.SMTP_SSL(
                    self.host,
                    self.port,
                    local_hostname=self.local_hostname,
                    timeout=self.timeout,
                    context=self._context(),
                )
            return smtplib.SMTP(
                self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout
            )
        except smtplib.SMTPResponseException as exc:  # a 4xx/5xx greeting: the server is busy
            raise MailUnavailable(
                f"{self._where} refused the connection: {_reply(exc.smtp_code, exc.smtp_error)}",
                smtp_code=exc.smtp_code,
            ) from exc
        except OSError as exc:  # refused, unreachable, timed out, TLS, disconnected
            raise self._lost(exc, "connecting") from exc

    def _secure_and_log_in(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.ehlo()
            if self.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise MailUnavailable(
                        f"{self._where} does not offer STARTTLS; perla will not send in clear"
                    )
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if self.username is not None and self._password is not None:
                offered = set(smtp.esmtp_features.get("auth", "").upper().split())
                if not offered & USABLE_AUTH:
                    raise MailAuthFailed(
                        f"{self._where} offers no AUTH mechanism perla can use "
                        f"({', '.join(sorted(offered)) or 'none'}; perla speaks "
                        f"{', '.join(sorted(USABLE_AUTH))})"
                    )
                smtp.login(self.username, self._password)
        except smtplib.SMTPAuthenticationError as exc:
            reply = _reply(exc.smtp_code, exc.smtp_error)
            if exc.smtp_code >= 500:
                raise MailAuthFailed(
                    f"{self._where} refused the login of {self.username!r}: {reply}",
                    smtp_code=exc.smtp_code,
                ) from exc
            raise MailUnavailable(
                f"{self._where} could not log in now: {reply}", smtp_code=exc.smtp_code
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise MailUnavailable(
                f"{self._where} failed the handshake: {_reply(exc.smtp_code, exc.smtp_error)}",
                smtp_code=exc.smtp_code,
            ) from exc

    def _refused(self, code: int, text: bytes | str, what: str) -> NoReturn:
        reply = _reply(code, text)
        if code >= 500:
            raise MailRejected(f"{self._where} refused {what}: {reply}", smtp_code=code)
        raise MailUnavailable(f"{self._where} did not take {what} now: {reply}", smtp_code=code)

    def _all_refused(self, exc: smtplib.SMTPRecipientsRefused, email: OutgoingEmail) -> NoReturn:
        replies = {a: (code, _reply(code, text)) for a, (code, text) in exc.recipients.items()}
        summary = "; ".join(f"{a}: {reply}" for a, (_, reply) in replies.items())
        codes = [code for code, _ in replies.values()]
        if codes and all(code >= 500 for code in codes):
            raise MailRejected(
                f"{self._where} refused every recipient: {summary}",
                smtp_code=max(codes),
                errors=[
                    RemoteFieldError(_field_of(a, email), f"{a}: {reply}")
                    for a, (_, reply) in replies.items()
                ],
            )
        temporary = min((code for code in codes if code < 500), default=None)
        raise MailUnavailable(
            f"{self._where} did not take the recipients now: {summary}", smtp_code=temporary
        )

    def _lost(self, exc: BaseException, doing: str) -> MailUnavailable:
        if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
            reason = f"timed out after {self.timeout:g} s"
        elif isinstance(exc, ssl.SSLError):
            reason = f"TLS failed ({exc.reason or exc})"
        elif isinstance(exc, smtplib.SMTPServerDisconnected):
            reason = "the server closed the connection"
        else:
            reason = f"{type(exc).__name__}: {exc}"
        return MailUnavailable(f"{self._where} unavailable while {doing}: {reason}")

    @staticmethod
    def _close(smtp: smtplib.SMTP, *, polite: bool) -> None:
        """Say goodbye when the session is still sane; a failing QUIT changes nothing."""
        try:
            if polite:
                smtp.quit()
        except OSError:  # smtplib.SMTPException included
            pass
        finally:
            smtp.close()
