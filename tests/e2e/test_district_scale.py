"""A district organiser running forty communities, as they meet Minyi from outside (SPEC §3, §5,
§9): every round command addressed to `all` reaches each of the forty groups exactly once,
within Telegram's flood limits, through 429s, without holding up anyone else's commands, and
every message the bot sends stays inside Telegram's size limits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat
from tests.bot.web.world import free_port
from tests.e2e.test_rounds import shifted_clock
from tests.harness import RunningBot, start_bot

COUNT = 40


def name_of(i: int) -> str:
    """The i-th community's registered name (distinct, realistic lengths)."""
    return f"观山湖区第{i + 1:02d}社区"


def long_name_of(i: int) -> str:
    """The i-th community's name at the longest /community allows (40 characters), with a
    character outside the Basic Multilingual Plane (two UTF-16 units, as Telegram counts)."""
    name = f"贵州省贵阳市观山湖区世纪城街道𠮷龙耀路社区第{i + 1:02d}网格居民议事会"
    return name + "会" * (40 - len(name))


async def register_district(
    bot: RunningBot, count: int = COUNT, naming: Callable[[int], str] = name_of
) -> list[SimChat]:
    """`count` groups, each registered with `/community` by the organiser in one burst."""
    em = bot.emulator
    groups = []
    for i in range(count):
        chat = em.add_group(f"{naming(i)[:20]}居民群")
        em.add_bot_to_group(chat, bot.organiser)
        groups.append(chat)
    for i, chat in enumerate(groups):
        em.send_message(bot.organiser, chat, f"/community {naming(i)}")
        bot.groups[naming(i)] = chat
    await bot.settle(60)
    return groups


def count_in(bot: RunningBot, chat: SimChat, fragment: str) -> int:
    """How many of the bot's messages in `chat` contain `fragment`."""
    return sum(fragment in t for t in bot.bot_texts(chat))


def polls_in(bot: RunningBot, chat: SimChat) -> list[dict[str, object]]:
    """The polls the bot sent to `chat`."""
    return [p for p in bot.emulator.polls().values() if p["chat_id"] == chat.id]


def refused(bot: RunningBot) -> list[str]:
    """Every call Telegram refused for something other than flood control (4xx but 429)."""
    return [
        f"{c.method} {c.error_code}"
        for c in bot.emulator.calls
        if c.error_code is not None and c.error_code != 429 and c.method != "getUpdates"
    ]


async def test_forty_groups_register_each_confirmed_once(minyi_bot: RunningBot) -> None:
    """Forty /community commands sent in one burst: each group is confirmed once, all forty are
    stored, and Telegram's flood limits are never crossed."""
    bot = minyi_bot
    flood = bot.emulator.enable_flood_control()
    groups = await register_district(bot)
    for chat in groups:
        assert len(bot.bot_texts(chat)) == 1, bot.bot_texts(chat)
    async with bot.core.repo.transaction() as session:
        names = {c.name for c in await session.list_communities()}
    assert names == {name_of(i) for i in range(COUNT)}
    assert flood.violations == 0


async def test_every_kind_of_round_reaches_all_forty_groups_once(minyi_bot: RunningBot) -> None:
    """/ask, /poll, /rate and /priorities to `all` from private chat: each group gets each
    round exactly once, the organiser a confirmation per round, and no send is refused."""
    bot = minyi_bot
    em = bot.emulator
    groups = await register_district(bot)
    flood = em.enable_flood_control()
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/ask all 48h 你希望社区怎样改进？")
    await bot.command(private, "/poll all 48h 周末活动选哪天？ | 周六 | 周日")
    await bot.command(private, "/rate all 48h 你对社区卫生满意吗？")
    await bot.command(private, "/priorities all 48h")
    await bot.settle(120)
    for chat in groups:
        assert count_in(bot, chat, "你希望社区怎样改进") == 1, bot.bot_texts(chat)
        assert count_in(bot, chat, "你对社区卫生满意吗") == 1, bot.bot_texts(chat)
        assert len(polls_in(bot, chat)) == 2
    confirmations = bot.bot_texts(private)
    assert len(confirmations) == 4, confirmations
    assert flood.violations == 0
    assert refused(bot) == []


