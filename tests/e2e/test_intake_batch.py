"""One getUpdates batch mixing plain answers (the direct path) with edits, stickers, commands
and private answers (PTB's handlers): every update is judged in order, as if alone."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.render.texts import say
from sandbox.emulator import BotAPIEmulator
from sandbox.params import Params
from tests.e2e.test_faults_input import round_post_id, stored_texts
from tests.harness import RunningBot, start_bot


async def test_a_mixed_batch_is_judged_in_order(minyi_bot: RunningBot) -> None:
    """Answers, an edit, a repeat, a sticker, a private answer, /close and a late answer,
    all fetched in one getUpdates call, end as they would one by one."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 2h 你的建议？")
    post = round_post_id(bot, group)
    wang, li, zhao, sun, zhou = (em.add_user(n) for n in ("王", "李", "赵", "孙", "周"))
    private = em.private_chat(sun)
    bot.join(sun)
    await bot.command(private, "/start r1", user=sun)

    # Queued without yielding to the event loop: the bot's long poll gets them all at once.
    answered = em.send_message(wang, group, "停车位太少了", reply_to=post)
    em.edit_message(wang, group, answered, "停车位太少了，晚上回来没地方停")
    em.send_message(li, group, "希望多装路灯", reply_to=post)
    em.send_message(li, group, "希望多装路灯", reply_to=post)  # the same again: counted once
    em.send_sticker(zhao, group, reply_to=post)
    em.send_message(sun, private, "垃圾分类点太远")
    em.send_message(bot.organiser, group, "/close 1")
    em.send_message(zhou, group, "还想说一句", reply_to=post)
    batch = {u.update_id for u in em.queue}
    await bot.settle()

    fetched = [{u["update_id"] for u in call.result or []} for call in em.calls_to("getUpdates")]
    assert len(batch) == 8 and batch in fetched

    assert sorted(await stored_texts(bot)) == sorted(
        ["停车位太少了，晚上回来没地方停", "希望多装路灯", "垃圾分类点太远"]
    )
    group_texts = bot.bot_texts(group)
    assert sum(say("answer_not_text", "zh") in t for t in group_texts) == 1
    assert sum(say("round_not_open", "zh", id=1) in t for t in group_texts) == 1
    assert sum("已收到" in t for t in bot.bot_texts(private)) == 1
    async with bot.core.repo.transaction() as session:
        wangs = await session.list_answers(resident=bot.core.resident(wang.id))
        claimed = await session.list_processed_updates(sorted(batch))
    assert len(wangs) == 1 and wangs[0].via == "reply"
    assert claimed == batch


