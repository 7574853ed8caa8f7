"""Update intake that never loses an answer (SPEC §9).

PTB's own Updater confirms a batch to Telegram (moves the getUpdates offset) before the
handlers have run, so a crash would lose what was in flight. Minyi polls itself: each update is
processed, its effects committed (claiming the update id in the same transaction, see
`Core.transaction`), and only then does the next getUpdates call carry an offset past it. An
update seen twice is skipped; one whose processing keeps failing is kept whole in
`dead_letters` rather than dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.error import Conflict, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from bot.core import AlreadyProcessed, Core, UpdateClaim, current_update
from bot.privacy import scrub_update
from bot.replies import collecting, send_all

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
POLL_TIMEOUT = 10
BATCH = 100


class UpdateFailed(Exception):
    """A handler raised while processing an update."""


def error_recorder(app: Application[Any, Any, Any, Any, Any, Any]) -> Any:
    """An error handler that marks the current update as failed (PTB swallows the error)."""

    async def record(update: object, context: Any) -> None:
        claim = current_update.get()
        error = context.error
        if isinstance(error, AlreadyProcessed):
            return
        log.error("error while processing update: %r", error, exc_info=error)
        if claim is not None:
            claim.error = error

    return record


async def process_update(
    app: Application[Any, Any, Any, Any, Any, Any], core: Core, update: Update
) -> bool:
    """Process one update with its effects committed; False if it failed and must be retried."""
    async with core.repo.transaction() as session:
        if await session.is_update_processed(update.update_id):
            return True
    claim = UpdateClaim(update.update_id)
    token = current_update.set(claim)
    try:
        await app.process_update(update)
    finally:
        current_update.reset(token)
    if claim.error is not None and not claim.claimed:
        return False
    if not claim.claimed:
        # Updates without effects (chatter, /help) are recorded too, so a restart skips them.
        async with core.repo.transaction() as session:
            await session.add_processed_update(update.update_id, core.now())
    return True


async def process_with_retry(
    app: Application[Any, Any, Any, Any, Any, Any], core: Core, update: Update
) -> None:
    """Process an update, retrying failures; after MAX_ATTEMPTS keep it as a dead letter."""
    delay = 0.2
    for _attempt in range(MAX_ATTEMPTS):
        if await process_update(app, core, update):
            return
        await asyncio.sleep(delay)
        delay *= 4
    # Kept whole but pseudonymous: no raw user id or name may reach the database (SPEC §9).
    payload = json.dumps(scrub_update(update.to_dict(), core.secret), ensure_ascii=False)
    log.error("update %s failed %s times; kept in dead_letters", update.update_id, MAX_ATTEMPTS)
    async with core.repo.transaction() as session:
        await session.add_dead_letter(update.update_id, payload, "handler failed", core.now())
        await session.add_processed_update(update.update_id, core.now())


def _is_command(update: Update) -> bool:
    message = update.message
    return message is not None and (message.text or "").startswith("/")


async def _process_run(
    app: Application[Any, Any, Any, Any, Any, Any], core: Core, run: Sequence[Update]
) -> None:
    """Process updates in one transaction that also claims them all; raise if any failed.

    The run's claims are checked with one query and recorded with one statement; a plain
    INSERT, so an id another process claimed meanwhile fails the run instead of counting twice.
    Any failure rolls the whole run back (the caller then processes it update by update).
    Replies wait until the run has committed (bot/replies.py): the transaction is never held
    open across Telegram's flood limits, and no receipt goes out for an answer not stored.
    """
    with collecting() as replies:
        async with core.repo.batch() as session:
            done = await session.list_processed_updates([u.update_id for u in run])
            claimed: list[int] = []
            for update in run:
                if update.update_id in done:
                    continue
                # Claimed by this batch (below), so core transactions must not claim it again.
                claim = UpdateClaim(update.update_id, claimed=True)
                token = current_update.set(claim)
                try:
                    await app.process_update(update)
                finally:
                    current_update.reset(token)
                if claim.error is not None or session.failed:
                    raise UpdateFailed(update.update_id)
                claimed.append(update.update_id)
            await session.add_processed_updates(claimed, core.now())
    await send_all(replies)


async def process_batch(
    app: Application[Any, Any, Any, Any, Any, Any], core: Core, updates: Sequence[Update]
) -> None:
    """Process a fetched batch, committing runs of answers and votes in one transaction each.

    Commands are processed on their own, outside any batch: they may post to Telegram, and a
    post must never go out for a round whose creation could still be rolled back.
    """
    index = 0
    while index < len(updates):
        if _is_command(updates[index]):
            await process_with_retry(app, core, updates[index])
            index += 1
            continue
        end = index
        while end < len(updates) and not _is_command(updates[end]):
            end += 1
        run = updates[index:end]
        index = end
        try:
            await _process_run(app, core, run)
        except Exception as exc:
            # Rare: the run is rolled back whole and done again one update at a time (a reply
            # already sent for one of its updates may then be sent a second time).
            log.warning("batch of %s updates rolled back (%r); one by one", len(run), exc)
            for update in run:
                await process_with_retry(app, core, update)


async def poll_updates(
    app: Application[Any, Any, Any, Any, Any, Any],
    core: Core,
    stop: asyncio.Event,
    poll_seconds: int = POLL_TIMEOUT,
    caught_up: asyncio.Event | None = None,
) -> None:
    """Long-poll Telegram until `stop` is set, confirming each update only after it committed.

    `caught_up` is set once the backlog waiting at start-up (what residents sent while the bot
    was down) has been processed.
    """
    offset: int | None = None
    backoff = db_backoff = 0.5
    # Long polling and a webhook exclude each other (Telegram answers getUpdates with 409
    # while one is set): as PTB's own Updater does, remove any webhook, keeping what is pending.
    try:
        await app.bot.delete_webhook(drop_pending_updates=False)
    except TelegramError as exc:
        log.warning("deleteWebhook failed (%s); polling anyway", exc)
    while not stop.is_set():
        draining = caught_up is not None and not caught_up.is_set()
        try:
            updates = await _get_updates_or_stop(app, offset, 0 if draining else poll_seconds, stop)
        except RetryAfter as exc:
            wait = exc.retry_after
            await _sleep_or_stop(
                stop, wait if isinstance(wait, int | float) else wait.total_seconds()
            )
            continue
        except (TimedOut, NetworkError, Conflict) as exc:
            # Conflict: another process polls with this token (or a webhook was set again).
            log.warning("getUpdates failed (%s); retrying in %.1fs", exc, backoff)
            await _sleep_or_stop(stop, backoff)
            backoff = min(backoff * 2, 30.0)
            continue
        backoff = 0.5
        if updates:
            try:
                await process_batch(app, core, updates)
            except Exception:
                # The database failed (not a handler: those are retried, then dead-lettered).
                # Nothing past the last commit is confirmed: fetch the same offset again, the
                # updates already committed are skipped as processed.
                log.exception(
                    "processing %s updates failed; retrying in %.1fs", len(updates), db_backoff
                )
                await _sleep_or_stop(stop, db_backoff)
                db_backoff = min(db_backoff * 2, 30.0)
                continue
            db_backoff = 0.5
            offset = updates[-1].update_id + 1
        if draining and caught_up is not None and len(updates) < BATCH:
            caught_up.set()
    if offset is not None:
        # Confirm what was committed, so a clean restart does not even re-read it.
        try:
            await app.bot.get_updates(offset=offset, timeout=0, limit=1)
        except (TimedOut, NetworkError) as exc:
            log.info("final offset confirmation failed: %s", exc)


async def _get_updates_or_stop(
    app: Application[Any, Any, Any, Any, Any, Any],
    offset: int | None,
    poll_seconds: int,
    stop: asyncio.Event,
) -> tuple[Update, ...]:
    """One long poll, abandoned (harmlessly: nothing is confirmed) as soon as `stop` is set."""
    fetch = asyncio.ensure_future(
        app.bot.get_updates(
            offset=offset, timeout=poll_seconds, limit=BATCH, allowed_updates=Update.ALL_TYPES
        )
    )
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait({fetch, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if not fetch.done():
        fetch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await fetch
        return ()
    stopped.cancel()
    result: tuple[Update, ...] = fetch.result()
    return result


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
