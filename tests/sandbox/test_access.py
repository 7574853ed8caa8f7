"""Which chats the bot may read, query for members, edit in or write to, and the errors it gets
otherwise: as the Bot API server checks them (telegram-bot-api Client.cpp `check_chat_access`,
where getChat is a read, getChatMember of someone else, getChatAdministrators and
getChatMemberCount are member queries, edits are edits and sends are writes)."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden

from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat, SimUser


def _group(emulator: BotAPIEmulator, *, supergroup: bool = False) -> tuple[SimUser, SimChat]:
    organiser = emulator.add_user("陈主任")
    group = emulator.add_group("碧海社区居民群", supergroup=supergroup, admins=[organiser])
    emulator.add_bot_to_group(group, organiser)
    return organiser, group


async def test_an_upgraded_group_still_reads_but_refuses_member_queries_and_writes(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """After the upgrade getChat still describes the basic group and getChatMember answers
    about the bot itself; a member of the group asked about, the administrators, the member
    count and a send are refused with the supergroup's id."""
    _, group = _group(emulator)
    resident = emulator.add_user("居民")
    emulator.add_member(group, resident)
    supergroup = emulator.migrate_to_supergroup(group)

    info = await emulator_bot.get_chat(group.id)
    assert (info.id, info.type, info.title) == (group.id, "group", "碧海社区居民群")
    assert (await emulator_bot.get_chat_member(group.id, emulator.bot_user_id)).status == "member"
    refused = (
        emulator_bot.get_chat_member(group.id, resident.id),
        emulator_bot.get_chat_administrators(group.id),
        emulator_bot.get_chat_member_count(group.id),
        emulator_bot.send_message(group.id, "还在吗"),
    )
    for call in refused:
        with pytest.raises(ChatMigrated) as raised:
            await call
        assert raised.value.new_chat_id == supergroup.id
    assert (await emulator_bot.get_chat_member(supergroup.id, resident.id)).status == "member"


async def test_a_group_the_bot_was_removed_from_answers_only_reads(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """Removed from a basic group, the bot still gets the group from getChat and its own
    membership ("left"), but a member query, an edit and a send are 403 "bot was kicked"."""
    organiser, group = _group(emulator)
    sent = await emulator_bot.send_message(group.id, "第一轮征询")
    emulator.remove_bot_from_group(group, organiser)

    assert (await emulator_bot.get_chat(group.id)).title == "碧海社区居民群"
    assert (await emulator_bot.get_chat_member(group.id, emulator.bot_user_id)).status == "left"
    refused = (
        emulator_bot.get_chat_member(group.id, organiser.id),
        emulator_bot.edit_message_text("改过", chat_id=group.id, message_id=sent.message_id),
        emulator_bot.send_message(group.id, "还在吗"),
    )
    for call in refused:
        with pytest.raises(Forbidden, match=r"^Forbidden: bot was kicked from the group chat$"):
            await call


async def test_a_group_the_bot_left_refuses_member_queries_as_not_a_member(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    organiser, group = _group(emulator)
    assert await emulator_bot.leave_chat(group.id)
    with pytest.raises(Forbidden, match=r"^Forbidden: bot is not a member of the group chat$"):
        await emulator_bot.get_chat_member(group.id, organiser.id)


async def test_a_supergroup_the_bot_is_not_in_refuses_even_reads(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """A (private) supergroup answers nothing to a bot removed from it; a group the bot was
    never in is unknown to it."""
    organiser, supergroup = _group(emulator, supergroup=True)
    emulator.remove_bot_from_group(supergroup, organiser)
    for call in (
        emulator_bot.get_chat(supergroup.id),
        emulator_bot.get_chat_member(supergroup.id, organiser.id),
    ):
        with pytest.raises(Forbidden, match=r"^Forbidden: bot was kicked from the supergroup"):
            await call
    stranger = emulator.add_group("别的群", admins=[emulator.add_user("别人")])
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await emulator_bot.get_chat(stranger.id)
