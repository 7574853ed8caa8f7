"""The scheduler's repeating job on a busy machine: slow ticks never pile up or warn."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from telegram.ext import ApplicationBuilder

from bot.app import schedule_ticks
from bot.scheduler import Scheduler
from tests.bot.pollseed import open_test_core

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
