"""getChatMember answers for members and non-members as Telegram does (the bot's membership
check for private answers relies on it)."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import BadRequest

from sandbox.emulator import BotAPIEmulator


async def test_get_chat_member_follows_joining_and_leaving(
    emulator: BotAPIEmulator, emulator_bot: Bot
) -> None:
    """A stranger is "left", a member who joined is "member", one who left is "left" again,
    an admin is "administrator", and an unknown user id is a Bad Request."""
    organiser = emulator.add_user("主任")
    group = emulator.add_group("会展城业主群", admins=[organiser])
    emulator.add_bot_to_group(group, organiser)
    resident, stranger, helper = (emulator.add_user(n) for n in ("居民", "路人", "楼长"))
    emulator.add_member(group, resident)
    emulator.add_member(group, helper, as_admin=True)
    status = {
        u.first_name: (await emulator_bot.get_chat_member(group.id, u.id)).status
        for u in (organiser, resident, stranger, helper)
    }
    assert status == {"主任": "creator", "居民": "member", "路人": "left", "楼长": "administrator"}
    emulator.remove_member(group, resident)
    assert (await emulator_bot.get_chat_member(group.id, resident.id)).status == "left"
    with pytest.raises(BadRequest, match=r"(?i)user not found"):
        await emulator_bot.get_chat_member(group.id, 999_999_999)
