"""No secret reaches a log line, whichever library writes it and at whatever level."""

from __future__ import annotations

import io
import logging

from bot.logs import Redact

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def capture(secrets=()):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(Redact(secrets))
    logger = logging.getLogger("test.redact")
    logger.handlers, logger.propagate = [handler], False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_bot_tokens_bearer_tokens_and_configured_secrets_are_masked():
    logger, stream = capture(secrets=["discord-secret-value"])
    logger.debug("HTTP Request: POST https://api.telegram.org/bot%s/getUpdates", TOKEN)
    logger.info("headers {'Authorization': 'Bearer BQDx9k_s3cr3t.t0k3n'} and discord-secret-value")
    logger.info('{"access_token": "BQC4YqJg0ZpWY4q", "token_type": "Bearer"}')
    try:
        raise ValueError(f"failed for https://api.telegram.org/bot{TOKEN}/sendMessage")
    except ValueError:
        logger.exception("send failed")
    out = stream.getvalue()
    for secret in (TOKEN, "BQDx9k_s3cr3t.t0k3n", "discord-secret-value", "BQC4YqJg0ZpWY4q"):
        assert secret not in out
    assert out.count("***") >= 5 and "getUpdates" in out and "ValueError" in out
