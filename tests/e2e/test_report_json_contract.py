"""`minyi report --json` as SPEC §6 defines it, read after residents voted and answered through
the Bot API: poll and rating shares are of voters (a multiple-answer poll's add up past 100%),
per community and overall, and hidden answers count nowhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.killing import cli, report_json
from tests.harness import SECRET, RunningBot


def config_of(bot: RunningBot) -> Path:
    """A config file for the CLI pointing at the running bot's database."""
    database = Path(bot.settings.storage.url.removeprefix("sqlite:///"))
    config = database.parent / "config.toml"
    config.write_text(
        f'[storage]\nurl = "{bot.settings.storage.url}"\n[privacy]\nsecret = "{SECRET}"\n',
        encoding="utf-8",
    )
    return config


def votes_and_shares(poll: dict[str, Any]) -> list[tuple[str, int, float]]:
    """(option, votes, share) of a ROUND's `poll` object."""
    return [(o["text"], o["votes"], o["share"]) for o in poll["options"]]


async def test_poll_and_rating_shares_are_of_voters_per_community_and_overall(
    minyi_bot: RunningBot,
) -> None:
    """A multiple-answer poll put to two communities: `voters` counts people, each option's
    `share` is its votes over voters; a rating's options are 1–5 with one changeable vote per
    resident."""
    bot = minyi_bot
    em = bot.emulator
    bihai = await bot.register("碧海社区居民群", "碧海社区")
    huizhan = await bot.register("会展城业主群", "会展城社区")
    private = em.private_chat(bot.organiser)
    await bot.command(private, "/poll --multi all 2h 哪些要先做？ | 路灯 | 长椅 | 车棚")
    await bot.command(bihai, "/rate 2h 你给社区服务打几分？")
    poll_of = {p["chat_id"]: p["id"] for p in em.polls().values()}
    a, b, c, d = (em.add_user(f"居民{i}") for i in range(4))
    em.vote_poll(a, poll_of[bihai.id], [0, 1])
    em.vote_poll(b, poll_of[bihai.id], [0])
    em.vote_poll(c, poll_of[bihai.id], [2])
    em.vote_poll(d, poll_of[huizhan.id], [1])
    rating = next(m for m in em.messages_to(bihai.id) if "社区评分 #2" in m.get("text", ""))
    for person, value in ((a, 4), (b, 2), (c, 3), (b, 5)):
        em.press_button(person, bihai, rating["message_id"], f"rate:2:{value}")
    await bot.settle()

    rounds = await report_json(config_of(bot))
    poll = rounds[1]
    assert (poll["kind"], poll["participants"], poll["answers"]) == ("poll", 4, 0)
    assert poll["poll"]["voters"] == 4
    assert votes_and_shares(poll["poll"]) == [("路灯", 2, 0.5), ("长椅", 2, 0.5), ("车棚", 1, 0.25)]
    parts = {p["name"]: p["poll"] for p in poll["per_community"]}
    assert parts["碧海社区"]["voters"] == 3
    shares = [o["share"] for o in parts["碧海社区"]["options"]]
    assert shares == pytest.approx([2 / 3, 1 / 3, 1 / 3])
    assert votes_and_shares(parts["会展城社区"]) == [
        ("路灯", 0, 0),
        ("长椅", 1, 1.0),
        ("车棚", 0, 0),
    ]

    rated = rounds[2]
    assert (rated["kind"], rated["participants"], rated["poll"]["voters"]) == ("rating", 3, 3)
    assert [o["text"] for o in rated["poll"]["options"]] == ["1", "2", "3", "4", "5"]
    assert [o["votes"] for o in rated["poll"]["options"]] == [0, 0, 1, 1, 1]
    assert rated["poll"]["options"][4]["share"] == pytest.approx(1 / 3)


async def test_a_hidden_answer_counts_in_no_figure_of_the_report(minyi_bot: RunningBot) -> None:
    """After /hide, the round's `answers`, `participants`, theme counts and shares (count over
    visible answers), quotes and emerging terms leave the hidden answer out, and the export no
    longer lists it."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 2h 小区最需要改进什么？")
    post = next(m for m in em.messages_to(group.id) if "社区征询 #1" in m.get("text", ""))
    texts = [
        "停车位太少了，晚上找不到车位。",
        "垃圾分类的桶太少，经常满出来。",
        "乱停车堵住消防通道，蓝莓色的共享滑板车也乱放。",
    ]
    for index, text in enumerate(texts):
        em.send_message(em.add_user(f"居民{index}"), group, text, reply_to=post["message_id"])
    await bot.settle()
    config = config_of(bot)
    before = (await report_json(config))[1]
    assert (before["answers"], before["participants"]) == (3, 3)
    assert {t["id"]: t["count"] for t in before["themes"]}["parking"] == 2

    async with bot.core.repo.transaction() as session:
        hidden = next(a.id for a in await session.list_answers() if "滑板车" in a.text)
    await bot.command(em.private_chat(bot.organiser), f"/hide {hidden}")

    after = (await report_json(config))[1]
    assert (after["answers"], after["participants"]) == (2, 2)
    shares = {t["id"]: (t["count"], t["share"]) for t in after["themes"]}
    assert shares["parking"] == (1, 0.5) and shares["waste_sorting"] == (1, 0.5)
    assert all(t["count"] <= after["answers"] for t in after["themes"])
    assert not any("滑板车" in q["text"] for q in after["quotes"])
    assert not any("滑板" in e["term"] or "蓝莓" in e["term"] for e in after["emerging"])
    assert "滑板车" not in await cli(config, "export", "--format", "json")
