"""Mail adapters of the :class:`~perla_core.mail.ports.Mailer` port.

``SmtpMailer`` (STARTTLS/SSL, auth) for real delivery, ``EmlFileMailer`` (``.eml`` files in a
folder) as the embedded default; both render with :func:`render_mime`. The memory fake is
:class:`perla_adapters.memory.mailer.InMemoryMailer`.
"""

from perla_adapters.mail.eml import EmlFileMailer, eml_file_name
from perla_adapters.mail.mime import render_mime
from perla_adapters.mail.smtp import SmtpMailer

__all__ = ["EmlFileMailer", "SmtpMailer", "eml_file_name", "render_mime"]
