"""The weekly digest, end to end: a week of answers and votes in two communities, the digest
job on `schedule.digest_cron`, text + chart + CSV in every staff chat, once per period.

The bot's clock (`core.clock`) is moved through two weeks that ended at the latest digest
fire time before the real now, so the job fires for real when the clock is handed back.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Bot

from bot.core.base import utcnow
from bot.telegram.digests import last_due_period, send_due_digest
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat, SimUser
from tests.harness import RunningBot, start_bot

PREVIOUS_WEEK = {
    "碧海社区": ["物业费的账目从来不公开，希望定期公示。", "小区停车位太少，晚上没地方停车。"],
    "会展城社区": ["垃圾分类的桶太少，厨余垃圾经常溢出来。"],
}
# This week: (community, resident key, text). r1 answers twice; r4's answer gets hidden.
THIS_WEEK = [
    ("碧海社区", "r1", "小区停车位太少，晚上回来根本没地方停车，物业也不管。"),
    ("碧海社区", "r2", "希望社区多开居民议事会，重大事情要先征求大家的意见。"),
    ("碧海社区", "r3", "物业费的账目从来不公开，业主不知道钱花到哪里去了。"),
    ("碧海社区", "r1", "充电桩太少，电动车只能拉飞线充电，停车场也没有位置。"),
    ("碧海社区", "r4", "这条回答会被组织者隐藏，不计入报告。"),
    ("会展城社区", "s1", "垃圾分类的桶太少，厨余垃圾经常溢出来，臭味很大。"),
    ("会展城社区", "s2", "社区食堂能不能给独居老人送餐？很多老人不会用手机。"),
    ("会展城社区", "s3", "希望公示栏及时更新，办事流程写清楚，信息公开透明。"),
]
HIDDEN = "这条回答会被组织者隐藏，不计入报告。"
RATINGS = {"r1": 5, "r5": 4, "r6": 2}  # 碧海社区's rating round
POLL_VOTES = {"s1": 0, "s4": 1, "s5": 0}  # 会展城社区's poll: 东门 / 西门


class Clock:
    """A settable clock for the bot's core."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def staff_messages(em: BotAPIEmulator, chat_id: int) -> list[dict[str, Any]]:
    """What the bot sent to a staff chat, oldest first."""
    return list(em.messages_to(chat_id))


