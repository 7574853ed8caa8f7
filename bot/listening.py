"""Serving an aiohttp application on HOST:PORT, for both HTTP endpoints of the bot (the
Telegram webhook, bot/telegram/webhook.py; the web pages, bot/web/server.py): one way to start
listening and to say in one line why it cannot."""

from __future__ import annotations

import os

from aiohttp import web

from bot.core.settings import ConfigError

# Requests still running when we stop get this long to commit before the server closes.
SHUTDOWN_GRACE = 30.0


async def start_listening(
    app: web.Application, host: str, port: int, *, setting: str
) -> web.AppRunner:
    """A runner serving `app` on host:port (call its `cleanup()` to stop: requests in flight
    get SHUTDOWN_GRACE seconds); a ConfigError naming `setting` (`--listen`, `web.listen`)
    when the port is taken or the host is not this machine's."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        raise ConfigError(
            f"{setting} {host}:{port}: cannot listen there "
            f"({os.strerror(exc.errno) if exc.errno else exc})"
        ) from exc
    return runner
