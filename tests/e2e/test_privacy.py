"""Pseudonymity, redaction, /mydata, /forget, retention and /hide, end to end."""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.core.base import utcnow
from bot.core.exports import export_rows, rows_to_json
from bot.core.privacy import pseudonym
from bot.core.reports import build_round_report
from bot.core.residents import my_data
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat, SimUser
from tests.e2e.dbfiles import database_bytes, id_patterns
from tests.e2e.processes import ask_by_hand, start_minyi_run, stop
from tests.harness import RunningBot, start_bot

PEOPLE = [
    ("张秀兰", "zhang_xiulan_88"),
    ("Wenceslas", "wenceslas_kowalczyk"),
    ("欧阳建国", "ouyang_jianguo_1960"),
]


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    """Wait until an async condition holds (the scheduler works in the background)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.05)


def open_post(bot: RunningBot, group: SimChat, marker: str) -> dict[str, Any]:
    """The bot's message in `group` whose text contains `marker` (a round's opening post)."""
    return next(m for m in bot.emulator.messages_to(group.id) if marker in m.get("text", ""))


async def ask_in_a_new_group(bot: RunningBot, ask: str) -> tuple[SimChat, dict[str, Any]]:
    """碧海社区 registered in a new group and the organiser's `ask` (`/ask …`, round 1) sent
    there; returns the group and the round's opening post."""
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, ask)
    return group, open_post(bot, group, "社区征询 #1")


async def answer_privately(bot: RunningBot, person: SimUser, round_id: int, text: str) -> None:
    """Join the communities' groups, open the round's start link in private chat and send an
    answer."""
    chat = bot.emulator.private_chat(person)
    bot.join(person)
    await bot.command(chat, f"/start r{round_id}", user=person)
    await bot.command(chat, text, user=person)


async def press_forget(bot: RunningBot, person: SimUser, confirm: bool) -> None:
    """Send /forget privately and press the confirmation button."""
    chat = bot.emulator.private_chat(person)
    await bot.command(chat, "/forget", user=person)
    keyboard = next(m for m in reversed(bot.emulator.messages_to(chat.id)) if "reply_markup" in m)
    bot.emulator.press_button(
        person, chat, keyboard["message_id"], "forget:yes" if confirm else "forget:no"
    )
    await bot.settle()


async def export_csv(bot: RunningBot, group: SimChat, args: str = "") -> str:
    """/export as the organiser in the group; the CSV the bot sent to them privately, decoded."""
    private = bot.emulator.private_chat(bot.organiser)
    if not bot.emulator.messages_to(private.id):
        await bot.command(private, "/start")  # the bot may write to them only after this
    before = len(bot.emulator.messages_to(private.id))
    await bot.command(group, f"/export {args}".strip())
    sent = [m for m in bot.emulator.messages_to(private.id)[before:] if "document" in m]
    assert sent, bot.bot_texts(group)
    data: bytes = sent[-1]["file_bytes"]
    return data.decode("utf-8-sig")


async def test_database_and_exports_hold_no_raw_user_id_or_name(minyi_bot: RunningBot) -> None:
    """After answers, edits, votes, ratings and /mydata, no resident id or name is in the files."""
    bot = minyi_bot
    em = bot.emulator
    people = [em.add_user(name, username=username) for name, username in PEOPLE]
    first, second, third = people
    group, post = await ask_in_a_new_group(bot, "/ask 2h 你觉得小区最需要改进什么？")
    em.send_message(first, group, "希望物业公开账目，让居民参与讨论。", reply_to=post["message_id"])
    em.send_message(third, group, "晚上停车太难了。")  # a plain message: the only open round
    await answer_privately(bot, second, 1, "Please keep the service window for older people.")
    private = em.private_chat(second)
    mine = [m for m in em.history(private.id) if m.get("from", {}).get("id") == second.id]
    em.edit_message(second, private, mine[-1]["message_id"], "Keep the window open, please.")

    await bot.command(group, "/poll 1h 垃圾分类点设在哪里？ | 东门 | 西门")
    (poll_id,) = em.polls()
    em.vote_poll(first, poll_id, [1])
    await bot.command(group, "/rate 1h 物业服务打几分？")
    rating = open_post(bot, group, "社区评分 #3")
    em.press_button(third, group, rating["message_id"], "rate:3:4")
    await bot.settle()
    for person in people:
        await bot.command(em.private_chat(person), "/mydata", user=person)
    await press_forget(bot, third, confirm=False)

    async with bot.core.repo.transaction() as session:
        assert len(await session.list_answers()) == 3
        assert await session.list_resident_votes(bot.core.resident(first.id)) == [(2, 1)]
    csv_text = await export_csv(bot, group)
    assert "Keep the window open" in csv_text
    json_text = rows_to_json(await export_rows(bot.core))
    files = {
        "database": database_bytes(bot.settings),
        "csv": csv_text.encode(),
        "json": json_text.encode(),
    }
    for person in [*people, bot.organiser]:
        for where, data in files.items():
            for pattern in id_patterns(person.id):
                assert pattern not in data, f"user id {person.id} ({pattern!r}) in the {where}"
            for name in (person.first_name, person.username):
                if name:
                    assert name.encode() not in data, f"{name} in the {where}"


