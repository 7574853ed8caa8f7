"""The weekly digest's delivery per staff chat: a chat that missed part of it gets only the
rest, later; a chat that got it is never sent it again; the period is sent once all have it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.base import utcnow
from bot.core.privacy import stored_chat
from bot.telegram.digests import last_due_period
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat
from storage.repository.refusals import private_chat_key
from tests.e2e.test_digest import Clock, wait_all_digests_sent
from tests.e2e.test_forget_everywhere import every_row, found
from tests.e2e.test_privacy import press_forget
from tests.harness import RunningBot, start_bot


def shifted_clock(to: datetime) -> Callable[[], datetime]:
    """A clock that reads `to` now and runs on from there in real time."""
    offset = to - utcnow()
    return lambda: utcnow() + offset


def kinds(messages: list[dict[str, Any]]) -> list[str]:
    """What each message the bot sent to a chat carried: text, photo or document."""
    return [next(k for k in ("photo", "document", "text") if k in m) for m in messages]


def two_staff_chats(em: BotAPIEmulator) -> tuple[SimChat, SimChat, dict[str, Any]]:
    """Two staff chats with the bot and a member in each, and the `roles` table naming them."""
    staff_user = em.add_user("值班员")
    first, second = em.add_group("街道办工作群"), em.add_group("社区办工作群")
    for chat in (first, second):
        em.add_bot_to_group(chat, staff_user)
    return first, second, {"staff_chats": [first.id, second.id]}


async def a_week_with_one_answer(bot: RunningBot, em: BotAPIEmulator) -> datetime:
    """One answer in the week of the latest digest period, the bot's clock left in that week;
    the period's fire time (handing the clock back, `core.clock = utcnow`, makes it due)."""
    fire = last_due_period(bot.core, utcnow())
    assert fire is not None
    bot.core.clock = shifted_clock(fire - timedelta(days=6))
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 1h 社区最需要改进什么？")
    post = next(m for m in em.messages_to(group.id) if "社区征询 #" in m.get("text", ""))
    em.send_message(em.add_user("居民"), group, "停车位太少了。", reply_to=post["message_id"])
    await bot.settle()
    return fire


