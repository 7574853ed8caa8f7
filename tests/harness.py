"""A real Minyi application running against the emulator, for end-to-end tests.

`minyi_bot` yields a `RunningBot`: the emulator, the core (real SQLite file) and helpers to
act as organisers and residents and wait for the bot to catch up.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.config import Settings, settings_from_dict
from bot.core.base import Core
from demo.local import serving
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat, SimUser

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
        # Small batches never reach a tagging helper; tests that need one ask for it.
        "nlp": {"helper_process": False},
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
    groups: dict[str, SimChat] = field(default_factory=dict)

    async def settle(self, timeout: float = 15.0) -> None:
        """Wait until every queued update is confirmed (so committed) by the bot."""
        await self.emulator.wait_idle(timeout)

    async def command(self, chat: SimChat, text: str, user: SimUser | None = None) -> int:
        """Send a command (as the organiser by default) and wait for it to be processed."""
        message_id = self.emulator.send_message(user or self.organiser, chat, text)
        await self.settle()
        return message_id

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
    async with serving(emulator, settings) as core:
        yield RunningBot(emulator, core, settings, organiser)


@pytest_asyncio.fixture
async def minyi_bot(emulator: BotAPIEmulator, tmp_path: Path) -> AsyncIterator[RunningBot]:
    """A running bot with default settings (short scheduler tick) on a temp SQLite file."""
    async with start_bot(emulator, tmp_path) as running:
        yield running


@pytest.fixture
def anyio_backend() -> str:
    """Tests run on asyncio."""
    return "asyncio"
