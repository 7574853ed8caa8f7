"""/help tells an organiser every organiser command the bot answers to."""

from __future__ import annotations

import re

from bot.app import ORGANISER_COMMANDS
from tests.harness import RunningBot


async def test_help_names_every_organiser_command_in_both_languages(
    minyi_bot: RunningBot,
) -> None:
    """/help in private, in Chinese and in English, lists each organiser command (a newcomer
    read it without /label or /qr and never learned that they exist)."""
    bot = minyi_bot
    english = bot.emulator.add_user("Emma Lewis", language_code="en")
    for person in (bot.organiser, english):
        chat = bot.emulator.private_chat(person)
        await bot.command(chat, "/help", user=person)
        text = bot.bot_texts(chat)[-1]
        named = set(re.findall(r"/([a-z]+)", text))
        missing = sorted(set(ORGANISER_COMMANDS) - named)
        assert missing == [], f"/help ({person.first_name}) does not name {missing}: {text!r}"
