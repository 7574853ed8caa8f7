"""Pytest fixtures for tests that drive a real PTB bot through the emulator.

Register with `pytest_plugins = ["sandbox.pytest_plugin"]` in the root `tests/conftest.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from telegram import Bot

from sandbox.emulator import BotAPIEmulator
from sandbox.ptb import bot_for


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    """A running emulator on a free port of 127.0.0.1, stopped after the test."""
    async with BotAPIEmulator() as running:
        yield running


@pytest_asyncio.fixture
async def emulator_bot(emulator: BotAPIEmulator) -> AsyncIterator[Bot]:
    """An initialised PTB `Bot` connected to the `emulator` fixture."""
    async with bot_for(emulator) as bot:
        yield bot
