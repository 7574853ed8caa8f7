"""SPEC §9 on both backends: `minyi run` (long polling) killed with SIGKILL again and again while
answers, their edits, poll votes (changed and retracted) and rating presses are in flight; after
the last restart the stored state is exactly what residents last said."""

from __future__ import annotations

import contextlib
import random
import signal
from collections import Counter
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from bot.config import settings_from_dict
from bot.core.base import open_core
from sandbox.emulator import BotAPIEmulator
from tests.e2e.processes import start_minyi_run, stop, write_run_config
from tests.pg import postgres_schema_url

SECRET = "crash-mixed-secret"
PHRASES = [
    "希望物业公开停车费的收支明细",
    "垃圾分类点晚上没有灯，老人倒垃圾不方便",
    "社区议事会应该让租户也能参加",
    "电梯经常坏，维修要及时回应居民",
    "网上办事对老年人太难了，希望保留人工窗口",
]
KILLS = 4
ACTIONS_PER_LEG = 120


@contextlib.contextmanager
def _storage(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'minyi.db'}"
    else:
        with postgres_schema_url() as url:
            yield url


def _past(em: BotAPIEmulator, offset: int) -> bool:
    return em.confirmed_offset > offset


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_sigkills_amid_answers_edits_votes_and_ratings(
    emulator: BotAPIEmulator, tmp_path: Path, backend: str
) -> None:
    em = emulator
    organiser = em.add_user("Organiser")
    group = em.add_group("碧海社区居民群")
    em.add_bot_to_group(group, organiser)
    with _storage(backend, tmp_path) as url:
        config = write_run_config(
            tmp_path / "config.toml",
            em,
            organiser,
            url,
            secret=SECRET,
            extra='[rounds]\nreminder_before = ""\n\n[limits]\nanswers_per_minute = 1000\n',
        )
        proc = start_minyi_run(config)
        try:
            em.send_message(organiser, group, "/community 碧海社区")
            em.send_message(organiser, group, "/ask 2h 你希望社区怎样改进？")
            em.send_message(organiser, group, "/poll 2h 先改善哪一项？ | 停车 | 绿化 | 照明")
            em.send_message(organiser, group, "/rate 2h 你对小区保洁满意吗？")
            await em.wait_for(
                lambda: (
                    any("社区征询 #1" in m.get("text", "") for m in em.messages_to(group.id))
                    and len(em.polls()) == 1
                    and any("reply_markup" in m for m in em.messages_to(group.id))
                ),
                60,
            )
            ask = next(m for m in em.messages_to(group.id) if "社区征询 #1" in m.get("text", ""))
            (poll_id,) = em.polls()
            rate = next(m for m in em.messages_to(group.id) if "reply_markup" in m)
            rng = random.Random(20240611)
            residents = [em.add_user(f"居民{i}") for i in range(30)]
            answers: dict[tuple[int, int], str] = {}  # (user, message id) -> latest text
            votes: dict[int, tuple[int, ...]] = {}
            ratings: dict[int, int] = {}
            serial = 0
            for _leg in range(KILLS + 1):
                for _ in range(ACTIONS_PER_LEG):
                    person = rng.choice(residents)
                    serial += 1
                    text = f"{rng.choice(PHRASES)}（第{serial}条）"
                    mine = [key for key in answers if key[0] == person.id]
                    action = rng.random()
                    if action < 0.4 or (action < 0.55 and not mine):
                        message_id = em.send_message(
                            person, group, text, reply_to=ask["message_id"]
                        )
                        answers[(person.id, message_id)] = text
                    elif action < 0.55:
                        key = rng.choice(mine)
                        em.edit_message(person, group, key[1], text)
                        answers[key] = text
                    elif action < 0.8:
                        chosen = tuple(sorted(rng.sample(range(3), rng.choice([0, 1, 1, 1]))))
                        if chosen != votes.get(person.id, ()):
                            em.vote_poll(person, poll_id, chosen)
                            votes[person.id] = chosen
                    else:
                        value = rng.randint(1, 5)
                        em.press_button(person, group, rate["message_id"], f"rate:3:{value}")
                        ratings[person.id] = value
                if _leg == KILLS:
                    break
                # Killed once an arbitrary part of the leg is committed (and confirmed).
                target = em.confirmed_offset + rng.randint(1, 40)
                await em.wait_for(partial(_past, em, target), 120)
                await stop(proc, signal.SIGKILL)
                proc = start_minyi_run(config)
            await em.wait_idle(180)
            assert await stop(proc, signal.SIGTERM) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
        log = (tmp_path / "bot.log").read_text(encoding="utf-8", errors="replace")[-4000:]

        settings = settings_from_dict(
            {"storage": {"url": url}, "privacy": {"secret": SECRET}}, environ={}
        )
        core = await open_core(settings)
        try:
            async with core.repo.transaction() as session:
                stored = await session.list_answers(include_hidden=True)
                dead = await session.tx.fetchval("SELECT count(*) FROM dead_letters")
                got_votes: dict[int, Any] = {}
                for person in residents:
                    got_votes[person.id] = sorted(
                        await session.list_resident_votes(core.resident(person.id))
                    )
        finally:
            await core.repo.close()
    assert dead == 0, log
    assert Counter(a.text for a in stored) == Counter(answers.values()), log
    for person in residents:
        expected = sorted(
            [(2, o) for o in votes.get(person.id, ())]
            + ([(3, ratings[person.id])] if person.id in ratings else [])
        )
        assert [tuple(v) for v in got_votes[person.id]] == expected, (person.id, log)