async def test_personal_numbers_are_redacted_before_storage(minyi_bot: RunningBot) -> None:
    """Phone and ID-card numbers in group and private answers never reach the database file."""
    bot = minyi_bot
    em = bot.emulator
    group, post = await ask_in_a_new_group(bot, "/ask 2h 有什么问题需要物业处理？")
    resident, other = em.add_user("居民甲"), em.add_user("居民乙")
    em.send_message(
        resident,
        group,
        "楼道灯坏了，请联系我 13812345678，或者打 0851-86901234。",
        reply_to=post["message_id"],
    )
    await answer_privately(bot, other, 1, "我的身份证号是110101199003071234，门禁卡办不了。")

    async with bot.core.repo.transaction() as session:
        texts = sorted(a.text for a in await session.list_answers())
    assert any("[电话]" in t and "楼道灯坏了" in t for t in texts), texts
    assert any("[身份证]" in t and "门禁卡办不了" in t for t in texts), texts
    data = database_bytes(bot.settings)
    for raw in ("13812345678", "86901234", "110101199003071234"):
        assert raw.encode() not in data, raw
    await bot.command(em.private_chat(other), "/mydata", user=other)
    assert any("[身份证]" in t for t in bot.bot_texts(em.private_chat(other)))


async def test_forget_erases_answers_and_votes_from_database_reports_and_exports(
    minyi_bot: RunningBot,
) -> None:
    """After a confirmed /forget, nothing of the resident is left: DB rows, file bytes, report."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    leaver, stayer = em.add_user("要走的居民"), em.add_user("留下的居民")
    await bot.command(group, "/ask 2h 社区治理最重要的是什么？")
    post = open_post(bot, group, "社区征询 #1")
    leaving_text = "我希望居委会每月公开一次会议纪要（独一无二的句子）。"
    em.send_message(leaver, group, leaving_text, reply_to=post["message_id"])
    em.send_message(stayer, group, "希望多听听老年人的意见。", reply_to=post["message_id"])
    await answer_privately(bot, leaver, 1, "停车位应该公平分配。")
    await bot.command(group, "/poll 1h 议事会几点开？ | 周六上午 | 周日下午")
    (poll_id,) = em.polls()
    em.vote_poll(leaver, poll_id, [0])
    em.vote_poll(stayer, poll_id, [1])
    await bot.command(group, "/rate 1h 物业服务打几分？")
    em.press_button(leaver, group, open_post(bot, group, "社区评分 #3")["message_id"], "rate:3:1")
    await bot.settle()

    await press_forget(bot, leaver, confirm=False)
    assert len((await my_data(bot.core, leaver.id)).answers) == 2
    await press_forget(bot, leaver, confirm=True)
    private_texts = bot.bot_texts(em.private_chat(leaver))
    assert any("已删除你的 2 条回答和 2 次投票" in t for t in private_texts), private_texts

    gone = await my_data(bot.core, leaver.id)
    assert gone.answers == [] and gone.votes == []
    async with bot.core.repo.transaction() as session:
        assert [a.text for a in await session.list_answers(include_hidden=True)] == [
            "希望多听听老年人的意见。"
        ]
    text_report = await build_round_report(bot.core, 1)
    poll_report = await build_round_report(bot.core, 2)
    rating_report = await build_round_report(bot.core, 3)
    assert text_report is not None and poll_report is not None and rating_report is not None
    assert (text_report.answers, text_report.participants) == (1, 1)
    assert poll_report.poll is not None and poll_report.poll.voters == 1
    assert [o.votes for o in poll_report.poll.options] == [0, 1]
    assert rating_report.participants == 0
    assert leaving_text not in await export_csv(bot, group)
    await bot.command(em.private_chat(leaver), "/mydata", user=leaver)
    assert "我们没有保存你的任何回答或投票" in bot.bot_texts(em.private_chat(leaver))[-1]

    async def erased_from_files() -> bool:
        return leaving_text.encode() not in database_bytes(bot.settings)

    await eventually(erased_from_files)


async def test_mydata_shows_only_ones_own_data_and_only_privately(minyi_bot: RunningBot) -> None:
    """/mydata lists the caller's answers only, and in a group it refuses without showing any."""
    bot = minyi_bot
    em = bot.emulator
    group, post = await ask_in_a_new_group(bot, "/ask 2h 你最关心什么？")
    alice, bob = em.add_user("甲"), em.add_user("乙")
    em.send_message(alice, group, "甲的秘密意见：电梯太旧。", reply_to=post["message_id"])
    em.send_message(bob, group, "乙的意见：绿化不够。", reply_to=post["message_id"])
    await bot.settle()
    await bot.command(em.private_chat(bob), "/mydata", user=bob)
    seen = "\n".join(bot.bot_texts(em.private_chat(bob)))
    assert "绿化不够" in seen and "电梯太旧" not in seen
    before = len(bot.bot_texts(group))
    await bot.command(group, "/mydata", user=alice)
    await bot.command(group, "/forget", user=alice)
    replies = bot.bot_texts(group)[before:]
    assert len(replies) == 2 and all("请私聊我" in r for r in replies), replies
    assert not any("电梯太旧" in r for r in replies)
    assert len((await my_data(bot.core, alice.id)).answers) == 1