async def test_a_429_midway_through_a_broadcast_drops_and_duplicates_nothing(
    minyi_bot: RunningBot,
) -> None:
    """Telegram answers 429 for groups 10, 20 and 30 mid-way through `/ask all` and `/poll
    all`: every group still gets each round exactly once."""
    bot = minyi_bot
    em = bot.emulator
    groups = await register_district(bot)
    for i in (10, 20, 30):
        em.inject_fault("429", method="sendMessage", retry_after=1, chat_id=groups[i].id)
        em.inject_fault("429", method="sendPoll", retry_after=1, chat_id=groups[i].id)
    em.inject_fault("429", method="sendMessage", retry_after=1, count=3)
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/ask all 48h 你希望社区怎样改进？")
    await bot.command(private, "/poll all 48h 周末活动选哪天？ | 周六 | 周日")
    await em.wait_for(lambda: all(polls_in(bot, g) for g in groups), 60)
    await em.wait_for(lambda: all(count_in(bot, g, "你希望社区怎样改进") for g in groups), 60)
    await bot.settle(60)
    for chat in groups:
        assert count_in(bot, chat, "你希望社区怎样改进") == 1, bot.bot_texts(chat)
        assert len(polls_in(bot, chat)) == 1
    assert Counter(c.error_code for c in em.calls)[429] >= 6


async def test_a_round_scheduled_for_all_opens_in_every_group_once(minyi_bot: RunningBot) -> None:
    """`/schedule all` a minute ahead; when the (injected) clock passes it, all forty groups
    get the question exactly once."""
    bot = minyi_bot
    em = bot.emulator
    groups = await register_district(bot)
    flood = em.enable_flood_control()
    private = em.private_chat(bot.organiser)
    when = (bot.core.now() + timedelta(minutes=1)).astimezone(bot.settings.schedule.tz)
    await bot.command(private, f"/schedule all {when:%Y-%m-%d %H:%M} 1h 下个月社区活动有什么建议？")
    assert not any(count_in(bot, g, "下个月社区活动") for g in groups)
    bot.core.clock = shifted_clock(bot.core.now() + timedelta(minutes=2))
    await em.wait_for(lambda: all(count_in(bot, g, "下个月社区活动") for g in groups), 60)
    await bot.settle(60)
    for chat in groups:
        assert count_in(bot, chat, "下个月社区活动") == 1, bot.bot_texts(chat)
    assert flood.violations == 0


async def test_rounds_lists_forty_communities_within_one_message_limit(
    minyi_bot: RunningBot,
) -> None:
    """With ten rounds to all forty communities and one round in each community, /rounds in
    private is answered (nothing refused for length) and names every round id."""
    bot = minyi_bot
    em = bot.emulator
    groups = await register_district(bot)
    private = em.private_chat(bot.organiser)
    for n in range(10):
        await bot.command(private, f"/ask all 48h 第{n}个问题：你希望社区怎样改进？")
    for i in range(COUNT):
        await bot.command(private, f"/ask {name_of(i)} 48h 本社区的停车问题怎么解决？")
    await bot.settle(120)
    mark = len(bot.bot_texts(private))
    await bot.command(private, "/rounds")
    listing = "\n".join(bot.bot_texts(private)[mark:])
    assert listing, "no answer to /rounds"
    assert refused(bot) == []
    for round_id in range(1, 10 + COUNT + 1):
        assert f"#{round_id}" in listing, (round_id, listing[:500])
    for chat in groups[:1]:
        mark = len(bot.bot_texts(chat))
        await bot.command(chat, "/rounds")
        assert bot.bot_texts(chat)[mark:], "no answer to /rounds in a group"


