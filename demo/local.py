"""The local app: Minyi's real Application (bot/app.py) against the local Bot API emulator.

`local_bot` runs the bot exactly as it runs against Telegram, on a `BotAPIEmulator` and a SQLite
file. The demo (demo/play.py), the browser sandbox (demo/sandbox.py) and the end-to-end tests
all drive it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.app import build_application, run_application
from bot.config import Settings, settings_from_dict
from bot.core.base import Core, opened_core
from bot.core.models import Post, Round
from bot.telegram.context import MinyiApp
from demo.script import (
    GROUP_TITLES,
    ORGANISER,
)
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat, SimUser

log = logging.getLogger(__name__)

# Pseudonyms in the demo's throwaway database; never use this key for real residents.
DEMO_SECRET = "minyi-demo-only-not-a-real-secret"


# ---------------------------------------------------------------------- the bot, locally
def local_settings(
    emulator: BotAPIEmulator,
    database: Path,
    organisers: list[int],
    base: Settings | None,
    web_listen: str | None = None,
) -> Settings:
    """Settings for the bot against `emulator`: a SQLite file, a demo secret, a quick tick;
    with `web_listen` ("127.0.0.1:PORT") the web answer pages are served there too.

    From `base` (the user's config, if any) only what shapes the output is kept: taxonomy,
    locale, time zone and answer limits; never the token or the database.
    """
    base = base or Settings()
    data: dict[str, Any] = {
        "telegram": {
            "token": emulator.token,
            "base_url": emulator.base_url,
            "base_file_url": emulator.base_file_url,
        },
        "storage": {"url": f"sqlite:///{database.resolve()}"},
        "roles": {"organisers": organisers},
        "privacy": {"secret": DEMO_SECRET},
        "rounds": {"reminder_before": ""},
        "schedule": {"tick_seconds": 0.2, "timezone": base.schedule.timezone},
        "locale": {"default": base.locale.default},
        "limits": base.limits.model_dump(),
    }
    if base.nlp.taxonomy is not None:
        data["nlp"] = {"taxonomy": str(base.nlp.taxonomy)}
    if web_listen is not None:
        data["web"] = {"listen": web_listen, "public_url": f"http://{web_listen}"}
    # environ={}: a MINYI_TELEGRAM_TOKEN in the shell must never reach the emulator (or Telegram).
    return settings_from_dict(data, environ={})


async def posts_sent(core: Core, timeout: float = 15.0) -> None:  # noqa: ASYNC109
    """Wait until the outbox has sent every round post owed (a round's opening or closing
    follows its command asynchronously); give up quietly when nothing changes for a while (a
    test that makes Telegram refuse a post), leaving the caller to judge what was sent."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: list[object] = []
    unchanged_since = loop.time()
    while loop.time() < deadline:
        async with core.repo.transaction() as session:
            owed = [
                (p.round_id, p.community_id, p.purpose) for p in await session.list_unsent_posts()
            ]
        if not owed:
            return
        if owed != last:
            last, unchanged_since = list(owed), loop.time()
        elif loop.time() - unchanged_since > 3.0:
            return
        await asyncio.sleep(0.05)


@dataclass
class LocalBot:
    """The emulator, the running bot and its organiser."""

    emulator: BotAPIEmulator
    core: Core
    settings: Settings
    organiser: SimUser
    app: MinyiApp
    groups: dict[str, SimChat] = field(default_factory=dict)

    # Like the emulator's own waits, a plain `timeout` reads better at call sites.
    async def settle(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Wait until the bot confirmed (so committed) every queued update, sent the replies
        it owes for them and the round posts they owed (an organiser's private "round closed"
        goes before the groups' closing posts)."""
        await self.emulator.wait_idle(timeout)
        await asyncio.wait_for(self.app.bot_data.replies.wait_idle(), timeout)
        await posts_sent(self.core, timeout)

    async def say(self, chat: SimChat, text: str, user: SimUser | None = None) -> int:
        """Someone (the organiser by default) writes in a chat; wait for the bot to handle it."""
        message_id = self.emulator.send_message(user or self.organiser, chat, text)
        await self.settle()
        return message_id

    async def ask_privately(self, text: str) -> int:
        """The organiser writes to the bot privately."""
        return await self.say(self.emulator.private_chat(self.organiser), text)

    async def register(self, name: str, members: list[SimUser]) -> SimChat:
        """A new group with the bot and `members` in it, registered as community `name`."""
        em = self.emulator
        chat = em.add_group(GROUP_TITLES.get(name, name), admins=[self.organiser])
        em.add_bot_to_group(chat, self.organiser)
        for member in members:
            em.add_member(chat, member)
        await self.say(chat, f"/community {name}")
        self.groups[name] = chat
        return chat

    async def latest_round(self) -> Round:
        """The round opened last."""
        async with self.core.repo.transaction() as session:
            rounds = await session.list_rounds()
        if not rounds:
            raise RuntimeError("the bot opened no round")
        return max(rounds, key=lambda r: r.id)

    async def open_posts(self, round_id: int) -> list[Post]:
        """The round's opening posts (one per community), as sent."""
        async with self.core.repo.transaction() as session:
            return [p for p in await session.list_posts(round_id, "open") if p.message_id]


@contextlib.asynccontextmanager
async def local_bot(
    emulator: BotAPIEmulator,
    database: Path,
    base: Settings | None = None,
    organiser_name: str = ORGANISER,
    web_listen: str | None = None,
) -> AsyncIterator[LocalBot]:
    """Run Minyi against a started `emulator` until the block ends (with the web answer
    pages on `web_listen`, if given)."""
    organiser = emulator.add_user(organiser_name, language_code="zh-hans")
    settings = local_settings(emulator, database, [organiser.id], base, web_listen)
    async with serving_app(emulator, settings) as (core, app):
        yield LocalBot(emulator, core, settings, organiser, app)


@contextlib.asynccontextmanager
async def serving_app(
    emulator: BotAPIEmulator, settings: Settings
) -> AsyncIterator[tuple[Core, MinyiApp]]:
    """Run the real application with `settings` against a started `emulator` until the block
    ends, yielding the core and the Application (its reply queue tells when every owed reply
    has been sent)."""
    async with opened_core(settings) as core:
        app = build_application(settings, core, emulator.token)
        stop = asyncio.Event()
        task = asyncio.create_task(run_application(app, core, stop), name="minyi-local-bot")
        try:
            await emulator.wait_for(
                lambda: bool(emulator.calls_to("getUpdates")) or task.done(), 30
            )
            if task.done():
                task.result()
            yield core, app
        finally:
            stop.set()
            await asyncio.wait_for(task, 20)
