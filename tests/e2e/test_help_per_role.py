"""/help answers each person with what they can do, in their language (SPEC §1, §3): a resident
the resident commands only, an organiser every organiser command with its syntax, a group admin
(`roles.group_admins_are_organisers`) the commands that work for them, in their own group."""

from __future__ import annotations

import re
from pathlib import Path

from bot.app import ORGANISER_COMMANDS, RESIDENT_COMMANDS
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat, SimUser
from tests.harness import RunningBot, start_bot

# Commands a group admin may not run even in their own group: registering a community and
# labelling answers are configured organisers' (bot/core/roles.py); the digest and the index
# compare every community.
NOT_FOR_ADMINS = {"community", "label", "digest", "index"}
RESIDENTS = {"privacy", "mydata", "forget"}


def named(text: str) -> set[str]:
    """The commands a text names (/ask, /poll …)."""
    return set(re.findall(r"(?<![\w/])/([a-z]+)\b", text))


async def help_for(bot: RunningBot, chat: SimChat, person: SimUser) -> str:
    """What `person` is told when they send /help in `chat`."""
    before = len(bot.bot_texts(chat))
    await bot.command(chat, "/help", user=person)
    (text,) = bot.bot_texts(chat)[before:]
    return text


async def test_a_resident_is_shown_only_the_commands_a_resident_can_use(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """A resident's /help, in private or in their group, in Simplified, Traditional-language
    or English Telegram, names /privacy, /mydata and /forget and no organiser command (each of
    which would only get them a refusal)."""
    async with start_bot(emulator, tmp_path) as bot:
        group = await bot.register("碧海社区居民群", "碧海社区")
        for code, words in (("zh-hans", "回复"), ("zh-hant", "回复"), ("en", "reply")):
            resident = emulator.add_user("居民", language_code=code)
            emulator.add_member(group, resident)
            for chat in (emulator.private_chat(resident), group):
                text = await help_for(bot, chat, resident)
                assert words in text, (code, text)
                assert named(text) >= RESIDENTS, (code, text)
                assert named(text) & set(ORGANISER_COMMANDS) == set(), (code, text)


async def test_an_organiser_is_shown_every_organiser_command_with_its_syntax(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """A configured organiser's /help names every organiser command with its arguments (how
    to give a duration, poll options, a date) in their language; in private it says that the
    community's name (or all) comes first."""
    english = emulator.add_user("Emma Lewis", language_code="en")
    async with start_bot(emulator, tmp_path) as bot:
        bot.settings.roles.organisers.append(english.id)
        group = await bot.register("碧海社区居民群", "碧海社区")
        for person, community, syntax in (
            (bot.organiser, "<社区名称|all>", "<问题> | <选项> | <选项>"),
            (english, "<community|all>", "<question> | <option> | <option>"),
        ):
            private = await help_for(bot, emulator.private_chat(person), person)
            assert set(ORGANISER_COMMANDS) | RESIDENTS <= named(private), private
            assert syntax in private and "<YYYY-MM-DD> <HH:MM>" in private, private
            assert community in private, private
            in_group = await help_for(bot, group, person)
            assert set(ORGANISER_COMMANDS) <= named(in_group), in_group
            assert community not in in_group, in_group


async def test_a_group_admin_is_shown_the_commands_that_work_for_them_where_they_work(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """With group_admins_are_organisers on, an admin's /help in their community's group names
    the organiser commands they may run there and not those reserved to configured organisers;
    in private they get a resident's help and are told to ask in their group. With the option
    off, the same admin is a resident everywhere."""
    for admins_on in (True, False):
        chair = emulator.add_user("群管理员", language_code="zh-hans")
        async with start_bot(
            emulator, tmp_path / str(admins_on), roles={"group_admins_are_organisers": admins_on}
        ) as bot:
            group = emulator.add_group("碧海社区居民群", admins=[bot.organiser])
            emulator.add_bot_to_group(group, bot.organiser)
            emulator.add_member(group, chair, as_admin=True)
            await bot.command(group, "/community 碧海社区")
            in_group = await help_for(bot, group, chair)
            private = await help_for(bot, emulator.private_chat(chair), chair)
        if admins_on:
            allowed = set(ORGANISER_COMMANDS) - NOT_FOR_ADMINS
            assert named(in_group) & set(ORGANISER_COMMANDS) == allowed, in_group
            assert "/help" in private and "群" in private, private
        else:
            assert named(in_group) & set(ORGANISER_COMMANDS) == set(), in_group
        assert named(private) & set(ORGANISER_COMMANDS) == set(), private
        assert named(private) >= RESIDENTS and named(in_group) >= RESIDENTS
        assert set(RESIDENT_COMMANDS) >= RESIDENTS
