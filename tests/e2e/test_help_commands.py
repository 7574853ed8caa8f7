"""/help tells an organiser every organiser command the bot answers to."""

from __future__ import annotations

import re
from pathlib import Path

from bot.app import ORGANISER_COMMANDS
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimUser
from tests.harness import RunningBot, start_bot


async def test_help_names_every_organiser_command_in_both_languages(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """An organiser's /help in private, in Chinese and in English, lists each organiser
    command (a newcomer read it without /label or /qr and never learned that they exist)."""
    english = emulator.add_user("Emma Lewis", language_code="en")
    async with start_bot(emulator, tmp_path) as bot:
        bot.settings.roles.organisers.append(english.id)
        await _every_command_named(bot, english)


async def _every_command_named(bot: RunningBot, english: SimUser) -> None:
    """Each organiser's /help names every organiser command."""
    for person in (bot.organiser, english):
        chat = bot.emulator.private_chat(person)
        await bot.command(chat, "/help", user=person)
        text = bot.bot_texts(chat)[-1]
        named = set(re.findall(r"/([a-z]+)", text))
        missing = sorted(set(ORGANISER_COMMANDS) - named)
        assert missing == [], f"/help ({person.first_name}) does not name {missing}: {text!r}"


async def test_a_private_message_outside_a_round_says_how_to_answer(
    minyi_bot: RunningBot,
) -> None:
    """A resident who writes to the bot privately without opening a round's link is told
    where the link is and what /help is for, in their language (English once ended on a bare
    "Send /help.")."""
    bot = minyi_bot
    await bot.register("碧海社区居民群", "碧海社区")
    expected = {
        "zh": "要回答征询，请点群里征询消息中的链接。发送 /help 查看说明。",
        "en": "To answer a round, open the link in its message in your community's group. "
        "Send /help to see how to take part.",
    }
    for lang, person in (
        ("zh", bot.emulator.add_user("居民")),
        ("en", bot.emulator.add_user("Emma Lewis", language_code="en")),
    ):
        chat = bot.emulator.private_chat(person)
        await bot.command(chat, "/start", user=person)
        await bot.command(
            chat, "停车位太少了" if lang == "zh" else "Too few parking spaces", person
        )
        assert bot.bot_texts(chat)[-1] == expected[lang]