async def test_a_busy_round_is_stored_once_with_its_themes(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """A busy round's answers, arriving as batches, are each stored once with the themes the
    bot's tagger gives that text alone."""
    async with start_bot(emulator, tmp_path) as bot:
        group = await bot.register("会展城社区业主群", "会展城社区")
        await bot.command(group, "/ask 2h 小区最需要改进什么？")
        post = round_post_id(bot, group)
        texts = [f"{i}号楼门口停车太乱，垃圾分类点也没人管" for i in range(40)]
        texts += [f"{i}栋电梯经常坏，物业维修太慢" for i in range(40)]
        for i, text in enumerate(texts):
            emulator.send_message(emulator.add_user(f"居民{i}"), group, text, reply_to=post)
        await bot.settle(60)
        async with bot.core.repo.transaction() as session:
            stored = await session.list_answers(limit=1000)
        assert sorted(a.text for a in stored) == sorted(texts)
        for answer in stored:
            expected = {t.id for t in bot.core.tagger.tag(answer.text)}
            assert expected and {t.theme_id for t in answer.themes} == expected


def _confirmations_checked(bot: RunningBot) -> list[int]:
    """Make every getUpdates the emulator answers first check, in the bot's database, that
    each update its offset confirms has been committed (claimed); the list collects those
    that were not."""
    emulator = bot.emulator
    path = bot.settings.storage.url.removeprefix("sqlite:///")
    unclaimed: list[int] = []
    answer = emulator._get_updates

    async def checked(params: Params) -> Any:
        offset = params.opt_int("offset")
        confirming = [u.update_id for u in emulator.queue if offset and u.update_id < offset]
        if confirming:
            with sqlite3.connect(path, timeout=10) as conn:
                claimed = {
                    row[0] for row in conn.execute("SELECT update_id FROM processed_updates")
                }
            unclaimed.extend(u for u in confirming if u not in claimed)
        return await answer(params)

    emulator._get_updates = checked  # type: ignore[method-assign]
    return unclaimed


async def test_overlapping_batches_confirm_only_what_committed(minyi_bot: RunningBot) -> None:
    """230 answers arriving while the bot polls are taken in batches, the next fetched and
    tagged while one commits: every getUpdates confirms only updates already committed, and
    every answer is stored once, with the themes its text gets alone."""
    bot = minyi_bot
    group = await bot.register("会展城社区业主群", "会展城社区")
    await bot.command(group, "/ask 2h 小区最需要改进什么？")
    post = round_post_id(bot, group)
    unclaimed = _confirmations_checked(bot)
    texts = [f"{i}号楼停车太乱，物业维修太慢，希望公开账目" for i in range(230)]
    residents = [bot.emulator.add_user(f"居民{i}") for i in range(23)]
    for i, text in enumerate(texts):
        bot.emulator.send_message(residents[i % 23], group, text, reply_to=post)
    await bot.settle(120)
    assert unclaimed == []
    async with bot.core.repo.transaction() as session:
        stored = await session.list_answers(limit=1000)
    assert sorted(a.text for a in stored) == sorted(texts)
    for answer in stored:
        assert {t.theme_id for t in answer.themes} == {
            t.id for t in bot.core.tagger.tag(answer.text)
        }


async def test_a_batch_failing_in_flight_is_taken_again_with_those_after_it(
    minyi_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """The database refuses to claim one update among 200 answers, while those after it are
    fetched: nothing from its batch on is confirmed, and once the database takes it again
    every answer is stored exactly once."""
    caplog.set_level(logging.ERROR, logger="bot.telegram.intake")
    bot = minyi_bot
    group = await bot.register("会展城社区业主群", "会展城社区")
    await bot.command(group, "/ask 2h 小区最需要改进什么？")
    post = round_post_id(bot, group)
    await bot.settle()
    unclaimed = _confirmations_checked(bot)
    # Update ids follow on from the last one confirmed: the 121st answer's is known.
    refused = bot.emulator.confirmed_offset + 120
    # Every claim of that update fails, in its batch and alone, until the trigger goes.
    await bot.write_outside(
        "CREATE TRIGGER refuse BEFORE INSERT ON processed_updates "
        f"WHEN NEW.update_id = {refused} BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    texts = [f"第{i}条：垃圾分类点没人管，电梯经常坏" for i in range(200)]
    # One answer each, from 200 residents (a message taken again counts once against the rate
    # limit, tests/e2e/test_webhook_gather.py; this test is about confirmations).
    residents = [bot.emulator.add_user(f"居民{i}") for i in range(200)]
    try:
        for resident, text in zip(residents, texts, strict=True):
            bot.emulator.send_message(resident, group, text, reply_to=post)
        assert bot.emulator.queue[120].update_id == refused
        # The batch given up (not the update's own retries): its updates are fetched again.
        await bot.emulator.wait_for(
            lambda: any("updates failed" in r.getMessage() for r in caplog.records), 60
        )
        assert any(u.update_id == refused for u in bot.emulator.queue)  # not confirmed
    finally:
        await bot.write_outside("DROP TRIGGER refuse")
    await bot.settle(120)
    assert unclaimed == []
    async with bot.core.repo.transaction() as session:
        stored = await session.list_answers(limit=1000)
    assert sorted(a.text for a in stored) == sorted(texts)
