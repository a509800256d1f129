"""How a received e-mail finds its inquiry, as pure functions over the e-mail.

perla threads every e-mail it sends three ways, and a reply is matched by the first that works:

1. **Message-IDs**: each e-mail perla sends or receives for an inquiry is stored with its
   Message-ID; a reply's ``In-Reply-To`` and ``References`` name them (nearest first).
2. **Reply token**: perla's e-mails ask for replies at ``reservas+<token>@domain``; the token
   (12 lower-case hex characters, random per inquiry) survives mail clients that drop headers.
3. **Subject tag**: ``[C-1A2B3C4D]``, the inquiry's reference, survives a guest who writes a
   new e-mail and copies the subject.

An e-mail that matches nothing but looks like an answer (it has threading headers, or its
subject starts ``Re:``, ``RE:``, ``RV:``, ``Fwd:`` …) is kept as an unmatched e-mail for an
agent, never turned into a new inquiry: it may be a guest answering from another address, or
a colleague forwarding one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from perla_core.mail.inbound import InboundEmail

REFERENCE_PREFIX = "C-"
REFERENCE_PATTERN = re.compile(r"^C-[0-9A-F]{8}$")
TOKEN_LENGTH = 12

_SUBJECT_TAG = re.compile(r"\[\s*(C-[0-9A-F]{8})\s*\]", re.IGNORECASE)
_PLUS_TOKEN = re.compile(rf"^[^@+\s]+\+([0-9A-Fa-f]{{{TOKEN_LENGTH}}})@[^@\s]+$")
_REPLY_PREFIX = re.compile(
    r"^\s*(?:re|aw|sv|vs|r|rv|resp|ref|fw|fwd|tr|enc|wg)\s*(?:\[\d+\]|\(\d+\))?\s*:", re.IGNORECASE
)


def subject_references(subject: str | None) -> tuple[str, ...]:
    """The inquiry references tagged in a subject, in order, upper-cased, each once."""
    found = (m.group(1).upper() for m in _SUBJECT_TAG.finditer(subject or ""))
    return tuple(dict.fromkeys(found))


def reply_tokens(addresses: Iterable[str]) -> tuple[str, ...]:
    """The reply tokens of plus-addresses (``local+<token>@domain``) among ``addresses``."""
    found = (m.group(1).lower() for a in addresses if (m := _PLUS_TOKEN.match(a.strip())))
    return tuple(dict.fromkeys(found))


def looks_like_reply(email: InboundEmail) -> bool:
    """Threading headers, or a reply or forward prefix on the subject."""
    return bool(email.thread_ids) or bool(_REPLY_PREFIX.match(email.subject or ""))


def strip_reply_prefixes(subject: str) -> str:
    """``"RE: Re: Habitación doble"`` → ``"Habitación doble"``."""
    text = subject
    while (m := _REPLY_PREFIX.match(text)) is not None:
        text = text[m.end() :]
    return text.strip()
