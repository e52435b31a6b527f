"""Secrets out of the log: ``CRAWLER_CONTACT`` and the passwords of URLs (proxies, Redis)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

REDACTED = "***"
URL_PASSWORD = re.compile(r"(?P<prefix>\b[a-z][a-z0-9+.-]*://[^:@/\s]*:)[^@/\s]+@", re.IGNORECASE)
"""``scheme://user:password@``: the password part."""


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every URL password and every one of ``secrets`` replaced by ``***``."""
    text = URL_PASSWORD.sub(rf"\g<prefix>{REDACTED}@", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """A handler filter that rewrites a record's message with :func:`redact`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(secret for secret in secrets if secret)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message, self.secrets)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install(secrets: Iterable[str]) -> RedactingFilter:
    """Adds a :class:`RedactingFilter` to every handler of the root logger."""
    redacting = RedactingFilter(secrets)
    for handler in logging.getLogger().handlers:
        for existing in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(existing)
        handler.addFilter(redacting)
    return redacting