PIECES = (
    "小区停车位太少，晚上回来经常找不到车位",
    "希望物业公开维修基金的使用情况",
    "垃圾分类点的气味很大，夏天尤其严重",
    "老人不会用手机预约挂号，社区能不能帮忙",
    "广场舞的音乐太吵，影响孩子休息",
    "楼道里堆放杂物，存在消防隐患",
    "希望多开展居民议事会，让大家都能参与",
    "公交站离小区太远，上下班不方便",
)


async def seed_answers(bot: RunningBot, round_id: int, per_community: int) -> int:
    """Store `per_community` tagged answers from distinct residents in each community of
    `round_id` (as if residents had replied); return how many were stored."""
    from tests.seeding import add_tagged_answer

    stored = 0
    now = bot.core.now()
    async with bot.core.repo.transaction() as session:
        communities = await session.list_communities()
        for community in communities:
            for k in range(per_community):
                text = f"{PIECES[k % len(PIECES)]}，{PIECES[(k * 3 + community.id) % len(PIECES)]}"
                answer_id = await add_tagged_answer(
                    bot.core,
                    session,
                    round_id,
                    community.id,
                    resident=f"c{community.id}r{k}",
                    source=f"g:{community.chat_id}:{round_id}:{k}",
                    text=text,
                    at=now,
                    hashed=f"{text}{community.id}-{k}",
                )
                stored += answer_id is not None
    return stored


async def test_closing_a_poll_in_forty_groups_stops_each_and_reports_once(
    minyi_bot: RunningBot,
) -> None:
    """/close of a poll round posted in forty groups stops each group's poll once, posts one
    summary in each group and sends the organiser one report, every message inside Telegram's
    limits and within its flood limits."""
    bot = minyi_bot
    em = bot.emulator
    groups = await register_district(bot)
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/poll all 48h 周末活动选哪天？ | 周六 | 周日")
    await bot.settle(60)
    voters = [em.add_user(f"居民{i}") for i in range(3)]
    for chat in groups:
        (poll,) = polls_in(bot, chat)
        for j, person in enumerate(voters):
            em.vote_poll(person, str(poll["id"]), [j % 2])
    await bot.settle(60)
    flood = em.enable_flood_control()
    mark = len(bot.bot_texts(private))
    await bot.command(private, "/close 1")
    await em.wait_for(lambda: all(count_in(bot, g, "已结束") for g in groups), 60)
    await bot.settle(60)
    stopped = Counter(str(c.params.get("chat_id")) for c in em.calls_to("stopPoll") if c.ok)
    assert sorted(stopped.values()) == [1] * COUNT, stopped
    for chat in groups:
        assert count_in(bot, chat, "已结束") == 1, bot.bot_texts(chat)
    report = bot.bot_texts(private)[mark:]
    assert report, "the organiser got no report"
    assert sum("周末活动选哪天" in t for t in report) >= 1, report
    assert flood.violations == 0
    assert refused(bot) == []


async def test_a_slow_group_at_closing_holds_up_no_other_group(minyi_bot: RunningBot) -> None:
    """Telegram makes the bot wait 10 s before anything more in group 0 when a round in forty
    groups is closed: the other 39 groups get their summaries, and a resident's /help is
    answered, before group 0's summary goes out; group 0's is not lost."""
    bot = minyi_bot
    em = bot.emulator
    groups = await register_district(bot)
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/ask all 48h 你希望社区怎样改进？")
    await bot.settle(60)
    em.inject_fault("429", retry_after=10, chat_id=groups[0].id)
    em.send_message(bot.organiser, private, "/close 1")
    await em.wait_for(lambda: any(c.error_code == 429 for c in em.calls), 30)
    resident = em.add_user("居民")
    resident_chat = em.private_chat(resident)
    em.send_message(resident, resident_chat, "/help")
    await em.wait_for(lambda: all(count_in(bot, g, "已结束") for g in groups[1:]), 60)
    await bot.wait_text(resident_chat, lambda t: "/privacy" in t, timeout=60)
    assert not count_in(bot, groups[0], "已结束"), "everyone waited for group 0"
    await em.wait_for(lambda: count_in(bot, groups[0], "已结束") == 1, 90)