async def test_mydata_names_the_options_a_resident_voted_for(minyi_bot: RunningBot) -> None:
    """/mydata shows each vote as the option chosen (a poll's, several for a multiple-answer
    poll, a priorities round's principle) or the rating given, not an option's number, and
    counts a multiple-answer poll as one vote (its two options once counted as two). A rating
    reads as a rating out of 5 and a priorities round as the resident's choice, not as a poll
    vote ("#4 投票：5" read as a vote for an option called 5)."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/poll 1h 几点开会？ | 上午 | 下午 | 晚上")
    await bot.command(group, "/poll --multi 1h 要哪些设施？ | 停车 | 绿化 | 照明")
    await bot.command(group, "/priorities 1h")
    await bot.command(group, "/rate 1h 物业服务打几分？")
    resident = em.add_user("投票的居民")
    first, multi, priorities = em.polls()
    em.vote_poll(resident, first, [2])
    em.vote_poll(resident, multi, [0, 2])
    em.vote_poll(resident, priorities, [0])
    em.press_button(resident, group, open_post(bot, group, "社区评分 #4")["message_id"], "rate:4:5")
    await bot.settle()
    chat = em.private_chat(resident)
    await bot.command(chat, "/mydata", user=resident)
    header, *lines = bot.bot_texts(chat)[-1].splitlines()
    assert header == "你的数据：0 条回答，4 次投票（一轮多选投票算一次，不论选了几项）：", header
    assert lines == [
        "• #1 投票：晚上",
        "• #2 投票：停车、照明",
        "• #3 你选了：参与",
        "• #4 评分：5 / 5",
    ], lines


async def test_mydata_and_forget_count_votes_per_round_in_english(minyi_bot: RunningBot) -> None:
    """In English, /mydata counts one answer and one multiple-answer vote as "1 answer and
    1 vote" (not "answers: 1, votes: 2"), lists the vote's options on one line, and /forget
    reports the same counts."""
    bot = minyi_bot
    em = bot.emulator
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 1h What should change?")
    await bot.command(group, "/poll --multi 1h Which facilities? | parking | greening | lighting")
    resident = em.add_user("Wenceslas", language_code="en")
    (multi,) = em.polls()
    em.vote_poll(resident, multi, [0, 2])
    await answer_privately(bot, resident, 1, "More benches by the river.")
    chat = em.private_chat(resident)
    await bot.command(chat, "/mydata", user=resident)
    assert bot.bot_texts(chat)[-1].splitlines() == [
        "Your data: 1 answer and 1 vote (a multiple-answer poll counts as one vote, however "
        "many options you chose):",
        "• #1: More benches by the river.",
        "• #2 vote: parking, lighting",
    ]
    await press_forget(bot, resident, confirm=True)
    assert bot.bot_texts(chat)[-1] == "Deleted your 1 answer and 1 vote."


async def test_daily_retention_job_deletes_old_answers_and_votes(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """The scheduler's daily purge deletes answers and votes older than retention_days only."""
    async with start_bot(emulator, tmp_path, privacy={"retention_days": 30}) as bot:
        em = bot.emulator
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, "/ask 2h 说说你的想法")
        await bot.command(group, "/rate 2h 打个分")
        post = open_post(bot, group, "社区征询 #1")
        rating = open_post(bot, group, "社区评分 #2")
        old, new = em.add_user("老回答"), em.add_user("新回答")
        start = utcnow()

        async def answers() -> list[str]:
            async with bot.core.repo.transaction() as session:
                return [a.text for a in await session.list_answers(include_hidden=True)]

        bot.core.clock = lambda: utcnow() - timedelta(days=40)
        em.send_message(old, group, "四十天前的回答", reply_to=post["message_id"])
        em.press_button(old, group, rating["message_id"], "rate:2:2")
        await bot.settle()
        # Checked while the clock still says forty days ago: the scheduler's ticks run on the
        # same clock, so no purge can have reached this answer yet, however late a tick runs
        # on a busy machine (once the clock moves on, the purge may run at any tick).
        assert await answers() == ["四十天前的回答"]
        assert (await my_data(bot.core, old.id)).votes == [(2, 2)]
        bot.core.clock = utcnow
        em.send_message(new, group, "今天的回答", reply_to=post["message_id"])
        em.press_button(new, group, rating["message_id"], "rate:2:5")
        await bot.settle()
        assert "今天的回答" in await answers()
        # A day later the daily job runs again (the first ran when the bot started).
        bot.core.clock = lambda: utcnow() + timedelta(hours=25)

        async def purged() -> bool:
            return await answers() == ["今天的回答"]

        await eventually(purged)
        assert (await my_data(bot.core, old.id)).votes == []
        assert (await my_data(bot.core, new.id)).votes == [(2, 5)]
        assert utcnow() - start < timedelta(days=1)


