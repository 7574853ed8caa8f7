"""getUpdates as Telegram serves it: offsets, redelivery, long polling, conflicts."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot, Update
from telegram.error import Conflict

from sandbox.emulator import BotAPIEmulator
from sandbox.ptb import bot_for


async def test_get_me_returns_the_bot(emulator: BotAPIEmulator, emulator_bot: Bot) -> None:
    """getMe answers with the bot's id and username, as PTB's initialize needs."""
    me = await emulator_bot.get_me()
    assert me.id == emulator.bot_user_id
    assert me.username == "minyi_bot"
    assert me.is_bot


async def test_update_stays_queued_until_a_later_offset_confirms_it(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """Delivered updates are redelivered until a getUpdates call's offset moves past them."""
    user = emulator.add_user("王芳")
    chat = emulator.private_chat(user)
    emulator.send_message(user, chat, "/start")
    emulator.send_message(user, chat, "你好")

    first = await emulator_bot.get_updates()
    again = await emulator_bot.get_updates()
    assert [u.update_id for u in again] == [u.update_id for u in first]
    assert emulator.pending_updates == 2

    rest = await emulator_bot.get_updates(offset=first[0].update_id + 1)
    assert [u.message.text for u in rest if u.message] == ["你好"]
    assert emulator.pending_updates == 1
    assert emulator.confirmed_offset == first[0].update_id + 1


async def test_unconfirmed_updates_survive_a_crashed_client(emulator: BotAPIEmulator) -> None:
    """A new client without an offset gets what a crashed client fetched but never confirmed."""
    user = emulator.add_user("李雷")
    emulator.send_message(user, emulator.private_chat(user), "/start")
    async with bot_for(emulator) as crashed:
        seen = await crashed.get_updates()
    async with bot_for(emulator) as restarted:
        seen_again = await restarted.get_updates()
    assert [u.update_id for u in seen_again] == [u.update_id for u in seen]
    assert seen_again[0].message is not None
    assert seen_again[0].message.text == "/start"


async def test_long_poll_wakes_as_soon_as_an_update_is_queued(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """A waiting getUpdates returns the update a resident writes while it waits, well before its
    one-minute timeout (the wait_for guard is a hang guard, not a timing check)."""
    user = emulator.add_user("张伟")
    poll = asyncio.create_task(emulator_bot.get_updates(timeout=60))
    await asyncio.sleep(0.3)
    assert not poll.done(), "with nothing queued the long poll keeps waiting"
    emulator.send_message(user, emulator.private_chat(user), "在吗")
    updates = await asyncio.wait_for(poll, timeout=30)
    assert [u.message.text for u in updates if u.message] == ["在吗"]


async def test_empty_long_poll_returns_after_its_timeout(emulator_bot: Bot) -> None:
    """With nothing queued, getUpdates returns an empty result when its timeout ends."""
    assert await emulator_bot.get_updates(timeout=1) == ()


async def test_second_poller_terminates_the_first_with_conflict(
    emulator: BotAPIEmulator,
) -> None:
    """Two bot instances polling at once: the older long poll gets 409 Conflict."""
    async with bot_for(emulator) as first, bot_for(emulator) as second:
        waiting = asyncio.create_task(first.get_updates(timeout=5))
        await asyncio.sleep(0.2)
        await second.get_updates(timeout=0)
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await waiting


async def test_negative_offset_keeps_only_the_newest_updates(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """offset=-1 returns the last update and forgets every earlier one."""
    user = emulator.add_user("赵敏")
    chat = emulator.private_chat(user)
    for text in ("一", "二", "三"):
        emulator.send_message(user, chat, text)
    updates = await emulator_bot.get_updates(offset=-1)
    assert [u.message.text for u in updates if u.message] == ["三"]
    assert emulator.pending_updates == 1


async def test_allowed_updates_filters_kinds(emulator: BotAPIEmulator, emulator_bot: Bot) -> None:
    """Kinds left out of allowed_updates are never delivered."""
    organiser = emulator.add_user("组织者")
    group = emulator.add_group("碧海社区", admins=[organiser])
    emulator.add_bot_to_group(group, organiser)
    updates = await emulator_bot.get_updates(allowed_updates=["message"])
    assert updates
    assert all(u.message is not None for u in updates)
    assert emulator.pending_updates == len(updates)


async def test_get_updates_is_refused_while_a_webhook_is_set(emulator_bot: Bot) -> None:
    """With a webhook set, getUpdates answers 409 as Telegram does."""
    await emulator_bot.set_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(Conflict, match="webhook is active"):
        await emulator_bot.get_updates()
    await emulator_bot.delete_webhook()
    assert await emulator_bot.get_updates() == ()


async def test_chat_member_updates_only_when_asked_for(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """An admin bot gets chat_member updates only if allowed_updates names them, as Telegram,
    and only those that happen after it asked: earlier ones were never kept. A member leaving
    is one too."""
    organiser = emulator.add_user("组织者")
    group = emulator.add_group("碧海社区", admins=[organiser])
    emulator.add_bot_to_group(group, organiser, as_admin=True)
    first = emulator.add_user("甲")
    emulator.add_member(group, first)
    default = await emulator_bot.get_updates()
    assert not any(u.chat_member for u in default)
    asked = await emulator_bot.get_updates(allowed_updates=["message", "chat_member"])
    assert not any(u.chat_member for u in asked)
    emulator.add_member(group, emulator.add_user("乙"))
    emulator.remove_member(group, first)
    later = await emulator_bot.get_updates(offset=asked[-1].update_id + 1)
    changes = [u.chat_member for u in later if u.chat_member]
    assert [(m.new_chat_member.user.first_name, m.new_chat_member.status) for m in changes] == [
        ("乙", "member"),
        ("甲", "left"),
    ]


async def test_reactions_reach_only_an_administrator_bot_that_asked(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """message_reaction updates come only where the bot is an administrator (or in private),
    and only when allowed_updates names them."""
    organiser = emulator.add_user("组织者")
    resident = emulator.add_user("居民")
    admin_of = emulator.add_group("碧海社区", admins=[organiser])
    member_of = emulator.add_group("会展城社区", admins=[organiser])
    emulator.add_bot_to_group(admin_of, organiser, as_admin=True)
    emulator.add_bot_to_group(member_of, organiser)
    posts = {}
    for group in (admin_of, member_of):
        posts[group.id] = (await emulator_bot.send_message(group.id, "征询")).message_id
    emulator.react(resident, admin_of, posts[admin_of.id], "👍")
    assert not [u for u in emulator.queue if u.kind == "message_reaction"]
    await emulator_bot.get_updates(allowed_updates=Update.ALL_TYPES)
    for group in (admin_of, member_of):
        emulator.react(resident, group, posts[group.id], "🔥")
    reactions = [
        u.payload["message_reaction"] for u in emulator.queue if u.kind == "message_reaction"
    ]
    assert [(r["chat"]["id"], r["old_reaction"], r["new_reaction"]) for r in reactions] == [
        (admin_of.id, [{"type": "emoji", "emoji": "👍"}], [{"type": "emoji", "emoji": "🔥"}])
    ]
