"""SPEC §9 from outside: `minyi run` SIGKILLed at the instant it makes a chosen Bot API call while a
batch of answers, edits, private answers, poll votes and rating presses is being worked through;
after a restart `minyi report --json` and `minyi export` hold each exactly once, as last said."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from sandbox.emulator import BotAPIEmulator
from tests.e2e.killing import KillPoint, Runner, cli, report_json, storage_url, texts
from tests.e2e.processes import write_run_config

SECRET = "kill-intake-secret"
PHRASES = [
    "希望物业公开停车费的收支明细",
    "垃圾分类点晚上没有灯，老人倒垃圾不方便",
    "社区议事会应该让租户也能参加",
    "电梯经常坏，维修要及时回应居民",
]

POINTS = [
    None,
    KillPoint("getUpdates", 1),
    KillPoint("getUpdates", 2, taken=True),
    KillPoint("getUpdates", 3),
    KillPoint("answerCallbackQuery", 1, taken=True),
    KillPoint("answerCallbackQuery", 4),
    KillPoint("sendMessage", 1, taken=True),
    KillPoint("sendMessage", 3),
]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize("point", POINTS, ids=[str(p) for p in POINTS])
async def test_a_batch_killed_at_any_call_is_counted_once(
    emulator: BotAPIEmulator, tmp_path: Path, backend: str, point: KillPoint | None
) -> None:
    """Killed at `point` amid a batch of group and private answers, edits, poll votes (changed,
    retracted) and rating presses: after a restart the report and the export count each
    resident's last word exactly once."""
    em = emulator
    organiser = em.add_user("Organiser")
    group = em.add_group("碧海社区居民群")
    em.add_bot_to_group(group, organiser)
    residents = [em.add_user(f"居民{i}") for i in range(12)]
    for person in residents:
        em.add_member(group, person)
    with storage_url(backend, tmp_path) as url:
        config = write_run_config(
            tmp_path / "config.toml",
            em,
            organiser,
            url,
            secret=SECRET,
            extra='[rounds]\nreminder_before = ""\n\n[limits]\nanswers_per_minute = 1000\n',
        )
        bot = Runner(em, config)
        try:
            await bot.restart()
            em.send_message(organiser, group, "/community 碧海社区")
            em.send_message(organiser, group, "/ask 2h 你希望社区怎样改进？")
            em.send_message(organiser, group, "/poll 2h 先改善哪一项？ | 停车 | 绿化 | 照明")
            em.send_message(organiser, group, "/rate 2h 你对小区保洁满意吗？")
            await em.wait_for(
                lambda: (
                    bool(texts(em, group.id, "社区征询 #1"))
                    and len(em.polls()) == 1
                    and any("reply_markup" in m for m in em.messages_to(group.id))
                ),
                60,
            )
            await em.wait_idle(60)
            ask = next(m for m in em.messages_to(group.id) if "社区征询 #1" in m.get("text", ""))
            (poll_id,) = em.polls()
            rate = next(m for m in em.messages_to(group.id) if "reply_markup" in m)

            bot.arm(point)
            answers: dict[tuple[int, int], str] = {}  # (chat, message id) -> latest text
            votes: dict[int, list[int]] = {}
            ratings: dict[int, int] = {}
            for i, person in enumerate(residents):
                text = f"{PHRASES[i % len(PHRASES)]}（第{i}条）"
                answers[
                    (group.id, em.send_message(person, group, text, reply_to=ask["message_id"]))
                ] = text
                em.vote_poll(person, poll_id, [i % 3])
                votes[person.id] = [i % 3]
                em.press_button(person, group, rate["message_id"], f"rate:3:{1 + i % 5}")
                ratings[person.id] = 1 + i % 5
            for i, person in enumerate(residents[:4]):
                # Private answers through the start link.
                chat = em.private_chat(person)
                em.send_message(person, chat, "/start r1")
                text = f"私下说：{PHRASES[i]}"
                answers[(chat.id, em.send_message(person, chat, text))] = text
            for i, person in enumerate(residents[4:8]):
                # Changed minds: an edit, a changed vote, a retraction, a changed rating.
                key = next(
                    k
                    for k in answers
                    if k[0] == group.id and answers[k].endswith(f"（第{i + 4}条）")
                )
                em.edit_message(person, group, key[1], f"改一下：{PHRASES[i]}")
                answers[key] = f"改一下：{PHRASES[i]}"
                new = [] if i % 2 else [(i + 1) % 3]
                em.vote_poll(person, poll_id, new)
                votes[person.id] = new
                em.press_button(person, group, rate["message_id"], "rate:3:5")
                ratings[person.id] = 5
            assert await bot.killed_and_restarted(), "the bot never made that call"
            await em.wait_idle(120)
            await bot.stop()
            rounds = await report_json(config)
            exported = json.loads(await cli(config, "export", "--format", "json"))
        except BaseException:
            bot.kill_now()
            print(bot.tail())
            raise

    log = bot.tail()
    got = Counter(row["text"] for row in exported)
    assert got == Counter(answers.values()), (bot.killed, log)
    assert rounds[1]["answers"] == len(answers)
    voted = Counter(o for chosen in votes.values() for o in chosen)
    assert rounds[2]["poll"]["voters"] == len([v for v in votes.values() if v])
    assert [o["votes"] for o in rounds[2]["poll"]["options"]] == [voted[i] for i in range(3)]
    rated = Counter(ratings.values())
    assert rounds[3]["poll"]["voters"] == len(ratings)
    assert [o["votes"] for o in rounds[3]["poll"]["options"]] == [rated[v] for v in range(1, 6)]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize("when", ["down", "after"])
