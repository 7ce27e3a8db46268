"""Logging for the command line and the bots: one format, and no secret in any line at any level.

HTTP client libraries log request URLs, and Telegram's carry the bot token in the path
(`/bot123456:AA.../getUpdates`): httpx and httpcore are kept at WARNING whatever the verbosity,
and a filter on the handler rewrites any configured secret, any Telegram-style bot token and any
bearer token to `***` in every record, whichever library emitted it.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Iterable

QUIET = ("httpx", "httpcore", "urllib3", "spotipy", "discord.http", "discord.gateway")
_PATTERNS = (
    re.compile(r"(?<![0-9])[0-9]{5,}:[A-Za-z0-9_-]{20,}"),  # Telegram bot tokens (also inside /bot<token>/ URLs)
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),  # OAuth access tokens in headers
    re.compile(r"(?i)(access_token[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9._~+/=-]{8,}"),
)


class Redact(logging.Filter):
    """Replace secrets in a record's final text (message and traceback) before any handler writes it."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        for pattern in _PATTERNS:
            text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "***", text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.scrub(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


def configure(verbose: bool, secrets: Iterable[str] = ()) -> None:
    """Log to stderr; INFO with -v (WARNING otherwise); secrets never written."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(Redact(secrets))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler], force=True)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
