"""A real Minyi application running against the emulator, for end-to-end tests.

`minyi_bot` yields a `RunningBot`: the emulator, the core (real SQLite file) and helpers to
act as organisers and residents and wait for the bot to catch up.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.app import build_application, run_application
from bot.config import Settings, settings_from_dict
from bot.core.base import Core, open_core
from bot.telegram.context import MinyiApp
from bot.telegram.webhook import WebhookOptions, serve_webhook
from demo.local import posts_sent, serving_app
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat, SimUser
from tests.bot.web.world import free_port
from tests.storage.conftest import storage_url

__all__ = ["storage_url"]

ORGANISER_NAME = "Organiser"
SECRET = "test-secret-不要外传"


def make_settings(
    tmp_path: Path, emulator: BotAPIEmulator, organisers: list[int], **tables: dict[str, Any]
) -> Settings:
    """Settings pointing at the emulator and a fresh SQLite file under tmp_path."""
    data: dict[str, Any] = {
        "telegram": {
            "token": emulator.token,
            "base_url": emulator.base_url,
            "base_file_url": emulator.base_file_url,
        },
        "storage": {"url": f"sqlite:///{tmp_path / 'minyi.db'}"},
        "roles": {"organisers": organisers},
        "privacy": {"secret": SECRET},
        "schedule": {"tick_seconds": 0.2},
    }
    for name, values in tables.items():
        data.setdefault(name, {}).update(values)
    return settings_from_dict(data, environ={})


@dataclass
class RunningBot:
    """The emulator, a running bot and the people in its world."""

    emulator: BotAPIEmulator
    core: Core
    settings: Settings
    organiser: SimUser
    app: MinyiApp
    groups: dict[str, SimChat] = field(default_factory=dict)

    async def settle(self, timeout: float = 15.0) -> None:
        """Wait until every queued update is confirmed (so committed) by the bot and every
        reply it owes for them has been sent (or dropped)."""
        await self.emulator.wait_idle(timeout)
        # Replies are queued before the offset moves past their update: none can be missed.
        await asyncio.wait_for(self.app.bot_data.replies.wait_idle(), timeout)
        await self.posts_sent(timeout)

    async def posts_sent(self, timeout: float = 15.0) -> None:
        """Wait until the outbox has sent every post owed (`demo.local.posts_sent`)."""
        await posts_sent(self.core, timeout)

    async def command(self, chat: SimChat, text: str, user: SimUser | None = None) -> int:
        """Send a command (as the organiser by default) and wait for it to be processed."""
        message_id = self.emulator.send_message(user or self.organiser, chat, text)
        await self.settle()
        return message_id

    def join(self, person: SimUser, *groups: SimChat) -> None:
        """`person` joins `groups` (every registered community's group when none is named)
        unless already in: only members may answer a community's round privately."""
        for group in groups or tuple(self.groups.values()):
            if self.emulator.chats[group.id].members.get(person.id) not in (
                "member",
                "creator",
                "administrator",
            ):
                self.emulator.add_member(group, person)

    async def write_outside(self, sql: str) -> None:
        """Run one writing SQL statement on the bot's SQLite file from another connection (a
        real database fault made from outside: a trigger, a renamed table).

        It runs in a thread: the bot shares this event loop, and a transaction it holds
        open across an await can only finish (and free the write lock) while the loop runs;
        a blocking call here would wait for a lock that can never be released. The running bot
        takes the write lock many times a second (its scheduler ticks every 0.2 s in tests, its
        intake retries a failing batch at once), so the statement waits up to two minutes for
        a gap, not SQLite's usual few seconds."""
        path = self.settings.storage.url.removeprefix("sqlite:///")

        def write() -> None:
            with sqlite3.connect(path, timeout=120) as conn:
                conn.execute(sql)

        await asyncio.to_thread(write)

    def bot_texts(self, chat: SimChat) -> list[str]:
        """Every text the bot sent to a chat, in order."""
        return [m.get("text", "") for m in self.emulator.messages_to(chat.id)]

    async def wait_text(
        self, chat: SimChat, predicate: Callable[[str], bool], timeout: float = 15.0
    ) -> str:
        """Wait for a bot message in `chat` whose text satisfies `predicate`."""
        await self.emulator.wait_for(
            lambda: any(predicate(t) for t in self.bot_texts(chat)), timeout
        )
        return next(t for t in self.bot_texts(chat) if predicate(t))

    async def register(self, title: str, name: str) -> SimChat:
        """A new group with the bot in it, registered as community `name`."""
        chat = self.emulator.add_group(title)
        self.emulator.add_bot_to_group(chat, self.organiser)
        await self.command(chat, f"/community {name}")
        self.groups[name] = chat
        return chat


@contextlib.asynccontextmanager
async def start_bot(
    emulator: BotAPIEmulator, tmp_path: Path, **tables: dict[str, Any]
) -> AsyncIterator[RunningBot]:
    """Run Minyi against `emulator` until the block ends."""
    organiser = emulator.add_user("Organiser", language_code="zh-hans")
    settings = make_settings(tmp_path, emulator, [organiser.id], **tables)
    async with serving_app(emulator, settings) as (core, app):
        yield RunningBot(emulator, core, settings, organiser, app)


@contextlib.asynccontextmanager
async def run_bot(
    emulator: BotAPIEmulator,
    tmp_path: Path,
    *,
    webhook_secret: str | None = None,
    **tables: dict[str, Any],
) -> AsyncIterator[RunningBot]:
    """Run Minyi as `minyi run` does (run_application) until the block ends: long polling, or
    with `webhook_secret` behind its webhook (the emulator POSTs each update to
    `emulator.webhook_url`, checked against the secret). The block starts once the bot polls
    or its webhook is registered."""
    organiser = emulator.add_user("Organiser", language_code="zh-hans")
    intake = None
    url = None
    if webhook_secret is not None:
        tables["telegram"] = {**tables.get("telegram", {}), "webhook_secret": webhook_secret}
        port = free_port()
        url = f"http://127.0.0.1:{port}/telegram"
        intake = serve_webhook(WebhookOptions("127.0.0.1", port, webhook_secret, public_url=url))
    settings = make_settings(tmp_path, emulator, [organiser.id], **tables)
    core = await open_core(settings)
    app = build_application(settings, core, emulator.token)
    stop = asyncio.Event()
    task = asyncio.create_task(run_application(app, core, stop, intake))
    try:
        if url is None:
            await emulator.wait_for(
                lambda: bool(emulator.calls_to("getUpdates")) or task.done(), 30
            )
        else:
            await emulator.wait_for(lambda: emulator.webhook_url == url or task.done(), 30)
        if task.done():
            task.result()  # the bot stopped before taking updates: its error, not a timeout
        yield RunningBot(emulator, core, settings, organiser, app)
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, 30)
        finally:
            await core.repo.close()


@pytest_asyncio.fixture
async def minyi_bot(emulator: BotAPIEmulator, tmp_path: Path) -> AsyncIterator[RunningBot]:
    """A running bot with default settings (short scheduler tick) on a temp SQLite file."""
    async with start_bot(emulator, tmp_path) as running:
        yield running


@pytest_asyncio.fixture
async def minyi_bot_each(
    emulator: BotAPIEmulator, tmp_path: Path, storage_url: str
) -> AsyncIterator[RunningBot]:
    """A running bot with default settings on each backend: a temp SQLite file, then a fresh
    PostgreSQL schema (what differs between them must not show to residents)."""
    async with start_bot(emulator, tmp_path, storage={"url": storage_url}) as running:
        yield running


@pytest.fixture
def anyio_backend() -> str:
    """Tests run on asyncio."""
    return "asyncio"
