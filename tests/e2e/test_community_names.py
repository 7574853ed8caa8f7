"""An organiser names communities in private chat as they type them (SPEC §3): a name in
Simplified characters finds the community registered in Traditional ones, case does not
matter, a name that is a prefix of another finds only itself, and names a private command could
not tell apart are refused at registration."""

from __future__ import annotations

from tests.e2e.test_roles_scope import UNCAPPED
from tests.harness import RunningBot


async def _round_communities(bot: RunningBot) -> list[list[str]]:
    """Each round's community names, by round id."""
    async with bot.core.repo.transaction() as session:
        rounds = sorted(await session.list_rounds(), key=lambda r: r.id)
        return [[c.name for c in await session.list_round_communities(r.id)] for r in rounds]


async def test_a_name_typed_in_simplified_or_another_case_finds_its_community(
    minyi_bot: RunningBot,
) -> None:
    """會展城社區 typed 会展城社区, SunnyBay typed sunnybay: each round goes to that community
    alone; 碧海 and 碧海社区 each find only themselves; 碧 finds none."""
    bot = minyi_bot
    for title, name in [("碧海群", "碧海"), ("碧海社区群", "碧海社区")]:
        await bot.register(title, name)
    await bot.register("Sunny Bay group", "SunnyBay")
    await bot.register("會展城群", "會展城社區")
    private = bot.emulator.private_chat(bot.organiser)

    for text in [
        "/ask 会展城社区 1h 简体名？",
        "/ask sunnybay 1h 小写？",
        "/ask 碧海 1h 前缀？",
        "/ask 碧海社区 1h 全名？",
        "/ask ａｌｌ 1h 全角？",
    ]:
        await bot.command(private, text)
    await bot.command(private, "/ask 碧 1h 不存在？")

    every = ["SunnyBay", "會展城社區", "碧海", "碧海社区"]
    assert await _round_communities(bot) == [
        ["會展城社區"],
        ["SunnyBay"],
        ["碧海"],
        ["碧海社区"],
        every,
    ]
    assert bot.bot_texts(private)[-1].startswith("找不到社区“碧”")


async def test_names_only_script_or_case_apart_are_refused_at_registration(
    minyi_bot: RunningBot,
) -> None:
    """Registering 会展城社区 while another group is 會展城社區 (or sunnybay beside SunnyBay)
    is refused with the other's name, so that no private command is ever ambiguous; the
    community itself may change its name's script."""
    bot = minyi_bot
    bot.app.bot_data.replies.set_cap(UNCAPPED)
    hui = await bot.register("會展城群", "會展城社區")
    await bot.register("Sunny Bay group", "SunnyBay")
    other = bot.emulator.add_group("另一个群")
    bot.emulator.add_bot_to_group(other, bot.organiser)

    for text in ("/community 会展城社区", "/community sunnybay", "/community ａｌｌ"):
        await bot.command(other, text)
    await bot.command(hui, "/community 会展城社区")

    replies = bot.bot_texts(other)
    assert "會展城社區" in replies[0] and "繁简" in replies[0], replies
    assert "SunnyBay" in replies[1], replies
    assert "社区名称" in replies[2], replies
    async with bot.core.repo.transaction() as session:
        names = sorted(c.name for c in await session.list_communities())
    assert names == ["SunnyBay", "会展城社区"]


async def test_names_registered_alike_before_are_reported_as_ambiguous(
    minyi_bot: RunningBot,
) -> None:
    """Two communities stored before names were kept apart (Bihai and BIHAI): `/ask bihai`
    names both and opens nothing; the exact name still works."""
    bot = minyi_bot
    async with bot.core.repo.transaction() as session:
        await session.set_community(-501, "Bihai", bot.core.now())
        await session.set_community(-502, "BIHAI", bot.core.now())
    private = bot.emulator.private_chat(bot.organiser)

    await bot.command(private, "/ask bihai 1h 哪一个？")
    assert "BIHAI" in bot.bot_texts(private)[-1] and "Bihai" in bot.bot_texts(private)[-1]
    assert await _round_communities(bot) == []
    await bot.command(private, "/ask BIHAI 1h 这一个")
    assert await _round_communities(bot) == [["BIHAI"]]


async def test_before_any_community_the_organiser_is_told_how_to_register_one(
    minyi_bot: RunningBot,
) -> None:
    """The first private /ask, by name or `all`, says no community is registered yet and how to
    register one (it said 找不到社区“all”。已登记的社区：—), in the organiser's language."""
    bot = minyi_bot
    english = bot.emulator.add_user("Organiser EN", language_code="en-US")
    bot.settings.roles.organisers.append(english.id)
    private = bot.emulator.private_chat(bot.organiser)

    await bot.command(private, "/ask all 1h 问题？")
    await bot.command(private, "/poll 碧海社区 1h 问题？ | 甲 | 乙")
    await bot.command(bot.emulator.private_chat(english), "/ask all 1h Question?", user=english)

    replies = bot.bot_texts(private)
    assert len(replies) == 2 and all(
        "还没有登记任何社区" in t and "/community" in t for t in replies
    )
    (english_reply,) = bot.bot_texts(bot.emulator.private_chat(english))
    assert english_reply.startswith("No community is registered yet")


async def test_a_private_question_without_a_community_says_to_name_one_first(
    minyi_bot: RunningBot,
) -> None:
    """In private chat a question sent alone (`/ask 你觉得停车怎么样？`) is read as a community
    name: the organiser is told that a community's name (or `all`) comes first, with the names
    registered, by /ask, /poll, /rate, /priorities and /schedule alike; a community named alone
    is still told that the question is missing."""
    bot = minyi_bot
    await bot.register("碧海社区居民群", "碧海社区")
    await bot.register("会展城业主群", "会展城")
    private = bot.emulator.private_chat(bot.organiser)
    for text in (
        "/ask 你觉得停车怎么样？",
        "/poll 你觉得停车怎么样？|好|不好",
        "/rate 你觉得停车怎么样？",
        "/priorities 你觉得最该先做什么？",
        "/schedule 你觉得停车怎么样？",
    ):
        await bot.command(private, text)
        said = bot.bot_texts(private)[-1]
        assert "先写社区名称" in said and "碧海社区" in said and "会展城" in said, (text, said)
        assert "缺少问题" not in said, said
    await bot.command(private, "/ask 碧海社区")
    assert "缺少问题" in bot.bot_texts(private)[-1]
    async with bot.core.repo.transaction() as session:
        assert await session.list_rounds() == []
