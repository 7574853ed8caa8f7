"""The governance index end to end (SPEC §10): /priorities and /rate --indicator rounds in two
communities through the emulator, imported values, then /index and /index post."""

from __future__ import annotations

from pathlib import Path

import pytest

import handlers.index
from bot.core.index.values import period_of
from bot.core.indexing import compute, import_values, load_framework
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat
from tests.bot.web.world import free_port
from tests.harness import RunningBot, start_bot


def _photos(bot: RunningBot, chat_id: int) -> list[dict[str, object]]:
    return [m for m in bot.emulator.messages_to(chat_id) if "photo" in m]


async def test_priorities_and_rating_rounds_feed_the_index_sent_and_posted(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """Votes in a priorities round set each community's weights, a closed /rate --indicator
    round's mean becomes the indicator's value, and /index and /index post show the figures
    worked out by hand here."""
    async with start_bot(emulator, tmp_path, index={"min_coverage": 0.1}) as bot:
        em = bot.emulator
        bihai = await bot.register("碧海社区居民群", "碧海社区")
        huizhan = await bot.register("汇展城业主群", "汇展城社区")
        private = em.private_chat(bot.organiser)

        await bot.command(private, "/priorities all 1h")
        await bot.wait_text(private, lambda t: "第 1 轮征询已开始" in t and "优先事项" in t)
        polls = {p["chat_id"]: p for p in em.polls().values()}
        framework = await load_framework(bot.core)
        names = [p.name_zh for p in framework.principles]
        for poll in polls.values():
            assert [o["text"] for o in poll["options"]] == names
            assert poll["allows_multiple_answers"] is True
            assert poll["question"] == "在下面这些方面中，你最希望社区做好哪几项？（可多选）"
        a, b, c, d = (em.add_user(f"居民{i}") for i in range(4))
        # Options follow the framework: 0 participation, 3 inclusiveness, 4 equity, 9 privacy.
        em.vote_poll(a, polls[bihai.id]["id"], [0, 9])
        em.vote_poll(b, polls[bihai.id]["id"], [0])
        em.vote_poll(c, polls[bihai.id]["id"], [4])
        em.vote_poll(d, polls[huizhan.id]["id"], [3])
        await bot.settle()
        await bot.command(private, "/close 1")

        await bot.command(private, "/rate --indicator housing_satisfaction all 1h 你对住房满意吗？")
        await bot.wait_text(private, lambda t: "第 2 轮征询已开始" in t)
        for group, presses in ((bihai, [(a, 4), (b, 5)]), (huizhan, [(c, 2), (d, 3)])):
            post = next(m for m in em.messages_to(group.id) if "社区评分 #2" in m.get("text", ""))
            for person, value in presses:
                em.press_button(person, group, post["message_id"], f"rate:2:{value}")
        await bot.settle()
        await bot.command(private, "/close 2")

        period = period_of(bot.core.now(), 3, bot.settings.schedule.tz)
        values = (
            "community,indicator,period,value\n"
            f"碧海社区,voice_heard,{period},3.25\n"
            f"碧海社区,data_trust,{period},4.5\n"
            f"汇展城社区,voice_heard,{period},2\n"
            f"汇展城社区,data_trust,{period},3\n"
        ).encode()
        summary = await import_values(bot.core, values, "values.csv")
        assert (summary.rows, summary.periods) == (4, [period])

        result = await compute(bot.core)
        by_name = {c.name: c for c in result.communities}
        first, second = by_name["碧海社区"], by_name["汇展城社区"]
        # 碧海: votes participation 2, privacy 1, equity 1 -> alpha 3, 2, 2 and seven 1s (14).
        assert first.weights["participation"] == pytest.approx(3 / 14)
        assert first.weights["privacy"] == pytest.approx(2 / 14)
        assert first.voters == 3
        # Scores: voice_heard (3.25 - 2) / 2.5 = 50; data_trust 100; housing_satisfaction is
        # the mean rating (4 + 5) / 2 = 4.5 -> 100.
        assert first.indicators["housing_satisfaction"].value == 4.5
        assert first.index == pytest.approx((3 * 50 + 2 * 100 + 2 * 100) / 7)
        # 汇展城: inclusiveness 1 vote (no score); participation 0, privacy 40, equity 2.5 -> 20.
        assert second.indicators["housing_satisfaction"].value == 2.5
        assert second.index == pytest.approx((0 + 40 + 20) / 3)
        assert (first.rank, second.rank) == (1, 2)
        # City weights pool the votes: 3, 2, 2, 2 and six 1s (15).
        assert result.city.weights["participation"] == pytest.approx(3 / 15)

        await bot.command(private, "/index")
        table = await bot.wait_text(private, lambda t: f"治理指数 {period}" in t)
        lines = table.splitlines()
        assert lines[2].split()[:3] == ["1", "碧海社区", "78.6"], table
        assert lines[3].split()[:3] == ["2", "汇展城社区", "20.0"], table
        await em.wait_for(lambda: len(_photos(bot, private.id)) == 2)
        captions = [str(m.get("caption")) for m in _photos(bot, private.id)]
        assert captions[0].startswith("碧海社区") and "排名 1" in captions[0], captions

        await bot.command(private, "/index post")
        await bot.wait_text(private, lambda t: "正在发到 2 个社区群" in t)
        # Sent by the outbox in the background, each group its own scorecard, each once.
        await em.wait_for(lambda: all(_photos(bot, g.id) for g in (bihai, huizhan)))
        await bot.settle()
        async with bot.core.repo.transaction() as session:
            assert await session.list_unsent_index_posts() == []
        for group, name, other in (
            (bihai, "碧海社区", "汇展城社区"),
            (huizhan, "汇展城社区", "碧海社区"),
        ):
            posted = _photos(bot, group.id)
            assert len(posted) == 1
            caption = str(posted[0].get("caption"))
            assert name in caption and other not in caption, caption


async def test_index_commands_refuse_bad_input_and_change_nothing(minyi_bot: RunningBot) -> None:
    """An unknown indicator, a bad period and a resident's /priorities change nothing."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/rate --indicator no_such 1h 打分")
    reply = bot.bot_texts(group)[-1]
    assert "指数框架里没有指标“no_such”" in reply and "/rate [--indicator" in reply, reply
    await bot.command(group, "/rate --indicator 1h 打分")
    assert "--indicator 后面要写指标编号" in bot.bot_texts(group)[-1]
    resident = em.add_user("居民")
    em.add_member(group, resident)
    await bot.command(group, "/priorities 1h", user=resident)
    assert "只有组织者" in bot.bot_texts(group)[-1]
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/index 2025-13")
    assert "统计期“2025-13”应写成" in bot.bot_texts(private)[-1]
    await bot.command(private, "/index")
    assert "还没有指标数值" in bot.bot_texts(private)[-1]
    async with bot.core.repo.transaction() as session:
        assert await session.list_rounds() == []
    assert em.polls() == {}


async def _two_scored_communities(bot: RunningBot) -> tuple[SimChat, SimChat]:
    """碧海 and 汇展城 registered, with values that give both an index this quarter."""
    bihai = await bot.register("碧海社区居民群", "碧海社区")
    huizhan = await bot.register("汇展城业主群", "汇展城社区")
    period = period_of(bot.core.now(), 3, bot.settings.schedule.tz)
    values = (
        "community,indicator,period,value\n"
        f"碧海社区,voice_heard,{period},4\n"
        f"汇展城社区,voice_heard,{period},3\n"
    ).encode()
    await import_values(bot.core, values, "values.csv")
    return bihai, huizhan


async def test_index_post_is_sent_by_the_outbox_and_survives_a_failed_send(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """/index post only stores what each group is owed; the outbox sends it after the commit.
    A send that fails (Telegram's 500) is not retried at once but on the scheduler's next tick,
    and every group ends with its own scorecard exactly once."""
    async with start_bot(emulator, tmp_path, index={"min_coverage": 0.1}) as bot:
        em = bot.emulator
        bihai, huizhan = await _two_scored_communities(bot)
        private = em.private_chat(bot.organiser)
        em.inject_fault("500", method="sendPhoto")
        await bot.command(private, "/index post")
        await bot.wait_text(private, lambda t: "正在发到 2 个社区群" in t)
        await em.wait_for(lambda: all(_photos(bot, g.id) for g in (bihai, huizhan)), 30)
        await bot.settle()
        async with bot.core.repo.transaction() as session:
            assert await session.list_unsent_index_posts() == []
        for group in (bihai, huizhan):
            assert len(_photos(bot, group.id)) == 1
        # Three sendPhoto calls: the failed one and one per group.
        assert len(em.calls_to("sendPhoto")) == 3


async def test_index_post_to_no_group_says_so(minyi_bot: RunningBot) -> None:
    """With values but every group gone, /index post owes nothing and says why."""
    bot = minyi_bot
    bihai, huizhan = await _two_scored_communities(bot)
    for group in (bihai, huizhan):
        bot.emulator.remove_bot_from_group(group, by=bot.organiser)
    await bot.settle()
    private = bot.emulator.private_chat(bot.organiser)
    await bot.command(private, "/index post")
    assert "没有可以发布评分卡的社区群" in bot.bot_texts(private)[-1]
    async with bot.core.repo.transaction() as session:
        assert await session.list_unsent_index_posts() == []


async def test_index_sends_the_leading_scorecards_and_says_where_the_rest_are(
    emulator: BotAPIEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At city scale /index is capped: the table's first rows and the first scorecards, then
    where the whole report is (here the caps are one row and one scorecard, for two
    communities), and the web address when the pages are served."""
    monkeypatch.setattr(handlers.index, "TABLE_ROWS", 1)
    monkeypatch.setattr(handlers.index, "SCORECARDS", 1)
    web = {"listen": f"127.0.0.1:{free_port()}", "public_url": "https://minyi.example.org"}
    async with start_bot(emulator, tmp_path, index={"min_coverage": 0.1}, web=web) as bot:
        await _two_scored_communities(bot)
        private = bot.emulator.private_chat(bot.organiser)
        await bot.command(private, "/index")
        texts = bot.bot_texts(private)
        table = next(t for t in texts if t.startswith("治理指数"))
        assert "碧海社区" in table and "汇展城社区" not in table, table
        assert "另有 1 个社区" in table, table
        assert len(_photos(bot, private.id)) == 1
        assert texts[-1].startswith("以上是排名前 1 个社区的评分卡；全部 2 个社区"), texts[-1]
        assert "https://minyi.example.org/index/" in texts[-1]


async def test_index_lists_and_sends_the_ranked_before_an_unranked_with_a_higher_index(
    emulator: BotAPIEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """碧海 has one indicator (index 100, coverage 1/24 below 6%), 汇展城 two (rank 1): /index
    lists 汇展城 first, then a line saying why the rest have no rank, then 碧海; the one
    scorecard sent (the cap is one) is rank 1's, not the unranked one's."""
    monkeypatch.setattr(handlers.index, "SCORECARDS", 1)
    async with start_bot(emulator, tmp_path, index={"min_coverage": 0.06}) as bot:
        await bot.register("碧海社区居民群", "碧海社区")
        await bot.register("汇展城业主群", "汇展城社区")
        period = period_of(bot.core.now(), 3, bot.settings.schedule.tz)
        values = (
            "community,indicator,period,value\n"
            f"碧海社区,voice_heard,{period},4.5\n"
            f"汇展城社区,voice_heard,{period},3\n"
            f"汇展城社区,data_trust,{period},3\n"
        ).encode()
        await import_values(bot.core, values, "values.csv")
        private = bot.emulator.private_chat(bot.organiser)
        await bot.command(private, "/index")
        table = next(t for t in bot.bot_texts(private) if t.startswith("治理指数"))
        lines = table.splitlines()
        at = [
            next(i for i, line in enumerate(lines) if word in line)
            for word in ("汇展城社区", "未排名：覆盖率低于 6%", "碧海社区")
        ]
        assert at == sorted(at), table
        (photo,) = _photos(bot, private.id)
        assert str(photo.get("caption", "")).startswith("汇展城社区"), photo
