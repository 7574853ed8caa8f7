"""Votes cast the moment a poll or a rating post appears, before the bot has stored the id
Telegram gave it (SPEC §9, nothing lost): a real `minyi run` against the emulator, whose
answer to the send is held back until the bot has seen the vote; the vote counts in
`minyi report --json`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox.emulator import BotAPIEmulator
from tests.e2e.processes import sqlite_run_config, start_minyi_run, stop

# How long the held send waits, at most, for the bot to take the vote as done. The fixed bot
# retries the vote after 0.2 s and again after 0.8 s (longer sleeps on a busy machine, never
# shorter), so this only bounds a hang; a bot that drops the vote confirms it at once.
HOLD_SECONDS = 0.5


def _hold(em: BotAPIEmulator, holds: Callable[[str | None, dict[str, Any]], bool]) -> asyncio.Event:
    """Telegram accepts the matching send (the poll or message exists, people can use it)
    but its answer reaches the bot only once the returned event is set."""
    release = asyncio.Event()
    perform = em._perform

    async def held(request: Any, call: Any, method: str | None, raw: dict[str, Any]) -> Any:
        result = await perform(request, call, method, raw)
        if holds(method, raw):
            await release.wait()
        return result

    em._perform = held  # type: ignore[method-assign]
    return release


def _report(config: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINYI_")}
    out = subprocess.run(
        [sys.executable, "-m", "bot", "report", "--json", "--config", str(config)],
        capture_output=True,
        check=True,
        env=env,
    ).stdout
    return {r["kind"]: r for r in json.loads(out)["rounds"]}


async def _until_seen(em: BotAPIEmulator, release: asyncio.Event) -> None:
    """Release the held send once the bot took the queued vote as done, or HOLD_SECONDS."""
    with contextlib.suppress(TimeoutError):
        await em.wait_for(lambda: not em.queue, HOLD_SECONDS)
    release.set()


async def test_a_vote_cast_before_the_post_is_stored_counts(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    em = emulator
    organiser = em.add_user("李主任")
    residents = [em.add_user(name) for name in ("王阿姨", "张师傅")]
    group = em.add_group("碧海", admins=[organiser])
    em.add_bot_to_group(group, organiser)
    for resident in residents:
        em.add_member(group, resident)
    config, _ = sqlite_run_config(tmp_path, em, organiser, secret="votes-in-flight")
    proc = start_minyi_run(config)
    try:
        em.send_message(organiser, group, "/community 碧海社区")
        await em.wait_idle(60)

        release = _hold(em, lambda method, raw: method == "sendPoll")
        em.send_message(organiser, group, "/poll 1h 周末活动选哪个？ | 电影 | 跳舞")
        await em.wait_for(lambda: len(em.polls()) == 1, 60)
        poll_id = next(iter(em.polls()))
        em.vote_poll(residents[0], poll_id, [1])
        await _until_seen(em, release)
        await em.wait_idle(60)

        release = _hold(em, lambda method, raw: "rate:" in str(raw.get("reply_markup")))
        em.send_message(organiser, group, "/rate 1h 绿化怎么样？")
        await em.wait_for(lambda: any(m.get("reply_markup") for m in em.messages_to(group.id)), 60)
        post = next(m for m in em.messages_to(group.id) if m.get("reply_markup"))
        button = post["reply_markup"]["inline_keyboard"][0][3]["callback_data"]
        em.press_button(residents[1], group, post["message_id"], button)
        await _until_seen(em, release)
        await em.wait_idle(60)
    finally:
        assert await stop(proc, signal.SIGTERM) == 0
    rounds = _report(config)
    assert rounds["poll"]["poll"]["voters"] == 1
    assert [o["votes"] for o in rounds["poll"]["poll"]["options"]] == [0, 1]
    assert rounds["rating"]["poll"]["voters"] == 1
    assert rounds["rating"]["poll"]["average"] == 4


async def test_a_reply_to_the_question_before_it_is_stored_counts(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """A reply to a text round's question sent the instant it appeared (in privacy mode, the
    only way a group answer reaches the bot) is an answer, not a reply to nothing."""
    em = emulator
    organiser = em.add_user("李主任")
    resident = em.add_user("王阿姨")
    group = em.add_group("碧海", admins=[organiser], bot_sees_all=False)
    em.add_bot_to_group(group, organiser)
    em.add_member(group, resident)
    config, _ = sqlite_run_config(tmp_path, em, organiser, secret="reply-in-flight")
    proc = start_minyi_run(config)
    try:
        em.send_message(organiser, group, "/community 碧海社区")
        await em.wait_idle(60)
        release = _hold(
            em, lambda method, raw: method == "sendMessage" and "停车" in str(raw.get("text"))
        )
        em.send_message(organiser, group, "/ask 1h 小区停车有什么问题？")
        await em.wait_for(lambda: any("停车" in m["text"] for m in em.messages_to(group.id)), 60)
        question = next(m for m in em.messages_to(group.id) if "停车" in m["text"])
        em.send_message(
            resident, group, "晚上车位太少，物业也不管。", reply_to=question["message_id"]
        )
        await _until_seen(em, release)
        await em.wait_idle(60)
    finally:
        assert await stop(proc, signal.SIGTERM) == 0
    text_round = _report(config)["text"]
    assert text_round["answers"] == 1
    assert text_round["participants"] == 1