async def test_a_reply_to_the_question_taken_at_the_crash_counts(
    emulator: BotAPIEmulator, tmp_path: Path, backend: str, when: str
) -> None:
    """Killed as Telegram takes a text round's question (its message id never stored), a reply
    to that message, sent while the bot is down or after its copy went out, and then edited,
    is counted once as edited; replied to while down, the question is not sent again."""
    em = emulator
    organiser = em.add_user("Organiser")
    group = em.add_group("碧海社区居民群")
    em.add_bot_to_group(group, organiser)
    resident = em.add_user("居民")
    em.add_member(group, resident)
    with storage_url(backend, tmp_path) as url:
        config = write_run_config(
            tmp_path / "config.toml",
            em,
            organiser,
            url,
            secret=SECRET,
            extra='[rounds]\nreminder_before = ""\n',
        )
        bot = Runner(em, config)
        try:
            await bot.restart()
            em.send_message(organiser, group, "/community 碧海社区")
            await em.wait_for(lambda: bool(texts(em, group.id, "已登记")), 60)
            await em.wait_idle(60)

            replies: list[int] = []

            def reply_to_first() -> None:
                first = next(m for m in em.messages_to(group.id) if "社区征询 #1" in m["text"])
                replies.append(
                    em.send_message(resident, group, PHRASES[0], reply_to=first["message_id"])
                )

            bot.arm(KillPoint("sendMessage", 1, taken=True))
            em.send_message(organiser, group, "/ask 2h 你希望社区怎样改进？")
            assert await bot.killed_and_restarted(
                while_down=reply_to_first if when == "down" else None
            ), "the bot never made that call"
            if when == "after":
                await em.wait_for(lambda: len(texts(em, group.id, "社区征询 #1")) == 2, 60)
                reply_to_first()
            await em.wait_idle(60)
            em.edit_message(resident, group, replies[0], PHRASES[1])  # an edit of the stored answer
            await em.wait_idle(60)
            await bot.stop()
            rounds = await report_json(config)
            exported = json.loads(await cli(config, "export", "--format", "json"))
        except BaseException:
            bot.kill_now()
            print(bot.tail())
            raise

    log = bot.tail()
    assert rounds[1]["answers"] == 1, log
    assert [row["text"] for row in exported] == [PHRASES[1]], log
    assert len(texts(em, group.id, "社区征询 #1")) == (1 if when == "down" else 2), log