async def test_report_export_and_digest_over_forty_communities_and_thousands_of_answers(
    minyi_bot: RunningBot,
) -> None:
    """A text round in forty communities with 3,200 stored answers: /report, /export and
    /digest in private each answer, split within Telegram's limits (nothing refused), and the
    export holds every answer once."""
    bot = minyi_bot
    em = bot.emulator
    await register_district(bot)
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/ask all 48h 你希望社区怎样改进？")
    await bot.settle(60)
    assert await seed_answers(bot, 1, 80) == COUNT * 80
    mark = len(em.messages_to(private.id))
    await bot.command(private, "/report 1")
    report = [m.get("text", "") for m in em.messages_to(private.id)[mark:]]
    assert report and any("你希望社区怎样改进" in t for t in report), report
    assert any("3200" in t or "3,200" in t for t in report), report[:1]
    mark = len(em.messages_to(private.id))
    await bot.command(private, "/export 1")
    docs = [m for m in em.messages_to(private.id)[mark:] if "document" in m]
    assert len(docs) == 1, em.messages_to(private.id)[mark:]
    csv_text = em.file_bytes(docs[0]["document"]["file_id"]).decode("utf-8-sig")
    assert len(csv_text.strip().splitlines()) == COUNT * 80 + 1
    mark = len(em.messages_to(private.id))
    await bot.command(private, "/digest")
    digest = em.messages_to(private.id)[mark:]
    assert any("photo" in m for m in digest), digest
    assert any("document" in m for m in digest), digest
    assert refused(bot) == []


async def import_district_values(bot: RunningBot) -> str:
    """Every indicator of the shipped framework valued for each of the forty communities in
    this quarter (imported as `minyi index import` does); return the period."""
    from bot.core.index.values import period_of
    from bot.core.indexing import import_values, load_framework

    framework = await load_framework(bot.core)
    period = period_of(bot.core.now(), 3, bot.settings.schedule.tz)
    rows = ["community,indicator,period,value"]
    for i in range(COUNT):
        for k, indicator in enumerate(framework.indicators):
            low, high = sorted((indicator.threshold, indicator.target))
            value = low + (high - low) * ((i * 7 + k * 3) % 11) / 10
            rows.append(f"{name_of(i)},{indicator.id},{period},{value:.2f}")
    await import_values(bot.core, ("\n".join(rows) + "\n").encode(), "values.csv")
    return period


async def test_index_and_index_post_with_forty_communities(minyi_bot: RunningBot) -> None:
    """/index in private answers with the city table and every community's scorecard inside
    Telegram's limits; /index post gives each of the forty groups its own scorecard once,
    through a 429 mid-way, within the flood limits."""
    bot = minyi_bot
    em = bot.emulator
    groups = await register_district(bot)
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/priorities all 1h")
    await bot.settle(60)
    await bot.command(private, "/close 1")
    await bot.settle(60)
    period = await import_district_values(bot)
    mark = len(em.messages_to(private.id))
    await bot.command(private, "/index")
    await bot.settle(60)
    sent = em.messages_to(private.id)[mark:]
    table = "\n".join(m.get("text", "") for m in sent)
    assert f"治理指数 {period}" in table, sent[:2]
    for i in range(COUNT):
        assert name_of(i) in table, name_of(i)
    assert refused(bot) == []
    flood = em.enable_flood_control()
    em.inject_fault("429", method="sendPhoto", retry_after=1, chat_id=groups[20].id)
    await bot.command(private, "/index post")
    await em.wait_for(lambda: all(photos(bot, g) for g in groups), 90)
    await bot.settle(60)
    for i, chat in enumerate(groups):
        posted = photos(bot, chat)
        assert len(posted) == 1, (i, posted)
        assert name_of(i) in str(posted[0].get("caption")), posted[0].get("caption")
    assert flood.violations == 0
    assert refused(bot) == []