async def test_hide_removes_an_answer_from_reports_and_exports_and_logs_who(
    minyi_bot: RunningBot,
) -> None:
    """/hide takes an answer out of the report and export; the log names a pseudonym, not an id."""
    bot = minyi_bot
    em = bot.emulator
    group, post = await ask_in_a_new_group(bot, "/ask 2h 大家有什么建议？")
    em.send_message(em.add_user("甲"), group, "建议增加停车位。", reply_to=post["message_id"])
    em.send_message(em.add_user("乙"), group, "不当言论，应该隐藏。", reply_to=post["message_id"])
    await bot.settle()
    async with bot.core.repo.transaction() as session:
        target = next(a for a in await session.list_answers() if "隐藏" in a.text)
    assert "不当言论" in await export_csv(bot, group)

    in_english = dataclasses.replace(bot.organiser, language_code="en")  # Telegram set to English
    await bot.command(group, f"/hide {target.id}", user=in_english)
    assert bot.bot_texts(group)[-1] == (
        f"✅ Answer {target.id} is hidden: it no longer counts in reports or exports."
    )
    await bot.command(group, f"/hide {target.id}")
    assert "已经隐藏" in bot.bot_texts(group)[-1]
    await bot.command(group, "/hide 999")
    assert "找不到回答 999" in bot.bot_texts(group)[-1]

    report = await build_round_report(bot.core, 1)
    assert report is not None and report.answers == 1
    assert all("不当言论" not in q.text for q in report.quotes)
    assert "不当言论" not in await export_csv(bot, group)
    log = await moderation_log(bot)
    assert log == [(target.id, "hide", bot.core.resident(bot.organiser.id))]
    assert str(bot.organiser.id) not in repr(log)


async def moderation_log(bot: RunningBot) -> list[tuple[int, str, str]]:
    """Rows of the moderation log: (answer id, action, actor)."""
    async with bot.core.repo.transaction() as session:
        return await session.list_moderation_log()


