"""Button presses the bot does not act on are still answered (audit of the Telegram side).

Callback data comes back as the client sent it. Data that matches none of the bot's keyboards
(`rate:2:9`, a full-width digit, `zzz`, nothing, 64 bytes of anything) used to reach no handler,
so the bot never called answerCallbackQuery and a real client kept a spinner on the button until
it timed out. Every such press now gets a short notice in the presser's language and changes
nothing; one person pressing dead buttons in a flood gets only a few answers a minute.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from tests.e2e.test_forged_buttons import rating_with_a_vote
from tests.e2e.test_privacy import open_post
from tests.harness import RunningBot

GONE_ZH = "按钮已失效"
GONE_EN = "no longer valid"
RECORDED = "已记录你的评分"
# Data no keyboard of the bot carries: an impossible value, a full-width digit, junk, nothing,
# and 64 bytes (the most Telegram passes on) of mixed scripts.
DEAD = ["rate:2:9", "rate:2:４", "zzz", "", "乱码" * 9 + "\x00\x7f💥abcd"]


async def votes_of(bot: RunningBot, user_id: int) -> list[tuple[int, int]]:
    """(round id, value) of every vote stored for a Telegram user."""
    async with bot.core.repo.transaction() as session:
        return list(await session.list_resident_votes(bot.core.resident(user_id)))


def test_the_dead_data_is_what_telegram_would_pass_on() -> None:
    """The junk stays within Telegram's 64-byte limit for callback data."""
    assert len(DEAD[-1].encode()) == 64


async def test_dead_presses_are_answered_and_change_nothing(minyi_bot: RunningBot) -> None:
    """Each dead press on a group's rating post is answered with a notice (English for an
    English client); the post, its buttons, the group's messages and the votes stay as they
    were, and the real buttons still work afterwards."""
    bot = minyi_bot
    em = bot.emulator
    group, rating, resident = await rating_with_a_vote(bot, "碧海居民", 3)
    before = em.messages_to(group.id)
    sent_before = len(em.calls_to("sendMessage"))

    english = em.add_user("Resident", language_code="en")
    queries = [
        (em.press_button(person, group, rating["message_id"], data, forged=True), lang)
        for data in DEAD
        for person, lang in ((resident, "zh"), (english, "en"))
    ]
    await bot.settle()

    for query, lang in queries:
        answer = em.callback_answer(query)
        assert answer is not None, f"press {query} left spinning"
        assert (GONE_ZH if lang == "zh" else GONE_EN) in str(answer["text"]), em.callback_queries[
            query
        ]
        assert answer["show_alert"] is False
    assert em.messages_to(group.id) == before
    assert len(em.calls_to("sendMessage")) == sent_before
    assert not em.calls_to("editMessageText")
    assert not em.calls_to("editMessageReplyMarkup")
    assert await votes_of(bot, resident.id) == [(1, 3)]
    assert await votes_of(bot, english.id) == []

    query = em.press_button(resident, group, rating["message_id"], "rate:1:5")
    await bot.settle()
    answer = em.callback_answer(query)
    assert answer is not None and RECORDED in str(answer["text"])
    assert await votes_of(bot, resident.id) == [(1, 5)]


async def test_a_dead_press_on_the_forget_confirmation_deletes_nothing(
    minyi_bot: RunningBot,
) -> None:
    """Junk pressed on /forget's confirmation is answered; the confirmation keeps its buttons
    and the resident's vote stays; `forget:no` then works as before."""
    bot = minyi_bot
    em = bot.emulator
    _, _, resident = await rating_with_a_vote(bot, "碧海居民", 4)
    private = em.private_chat(resident)
    await bot.command(private, "/forget", user=resident)
    confirm = next(m for m in em.messages_to(private.id) if "确定要删除" in m.get("text", ""))
    query = em.press_button(resident, private, confirm["message_id"], "forget:maybe", forged=True)
    await bot.settle()
    answer = em.callback_answer(query)
    assert answer is not None and GONE_ZH in str(answer["text"])
    assert em.messages_to(private.id)[-1] == confirm
    assert await votes_of(bot, resident.id) == [(1, 4)]
    em.press_button(resident, private, confirm["message_id"], "forget:no")
    await bot.settle()
    assert "什么都没有删除" in em.messages_to(private.id)[-1]["text"]


async def test_a_flood_of_dead_presses_gets_a_few_answers(minyi_bot: RunningBot) -> None:
    """One person pressing dead buttons 60 times in a minute gets only the first few answered
    (the bot makes no more calls than that); somebody else's dead press and the flooder's own
    real press are still answered, and the minute after the flooder is answered again."""
    from bot.telegram.presses import REFUSED_PRESSES_PER_MINUTE

    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/rate 1h 物业服务打几分？")
    rating = open_post(bot, group, "社区评分 #1")["message_id"]
    # The core's clock held still: the per-minute cap sees the whole flood in one minute
    # however slowly this machine works through it.
    frozen: datetime = bot.core.now()
    bot.core.clock = lambda: frozen
    answered_before = len(em.calls_to("answerCallbackQuery"))

    flooder, neighbour = em.add_user("乱按的人"), em.add_user("邻居")
    flood = [em.press_button(flooder, group, rating, "zzz", forged=True) for _ in range(60)]
    await bot.settle()
    other = em.press_button(neighbour, group, rating, "rate:1:9", forged=True)
    real = em.press_button(flooder, group, rating, "rate:1:2")
    await bot.settle()

    answered = [q for q in flood if em.callback_answer(q) is not None]
    assert answered == flood[:REFUSED_PRESSES_PER_MINUTE]
    assert len(em.calls_to("answerCallbackQuery")) - answered_before == (
        REFUSED_PRESSES_PER_MINUTE + 2
    )
    assert GONE_ZH in str((em.callback_answer(other) or {}).get("text"))
    assert RECORDED in str((em.callback_answer(real) or {}).get("text"))
    assert await votes_of(bot, flooder.id) == [(1, 2)]

    later = frozen + timedelta(seconds=61)
    bot.core.clock = lambda: later
    again = em.press_button(flooder, group, rating, "zzz", forged=True)
    await bot.settle()
    assert GONE_ZH in str((em.callback_answer(again) or {}).get("text"))


async def test_an_english_organiser_is_told_in_english(minyi_bot: RunningBot) -> None:
    """The notice follows the presser's client language, as every reply does."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/rate 1h 物业服务打几分？")
    organiser = replace(bot.organiser, language_code="en-GB")
    query = em.press_button(
        organiser, group, open_post(bot, group, "社区评分 #1")["message_id"], "x", forged=True
    )
    await bot.settle()
    answer = em.callback_answer(query)
    assert answer is not None and GONE_EN in str(answer["text"])


async def test_near_misses_of_a_rating_are_no_rating(minyi_bot: RunningBot) -> None:
    """`rate:１:5` (a full-width round id), `rate:١:5` (Arabic-Indic) or `rate:1:5` with a
    newline after it is data no keyboard of the bot carries: it stores no vote."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/rate 1h 物业服务打几分？")
    rating = open_post(bot, group, "社区评分 #1")["message_id"]
    resident = em.add_user("碧海居民")
    queries = [
        em.press_button(resident, group, rating, data, forged=True)
        for data in ("rate:１:5", "rate:١:5", "rate:𝟏:5", "rate:1:5\n")
    ]
    await bot.settle()
    assert await votes_of(bot, resident.id) == []
    for query in queries:
        assert GONE_ZH in str((em.callback_answer(query) or {}).get("text"))
