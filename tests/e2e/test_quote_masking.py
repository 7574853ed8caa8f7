"""A quote shown to others masks the resident's address and the names in it; the organisers'
export keeps the answer as stored (README "Known limits", nlp/mask.py)."""

from __future__ import annotations

from bot.core.index.values import period_of
from bot.core.indexing import community_voices, compute, import_values
from bot.core.reports import build_round_report
from tests.e2e.test_privacy import ask_in_a_new_group, export_csv
from tests.harness import RunningBot

# Written for this test: every answer is about the property management (物业), so all three are
# quoted under the top theme.
ANSWERS = [
    "我家住8栋2单元1102，楼上天天漏水，物业管理一直不来修",
    "物业的王经理从来不接电话，物业管理太差",
    "物业管理费太贵了，服务还很差",
]
SHOWN = [
    "我家住[门牌]，楼上天天漏水，物业管理一直不来修",
    "物业的[姓名]从来不接电话，物业管理太差",
    "物业管理费太贵了，服务还很差",
]


async def answered(bot: RunningBot) -> None:
    """One round in 碧海社区, each answer from its own resident."""
    group, post = await ask_in_a_new_group(bot, "/ask 1h 小区物业有什么问题？")
    for index, text in enumerate(ANSWERS):
        resident = bot.emulator.add_user(f"居民{index}")
        bot.emulator.send_message(resident, group, text, reply_to=post["message_id"])
    await bot.settle()


async def test_report_quotes_are_masked_and_the_export_keeps_the_text(
    minyi_bot: RunningBot,
) -> None:
    """/report quotes "我家住[门牌]…" and "物业的[姓名]…", never the room number or the
    manager's name, while /export still holds the answers as the residents wrote them."""
    bot = minyi_bot
    await answered(bot)
    group = bot.groups["碧海社区"]
    await bot.command(group, "/report 1")
    report = await bot.wait_text(group, lambda t: "征询报告" in t and "居民原话" in t)
    for shown in SHOWN:
        assert shown in report, report
    assert "1102" not in report and "王经理" not in report, report

    exported = await export_csv(bot, group)
    for text in ANSWERS:
        assert text in exported, exported
    async with bot.core.repo.transaction() as session:
        stored = sorted(a.text for a in await session.list_answers())
    assert stored == sorted(ANSWERS)


async def test_report_json_quotes_are_masked(minyi_bot: RunningBot) -> None:
    """The report model behind `minyi report --json` and the digest carries the masked quotes."""
    bot = minyi_bot
    await answered(bot)
    report = await build_round_report(bot.core, 1)
    assert report is not None
    assert sorted(q.text for q in report.quotes) == sorted(SHOWN)


async def test_index_voices_are_masked(minyi_bot: RunningBot) -> None:
    """The published index's voices (its web pages, HTML and PDF) quote "我家住[门牌]…" and
    "物业的[姓名]…" beside transparency."""
    bot = minyi_bot
    group, post = await ask_in_a_new_group(bot, "/ask 1h 物业账目应该怎样管理？")
    said = [
        "我家住8栋2单元1102，物业的账目从来不公开，希望公开透明",
        "物业的王经理不公示收支，财务要公开透明",
        "物业费怎么花的要公示，公开透明",
    ]
    for index, text in enumerate(said):
        resident = bot.emulator.add_user(f"居民{index}")
        bot.emulator.send_message(resident, group, text, reply_to=post["message_id"])
    await bot.settle()
    period = period_of(bot.core.now(), 3, bot.settings.schedule.tz)
    values = f"community,indicator,period,value\n碧海社区,voice_heard,{period},4\n".encode()
    await import_values(bot.core, values, "values.csv")
    result = await compute(bot.core, period)
    voices = await community_voices(bot.core, result)
    quotes = sorted(voices["碧海社区"].principles["transparency"].quotes)
    assert quotes == sorted(
        [
            "我家住[门牌]，物业的账目从来不公开，希望公开透明",
            "物业的[姓名]不公示收支，财务要公开透明",
            "物业费怎么花的要公示，公开透明",
        ]
    ), quotes


async def test_a_name_residents_repeat_is_no_emerging_term(minyi_bot: RunningBot) -> None:
    """Residents who keep naming the same person (written for this test: 网格员王秀兰) see
    neither the name in the report's quotes nor among its emerging terms, while their own new
    words (共享菜园) are still listed there."""
    bot = minyi_bot
    group, post = await ask_in_a_new_group(bot, "/ask 1h 小区还需要什么？")
    said = [
        "网格员王秀兰来过三次，共享菜园的事还是没人管",
        "王秀兰说共享菜园下个月动工",
        "我们找了王秀兰，她说共享菜园要等业委会同意",
        "共享菜园好是好，王秀兰一个人忙不过来",
    ]
    for index, text in enumerate(said):
        resident = bot.emulator.add_user(f"居民{index}")
        bot.emulator.send_message(resident, group, text, reply_to=post["message_id"])
    await bot.settle()
    await bot.command(group, "/report 1")
    report = await bot.wait_text(group, lambda t: "征询报告" in t and "新出现的词" in t)
    terms = next(line for line in report.splitlines() if line.startswith("新出现的词"))
    assert "菜园" in terms, report
    assert "秀兰" not in report, report