async def test_a_staff_chat_that_missed_the_chart_gets_only_what_it_missed(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """With the chart failing once (a passing network error) for the first staff chat, that
    chat later gets the chart and the CSV without the text again, the other chat gets the
    digest once at once, and the period is marked sent only after both have it all."""
    em = emulator
    first, second, roles = two_staff_chats(em)
    async with start_bot(em, tmp_path, roles=roles) as bot:
        fire = await a_week_with_one_answer(bot, em)
        em.inject_fault("500", method="sendPhoto", count=1)
        bot.core.clock = utcnow
        await em.wait_for(lambda: kinds(em.messages_to(second.id))[-1:] == ["document"], 30)
        async with bot.core.repo.transaction() as session:
            assert await session.list_unsent_digests() == [fire]  # the first chat still waits
        await em.wait_for(lambda: kinds(em.messages_to(first.id))[-1:] == ["document"], 60)
        for chat in (first, second):
            assert kinds(em.messages_to(chat.id)) == ["text", "photo", "document"], chat.title
        await wait_all_digests_sent(bot)
        async with bot.core.repo.transaction() as session:
            deliveries = await session.list_digest_deliveries(fire)
        assert [(d.chat_id, d.outcome, d.parts_sent) for d in deliveries] == sorted(
            [(first.id, "sent", 3), (second.id, "sent", 3)]
        )


async def test_a_part_telegram_refuses_is_skipped_and_the_rest_still_goes_out(
    emulator: BotAPIEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram refusing one part for what it is (the chart's size with a 400, a CSV over its
    upload limit with a 413) does not cost the chat the other parts: the text and the CSV (or
    chart) still go out, the refusal is logged without naming a person, and the chat counts
    as delivered, once: the refused part is not tried again. Only a chat the bot cannot post in
    any more (here: removed from it) is given up, and another chat still gets everything."""
    em = emulator
    caplog.set_level(logging.INFO, logger="bot.telegram.digests")
    staff_user, officer = em.add_user("值班员"), em.add_user("街道干部")
    photo_refused = em.private_chat(officer)  # its id is the officer's own Telegram id
    csv_refused = em.add_group("社区办工作群")
    removed = em.add_group("党群服务中心群")
    fine = em.add_group("网格员工作群")
    staff = [photo_refused, csv_refused, removed, fine]
    for chat in staff[1:]:
        em.add_bot_to_group(chat, staff_user)
    roles = {"staff_chats": [chat.id for chat in staff]}
    async with start_bot(em, tmp_path, roles=roles) as bot:
        await bot.command(photo_refused, "/start", officer)
        fire = await a_week_with_one_answer(bot, em)
        em.remove_bot_from_group(removed, staff_user)
        await bot.settle()
        em.inject_fault(
            "400",
            method="sendPhoto",
            chat_id=photo_refused.id,
            description="PHOTO_INVALID_DIMENSIONS",
        )
        # Over Telegram's upload limit: refused however often it is sent.
        em.inject_fault("413", method="sendDocument", chat_id=csv_refused.id, count=5)
        bot.core.clock = utcnow
        await em.wait_for(lambda: kinds(em.messages_to(fine.id))[-1:] == ["document"], 30)
        await wait_all_digests_sent(bot)  # the chats are sent in turn, `fine` last
        assert kinds(em.messages_to(photo_refused.id))[-2:] == ["text", "document"]
        assert kinds(em.messages_to(csv_refused.id)) == ["text", "photo"]
        assert kinds(em.messages_to(removed.id)) == []
        assert kinds(em.messages_to(fine.id)) == ["text", "photo", "document"]
        async with bot.core.repo.transaction() as session:
            deliveries = await session.list_digest_deliveries(fire)
        assert [(d.chat_id, d.outcome, d.parts_sent, d.attempts) for d in deliveries] == sorted(
            [
                # Kept under a number made from the officer's pseudonym, never their id.
                (stored_chat(photo_refused.id, bot.core.secret), "sent", 3, 0),
                (csv_refused.id, "sent", 3, 0),
                (removed.id, "refused", 0, 0),
                (fine.id, "sent", 3, 0),
            ]
        )
        tried = [c.method for c in em.calls if str(c.params.get("chat_id")) == str(removed.id)]
        assert tried == ["sendMessage"]  # the text was refused: nothing more was tried
        to_csv_refused = [
            c for c in em.calls if str(c.params.get("chat_id")) == str(csv_refused.id)
        ]
        assert [c.method for c in to_csv_refused] == ["sendMessage", "sendPhoto", "sendDocument"]
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 2, skipped
    assert any("chart" in line for line in skipped) and any("CSV" in line for line in skipped)
    for line in (r.getMessage() for r in caplog.records):
        assert str(officer.id) not in line and "碧海" not in line, line


async def test_a_digest_on_demand_still_brings_the_csv_when_the_chart_is_refused(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """/digest with the chart refused by Telegram (a 400 for its size) still sends the
    organiser the text and the CSV, and the group is told it was sent."""
    em = emulator
    async with start_bot(em, tmp_path) as bot:
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, "/ask 1h 社区最需要改进什么？")
        post = next(m for m in em.messages_to(group.id) if "社区征询 #" in m.get("text", ""))
        em.send_message(em.add_user("居民"), group, "停车位太少了。", reply_to=post["message_id"])
        await bot.settle()
        private = em.private_chat(bot.organiser)
        await bot.command(private, "/start")
        em.inject_fault(
            "400", method="sendPhoto", chat_id=private.id, description="PHOTO_INVALID_DIMENSIONS"
        )
        await bot.command(group, "/digest")
        await em.wait_for(lambda: kinds(em.messages_to(private.id))[-1:] == ["document"], 30)
        assert kinds(em.messages_to(private.id))[-2:] == ["text", "document"]
        await bot.wait_text(group, lambda t: "已私聊发给你" in t)


async def test_a_staff_chat_sent_the_digest_after_a_forget_gets_none_of_the_forgotten_words(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """A staff chat that missed the weekly digest (a passing error) and gets it after a
    resident's /forget gets neither their words (in the quotes or the CSV) nor their count:
    the digest built before the /forget, for the chats served then, is not sent again."""
    em = emulator
    first, second, roles = two_staff_chats(em)
    words = "停车位太少了，紫藤路晚上停满了车。"
    async with start_bot(em, tmp_path, roles=roles) as bot:
        fire = last_due_period(bot.core, utcnow())
        assert fire is not None
        bot.core.clock = shifted_clock(fire - timedelta(days=6))
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, "/ask 1h 社区最需要改进什么？")
        post = next(m for m in em.messages_to(group.id) if "社区征询 #" in m.get("text", ""))
        leaver = em.add_user("要走的居民")
        em.send_message(leaver, group, words, reply_to=post["message_id"])
        em.send_message(em.add_user("居民"), group, "垃圾分类点太远。", reply_to=post["message_id"])
        await bot.settle()
        # The clock stands still: the first chat's retry falls due only when it is moved on.
        em.inject_fault("500", method="sendMessage", chat_id=first.id, count=1)
        bot.core.clock = Clock(fire + timedelta(minutes=1))
        await em.wait_for(lambda: kinds(em.messages_to(second.id))[-1:] == ["document"], 30)
        assert any(words in m.get("text", "") for m in em.messages_to(second.id))
        chat = em.private_chat(leaver)
        await bot.command(chat, "/forget", user=leaver)
        keyboard = next(m for m in reversed(em.messages_to(chat.id)) if "reply_markup" in m)
        em.press_button(leaver, chat, keyboard["message_id"], "forget:yes")
        await bot.settle()
        bot.core.clock = Clock(fire + timedelta(hours=1))
        await em.wait_for(lambda: kinds(em.messages_to(first.id))[-1:] == ["document"], 30)
        sent = em.messages_to(first.id)
        assert kinds(sent) == ["text", "photo", "document"]
        assert not any(words[:5] in m.get("text", "") for m in sent), sent[0]["text"]
        assert words[:5] not in sent[-1]["file_bytes"].decode("utf-8-sig")
        assert "垃圾分类点太远" in sent[-1]["file_bytes"].decode("utf-8-sig")


async def test_a_staff_members_private_chat_is_stored_under_no_raw_id_and_forgotten(
    emulator: BotAPIEmulator, tmp_path: Path, storage_url: str
) -> None:
    """A staff chat that is a person's private chat (its id is their Telegram id) gets the
    digest, while no table holds that id; after the person's /forget, nothing keyed by their
    pseudonym stays of it either, on each backend."""
    em = emulator
    person = em.add_user("值班员")
    staff_group = em.add_group("街道办工作群")
    em.add_bot_to_group(staff_group, person)
    private = em.private_chat(person)
    roles = {"staff_chats": [private.id, staff_group.id]}
    async with start_bot(em, tmp_path, roles=roles, storage={"url": storage_url}) as bot:
        await bot.command(private, "/start", user=person)  # the bot may write to them
        await a_week_with_one_answer(bot, em)
        bot.core.clock = utcnow
        for chat in (private, staff_group):
            await em.wait_for(lambda c=chat: kinds(em.messages_to(c.id))[-1:] == ["document"], 30)
        await wait_all_digests_sent(bot)
        pseudonym = bot.core.resident(person.id)
        needles = [str(person.id), pseudonym, f"'chat_id': {private_chat_key(pseudonym)},"]
        assert not found(await every_row(bot.core), needles[:1])

        await press_forget(bot, person, confirm=True)

        assert not found(await every_row(bot.core), needles)
        assert kinds(em.messages_to(private.id))[1:4] == ["text", "photo", "document"]
