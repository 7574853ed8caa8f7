"""Scheduled work, with the database as the single source of truth.

One repeating job (PTB's JobQueue, i.e. APScheduler) looks every `schedule.tick_seconds` for
what fell due: round openings, reminders and closings (also those missed while the bot was
down), posts still owed, the weekly digest, the daily retention purge, and learning the
models from labels again once labelled answers were deleted. Nothing is armed only
in memory, so a restart loses nothing; each transition is a guarded state change, so nothing
happens twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.core.base import Core
from bot.core.durations import due_again
from bot.core.labelling import follow_stored_models, relearn_if_erased
from bot.core.privacy import failure
from bot.core.rounds import advance_due_rounds
from storage.migrations import SchemaTooNew

log = logging.getLogger(__name__)

RETENTION_EVERY = timedelta(hours=24)
PROCESSED_UPDATES_KEPT = timedelta(days=2)


def retention_cutoff(now: datetime, days: int) -> datetime:
    """What is older than this goes (`days` before `now`); the first moment a date holds when
    that is earlier (a retention of 1,000,000 days keeps everything, where the cut-off's
    OverflowError failed the purge at every tick)."""
    try:
        return now - timedelta(days=days)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


async def purge_expired(core: Core) -> int:
    """Delete answers older than privacy.retention_days, old processed-update ids, ended label
    claims, the deleted answers' messages of closed rounds and (PostgreSQL) the shared flood
    limits' rows of chats that are quiet again."""
    now = core.now()
    async with core.repo.transaction() as session:
        deleted = await session.delete_answers_before(
            retention_cutoff(now, core.settings.privacy.retention_days)
        )
        await session.delete_processed_updates_before(now - PROCESSED_UPDATES_KEPT)
        await session.delete_expired_label_claims(now)
        await session.delete_deleted_sources_of_closed_rounds()
        if core.repo.shared:
            await session.prune_flood_windows()
    if deleted:
        log.info("retention: deleted %s answers", deleted)
        core.answers_removed += 1
    await core.repo.scrub()
    return deleted


def _log_failure(task: asyncio.Task[None]) -> None:
    # Stages log their own errors; this catches the rest (e.g. the leadership check), which
    # would otherwise surface only as "Task exception was never retrieved" at exit.
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("scheduler tick failed; retrying on the next tick: %s", failure(error))


class Scheduler:
    """The tick: everything that falls due, done once."""

    def __init__(
        self,
        core: Core,
        *,
        send_posts: Callable[[], Awaitable[object]],
        send_digest: Callable[[], Awaitable[object]],
        is_leader: Callable[[], Awaitable[bool]] | None = None,
        ready: asyncio.Event | None = None,
        outdated: Callable[[SchemaTooNew], None] | None = None,
    ) -> None:
        self.core = core
        # The channel's part of the tick: send owed posts, deliver a due digest.
        self.send_posts = send_posts
        self.send_digest = send_digest
        self.is_leader = is_leader
        # Set once the updates that waited while the bot was down are processed: a round due
        # to close must first count the votes and answers sent while it was still open.
        self.ready = ready
        # Called, and no more work done, once a newer Minyi has migrated the database.
        self.outdated = outdated
        self._last_purge: datetime | None = None
        self._running: asyncio.Task[None] | None = None

    def tick_soon(self) -> None:
        """Start a tick in the background unless one is still running (then skip this one).

        The repeating job calls this and returns at once, so APScheduler never finds the job
        still running: on a busy machine a tick that outlasts the interval used to make it
        log "maximum number of running instances reached" at every interval.
        """
        if self._running is not None and not self._running.done():
            log.debug("the previous tick is still running; skipping this one")
            return
        self._running = asyncio.create_task(self.tick(), name="minyi-tick")
        self._running.add_done_callback(_log_failure)

    async def wait_idle(self) -> None:
        """Wait for a tick started by `tick_soon` to finish (at shutdown)."""
        if self._running is not None:
            await asyncio.gather(self._running, return_exceptions=True)

    async def tick(self) -> None:
        """One pass over due work; errors are logged and retried on the next tick."""
        core = self.core
        if self.outdated is not None:
            # Every process: one left running while a newer version migrated the database
            # would write on without what that version keeps up (SPEC §8).
            try:
                await core.repo.refuse_newer_schema()
            except SchemaTooNew as exc:
                self.outdated(exc)
                return
        if self.ready is not None and not self.ready.is_set():
            return
        try:
            # Every process, leader or not: models another process learned are used here too.
            await follow_stored_models(core)
        except Exception as exc:
            log.error(
                "reading the stored models failed; retrying on the next tick: %s", failure(exc)
            )
        if self.is_leader is not None and not await self.is_leader():
            return
        # Each stage on its own: one that keeps failing (a round that cannot close, a staff
        # chat that cannot be reached) must not stop the others.
        for name, stage in (
            ("rounds", lambda: advance_due_rounds(core)),
            ("posts", self.send_posts),
            ("digest", self.send_digest),
            ("retention", self._purge_if_due),
            # After the purge: models that learned from answers it or a /forget deleted.
            ("learning", lambda: relearn_if_erased(core)),
        ):
            try:
                await stage()
            except Exception as exc:
                log.error(
                    "scheduler stage %s failed; retrying on the next tick: %s", name, failure(exc)
                )
        if core.scrub_due:
            # A resident's /forget committed since the last tick (inside an update's
            # transaction, where the files cannot be scrubbed): erase it from them now.
            core.scrub_due = False
            try:
                await core.repo.scrub()
            except Exception as exc:
                core.scrub_due = True
                log.error(
                    "scrubbing deleted data failed; retrying on the next tick: %s", failure(exc)
                )

    async def _purge_if_due(self) -> None:
        """The retention purge, once every RETENTION_EVERY, and at once after the clock went
        back (else the purge stopped until the clock caught up, or the bot restarted)."""
        now = self.core.now()
        if due_again(self._last_purge, RETENTION_EVERY, now):
            await purge_expired(self.core)
            self._last_purge = now
