"""Groups Telegram upgraded to supergroups (SPEC §9): whatever the bot owes a chat by its old
id (the weekly digest of a staff chat, a round's posts, a scorecard, a resident's private
answer) reaches the supergroup, once, whether or not the bot saw the upgrade's service
messages."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.base import utcnow
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat
from tests.e2e.test_digest import wait_all_digests_sent
from tests.e2e.test_digest_delivery import a_week_with_one_answer, kinds, shifted_clock
from tests.harness import RunningBot, start_bot

DIGEST = ["text", "photo", "document"]


def sends_to(em: BotAPIEmulator, chat: SimChat, method: str) -> int:
    """How many times the bot called `method` for `chat`."""
    return sum(1 for c in em.calls_to(method) if str(c.params.get("chat_id")) == str(chat.id))


async def upgrade(bot: RunningBot, group: SimChat, *, seen: bool) -> SimChat:
    """Upgrade `group` to a supergroup; the bot gets the service messages (`seen`), or they
    are lost (the bot was down longer than Telegram keeps updates)."""
    supergroup = bot.emulator.migrate_to_supergroup(group)
    if seen:
        await bot.settle()
    else:
        bot.emulator.queue.clear()
    return supergroup


def operator_told(caplog: pytest.LogCaptureFixture, old: SimChat, new: SimChat) -> bool:
    """Whether a warning asked the operator to replace `old` by `new` in roles.staff_chats."""
    return any(
        r.levelno == logging.WARNING
        and "roles.staff_chats" in r.getMessage()
        and str(old.id) in r.getMessage()
        and str(new.id) in r.getMessage()
        for r in caplog.records
    )


@pytest.mark.parametrize("seen", [True, False], ids=["service-message", "missed"])
async def test_a_staff_chat_upgraded_before_the_digest_gets_it_in_its_supergroup(
    emulator: BotAPIEmulator,
    tmp_path: Path,
    storage_url: str,
    seen: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A staff chat upgraded during the week gets the digest in its supergroup as soon as it
    falls due, once (nothing waits for a retry or the next week), the other staff chat gets
    it as before, and the operator is told to update roles.staff_chats."""
    caplog.set_level(logging.INFO)
    em = emulator
    staff_user = em.add_user("值班员")
    staff, other = em.add_group("街道办工作群"), em.add_group("社区办工作群")
    for chat in (staff, other):
        em.add_bot_to_group(chat, staff_user)
    roles = {"staff_chats": [staff.id, other.id]}
    async with start_bot(em, tmp_path, roles=roles, storage={"url": storage_url}) as bot:
        fire = await a_week_with_one_answer(bot, em)
        supergroup = await upgrade(bot, staff, seen=seen)
        bot.core.clock = utcnow
        for chat in (supergroup, other):
            await em.wait_for(lambda chat=chat: kinds(em.messages_to(chat.id)) == DIGEST, 30)
        await wait_all_digests_sent(bot)
        # Refused once at the old id when the bot had not seen the upgrade, never otherwise.
        assert sends_to(em, staff, "sendMessage") == (0 if seen else 1)
        assert sends_to(em, staff, "sendPhoto") + sends_to(em, staff, "sendDocument") == 0
        async with bot.core.repo.transaction() as session:
            deliveries = await session.list_digest_deliveries(fire)
            moves = await session.list_chat_migrations()
        assert [(d.chat_id, d.outcome, d.parts_sent, d.attempts) for d in deliveries] == sorted(
            [(supergroup.id, "sent", 3, 0), (other.id, "sent", 3, 0)]
        )
        assert moves == {staff.id: supergroup.id}
    assert operator_told(caplog, staff, supergroup)


@pytest.mark.parametrize("seen", [True, False], ids=["service-message", "missed"])
async def test_a_staff_chat_upgraded_between_two_digest_parts_gets_each_part_once(
    emulator: BotAPIEmulator,
    tmp_path: Path,
    storage_url: str,
    seen: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The text reached the staff chat, the chart failed (a passing error), then the group
    was upgraded: the chart and the CSV go to the supergroup, whose history already holds
    the text, so the chat has every part once; the period is then sent."""
    caplog.set_level(logging.INFO)
    em = emulator
    staff_user = em.add_user("值班员")
    staff, other = em.add_group("街道办工作群"), em.add_group("社区办工作群")
    for chat in (staff, other):
        em.add_bot_to_group(chat, staff_user)
    roles = {"staff_chats": [staff.id, other.id]}
    async with start_bot(em, tmp_path, roles=roles, storage={"url": storage_url}) as bot:
        fire = await a_week_with_one_answer(bot, em)
        em.inject_fault("500", method="sendPhoto", chat_id=staff.id, count=1)
        bot.core.clock = utcnow
        # The staff chat comes first and waits for its retry; the other chat is served then.
        await em.wait_for(lambda: kinds(em.messages_to(other.id)) == DIGEST, 30)
        assert kinds(em.messages_to(staff.id)) == ["text"]
        supergroup = await upgrade(bot, staff, seen=seen)
        bot.core.clock = shifted_clock(utcnow() + timedelta(minutes=1))  # the retry is due
        await em.wait_for(lambda: kinds(em.messages_to(supergroup.id)) == DIGEST, 30)
        await wait_all_digests_sent(bot)
        assert sends_to(em, staff, "sendMessage") + sends_to(em, supergroup, "sendMessage") == 1
        assert sends_to(em, supergroup, "sendPhoto") == 1
        assert sends_to(em, supergroup, "sendDocument") == 1
        async with bot.core.repo.transaction() as session:
            deliveries = await session.list_digest_deliveries(fire)
        assert [(d.chat_id, d.outcome, d.parts_sent) for d in deliveries] == sorted(
            [(supergroup.id, "sent", 3), (other.id, "sent", 3)]
        )
    assert operator_told(caplog, staff, supergroup)