async def test_privacy_command_says_how_long_answers_are_kept(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """/privacy answers in the resident's language with the configured retention."""
    async with start_bot(emulator, tmp_path, privacy={"retention_days": 90}) as bot:
        resident = emulator.add_user("Resident", language_code="en")
        chat = emulator.private_chat(resident)
        await bot.command(chat, "/privacy", user=resident)
        (text,) = bot.bot_texts(chat)
        assert "Kept for 90 days" in text and "/forget" in text


async def test_run_without_a_privacy_secret_uses_a_key_it_generated_and_kept(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """SPEC §7: every key but the token has a default. `minyi run` with no privacy.secret
    starts, answers, and stores residents under the pseudonyms of a random key it generated
    and kept in the database: after a restart the same resident has the same pseudonym."""
    em = emulator
    organiser = em.add_user("Organiser")
    database = tmp_path / "minyi.db"
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\ntoken = "{em.token}"\nbase_url = "{em.base_url}"\n'
        f'base_file_url = "{em.base_file_url}"\n'
        f'[storage]\nurl = "sqlite:///{database}"\n'
        f"[roles]\norganisers = [{organiser.id}]\n"
        "[schedule]\ntick_seconds = 0.2\n",
        encoding="utf-8",
    )
    log = tmp_path / "bot.log"
    group = em.add_group("碧海社区居民群")
    em.add_bot_to_group(group, organiser)
    resident = em.add_user("居民")

    async def run(step: Callable[[], Awaitable[None]]) -> None:
        proc = start_minyi_run(config, log)
        try:
            await step()
            await em.wait_idle(60)
        finally:
            code = await stop(proc, signal.SIGTERM)
        assert code == 0, log.read_text(encoding="utf-8")[-3000:]

    def residents() -> list[str]:
        with sqlite3.connect(database) as conn:
            return [r for (r,) in conn.execute("SELECT resident FROM answers ORDER BY id")]

    async def first() -> None:
        post = await ask_by_hand(em, organiser, group)
        em.send_message(resident, group, "希望公开物业账目。", reply_to=post["message_id"])
        await em.wait_for(lambda: len(residents()) == 1, 60)

    async def second() -> None:
        post = next(m for m in em.messages_to(group.id) if "社区征询 #" in m.get("text", ""))
        em.send_message(resident, group, "楼道灯坏了很久。", reply_to=post["message_id"])
        await em.wait_for(lambda: len(residents()) == 2, 60)

    await run(first)
    with sqlite3.connect(database) as conn:
        (key,) = [bytes(v) for (v,) in conn.execute("SELECT value FROM deployment_secrets")]
    assert len(key) >= 32
    assert "no privacy.secret configured" in log.read_text(encoding="utf-8")
    await run(second)
    first_pseudonym, second_pseudonym = residents()
    assert first_pseudonym == second_pseudonym == pseudonym(resident.id, key)
    assert str(resident.id) not in first_pseudonym
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM deployment_secrets").fetchone() == (1,)


async def test_privacy_command_says_who_reads_answers_as_the_bot_lets_them(
    minyi_bot: RunningBot,
) -> None:
    """/privacy, in Chinese and English, says what organisers can read (every answer's text,
    unsigned: /export and the weekly digest's CSV hold them all, not only quotes), that the
    published index quotes answers, and that a reply in the group is seen by the whole group
    (it once said other residents see group results only)."""
    bot = minyi_bot
    group, post = await ask_in_a_new_group(bot, "/ask 2h 你最关心什么？")
    em = bot.emulator
    em.send_message(em.add_user("甲"), group, "电梯太旧了，希望更换。", reply_to=post["message_id"])
    await bot.settle()
    assert "电梯太旧了，希望更换。" in await export_csv(bot, group)  # every answer, whole
    said = {}
    for lang in ("zh-hans", "en"):
        resident = em.add_user("居民", language_code=lang)
        chat = em.private_chat(resident)
        await bot.command(chat, "/privacy", user=resident)
        said[lang] = bot.bot_texts(chat)[-1]
    assert "每条回答的原文（不署名）" in said["zh-hans"], said["zh-hans"]
    assert "群里回复的内容，群里所有人都能看到" in said["zh-hans"], said["zh-hans"]
    assert "治理指数报告里不署名的摘录" in said["zh-hans"], said["zh-hans"]
    assert "the text of every answer, unsigned" in said["en"], said["en"]
    assert "A reply in the group is seen by everyone in it" in said["en"], said["en"]
    assert "unsigned quotes of the published governance index" in said["en"], said["en"]


async def test_export_of_a_round_without_answers_says_so_instead_of_an_empty_file(
    minyi_bot: RunningBot,
) -> None:
    """/export of a round nobody answered yet sends no header-only CSV: the organiser is told
    privately that it has no answers yet (and the group that it was sent privately)."""
    bot = minyi_bot
    group = await bot.register("碧海社区居民群", "碧海社区")
    await bot.command(group, "/ask 48h 大家对小区管理有什么意见？")
    private = bot.emulator.private_chat(bot.organiser)
    await bot.command(private, "/start")
    before = len(bot.emulator.messages_to(private.id))
    await bot.command(group, "/export 1")
    sent = bot.emulator.messages_to(private.id)[before:]
    assert [m for m in sent if "document" in m] == []
    assert any("#1" in m.get("text", "") and "还没有回答" in m.get("text", "") for m in sent), sent
