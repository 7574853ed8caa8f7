"""Pointing an unmodified python-telegram-bot at the emulator."""

from __future__ import annotations

from typing import Any

from telegram import Bot
from telegram.ext import ApplicationBuilder

from sandbox.emulator import BotAPIEmulator


def bot_for(emulator: BotAPIEmulator) -> Bot:
    """A plain PTB `Bot` that talks to the emulator (use as `async with bot_for(em) as bot`)."""
    return Bot(emulator.token, base_url=emulator.base_url, base_file_url=emulator.base_file_url)


def application_builder_for(
    emulator: BotAPIEmulator,
) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
    """An `ApplicationBuilder` with the emulator's token and addresses already set."""
    return (
        ApplicationBuilder()
        .token(emulator.token)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
    )
