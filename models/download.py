"""Fail fast when model weights would have to come from a host we cannot reach.

Hub clients retry with back-off (huggingface_hub spent 46 s here before giving up on a host that
does not resolve), and a bot that hangs at start-up is worse than one that says at once what is
missing. So before a real download we try one TCP connection with a short timeout, and when it
fails we report that in one clear sentence instead of starting the client's retry loop.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit


class WeightsUnavailable(RuntimeError):
    """Weights are neither on disk nor downloadable; the message says where to put them.

    `short` is a few words for a chat reply ("weights not downloaded: cannot connect to ...").
    """

    def __init__(self, message: str, short: str = ""):
        super().__init__(message)
        self.short = short or message


def unreachable_reason(url: str, timeout: float) -> str | None:
    """None when `url`'s host accepts a TCP connection within `timeout` s, else why not."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme in ("https", "") else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:  # DNS failure, refused, unreachable, timeout
        return f"cannot connect to {host}:{port} ({exc.strerror or exc.__class__.__name__})"
