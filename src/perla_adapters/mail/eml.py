"""``EmlFileMailer``: e-mails written as ``.eml`` files, the embedded default.

No server needed: every message becomes ``<folder>/<Message-ID>.eml`` (the id without its
angle brackets, characters unsafe in a file name replaced), which any mail client opens. The
file is written to a temporary name in the same folder and renamed over the final one, so a
reader never sees half a message, and a resend with the same Message-ID replaces the file
instead of adding a second one.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from perla_adapters.mail.mime import render_mime
from perla_core.kernel.ports import Clock
from perla_core.mail.errors import MailUnavailable
from perla_core.mail.message import OutgoingEmail

_UNSAFE = re.compile(r"[^A-Za-z0-9._@+=-]")


def eml_file_name(message_id: str) -> str:
    """The file name of a Message-ID: readable, and distinct for distinct ids."""
    bare = message_id.strip().removeprefix("<").removesuffix(">")
    safe = _UNSAFE.sub("_", bare)
    if safe != bare:  # two ids differing only in unsafe characters must not share a file
        safe += "-" + hashlib.sha256(bare.encode()).hexdigest()[:10]
    return f"{safe}.eml"


class EmlFileMailer:
    """Writes each e-mail to ``folder`` (created when missing) as one ``.eml`` file.

    A failure to write (no space, no permission) is :class:`MailUnavailable`: nothing is left
    behind, and the same message can be written again later.
    """

    def __init__(self, folder: str | os.PathLike[str], *, clock: Clock | None = None) -> None:
        self.folder = Path(folder)
        self._clock = clock

    def __repr__(self) -> str:
        return f"EmlFileMailer({str(self.folder)!r})"

    def path_for(self, message_id: str) -> Path:
        """Where the message with this Message-ID is (or would be) written."""
        return self.folder / eml_file_name(message_id)

    def send(self, email: OutgoingEmail) -> None:
        date = self._clock.now() if self._clock is not None else None
        data = render_mime(email, date=date).as_bytes()
        target = self.path_for(email.message_id)
        temp: str | None = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".eml.tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, target)
            temp = None
        except OSError as exc:
            raise MailUnavailable(f"cannot write {target}: {exc.strerror or exc}") from exc
        finally:
            if temp is not None:
                Path(temp).unlink(missing_ok=True)
