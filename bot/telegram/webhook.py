"""Webhook intake: Telegram POSTs each update to us (SPEC §8: several processes behind a load
balancer share one PostgreSQL database).

Each POST is processed like a polled update (bot/telegram/intake.py: `Gatherer`, which commits the
plain answers POSTed while a run was committing as the next run, claiming their ids in the same
transaction as their effects) and answered 200 only once the update is committed, or kept whole
as a dead letter. Anything else answers 500, so Telegram delivers the
update again, possibly to another process; the claim makes that redelivery harmless. The
`X-Telegram-Bot-Api-Secret-Token` header must carry the configured secret: nobody else can
inject updates.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from telegram import Update

from bot.core.base import Core
from bot.core.numbers import read_number
from bot.core.privacy import failure
from bot.listening import SHUTDOWN_GRACE, start_listening
from bot.telegram.context import MinyiApp
from bot.telegram.intake import Gatherer, Intake, PlainPath

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram"
HEALTH_PATH = "/healthz"
# Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and - as the secret token (checked
# with fullmatch: a pattern ending in `$` also matches before a final newline).
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class WebhookOptions:
    """Where to listen, the secret Telegram sends, and (optionally) the URL to register."""

    host: str
    port: int
    secret: str
    public_url: str | None = None


def parse_listen(text: str) -> tuple[str, int]:
    """`HOST:PORT` (IPv6 hosts in brackets) as (host, port); ValueError says what is wrong."""
    host, sep, port = text.rpartition(":")
    number = read_number(port, typed=False, max_digits=5)
    if not sep or not host or number is None or not 0 < number < 65536:
        raise ValueError(f"--listen wants HOST:PORT, e.g. 0.0.0.0:8080, not {text!r}")
    return host.strip("[]"), number


def check_secret(secret: str | None) -> str:
    """The webhook secret, or ValueError: without one anybody could post us updates."""
    if not secret:
        raise ValueError(
            "webhook mode needs telegram.webhook_secret (1-256 characters: A-Z a-z 0-9 _ -)"
        )
    if not SECRET_PATTERN.fullmatch(secret):
        raise ValueError("telegram.webhook_secret may only use A-Z a-z 0-9 _ - (1-256 chars)")
    return secret


def webhook_app(gatherer: Gatherer, secret: str) -> web.Application:
    """The aiohttp application: POST WEBHOOK_PATH takes one update; GET HEALTH_PATH says ok."""

    async def receive(request: web.Request) -> web.Response:
        # aiohttp keeps header bytes that are not UTF-8 as surrogates: encoded back as they
        # came, so such a header is a plain wrong secret (not a UnicodeEncodeError and a 500).
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, secret.encode()):
            log.warning("webhook POST from %s with a wrong secret token", request.remote)
            return web.Response(status=401, text="wrong secret token")
        try:
            data = json.loads(await request.read())
        except ValueError as exc:
            data = exc
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            # Not an update at all: retrying would not help, and there is nothing to keep.
            log.warning("webhook POST from %s is not a Telegram update", request.remote)
            return web.Response(status=400, text="not an update")
        try:
            await gatherer.submit(data)
        except Exception as exc:
            log.error(
                "update %s not committed; Telegram will retry it: %s",
                data["update_id"],
                failure(exc),
            )
            return web.Response(status=500, text="not committed")
        return web.Response(text="ok")

    async def health(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    server = web.Application(client_max_size=4 * 1024 * 1024)
    server.router.add_post(WEBHOOK_PATH, receive)
    server.router.add_get(HEALTH_PATH, health)
    return server


def serve_webhook(options: WebhookOptions) -> Intake:
    """An intake for bot/app.py `run_application`: serve the webhook until `stop` is set."""

    async def intake(app: MinyiApp, core: Core, plain: PlainPath[Any], stop: asyncio.Event) -> None:
        gatherer = Gatherer(app, core, plain)
        runner = await start_listening(
            webhook_app(gatherer, options.secret), options.host, options.port, setting="--listen"
        )
        log.info("webhook listening on http://%s:%s%s", options.host, options.port, WEBHOOK_PATH)
        try:
            if options.public_url:
                await app.bot.set_webhook(
                    options.public_url,
                    secret_token=options.secret,
                    allowed_updates=Update.ALL_TYPES,
                )
                log.info("webhook registered with Telegram: %s", options.public_url)
            await stop.wait()
        finally:
            # Stops accepting, then lets requests in flight commit and answer.
            await runner.cleanup()
            await gatherer.close(SHUTDOWN_GRACE)

    return intake