def documents(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages carrying a document."""
    return [m for m in messages if "document" in m]


def photos(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages carrying a photo."""
    return [m for m in messages if "photo" in m]


def round_post(em: BotAPIEmulator, chat: SimChat, marker: str) -> dict[str, Any]:
    """The newest bot message in `chat` containing `marker`."""
    return next(m for m in reversed(em.messages_to(chat.id)) if marker in m.get("text", ""))


async def wait_until(check: Callable[[], bool], em: BotAPIEmulator) -> None:
    """Wait (bounded) for something the scheduler does on its own."""
    await em.wait_for(check, 30)


async def wait_all_digests_sent(bot: RunningBot) -> None:
    """Wait (bounded) until the scheduler has marked every claimed digest period as sent."""
    for _ in range(300):
        async with bot.core.repo.transaction() as session:
            if not await session.list_unsent_digests():
                return
        await asyncio.sleep(0.1)
    raise AssertionError("a digest period stayed unsent")


def figure(text: str, pattern: str) -> int:
    """The number a pattern's group captures in the digest text (fails clearly if absent)."""
    found = re.search(pattern, text)
    assert found is not None, f"{pattern!r} not in digest:\n{text}"
    return int(found.group(1))


async def test_weekly_digest_reaches_every_staff_chat_once(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """A week of answers and votes in two communities yields one digest per staff chat with
    the right numbers, a PNG chart and a CSV; triggering the same week again, or restarting,
    sends nothing more."""
    em = emulator
    staff_user = em.add_user("王主任", language_code="zh-hans")
    staff_group = em.add_group("街道办民意工作群")
    em.add_bot_to_group(staff_group, staff_user)
    staff_private = em.private_chat(staff_user)
    em.send_message(staff_user, staff_private, "/start")
    staff_chats = [staff_group.id, staff_private.id]
    roles = {"staff_chats": staff_chats}

    async with start_bot(em, tmp_path, roles=roles) as bot:
        fire = last_due_period(bot.core, utcnow())
        assert fire is not None
        clock = Clock(fire - timedelta(days=10))
        bot.core.clock = clock
        people: dict[str, SimUser] = {}

        def person(key: str) -> SimUser:
            if key not in people:
                people[key] = em.add_user(f"居民{key}", language_code="zh-hans")
            return people[key]

        # -- the week before: one text round per community --------------------------------
        groups = {
            "碧海社区": await bot.register("碧海社区居民群", "碧海社区"),
            "会展城社区": await bot.register("会展城业主群", "会展城社区"),
        }
        for name, texts in PREVIOUS_WEEK.items():
            await bot.command(groups[name], "/ask 2d 上周：社区最需要改进什么？")
            post = round_post(em, groups[name], "社区征询 #")
            for i, text in enumerate(texts):
                em.send_message(
                    person(f"p{name}{i}"), groups[name], text, reply_to=post["message_id"]
                )
            await bot.settle()

        # -- this week: the job sends last week's digest once the clock gets here -----------
        clock.at = fire - timedelta(days=6)
        await wait_until(lambda: len(documents(staff_messages(em, staff_group.id))) == 1, em)
        previous_text = staff_messages(em, staff_group.id)[0]["text"]
        assert figure(previous_text, r"回答：(\d+)") == 3

        # Open for 4 days: the answers below come every 12 hours up to hour 90, all while the
        # rounds are open, however soon the scheduler's ticks see the clock move.
        await bot.command(groups["碧海社区"], "/ask 4d 本周：社区最需要改进什么？")
        await bot.command(groups["会展城社区"], "/ask 4d 本周：社区最需要改进什么？")
        await bot.command(groups["碧海社区"], "/rate 4d 物业服务打几分？")
        await bot.command(groups["会展城社区"], "/poll 4d 新的垃圾分类点设在哪里？ | 东门 | 西门")
        posts = {name: round_post(em, chat, "社区征询 #") for name, chat in groups.items()}
        for day, (name, key, text) in enumerate(THIS_WEEK):
            clock.at = fire - timedelta(days=6) + timedelta(hours=6 + 12 * day)
            em.send_message(person(key), groups[name], text, reply_to=posts[name]["message_id"])
            await bot.settle()
        rating = round_post(em, groups["碧海社区"], "社区评分 #")
        rating_id = int(re.search(r"社区评分 #(\d+)", rating["text"]).group(1))  # type: ignore[union-attr]
        for key, value in RATINGS.items():
            em.press_button(
                person(key), groups["碧海社区"], rating["message_id"], f"rate:{rating_id}:{value}"
            )
        poll_id = next(
            p["id"] for p in em.polls().values() if p["chat_id"] == groups["会展城社区"].id
        )
        for key, option in POLL_VOTES.items():
            em.vote_poll(person(key), poll_id, [option])
        await bot.settle()
        async with bot.core.repo.transaction() as session:
            hidden = next(a for a in await session.list_answers() if a.text == HIDDEN)
        await bot.command(groups["碧海社区"], f"/hide {hidden.id}")

        # -- the digest fires when the clock reaches the cron time -------------------------
        clock.at = utcnow()
        for chat_id in staff_chats:
            await wait_until(lambda c=chat_id: len(documents(staff_messages(em, c))) == 2, em)  # type: ignore[misc]
        await bot.settle()
        sent = {chat_id: staff_messages(em, chat_id) for chat_id in staff_chats}

        # -- the numbers, against an independent count of what the residents did ------------
        visible = [(n, k, t) for n, k, t in THIS_WEEK if t != HIDDEN]
        answers_in = Counter(n for n, _, _ in visible)
        people_in = {
            "碧海社区": {k for n, k, _ in visible if n == "碧海社区"} | set(RATINGS),
            "会展城社区": {k for n, k, _ in visible if n == "会展城社区"} | set(POLL_VOTES),
        }
        for chat_id in staff_chats:
            messages = sent[chat_id]
            texts = [m["text"] for m in messages if "text" in m]
            digest = next(t for t in texts if "社区民意周报" in t and "回答：7" in t)
            assert figure(digest, r"参与居民：(\d+)") == len(
                people_in["碧海社区"] | people_in["会展城社区"]
            )
            assert figure(digest, r"回答：(\d+)") == len(visible)
            for name in groups:
                line = re.search(rf"{name}：参与 (\d+)，回答 (\d+)", digest)
                assert line is not None, digest
                assert int(line.group(1)) == len(people_in[name])
                assert int(line.group(2)) == answers_in[name]
            assert figure(digest, r"与 \S+ – \S+ 相比：参与 [+-]\d+，回答 ([+-]\d+)") == len(
                visible
            ) - sum(len(t) for t in PREVIOUS_WEEK.values())
            # Poll and rating results with percentages of voters.
            assert figure(digest, r"东门\s+(\d+)\s+67%") == 2
            assert figure(digest, r"西门\s+(\d+)\s+33%") == 1
            assert "平均分：3.67" in digest
            assert HIDDEN not in digest

            # The chart: a PNG photo; the CSV: UTF-8 with BOM, the week's visible answers.
            (photo,) = photos(messages)[1:]
            png = photo["file_bytes"]
            assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
            (document,) = documents(messages)[1:]
            assert document["document"]["file_name"].endswith(".csv")
            raw = document["file_bytes"]
            assert raw.startswith(b"\xef\xbb\xbf")
            rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
            assert sorted(r["text"] for r in rows) == sorted(t for _, _, t in visible)
            assert Counter(r["community"] for r in rows) == answers_in
            # Theme counts in the text equal those counted from the CSV's rows.
            taxonomy = bot.core.tagger.taxonomy
            per_theme = Counter(
                theme_id
                for r in rows
                for theme_id in (r["principles"].split(";") + r["domains"].split(";"))
                if theme_id
            )
            assert per_theme, rows
            for theme_id, count in per_theme.items():
                theme = taxonomy.get(theme_id)
                assert theme is not None
                assert re.search(
                    rf"  {theme.name_zh} {count}（\d+%，置信度 [01]\.\d\d）", digest
                ), (theme_id, digest)
            # An official who did not set the bot up is told what the two figures mean.
            assert "百分比 = 提到该主题的回答占全部回答的比例" in digest
            assert "置信度（0–1）= 自动标注对这些回答的平均把握" in digest
        (tmp_path / "digest.png").write_bytes(photos(sent[staff_group.id])[1]["file_bytes"])

        # -- a second trigger for the same week sends nothing --------------------------------
        await wait_all_digests_sent(bot)
        async with Bot(bot.settings.token(), base_url=bot.settings.telegram.base_url) as api:
            assert not await send_due_digest(bot.core, api)
        await bot.settle()
        assert {c: len(staff_messages(em, c)) for c in staff_chats} == {
            c: len(m) for c, m in sent.items()
        }

    # -- nor does a restart in the same week ------------------------------------------------
    async with start_bot(em, tmp_path, roles=roles) as again:
        ticks = len(em.calls_to("getUpdates"))
        await em.wait_for(lambda: len(em.calls_to("getUpdates")) > ticks + 2, 30)
        await asyncio.sleep(4 * again.settings.schedule.tick_seconds)
        assert {c: len(staff_messages(em, c)) for c in staff_chats} == {
            c: len(m) for c, m in sent.items()
        }


async def test_quiet_week_sends_a_short_note_only(emulator: BotAPIEmulator, tmp_path: Path) -> None:
    """A week without answers or votes gives staff a one-line note and no chart or CSV."""
    em = emulator
    staff_user = em.add_user("值班员")
    staff_group = em.add_group("工作群")
    em.add_bot_to_group(staff_group, staff_user)
    async with start_bot(em, tmp_path, roles={"staff_chats": [staff_group.id]}) as bot:
        fire = last_due_period(bot.core, utcnow())
        assert fire is not None
        clock = Clock(fire - timedelta(days=6))
        bot.core.clock = clock
        await bot.register("碧海社区居民群", "碧海社区")
        clock.at = utcnow()
        await bot.wait_text(staff_group, lambda t: "没有新的居民回答或投票" in t, timeout=30)
        await asyncio.sleep(4 * bot.settings.schedule.tick_seconds)
        messages = staff_messages(em, staff_group.id)
        assert len(messages) == 1
        assert not photos(messages) and not documents(messages)


async def test_new_deployment_sends_no_digest_for_a_week_before_it(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """A deployment started after the last fire time sends no digest for that week, while
    /digest still builds one on demand for the organiser (in their private chat)."""
    em = emulator
    staff_user = em.add_user("值班员")
    staff_group = em.add_group("工作群")
    em.add_bot_to_group(staff_group, staff_user)
    async with start_bot(em, tmp_path, roles={"staff_chats": [staff_group.id]}) as bot:
        group = await bot.register("碧海社区居民群", "碧海社区")
        await bot.command(group, "/ask 1h 社区最需要改进什么？")
        post = round_post(em, group, "社区征询 #")
        em.send_message(em.add_user("居民"), group, "停车位太少了。", reply_to=post["message_id"])
        await bot.settle()
        await asyncio.sleep(4 * bot.settings.schedule.tick_seconds)
        assert staff_messages(em, staff_group.id) == []
        async with bot.core.repo.transaction() as session:
            assert await session.list_unsent_digests() == []

        private = em.private_chat(bot.organiser)
        await bot.command(private, "/start")
        await bot.command(group, "/digest")
        await bot.wait_text(private, lambda t: "社区民意周报" in t and "回答：1" in t)
        await em.wait_for(lambda: len(documents(em.messages_to(private.id))) == 1, 30)
        assert photos(em.messages_to(private.id))
