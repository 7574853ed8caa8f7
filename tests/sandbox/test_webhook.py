"""Webhook mode: updates POSTed with the secret token header, retried until acknowledged."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web
from telegram import Bot

from sandbox.emulator import BotAPIEmulator


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def _receiver(
    receive: Callable[[web.Request], Awaitable[web.Response]],
) -> AsyncIterator[str]:
    """An aiohttp server on a free port answering POSTs to /hook with `receive`, until the
    block ends; yields its URL."""
    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        await runner.cleanup()


async def test_webhook_delivers_with_secret_and_retries_failures(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """A receiver failing once gets the same update again; acknowledged updates are confirmed."""
    received: list[tuple[str | None, dict[str, Any]]] = []
    statuses = [500]

    async def receive(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response(status=statuses.pop(0) if statuses else 200)

    async with _receiver(receive) as url:
        try:
            emulator.webhook_retry_delay = 0.05
            await emulator_bot.set_webhook(url, secret_token="s3cret-X")
            resident = emulator.add_user("居民")
            emulator.send_message(resident, emulator.private_chat(resident), "你好")
            await emulator.wait_idle(timeout=5)
            assert len(received) == 2
            assert received[0] == received[1]
            assert received[0][0] == "s3cret-X"
            assert received[0][1]["message"]["text"] == "你好"
            info = await emulator_bot.get_webhook_info()
            assert info.url.endswith("/hook") and info.pending_update_count == 0
            assert info.last_error_message == "Wrong response from the webhook: 500"
        finally:
            await emulator_bot.delete_webhook()


async def test_webhook_keeps_updates_while_the_receiver_is_down(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """Nothing listening: the update stays pending and getWebhookInfo reports the error."""
    emulator.webhook_retry_delay = 0.05
    await emulator_bot.set_webhook(f"http://127.0.0.1:{_free_port()}/hook")
    resident = emulator.add_user("居民")
    emulator.send_message(resident, emulator.private_chat(resident), "有人吗")
    await emulator.wait_for(lambda: len(emulator.webhook_deliveries) >= 2)
    info = await emulator_bot.get_webhook_info()
    assert info.pending_update_count == 1
    assert info.last_error_message is not None and "Connection failed" in info.last_error_message
    await emulator_bot.delete_webhook(drop_pending_updates=True)
    assert emulator.pending_updates == 0


async def test_webhook_duplicates_redeliver_acknowledged_updates(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """webhook_duplicates makes an acknowledged update arrive a second time."""
    received: list[int] = []

    async def receive(request: web.Request) -> web.Response:
        received.append(int((await request.json())["update_id"]))
        return web.Response()

    async with _receiver(receive) as url:
        try:
            emulator.webhook_duplicates = 1
            await emulator_bot.set_webhook(url, max_connections=1)
            resident = emulator.add_user("居民")
            emulator.send_message(resident, emulator.private_chat(resident), "一次")
            await emulator.wait_idle(timeout=5)
            assert len(received) == 2 and received[0] == received[1]
        finally:
            await emulator_bot.delete_webhook()
