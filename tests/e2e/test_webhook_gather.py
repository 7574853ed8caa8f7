"""Webhook updates committed together (bot/telegram/intake.py `Gatherer`): what arrives while a
run commits goes in as the next run, each update answered only once it is committed, and one
update that cannot be stored never takes the others down with it."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from bot.app import PLAIN_ANSWERS
from bot.telegram.intake import Gatherer
from sandbox.emulator import BotAPIEmulator
from tests.e2e.test_faults_input import round_post_id, stored_texts
from tests.harness import RunningBot, start_bot


async def _answers(bot: RunningBot, texts: list[str]) -> list[dict[str, Any]]:
    """Updates of residents replying `texts` to round 1, as Telegram would POST them (taken
    out of the emulator's queue before the polling intake can fetch them)."""
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 2h 小区最需要改进什么？")
    post = round_post_id(bot, group)
    await bot.settle()
    first = len(bot.emulator.queue)
    for i, text in enumerate(texts):
        bot.emulator.send_message(bot.emulator.add_user(f"居民{i}"), group, text, reply_to=post)
    payloads = [update.payload for update in bot.emulator.queue[first:]]
    del bot.emulator.queue[first:]
    return payloads


async def test_updates_arriving_together_commit_as_one_run(minyi_bot: RunningBot) -> None:
    """30 answers submitted at once: one run, one transaction; each stored once with the
    themes its text gets alone; a delivery repeated while the first waits counts once."""
    bot = minyi_bot
    texts = [f"{i}号楼停车太乱，物业维修太慢，希望公开账目" for i in range(30)]
    updates = await _answers(bot, texts)
    gatherer = Gatherer(bot.app, bot.core, PLAIN_ANSWERS)
    await asyncio.gather(*(gatherer.submit(u) for u in [*updates, updates[3], updates[7]]))
    await gatherer.close(30)
    assert gatherer.runs == 1
    assert sorted(await stored_texts(bot)) == sorted(texts)
    async with bot.core.repo.transaction() as session:
        stored = await session.list_answers(limit=100)
        assert await session.list_processed_updates([u["update_id"] for u in updates]) == {
            u["update_id"] for u in updates
        }
    for answer in stored:
        assert {t.theme_id for t in answer.themes} == {
            t.id for t in bot.core.tagger.tag(answer.text)
        }
    # Submitted again after the commit (Telegram lost our 200): nothing changes.
    await asyncio.gather(*(gatherer.submit(u) for u in updates[:5]))
    assert sorted(await stored_texts(bot)) == sorted(texts)


async def test_an_update_that_cannot_be_stored_fails_only_itself(
    minyi_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """One answer of a run that the database refuses: the run rolls back, every other answer
    is then committed alone at its first attempt, and the refused one, after its retries, is
    kept as a dead letter (its request still answered: nothing is lost)."""
    caplog.set_level(logging.WARNING, logger="bot.telegram.intake")
    bot = minyi_bot
    texts = [f"第{i}条：垃圾分类点没人管，电梯经常坏" for i in range(12)]
    texts[5] = "这一条存不进去：路灯坏了"
    updates = await _answers(bot, texts)
    await bot.write_outside(
        "CREATE TRIGGER refuse BEFORE INSERT ON answers "
        f"WHEN NEW.text = '{texts[5]}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    gatherer = Gatherer(bot.app, bot.core, PLAIN_ANSWERS)
    await asyncio.gather(*(gatherer.submit(u) for u in updates))
    await gatherer.close(30)
    assert gatherer.runs == 0  # the one run failed
    assert any("each alone" in r.getMessage() for r in caplog.records)
    assert sorted(await stored_texts(bot)) == sorted(t for i, t in enumerate(texts) if i != 5)
    async with bot.core.repo.transaction() as session:
        letters = await session.tx.fetchall("SELECT update_id FROM dead_letters")
        done = await session.list_processed_updates([u["update_id"] for u in updates])
    assert [row["update_id"] for row in letters] == [updates[5]["update_id"]]
    assert done == {u["update_id"] for u in updates}
    # Each of the others was stored at its first attempt alone: none waited out a retry.
    assert sum("failed 3 times" in r.getMessage() for r in caplog.records) == 1


async def test_runs_stay_whole_while_senders_answer_in_turn(minyi_bot: RunningBot) -> None:
    """40 senders (Telegram's connections), each sending its next answer a few turns of the
    event loop after its last one was acknowledged, 400 answers in all: the runs stay whole
    instead of splitting into parts that each pay for a transaction."""
    bot = minyi_bot
    texts = [f"第{i}条：小区路灯坏了很久，晚上出门不安全" for i in range(400)]
    updates = await _answers(bot, texts)
    # Patient for up to a second (the product waits at most as long as the run took, which a
    # stalled test machine could outlast): the senders come back within a few turns.
    gatherer = Gatherer(bot.app, bot.core, PLAIN_ANSWERS, patience=lambda took: 1.0)

    async def sender(mine: list[dict[str, Any]], turns: int) -> None:
        for update in mine:
            await gatherer.submit(update)
            for _ in range(turns):  # the acknowledgement's way back, and the next request's
                await asyncio.sleep(0)

    await asyncio.gather(*(sender(updates[i::40], 1 + i % 7) for i in range(40)))
    await gatherer.close(30)
    assert sorted(await stored_texts(bot)) == sorted(texts)
    # 10 whole runs of 40; answers acknowledged in turn would split every run in parts.
    assert gatherer.runs <= 12


async def test_button_presses_go_alone_and_are_answered(minyi_bot: RunningBot) -> None:
    """Rating presses answer Telegram while they are processed (answerCallbackQuery): they
    never join a run, whose commit such a call could hold up, and each is stored and
    answered."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/rate 1h 物业服务打几分？")
    rating = next(m for m in em.messages_to(group.id) if "社区评分 #1" in m.get("text", ""))
    await bot.settle()
    first = len(em.queue)
    raters = [em.add_user(f"居民{i}") for i in range(6)]
    queries = [
        em.press_button(rater, group, rating["message_id"], f"rate:1:{1 + i % 5}")
        for i, rater in enumerate(raters)
    ]
    presses = [update.payload for update in em.queue[first:]]
    del em.queue[first:]
    gatherer = Gatherer(bot.app, bot.core, PLAIN_ANSWERS)
    await asyncio.gather(*(gatherer.submit(p) for p in presses))
    await gatherer.close(30)
    assert gatherer.runs == 0
    async with bot.core.repo.transaction() as session:
        for i, rater in enumerate(raters):
            assert await session.list_resident_votes(bot.core.resident(rater.id)) == [
                (1, 1 + i % 5)
            ]
    assert all(em.callback_answer(query) is not None for query in queries)


async def test_a_run_done_again_counts_nobody_twice_against_the_rate_limit(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """A resident sends as many answers as the rate limit allows in a minute, in the same run
    as another resident's answer that cannot be stored: when the run is done again answer by
    answer, each of theirs still counts once, and all of them are stored."""
    async with start_bot(emulator, tmp_path, limits={"answers_per_minute": 4}) as bot:
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, "/ask 2h 小区最需要改进什么？")
        post = round_post_id(bot, group)
        await bot.settle()
        first = len(emulator.queue)
        busy = emulator.add_user("热心居民")
        texts = [f"第{i}点：垃圾分类点没人管" for i in range(4)]
        for text in texts:
            emulator.send_message(busy, group, text, reply_to=post)
        emulator.send_message(emulator.add_user("别人"), group, "这一条存不进去", reply_to=post)
        updates = [update.payload for update in emulator.queue[first:]]
        del emulator.queue[first:]
        await bot.write_outside(
            "CREATE TRIGGER refuse BEFORE INSERT ON answers "
            "WHEN NEW.text = '这一条存不进去' BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
        gatherer = Gatherer(bot.app, bot.core, PLAIN_ANSWERS)
        await asyncio.gather(*(gatherer.submit(u) for u in updates))
        await gatherer.close(30)
        assert gatherer.runs == 0  # the run failed and was done again, answer by answer
        assert sorted(await stored_texts(bot)) == sorted(texts)


async def test_an_answer_and_its_edit_delivered_at_once_keep_the_edit(
    minyi_bot: RunningBot,
) -> None:
    """Answers and their edits POSTed together (as Telegram pushes a backlog after the bot
    was down): the plain answers wait for a run while each edit goes alone, in either order
    of commit; every stored answer ends as its edit, in groups and in private."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 2h 小区最需要改进什么？")
    post = round_post_id(bot, group)
    people = [em.add_user(f"居民{i}") for i in range(10)]
    for person in people[5:]:
        em.add_member(group, person)
        em.send_message(person, em.private_chat(person), "/start r1")
    await bot.settle()
    first = len(em.queue)
    edited = []
    for i, person in enumerate(people):
        chat = group if i < 5 else em.private_chat(person)
        message = em.send_message(
            person, chat, f"停车位太少了{i}", reply_to=post if i < 5 else None
        )
        em.edit_message(person, chat, message, f"改：物业要公开账目{i}")
        edited.append(f"改：物业要公开账目{i}")
    updates = [update.payload for update in em.queue[first:]]
    del em.queue[first:]
    gatherer = Gatherer(bot.app, bot.core, PLAIN_ANSWERS)
    await asyncio.gather(*(gatherer.submit(u) for u in updates))
    await gatherer.close(30)
    assert sorted(await stored_texts(bot)) == sorted(edited)


async def test_anonymous_poll_totals_delivered_out_of_order_keep_the_latest(
    minyi_bot: RunningBot,
) -> None:
    """An anonymous poll's totals come as whole `poll` updates; a webhook may deliver the
    first of ten after the others (a retried delivery): the totals stored stay the latest
    (10 voters), not the last delivered (1 voter)."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/poll --anonymous 2h 集市办在哪里？ | 广场 | 停车场")
    await bot.settle()
    (poll_id,) = em.polls()
    first = len(em.queue)
    for i in range(10):
        em.vote_poll(em.add_user(f"居民{i}"), poll_id, [i % 2])
    updates = [update.payload for update in em.queue[first:]]
    del em.queue[first:]
    assert all("poll" in u for u in updates) and len(updates) == 10
    gatherer = Gatherer(bot.app, bot.core, PLAIN_ANSWERS)
    for update in [*updates[1:], updates[0]]:  # the first delivered last
        await gatherer.submit(update)
    await gatherer.close(30)
    async with bot.core.repo.transaction() as session:
        totals = await session.tx.fetchall("SELECT voters FROM poll_totals")
        tallies = await session.tx.fetchall(
            "SELECT option_index, votes FROM poll_tallies ORDER BY option_index"
        )
    assert [row["voters"] for row in totals] == [10]
    assert [(row["option_index"], row["votes"]) for row in tallies] == [(0, 5), (1, 5)]