def photos(bot: RunningBot, chat: SimChat) -> list[dict[str, object]]:
    """The photos the bot sent to `chat`."""
    return [m for m in bot.emulator.messages_to(chat.id) if "photo" in m]


async def test_an_organisers_forty_cards_hold_up_no_resident(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """/qr for a round in forty communities sends the organiser a card per community (albums
    of ten, which count as ten messages each towards Telegram's 30 a second, so the last one
    waits about a second); a resident's /help sent just after is answered before the last
    card goes out, and every card arrives once, its caption inside Telegram's limit."""
    port = free_port()
    web = {"listen": f"127.0.0.1:{port}", "public_url": f"http://127.0.0.1:{port}"}
    async with start_bot(emulator, tmp_path, web=web) as bot:
        em = bot.emulator
        await register_district(bot)
        private = em.private_chat(bot.organiser)
        await bot.command(private, "/ask all 48h 你希望社区怎样改进？")
        await bot.settle(60)
        resident = em.add_user("居民")
        resident_chat = em.private_chat(resident)
        em.enable_flood_control()
        mark = len(em.messages_to(private.id))
        em.send_message(bot.organiser, private, "/qr 1")
        await em.wait_for(lambda: len(em.messages_to(private.id)) > mark, 60)
        em.send_message(resident, resident_chat, "/help")
        await bot.wait_text(resident_chat, lambda t: "/privacy" in t, timeout=60)
        cards_then = len(em.messages_to(private.id)) - mark
        await bot.settle(60)
        cards = em.messages_to(private.id)[mark:]
        assert cards_then < len(cards), "the resident's /help waited for all forty cards"
        captions = [str(m.get("caption", "")) for m in cards if "document" in m]
        for i in range(COUNT):
            assert sum(name_of(i) in c for c in captions) == 1, name_of(i)
        assert refused(bot) == []


async def test_a_resident_is_answered_while_four_rounds_go_to_forty_groups(
    minyi_bot: RunningBot,
) -> None:
    """Four rounds to all forty groups owe 160 posts (over five seconds at Telegram's 30 a
    second); a resident's /help sent meanwhile is answered before the last post goes out."""
    bot = minyi_bot
    em = bot.emulator
    groups = await register_district(bot)
    em.enable_flood_control()
    private = em.private_chat(bot.organiser)
    for n in range(4):
        em.send_message(bot.organiser, private, f"/ask all 48h 第{n}个问题：社区怎样改进？")
    await em.wait_for(lambda: any(count_in(bot, g, "第0个问题") for g in groups), 60)
    resident = em.add_user("居民")
    resident_chat = em.private_chat(resident)
    em.send_message(resident, resident_chat, "/help")
    await bot.wait_text(resident_chat, lambda t: "/privacy" in t, timeout=60)
    done = sum(count_in(bot, g, "个问题：社区怎样改进") for g in groups)
    await bot.settle(90)
    assert done < 4 * COUNT, "the resident's /help waited for every round post"
    for chat in groups:
        for n in range(4):
            assert count_in(bot, chat, f"第{n}个问题") == 1, bot.bot_texts(chat)


async def test_faults_midway_through_closing_forty_groups_lose_and_repeat_nothing(
    minyi_bot: RunningBot,
) -> None:
    """Closing a poll in forty groups meets a 429 on one group's stopPoll, a dropped
    connection and a 500 on other groups' summaries: every poll is stopped once, every group
    gets one summary, and the organiser one report that counts every group's votes."""
    bot = minyi_bot
    em = bot.emulator
    groups = await register_district(bot)
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/poll all 48h 周末活动选哪天？ | 周六 | 周日")
    await bot.settle(60)
    for i, chat in enumerate(groups):
        (poll,) = polls_in(bot, chat)
        for k in range(2):
            person = em.add_user(f"居民{i}-{k}")
            em.add_member(chat, person)
            em.vote_poll(person, str(poll["id"]), [1])
    await bot.settle(60)
    em.inject_fault("429", method="stopPoll", retry_after=1, chat_id=groups[20].id)
    em.inject_fault("drop", method="sendMessage", chat_id=groups[25].id)
    em.inject_fault("500", method="sendMessage", chat_id=groups[30].id)
    mark = len(bot.bot_texts(private))
    await bot.command(private, "/close 1")
    await em.wait_for(lambda: all(count_in(bot, g, "已结束") for g in groups), 60)
    await em.wait_for(lambda: any("征询报告 #1" in t for t in bot.bot_texts(private)[mark:]), 60)
    await bot.settle(60)
    stopped = Counter(str(c.params.get("chat_id")) for c in em.calls_to("stopPoll") if c.ok)
    assert sorted(stopped.values()) == [1] * COUNT, stopped
    for chat in groups:
        assert count_in(bot, chat, "已结束") == 1, bot.bot_texts(chat)
    report = "\n".join(bot.bot_texts(private)[mark:])
    assert report.count("征询报告 #1") == 1, report
    assert "没有人投票" not in report, report
    assert "投票人数：80" in report, report[:600]


async def test_forty_communities_with_the_longest_names_fit_every_message(
    minyi_bot: RunningBot,
) -> None:
    """Forty communities named at the 40-character limit: the /ask confirmation, /rounds, the
    report of /report and /close, and every group's summary are sent whole (split where
    needed, nothing refused for length), and the report names every community."""
    bot = minyi_bot
    em = bot.emulator
    groups = await register_district(bot, naming=long_name_of)
    async with bot.core.repo.transaction() as session:
        assert len(await session.list_communities()) == COUNT
    private = em.private_chat(bot.organiser)
    for n in range(3):
        await bot.command(private, f"/ask all 48h 第{n}个问题：你希望社区怎样改进？")
    await bot.settle(60)
    await seed_answers(bot, 1, 30)
    for command in ("/rounds", "/report 1", "/close 1"):
        mark = len(bot.bot_texts(private))
        await bot.command(private, command)
        await bot.settle(60)
        sent = "\n".join(bot.bot_texts(private)[mark:])
        assert sent, command
        if command != "/rounds":
            for i in range(COUNT):
                assert long_name_of(i) in sent, (command, i)
    await em.wait_for(lambda: all(count_in(bot, g, "已结束") for g in groups), 60)
    assert refused(bot) == []


async def test_the_web_index_page_shows_forty_communities(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """With values for forty communities the public /index/ page lists every one, and each
    /index/<n> from 1 to 40 is that community's scorecard; /index/41 is not found; the page
    goes compressed to a browser that accepts it."""
    import aiohttp

    port = free_port()
    web = {"listen": f"127.0.0.1:{port}", "public_url": f"http://127.0.0.1:{port}"}
    async with start_bot(emulator, tmp_path, web=web) as bot:
        await register_district(bot)
        await import_district_values(bot)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/index/") as response:
                assert response.status == 200
                page = await response.text()
            for i in range(COUNT):
                assert name_of(i) in page, name_of(i)
            seen = set()
            for number in range(1, COUNT + 1):
                async with http.get(f"http://127.0.0.1:{port}/index/{number}") as response:
                    assert response.status == 200, number
                    card = await response.text()
                seen |= {i for i in range(COUNT) if name_of(i) in card}
            assert seen == set(range(COUNT))
            async with http.get(f"http://127.0.0.1:{port}/index/{COUNT + 1}") as response:
                assert response.status == 404
        # A phone on a mobile network fetches the whole report compressed (679 KB plain).
        async with (
            aiohttp.ClientSession(auto_decompress=False) as raw,
            raw.get(f"http://127.0.0.1:{port}/index/", headers={"Accept-Encoding": "gzip"}) as got,
        ):
            assert got.headers.get("Content-Encoding") == "gzip"
            assert "Accept-Encoding" in got.headers.get("Vary", "")
            assert len(await got.read()) < len(page.encode()) // 10


async def test_rounds_to_forty_communities_are_listed_one_short_line_each(
    minyi_bot: RunningBot,
) -> None:
    """Ten rounds to all forty communities: /rounds in private answers in one message, each
    round on one short line saying it went to 40 communities (naming a few), not a wall of
    forty names per round that buries the ids; /rounds <community> still filters."""
    bot = minyi_bot
    await register_district(bot, naming=long_name_of)
    private = bot.emulator.private_chat(bot.organiser)
    for n in range(10):
        await bot.command(private, f"/ask all 48h 第{n}个问题：你希望社区怎样改进？")
    mark = len(bot.bot_texts(private))
    await bot.command(private, "/rounds")
    replies = bot.bot_texts(private)[mark:]
    assert len(replies) == 1, [len(r) for r in replies]
    lines = replies[0].split("\n")[1:]
    assert len(lines) == 10
    for line in lines:
        assert "40 个社区" in line and long_name_of(0) in line, line
        assert len(line) < 300, line
    mark = len(bot.bot_texts(private))
    await bot.command(private, f"/rounds {long_name_of(39)}")
    assert len(bot.bot_texts(private)[mark:][0].split("\n")) == 11


async def test_forty_rounds_closing_by_the_clock_each_summarised_once(
    minyi_bot: RunningBot,
) -> None:
    """A round in forty groups whose time runs out (the injected clock passes its end) is
    summarised once in every group, with one report to the organiser, within the flood
    limits."""
    bot = minyi_bot
    em = bot.emulator
    groups = await register_district(bot)
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/rate all 1h 你对社区卫生满意吗？")
    await bot.settle(60)
    flood = em.enable_flood_control()
    mark = len(bot.bot_texts(private))
    async with bot.core.repo.transaction() as session:
        (round_,) = await session.list_rounds()
    bot.core.clock = shifted_clock(round_.closes_at + timedelta(seconds=1))
    await em.wait_for(lambda: all(count_in(bot, g, "已结束") for g in groups), 60)
    await em.wait_for(lambda: any("征询报告 #1" in t for t in bot.bot_texts(private)), 60)
    await bot.settle(60)
    for chat in groups:
        assert count_in(bot, chat, "已结束") == 1, bot.bot_texts(chat)
    assert "\n".join(bot.bot_texts(private)[mark:]).count("征询报告 #1") == 1
    assert flood.violations == 0


async def test_a_429_among_forty_cards_loses_and_repeats_none(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """Telegram answers 429 to the organiser's second album of /qr cards (cards 11 to 20):
    all forty cards still arrive, each once."""
    port = free_port()
    web = {"listen": f"127.0.0.1:{port}", "public_url": f"http://127.0.0.1:{port}"}
    async with start_bot(emulator, tmp_path, web=web) as bot:
        em = bot.emulator
        await register_district(bot)
        private = em.private_chat(bot.organiser)
        await bot.command(private, "/ask all 48h 你希望社区怎样改进？")
        await bot.settle(60)
        mark = len(em.messages_to(private.id))
        em.send_message(bot.organiser, private, "/qr 1")

        def cards() -> list[str]:
            sent = em.messages_to(private.id)[mark:]
            return [str(m.get("caption", "")) for m in sent if "document" in m]

        await em.wait_for(lambda: len(cards()) >= 10, 60)
        em.inject_fault("429", method="sendMediaGroup", retry_after=1, chat_id=private.id)
        await em.wait_for(lambda: len(cards()) >= COUNT, 60)
        await bot.settle(60)
        for i in range(COUNT):
            assert sum(name_of(i) in c for c in cards()) == 1, name_of(i)
        assert any(c.error_code == 429 for c in em.calls_to("sendMediaGroup"))


async def test_a_slow_group_holds_up_no_other_groups_scorecard(minyi_bot: RunningBot) -> None:
    """/index post to forty groups while Telegram makes the bot wait 10 s in group 0: the
    next group gets its scorecard before group 0 does, and every group gets its own once."""
    bot = minyi_bot
    em = bot.emulator
    groups = await register_district(bot)
    await import_district_values(bot)
    private = em.private_chat(bot.organiser)
    em.inject_fault("429", method="sendPhoto", retry_after=10, chat_id=groups[0].id)
    em.send_message(bot.organiser, private, "/index post")
    await em.wait_for(lambda: all(photos(bot, g) for g in groups), 120)
    await bot.settle(60)
    assert all(len(photos(bot, g)) == 1 for g in groups)
    order = [str(c.params.get("chat_id")) for c in em.calls_to("sendPhoto") if c.ok]
    assert order.index(str(groups[1].id)) < order.index(str(groups[0].id)), (
        "the other groups waited for group 0"
    )


async def test_the_organisers_private_confirmation_waits_for_no_group(
    minyi_bot: RunningBot,
) -> None:
    """Four rounds sent to all forty groups from private chat: the organiser's first "round
    opened" comes before the last of the 160 posts (the question-first order matters only in
    the group that asked, not in private chat)."""
    bot = minyi_bot
    em = bot.emulator
    groups = await register_district(bot)
    em.enable_flood_control()
    private = em.private_chat(bot.organiser)
    for n in range(4):
        em.send_message(bot.organiser, private, f"/ask all 48h 第{n}个问题：社区怎样改进？")
    await bot.wait_text(private, lambda t: "第 1 轮征询已开始" in t, timeout=60)
    done = sum(count_in(bot, g, "个问题：社区怎样改进") for g in groups)
    await bot.settle(90)
    assert done < 4 * COUNT, "the organiser's confirmation waited for every round post"
    assert len(bot.bot_texts(private)) == 4


async def test_closing_a_big_round_in_forty_groups_holds_up_no_resident(
    minyi_bot: RunningBot,
) -> None:
    """Closing a text round of 6,400 answers in forty groups: a resident's /help sent as the
    first summary goes out is answered before the last group's summary (every group's summary
    built the whole report again, 41 builds, holding the bot up for all of them)."""
    bot = minyi_bot
    em = bot.emulator
    groups = await register_district(bot)
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/ask all 48h 你希望社区怎样改进？")
    await bot.settle(60)
    await seed_answers(bot, 1, 160)
    resident = em.add_user("居民")
    resident_chat = em.private_chat(resident)
    em.send_message(bot.organiser, private, "/close 1")
    await em.wait_for(lambda: any(count_in(bot, g, "已结束") for g in groups), 60)
    em.send_message(resident, resident_chat, "/help")
    await bot.wait_text(resident_chat, lambda t: "/privacy" in t, timeout=60)
    summarised = sum(count_in(bot, g, "已结束") for g in groups)
    await bot.settle(60)
    assert summarised < COUNT, "the resident's /help waited for every group's summary"
    for chat in groups:
        assert count_in(bot, chat, "已结束") == 1


async def test_forty_reminders_go_out_once_each_when_the_clock_reaches_them(
    minyi_bot: RunningBot,
) -> None:
    """A 48-hour round in forty groups: when the (injected) clock passes the reminder time,
    each group is reminded once, within the flood limits, and nothing else is posted."""
    bot = minyi_bot
    em = bot.emulator
    groups = await register_district(bot)
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/ask all 48h 你希望社区怎样改进？")
    await bot.settle(60)
    flood = em.enable_flood_control()
    before = {g.id: len(bot.bot_texts(g)) for g in groups}
    bot.core.clock = shifted_clock(bot.core.now() + timedelta(hours=25))
    await em.wait_for(lambda: all(count_in(bot, g, "⏰") for g in groups), 60)
    await bot.settle(60)
    for chat in groups:
        assert bot.bot_texts(chat)[before[chat.id] :] == [
            t for t in bot.bot_texts(chat) if "⏰" in t
        ]
        assert count_in(bot, chat, "⏰") == 1
    assert flood.violations == 0
