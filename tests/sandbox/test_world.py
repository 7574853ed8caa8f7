"""The people API: what residents and organisers do reaches the bot as Telegram delivers it."""

from __future__ import annotations

from telegram import Bot, Update

from sandbox.emulator import BotAPIEmulator


async def test_commands_get_bot_command_entities(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """/ask and /ask@minyi_bot carry a bot_command entity counted in UTF-16 units."""
    organiser = emulator.add_user("陈主任")
    group = emulator.add_group("碧海社区", admins=[organiser])
    emulator.add_bot_to_group(group, organiser)
    emulator.send_message(organiser, group, "/ask@minyi_bot 48h 停车怎么办")
    emulator.send_message(organiser, group, "😀 /report")
    updates = await emulator_bot.get_updates()
    texts = [u.message for u in updates if u.message and u.message.text]
    first, second = texts
    assert first.parse_entities() == {first.entities[0]: "/ask@minyi_bot"}
    assert list(second.parse_entities().values()) == ["/report"]
    assert second.entities[0].offset == 3  # the emoji takes two UTF-16 code units


async def test_privacy_mode_delivers_only_what_is_meant_for_the_bot(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """With bot_sees_all=False the bot gets commands, replies to it and mentions only."""
    organiser = emulator.add_user("陈主任")
    resident = emulator.add_user("居民")
    group = emulator.add_group("碧海社区", admins=[organiser], bot_sees_all=False)
    emulator.add_bot_to_group(group, organiser)
    emulator.send_message(resident, group, "随便聊聊")
    emulator.send_message(organiser, group, "/ask 问题")
    emulator.send_message(organiser, group, "/ask@other_bot 问题")
    posted = await emulator_bot.send_message(group.id, "请回复本消息")
    emulator.send_message(resident, group, "回复机器人", reply_to=posted.message_id)
    emulator.send_message(resident, group, "@minyi_bot 你好")
    texts = [
        u.message.text for u in await emulator_bot.get_updates() if u.message and u.message.text
    ]
    assert texts == ["/ask 问题", "回复机器人", "@minyi_bot 你好"]
    assert next(m["text"] for m in emulator.history(group.id) if "text" in m) == "随便聊聊"

    emulator.promote_bot(group, organiser)
    emulator.send_message(resident, group, "管理员能看到")
    last = (await emulator_bot.get_updates(offset=emulator.queue[-1].update_id))[-1]
    assert last.message is not None and last.message.text == "管理员能看到"


async def test_bot_sees_nothing_from_a_group_it_is_not_in(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """Messages in a group before the bot joins, or after it is removed, are not delivered."""
    organiser = emulator.add_user("陈主任")
    group = emulator.add_group("碧海社区", admins=[organiser])
    emulator.send_message(organiser, group, "机器人还没来")
    assert emulator.pending_updates == 0
    emulator.add_bot_to_group(group, organiser)
    emulator.remove_bot_from_group(group, organiser)
    emulator.send_message(organiser, group, "机器人走了")
    kinds = [u.kind for u in emulator.queue]
    assert kinds == ["my_chat_member", "message", "my_chat_member"]


async def test_edit_reaches_the_bot_as_edited_message(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """Editing an answer yields an edited_message update with the same message id."""
    resident = emulator.add_user("居民")
    chat = emulator.private_chat(resident)
    message_id = emulator.send_message(resident, chat, "旧答案")
    emulator.edit_message(resident, chat, message_id, "新答案")
    updates = await emulator_bot.get_updates()
    edited = updates[-1].edited_message
    assert edited is not None
    assert (edited.message_id, edited.text) == (message_id, "新答案")
    assert edited.edit_date is not None


async def test_stickers_and_photos_are_non_text_messages(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """A sticker or photo reply carries no text, so a text round can tell it apart."""
    resident = emulator.add_user("居民")
    chat = emulator.private_chat(resident)
    emulator.send_sticker(resident, chat)
    emulator.send_photo(resident, chat)
    sticker, photo = [u.message for u in await emulator_bot.get_updates()]
    assert sticker is not None and sticker.sticker is not None and sticker.text is None
    assert photo is not None and photo.photo and photo.text is None
    file = await emulator_bot.get_file(photo.photo[-1].file_id)
    assert (await file.download_as_bytearray()).startswith(b"\x89PNG")


async def test_poll_vote_change_needs_revoting(emulator: BotAPIEmulator, emulator_bot: Bot) -> None:
    """A changed vote is one poll_answer with the new options and counts follow it."""
    organiser = emulator.add_user("陈主任")
    group = emulator.add_group("碧海社区", admins=[organiser])
    emulator.add_bot_to_group(group, organiser)
    message = await emulator_bot.send_poll(group.id, "?", ["甲", "乙"], is_anonymous=False)
    assert message.poll is not None
    resident = emulator.add_user("居民")
    emulator.vote_poll(resident, message.poll.id, [0])
    emulator.vote_poll(resident, message.poll.id, [1])
    updates = [Update.de_json(u.payload, emulator_bot) for u in emulator.queue]
    answers = [u.poll_answer.option_ids for u in updates if u.poll_answer]
    assert answers == [(0,), (1,)]
    last_poll = [u.poll for u in updates if u.poll][-1]
    assert [o.voter_count for o in last_poll.options] == [0, 1]
