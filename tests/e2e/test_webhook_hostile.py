"""The webhook's secret check against what an attacker (or a slip in config.toml) sends."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.telegram.webhook import SECRET_HEADER, check_secret
from sandbox.emulator import BotAPIEmulator
from tests.harness import run_bot

HOOK_SECRET = "right-secret_1"


@pytest.mark.parametrize("secret", [HOOK_SECRET + "\n", "\n", HOOK_SECRET + "\r\n"])
def test_a_secret_with_a_line_break_is_refused_at_start(secret: str) -> None:
    """`webhook_secret = "…\\n"` (a multi-line TOML string) passed the check (`$` matches before
    a final newline), and then either Telegram refused setWebhook or, registered by hand, every
    update was refused as unsigned: HTTP headers cannot carry the newline."""
    with pytest.raises(ValueError, match="webhook_secret"):
        check_secret(secret)
    assert check_secret(HOOK_SECRET) == HOOK_SECRET


async def _raw_post(port: int, secret: bytes) -> bytes:
    """One POST with the secret header as raw bytes (no client library would send these)."""
    body = json.dumps({"update_id": 424_242}).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /telegram HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + SECRET_HEADER.encode()
        + b": "
        + secret
        + b"\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
        + body
    )
    await writer.drain()
    answer = await reader.read()
    writer.close()
    return answer.split(b"\r\n", 1)[0]


async def test_a_secret_header_that_is_not_utf8_is_a_plain_401(
    emulator: BotAPIEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Anybody on the internet could send a secret header of non-UTF-8 bytes: the comparison
    raised UnicodeEncodeError, answered 500 and logged a traceback at ERROR for each request
    (an unauthenticated way to flood the error log and page whoever watches 5xx)."""
    async with run_bot(emulator, tmp_path, webhook_secret=HOOK_SECRET) as bot:
        port = urlsplit(emulator.webhook_url).port
        assert port is not None
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            for secret in (b"\xff\xfe", b"right-secret_\xe4\xb8\xad", b"\xe4\xb8\xad"):
                assert await _raw_post(port, secret) == b"HTTP/1.1 401 Unauthorized"
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert errors == [], [r.getMessage() for r in errors]
        async with bot.core.repo.transaction() as s:
            assert not await s.is_update_processed(424_242)
