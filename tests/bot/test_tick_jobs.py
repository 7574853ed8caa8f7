"""The scheduler's repeating job: slow ticks never pile up or warn, and its timed stages go on
when the clock jumps back or forward."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from telegram.ext import ApplicationBuilder

from bot.app import schedule_ticks
from bot.core.base import Core
from bot.core.durations import due_again
from bot.scheduler import RETENTION_EVERY, Scheduler
from tests.bot.pollseed import open_test_core
from tests.seeding import add_tagged_answer, seed_text_round

INTERVAL = 0.05  # far shorter than one tick below: every interval finds a tick running


async def test_a_tick_slower_than_the_interval_is_skipped_quietly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """With ticks lasting many intervals, APScheduler logs no "maximum number of running
    instances" warning, no two ticks ever run at once, and ticks keep coming."""
    core = await open_test_core(tmp_path)
    running = 0
    most = 0
    finished = 0
    enough = asyncio.Event()

    async def slow_send() -> None:
        """Sending owed posts as a stalled Bot API would: far longer than the interval."""
        nonlocal running, most, finished
        running += 1
        most = max(most, running)
        try:
            await asyncio.sleep(INTERVAL * 8)
        finally:
            running -= 1
            finished += 1
            if finished >= 3:
                enough.set()

    async def nothing() -> None:
        """No digest is due."""

    scheduler = Scheduler(core, send_posts=slow_send, send_digest=nothing)
    app = ApplicationBuilder().token("123:sandbox").build()
    assert app.job_queue is not None
    caplog.set_level(logging.DEBUG, logger="apscheduler")
    try:
        schedule_ticks(app.job_queue, scheduler, INTERVAL)
        await app.job_queue.start()
        await asyncio.wait_for(enough.wait(), timeout=120)
        await app.job_queue.stop(wait=True)
        await scheduler.wait_idle()
    finally:
        await core.repo.close()
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [w for w in warnings if "maximum number of running instances" in w], warnings
    assert not [w for w in warnings if "was missed by" in w], warnings
    assert most == 1 and finished >= 3


async def _old_answers(core: Core, round_id: int, community_id: int, at: datetime) -> int:
    """Store an answer given long before `at` (past any retention period); how many the
    round has now."""
    async with core.repo.transaction() as session:
        await add_tagged_answer(
            core,
            session,
            round_id,
            community_id,
            resident=f"r{at.timestamp()}",
            source=f"g:-100:{at.timestamp()}",
            text="小区停车位太少了",
            at=at - timedelta(days=core.settings.privacy.retention_days + 30),
        )
        return len(await session.list_answers(round_ids=[round_id]))


async def _answers(core: Core, round_id: int) -> int:
    async with core.repo.transaction() as session:
        return len(await session.list_answers(round_ids=[round_id]))


@pytest.mark.parametrize("jump", [timedelta(days=-365), timedelta(days=365)])
async def test_the_retention_purge_goes_on_after_the_clock_jumps(
    tmp_path: Path, jump: timedelta
) -> None:
    """After the clock is set back a year (an NTP correction) or forward a year, the daily
    retention purge runs at the next tick, and then once a day again, not at every tick:
    an answer past retention by the new clock is deleted."""
    core = await open_test_core(tmp_path)
    try:
        round_id, _ = await seed_text_round(core, [])
        async with core.repo.transaction() as session:
            (community,) = await session.list_communities()
        moment = datetime(2027, 6, 1, tzinfo=UTC)
        core.clock = lambda: moment

        async def nothing() -> None:
            """No posts or digest owed."""

        scheduler = Scheduler(core, send_posts=nothing, send_digest=nothing)
        await scheduler.tick()
        moment += jump
        assert await _old_answers(core, round_id, community.id, moment) == 1
        await scheduler.tick()
        assert await _answers(core, round_id) == 0, "the purge stopped after the clock jumped"
        moment += timedelta(minutes=1)
        assert await _old_answers(core, round_id, community.id, moment) == 1
        await scheduler.tick()
        assert await _answers(core, round_id) == 1, "the purge ran at every tick"
        moment += RETENTION_EVERY
        await scheduler.tick()
        assert await _answers(core, round_id) == 0
    finally:
        await core.repo.close()


def test_due_again_after_its_interval_or_when_the_clock_went_back() -> None:
    """Something done at noon is due again a day later, not an hour later, and at once when
    the clock is set back before noon (it would otherwise wait until the clock caught up)."""
    noon = datetime(2027, 6, 1, 12, tzinfo=UTC)
    day = timedelta(days=1)
    assert due_again(None, day, noon)
    assert not due_again(noon, day, noon + timedelta(hours=1))
    assert due_again(noon, day, noon + day)
    assert due_again(noon, day, noon - timedelta(days=365))
    assert due_again(noon, day, noon - timedelta(seconds=1))
