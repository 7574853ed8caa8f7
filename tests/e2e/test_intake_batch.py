"""One getUpdates batch mixing plain answers (the direct path) with edits, stickers, commands
and private answers (PTB's handlers): every update is judged in order, as if alone."""

from __future__ import annotations

from pathlib import Path

from bot.render.texts import say
from sandbox.emulator import BotAPIEmulator
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


async def test_a_busy_round_is_tagged_on_two_cores(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """With nlp.helper_process, a batch of answers is shared with the helper process, and every
    answer is stored once with the themes the bot's own tagger gives it."""
    async with start_bot(emulator, tmp_path, nlp={"helper_process": True}) as bot:
        helper = bot.core.helper
        assert helper is not None
        await helper.wait_ready(60)
        group = await bot.register("会展城社区业主群", "会展城社区")
        await bot.command(group, "/ask 2h 小区最需要改进什么？")
        post = round_post_id(bot, group)
        texts = [f"{i}号楼门口停车太乱，垃圾分类点也没人管" for i in range(40)]
        texts += [f"{i}栋电梯经常坏，物业维修太慢" for i in range(40)]
        for i, text in enumerate(texts):
            emulator.send_message(emulator.add_user(f"居民{i}"), group, text, reply_to=post)
        await bot.settle(60)
        assert helper.shared_batches >= 1
        async with bot.core.repo.transaction() as session:
            stored = await session.list_answers(limit=1000)
        assert sorted(a.text for a in stored) == sorted(texts)
        for answer in stored:
            expected = {t.id for t in bot.core.tagger.tag(answer.text)}
            assert expected and {t.theme_id for t in answer.themes} == expected
