"""Groups Telegram upgraded to supergroups (SPEC §9): whatever the bot owes a chat by its old
id (the weekly digest of a staff chat, a round's posts, a scorecard, a resident's private
answer) reaches the supergroup, once, whether or not the bot saw the upgrade's service
messages."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.base import utcnow
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat
from tests.e2e.test_digest import wait_all_digests_sent
from tests.e2e.test_digest_delivery import (
    a_week_with_one_answer,
    kinds,
    shifted_clock,
    two_staff_chats,
)
from tests.e2e.test_index import _photos, _two_scored_communities
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


def service_message_of_upgrade(update: dict[str, Any]) -> bool:
    """Whether an update is one of the service messages of a group's upgrade."""
    message = update.get("message") or {}
    return "migrate_to_chat_id" in message or "migrate_from_chat_id" in message


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
    staff, other, roles = two_staff_chats(em)
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
    staff, other, roles = two_staff_chats(em)
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


async def test_a_poll_round_of_a_group_upgraded_unseen_closes_in_its_supergroup(
    minyi_bot: RunningBot,
) -> None:
    """A community's group was upgraded while the bot missed the service messages: when the
    poll round closes on its time, the poll is stopped and the summary, with the votes cast
    before the upgrade, is posted in the supergroup, where the community now is."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/poll 1h 要不要加装电梯？ | 要 | 不要")
    (opening,) = [m for m in em.messages_to(group.id) if "poll" in m]
    for name, option in (("甲", 0), ("乙", 0), ("丙", 1)):
        em.vote_poll(em.add_user(name), opening["poll"]["id"], [option])
    await bot.settle()
    supergroup = await upgrade(bot, group, seen=False)
    bot.core.clock = shifted_clock(utcnow() + timedelta(hours=1, minutes=1))
    summary = await bot.wait_text(supergroup, lambda t: "征询 #1 已结束" in t)
    await bot.settle()
    assert "3" in summary
    stopped = [c for c in em.calls_to("stopPoll") if c.ok]
    assert [str(c.params["chat_id"]) for c in stopped] == [str(supergroup.id)]
    async with bot.core.repo.transaction() as session:
        (community,) = await session.list_communities()
        assert await session.list_unsent_posts() == []
    assert (community.chat_id, community.active) == (supergroup.id, True)


async def test_a_private_answer_for_a_group_upgraded_unseen_is_counted(
    minyi_bot: RunningBot,
) -> None:
    """A resident opens a round's private link after their group was upgraded unseen: their
    membership is asked of the supergroup (the old id only names it), the move is kept, and
    their answer counts for the community."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 2h 社区最需要改进什么？")
    resident = em.add_user("私聊居民")
    bot.join(resident, group)
    await bot.settle()
    supergroup = await upgrade(bot, group, seen=False)
    chat = em.private_chat(resident)
    await bot.command(chat, "/start r1", user=resident)
    em.send_message(resident, chat, "希望晚上路灯亮一些。")
    await bot.settle()
    async with bot.core.repo.transaction() as session:
        (community,) = await session.list_communities()
        answers = await session.list_answers()
        moves = await session.list_chat_migrations()
    assert [(a.text, a.community_id) for a in answers] == [("希望晚上路灯亮一些。", community.id)]
    assert community.chat_id == supergroup.id
    assert moves == {group.id: supergroup.id}


async def test_a_reply_that_follows_an_unseen_upgrade_moves_the_community(
    minyi_bot: RunningBot,
) -> None:
    """A reply to a message sent in the group just before an upgrade the bot did not see goes
    to the supergroup, and the move is kept: the residents' next answers, written in the
    supergroup, count for the community at once (not only after its next round post)."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 2h 社区最需要改进什么？")
    post = next(m for m in em.messages_to(group.id) if "社区征询 #1" in m.get("text", ""))
    em.send_message(em.add_user("太啰嗦"), group, "长" * 2001, reply_to=post["message_id"])
    supergroup = em.migrate_to_supergroup(group)
    # Only the upgrade's service messages are lost (a webhook that failed on them, say): the
    # long answer before them is still taken, its refusal sent after the upgrade.
    em.queue = [u for u in em.queue if not service_message_of_upgrade(u.payload)]
    await bot.settle()
    em.send_message(em.add_user("居民"), supergroup, "停车位太少。")
    await bot.settle()
    assert any("回答太长了" in t for t in bot.bot_texts(supergroup))
    async with bot.core.repo.transaction() as session:
        (community,) = await session.list_communities()
        moves = await session.list_chat_migrations()
    assert community.chat_id == supergroup.id
    assert moves == {group.id: supergroup.id}


async def test_a_scorecard_for_a_group_upgraded_unseen_goes_to_its_supergroup_at_once(
    emulator: BotAPIEmulator,
    tmp_path: Path,
    storage_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """`/index post` to a group upgraded unseen: the scorecard Telegram refused at the old id
    goes to the supergroup in the same attempt (not on a later pass, logged as a possible
    duplicate although nothing was sent), and every group gets its scorecard once."""
    caplog.set_level(logging.INFO)
    schedule = {"tick_seconds": 3600}
    tables = {"index": {"min_coverage": 0.1}, "schedule": schedule}
    async with start_bot(emulator, tmp_path, storage={"url": storage_url}, **tables) as bot:
        em = bot.emulator
        bihai, huizhan = await _two_scored_communities(bot)
        supergroup = await upgrade(bot, bihai, seen=False)
        private = em.private_chat(bot.organiser)
        await bot.command(private, "/index post")
        await em.wait_for(lambda: bool(_photos(bot, supergroup.id) and _photos(bot, huizhan.id)))
        poster = bot.app.bot_data.index_poster
        assert poster is not None
        await poster.wait_idle()
        assert [len(_photos(bot, g.id)) for g in (supergroup, huizhan)] == [1, 1]
        async with bot.core.repo.transaction() as session:
            assert await session.list_unsent_index_posts() == []
            community = await session.get_community_by_name("碧海社区")
        assert community is not None and community.chat_id == supergroup.id
    assert not [r for r in caplog.records if "duplicate" in r.getMessage()]


async def test_a_round_post_refused_at_an_upgraded_group_is_not_counted_as_an_attempt(
    emulator: BotAPIEmulator,
    tmp_path: Path,
    storage_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The closing summary of a group upgraded unseen is refused at the old id and sent to the
    supergroup: Telegram sent nothing the first time, so the post counts one attempt and no
    "possible duplicate" warning is logged (on either backend)."""
    caplog.set_level(logging.INFO)
    async with start_bot(emulator, tmp_path, storage={"url": storage_url}) as bot:
        em = bot.emulator
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, "/ask 1h 社区最需要改进什么？")
        supergroup = await upgrade(bot, group, seen=False)
        bot.core.clock = shifted_clock(utcnow() + timedelta(hours=1, minutes=1))
        await bot.wait_text(supergroup, lambda t: "征询 #1 已结束" in t)
        await bot.settle()
        async with bot.core.repo.transaction() as session:
            (close,) = await session.list_posts(1, "close")
        assert (close.chat_id, close.attempts) == (supergroup.id, 1)
    # Refused once at the old id: the group is a supergroup now.
    refused = [c for c in em.calls_to("sendMessage") if not c.ok]
    assert sum(str(c.params["chat_id"]) == str(group.id) for c in refused) == 1
    assert not [r for r in caplog.records if "duplicate" in r.getMessage()]
