"""Update intake that never loses an answer (SPEC §9).

PTB's own Updater confirms a batch to Telegram (moves the getUpdates offset) before the
handlers have run, so a crash would lose what was in flight. Minyi polls itself: each update is
processed, its effects committed (claiming the update id in the same transaction, see
`Core.transaction`), and only then does the next getUpdates call carry an offset past it. An
update seen twice is skipped; one whose processing keeps failing is kept whole in
`dead_letters` rather than dropped.

Updates arrive as the Bot API's JSON. Runs of plain answers (the `PlainPath` bot/app.py hands
in: handlers/answers.py `read_plain_answer` and `record_plain_answers`) are recorded together
without PTB objects; anything else becomes a PTB `Update` and goes through the Application's
handlers. A run of non-command updates commits as one transaction; a command commits on its own.

Each update is a `Turn` (bot/core/base.py), registered in `BotData.turns` while its handlers
run: the handlers pass it to the core, whose first transaction claims the update (or joins the
run's open transaction), and queue their replies on it. Once the turn (or the whole run) has
committed, the intake hands those replies to the per-chat reply queue (bot/telegram/replies.py)
without waiting for them to be sent; it drops them if the turn rolled back.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from telegram import Update
from telegram.error import (
    BadRequest,
    Conflict,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ExtBot

from bot.core.base import AlreadyProcessed, Core, OwedReply, PreparedText, Turn
from bot.core.errors import PostNotStoredYet
from bot.core.privacy import dead_letter_payload, failure
from bot.telegram.context import BotData, MinyiApp
from bot.telegram.sending import flood_wait

log = logging.getLogger(__name__)

_Plain = TypeVar("_Plain")

MAX_ATTEMPTS = 3
POLL_TIMEOUT = 10
BATCH = 100
# Updates one batch takes, at most. A fetch made while a batch is in flight brings that batch
# back first (it is not confirmed yet), so it has room for BATCH minus that many new ones:
# after a full batch the intake waits for its commit before fetching (a backlog then goes
# by in full batches, without fetching and decoding every update twice, which cost more
# than the overlap saved on the loaded 2-core machine); after a partial one (live traffic)
# it fetches and tags the next while it commits.
TAKE = BATCH
# How long a webhook run waits, at most, for the senders of the run before it (and never
# longer than that run took).
GATHER_WAIT = 0.05
# How long a long poll may take beyond its own timeout before we give up on the connection.
READ_MARGIN = 30

RawUpdate = dict[str, Any]  # an update as the Bot API sends it (JSON)
Prepared = Mapping[str, PreparedText]  # answer texts of a batch, redacted and tagged


@dataclass(frozen=True)
class PlainPath(Generic[_Plain]):
    """The direct path for plain answers: `read` picks them out of raw updates (None for any
    other update), `record` stores a run of them under one turn, and `prepare` (if given)
    redacts and tags their texts ahead of it (bot/core/answers.py `prepare_texts`), while the
    batch before commits."""

    read: Callable[[RawUpdate], _Plain | None]
    record: Callable[[ExtBot[Any], BotData, Sequence[_Plain], Turn], Awaitable[None]]
    prepare: Callable[[BotData, Sequence[_Plain]], Awaitable[Prepared]] | None = None


class MinyiBot(ExtBot[Any]):
    """PTB's bot, with getUpdates also available as the Bot API's plain JSON.

    The answers that make up nearly all of a busy round skip PTB's object building (which
    costs about as much as segmenting them); the intake builds PTB objects for the rest.
    """

    async def get_updates_json(
        self, *, offset: int | None, poll_seconds: int, limit: int, allowed_updates: Sequence[str]
    ) -> list[RawUpdate]:
        """`get_updates`, each update left as a dict; NetworkError if the answer is not a list
        of objects."""
        data = {
            "offset": offset,
            "timeout": poll_seconds,
            "limit": limit,
            "allowed_updates": list(allowed_updates),
        }
        result = await self._post("getUpdates", data, read_timeout=poll_seconds + READ_MARGIN)
        if not isinstance(result, list) or not all(isinstance(u, dict) for u in result):
            raise NetworkError(f"getUpdates answered with something else: {type(result).__name__}")
        # An update without a numeric id can be neither claimed nor confirmed: processing it
        # would fail its whole batch again on every poll. Telegram never sends one; skip it.
        updates: list[RawUpdate] = [u for u in result if type(u.get("update_id")) is int]
        if len(updates) != len(result):
            log.warning(
                "%s updates without a numeric update_id skipped", len(result) - len(updates)
            )
        return updates


# How updates come in: long polling (`poll_updates`) unless another intake is given (webhook
# mode, bot/telegram/webhook.py). It runs until the event is set.
Intake = Callable[[MinyiApp, Core, PlainPath[Any], asyncio.Event], Awaitable[None]]


class UpdateFailed(Exception):
    """A handler raised while processing an update."""


def error_recorder(app: MinyiApp) -> Any:
    """An error handler that marks the update's turn as failed (PTB swallows the error)."""

    async def record(update: object, context: Any) -> None:
        error = context.error
        if isinstance(error, AlreadyProcessed):
            return
        if isinstance(error, PostNotStoredYet):
            # Expected for an instant after a rating post or a question goes out: retried.
            log.info("an update came before the round post it names was stored; retrying")
        else:
            # Type and frames only: the message of e.g. a validation error quotes the answer.
            log.error("error while processing an update: %s", failure(error))
        turn = app.bot_data.turns.get(update.update_id) if isinstance(update, Update) else None
        if turn is not None:
            turn.error = error

    return record


def _update_id(raw: RawUpdate) -> int:
    update_id = raw.get("update_id")
    if type(update_id) is not int:
        raise ValueError(f"not a Telegram update: {str(raw)[:200]}")
    return update_id


async def _dispatch(app: MinyiApp, plain: PlainPath[Any], raw: RawUpdate, turn: Turn) -> None:
    """Run the handlers of one update under `turn`: a plain answer directly, anything else
    through PTB (its handlers find the turn in `BotData.turns`)."""
    item = plain.read(raw)
    if item is not None:
        await plain.record(app.bot, app.bot_data, [item], turn)
        return
    update = Update.de_json(raw, app.bot)
    app.bot_data.turns[update.update_id] = turn
    try:
        await app.process_update(update)
    finally:
        del app.bot_data.turns[update.update_id]


async def process_update(app: MinyiApp, core: Core, plain: PlainPath[Any], raw: RawUpdate) -> bool:
    """Process one update with its effects committed, then queue its replies (each chat's
    line sends them, bot/telegram/replies.py); False if it failed and must be retried."""
    update_id = _update_id(raw)
    async with core.repo.transaction() as session:
        if await session.is_update_processed(update_id):
            return True
    turn = Turn(update_id)
    owed_before = core.posts_owed_count
    try:
        await _dispatch(app, plain, raw, turn)
    except AlreadyProcessed:
        return True
    except Exception as exc:
        # PTB hands handler errors to `error_recorder`; the direct path and a malformed
        # update fail here.
        log.error("error while processing update %s: %s", update_id, type(exc).__name__)
        turn.error = exc
    if turn.error is not None and not turn.claimed:
        return False
    if not turn.claimed:
        # Updates without effects (chatter, /help) are recorded too, so a restart skips them.
        async with core.repo.transaction() as session:
            await session.add_processed_update(update_id, core.now())
    await _after_commit(app, core, turn.replies, owed_posts=core.posts_owed_count != owed_before)
    return True


#: At most this long a reply waits for the round posts its update owed (see _after_commit).
POSTS_FIRST_SECONDS = 10.0


async def _after_commit(
    app: MinyiApp, core: Core, replies: Sequence[OwedReply], *, owed_posts: bool
) -> None:
    """What committed updates owe Telegram: the posts their transitions stored (the outbox)
    and the scorecards, each sent by its background task, and their replies, handed to the
    per-chat reply queue (never waited for: a throttled chat must not hold up the intake,
    bot/telegram/replies.py).

    Replies in a group of updates that owed round posts (`owed_posts`: a transition of theirs
    bumped `Core.posts_owed_count`) wait, in their own chat's line only, for that pass of the
    posts to end (POSTS_FIRST_SECONDS at most): the question reaches the group before the
    organiser's "round opened", as people read them one after the other. Replies in private
    chat, and replies of any other update, go at once, even while a round is being posted to
    forty groups (the flag `posts_owed` left set by one made a resident's /help, and the
    organiser's own private confirmations, wait for all of them)."""
    poster = app.bot_data.round_poster
    posts_first = poster is not None and owed_posts
    _send_owed_posts(app, core)
    if posts_first and poster is not None:
        # Only a group can read the question and the confirmation one after the other: a
        # reply in private chat (the organiser's "round opened" for `/ask all`) goes at once.
        replies = [
            replace(r, send=_after(poster.wait_idle, r.send)) if r.chat_id < 0 else r
            for r in replies
        ]
    app.bot_data.replies.put_all(replies)


def _after(
    first: Callable[[], Awaitable[None]], send: Callable[[], Awaitable[object]]
) -> Callable[[], Awaitable[object]]:
    """`send`, once `first` has ended or POSTS_FIRST_SECONDS have passed."""

    async def then_send() -> object:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(first(), POSTS_FIRST_SECONDS)
        return await send()

    return then_send


def _owes_posts(core: Core) -> bool:
    """Whether a transition since the last send left round posts or scorecards owed."""
    return core.posts_owed.is_set() or core.index_posts_owed.is_set()


def _send_owed_posts(app: MinyiApp, core: Core) -> None:
    """Start the round posts and scorecards owed in their background tasks (never waited
    for: a group Telegram makes the bot wait for must hold up nobody else; what fails is left
    owed for the scheduler's next tick)."""
    data = app.bot_data
    if core.posts_owed.is_set() and data.round_poster is not None:
        data.round_poster.kick()
    if core.index_posts_owed.is_set() and data.index_poster is not None:
        data.index_poster.kick()


async def process_with_retry(
    app: MinyiApp, core: Core, plain: PlainPath[Any], raw: RawUpdate
) -> None:
    """Process an update, retrying failures; after MAX_ATTEMPTS keep it as a dead letter."""
    delay = 0.2
    for _attempt in range(MAX_ATTEMPTS):
        if await process_update(app, core, plain, raw):
            return
        await asyncio.sleep(delay)
        delay *= 4
    # Kept whole but pseudonymous: no raw user id or name may reach the database (SPEC §9),
    # and made so that no content (bad Unicode, deep nesting, odd types) can fail the insert:
    # a dead letter that cannot be stored would stall the intake on this update for good.
    update_id = _update_id(raw)
    payload = dead_letter_payload(raw, core.secret)
    async with core.repo.transaction() as session:
        await session.add_dead_letter(update_id, payload, "handler failed", core.now())
        await session.add_processed_update(update_id, core.now())
    log.error("update %s failed %s times; kept in dead_letters", update_id, MAX_ATTEMPTS)
    _answer_set_aside_press(app, raw)


def _answer_set_aside_press(app: MinyiApp, raw: RawUpdate) -> None:
    """A button press kept as a dead letter: answered without a text, on its presser's reply
    line, so that the button stops spinning. Its handler's answer waited on the turn of each
    attempt and went with it (handlers/common.py `answer_press`), so it has none yet."""
    query = raw.get("callback_query")
    if not isinstance(query, dict):
        return
    query_id, sender = query.get("id"), query.get("from")
    if not isinstance(query_id, str) or not isinstance(sender, dict):
        return
    presser = sender.get("id")
    if type(presser) is not int:
        return
    bot = app.bot

    async def send() -> None:
        try:
            await bot.answer_callback_query(query_id)
        except BadRequest as exc:  # too old by now
            log.info("answering a set-aside press: %s", type(exc).__name__)

    app.bot_data.replies.put(OwedReply(presser, send))


def _is_command(raw: RawUpdate) -> bool:
    message = raw.get("message")
    text = message.get("text") if isinstance(message, dict) else None
    return isinstance(text, str) and text.startswith("/")


async def _process_run(
    app: MinyiApp,
    core: Core,
    plain: PlainPath[Any],
    run: Sequence[RawUpdate],
    prepared: Prepared,
) -> list[OwedReply]:
    """Process updates in one transaction that also claims them all; raise if any failed.
    Returns what they owe once committed (for `_after_commit`).

    The run's claims are checked with one query and recorded with one statement; a plain
    INSERT, so an id another process claimed meanwhile fails the run instead of counting twice.
    Consecutive plain answers are recorded together (`plain.record`), everything else
    through PTB's handlers, in order, each under a turn that joins the run's transaction (the
    run claims them all, so the turns claim nothing). Any failure rolls the whole run back
    (the caller then processes it update by update). Replies wait until the run has
    committed: the transaction is never held open across Telegram's flood limits, and no
    receipt goes out for an answer not stored.
    """
    turns: list[Turn] = []
    async with core.repo.transaction() as session:
        done = await session.list_processed_updates([_update_id(u) for u in run])
        todo = [u for u in run if _update_id(u) not in done]
        items = [plain.read(u) for u in todo]
        index = 0
        while index < len(todo):
            # (A lone update's turn carries its id: use cases may order by it.)
            single = items[index] is None
            turn = Turn(
                update_id=_update_id(todo[index]) if single else None,
                claimed=True,
                batch=session,
                prepared=prepared,
            )
            turns.append(turn)
            answers: list[Any] = []
            while index < len(todo) and (item := items[index]) is not None:
                answers.append(item)
                index += 1
            if answers:
                await plain.record(app.bot, app.bot_data, answers, turn)
            else:
                await _dispatch(app, plain, todo[index], turn)
                index += 1
            if turn.error is not None or session.failed:
                raise UpdateFailed("an update of the batch failed")
        await session.add_processed_updates([_update_id(u) for u in todo], core.now())
    return [owed for turn in turns for owed in turn.replies]


async def process_batch(
    app: MinyiApp,
    core: Core,
    plain: PlainPath[Any],
    updates: Sequence[RawUpdate],
    prepared: Prepared | None = None,
) -> None:
    """Process a fetched batch, committing runs of answers and votes in one transaction each.

    Commands are processed on their own, outside any batch: they may post to Telegram, and a
    post must never go out for a round whose creation could still be rolled back. `prepared`:
    the batch's answer texts already redacted and tagged (`PlainPath.prepare`).
    """
    index = 0
    while index < len(updates):
        if _is_command(updates[index]):
            await process_with_retry(app, core, plain, updates[index])
            index += 1
            continue
        end = index
        while end < len(updates) and not _is_command(updates[end]):
            end += 1
        run = updates[index:end]
        index = end
        owed_before = core.posts_owed_count
        try:
            owed = await _process_run(app, core, plain, run, prepared or {})
        except Exception as exc:
            # Rare: the run is rolled back whole and done again one update at a time (a reply
            # already sent for one of its updates may then be sent a second time).
            log.warning(
                "batch of %s updates rolled back (%s); one by one", len(run), type(exc).__name__
            )
            for raw in run:
                await process_with_retry(app, core, plain, raw)
        else:
            owed_posts = core.posts_owed_count != owed_before
            await _after_commit(app, core, owed, owed_posts=owed_posts)


class Gatherer:
    """Plain answers that arrive one by one (webhook POSTs) committed together.

    Each `submit` returns once its update is committed (then the caller answers Telegram 200).
    Plain answers that arrive while a run is being committed wait for the next one and then
    go in together, as a polled batch does (`_process_run`: one transaction, one claim
    statement, answers redacted and tagged together): under load a process commits dozens of
    answers at once instead of paying a transaction, its tallies and a commit for each. A
    quiet moment costs nothing: a lone answer starts a run of one at once. After a run, the
    worker waits a moment for that run's senders to come back with their next answers (see
    `patience`), and starts as soon as they have. Every other update (commands, edits, votes,
    button presses, some of which call Telegram while they are processed) goes alone, as
    before, so no call to Telegram ever holds up a run. If a run fails, each of its answers
    is processed again alone by its own caller (retries, then a dead letter), so one poisoned
    update delays only itself. A run's replies join their chats' reply queues as it commits; round
    posts owed meanwhile (somebody else's transition) go out in their own task.
    """

    def __init__(
        self,
        app: MinyiApp,
        core: Core,
        plain: PlainPath[Any],
        patience: Callable[[float], float] | None = None,
    ) -> None:
        self._app, self._core, self._plain = app, core, plain
        self._waiting: dict[int, tuple[RawUpdate, asyncio.Future[bool]]] = {}
        self._worker: asyncio.Task[None] | None = None
        #: how long the worker waits for a run's senders, given the seconds the run took.
        self._patience = patience or _patience
        #: runs committed so far (each one transaction), for monitoring.
        self.runs = 0
        # Set once `_wanted` updates wait (while the worker waits for a run's senders).
        self._enough = asyncio.Event()
        self._wanted = BATCH + 1

    async def submit(self, raw: RawUpdate) -> None:
        """Process `raw` and commit its effects (or keep it as a dead letter); raises if the
        database failed, and then nothing of it was committed."""
        app, core, plain = self._app, self._core, self._plain
        if self._plain.read(raw) is None:
            await process_with_retry(app, core, plain, raw)
            return
        update_id = _update_id(raw)
        waiting = self._waiting.get(update_id)
        if waiting is None:
            # (Telegram may deliver an update again while the first delivery still waits:
            # both then wait for the same commit.)
            waiting = self._waiting[update_id] = (raw, asyncio.get_running_loop().create_future())
        if len(self._waiting) >= self._wanted:
            self._enough.set()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work())
        if not await asyncio.shield(waiting[1]):
            await process_with_retry(app, core, plain, raw)

    async def _work(self) -> None:
        """Commit what waits, a run at a time, until nothing does."""
        while self._waiting:
            ids = list(itertools.islice(self._waiting, BATCH))
            taken = [self._waiting.pop(update_id) for update_id in ids]
            run = [raw for raw, _ in taken]
            ok = False
            started = time.monotonic()
            try:
                prepared = await _prepare(self._app, self._plain, run)
                owed = await _process_run(self._app, self._core, self._plain, run, prepared)
                ok = True
                self.runs += 1
            except Exception as exc:
                log.warning("run of %s updates failed (%s); each alone", len(run), failure(exc))
            finally:
                # Everybody with an answer in flight now: this run's senders, told next,
                # answer with their next ones within moments (Telegram keeps a connection
                # busy while it has updates). Waiting for them briefly keeps runs whole;
                # without it a busy webhook settles into runs alternating between parts of its
                # senders (1 and 39, or 10 and 10) and pays a transaction for each part.
                busy = min(BATCH, len(run) + len(self._waiting))
                # (Also when cancelled: a caller told False processes its update alone.)
                for _, done in taken:
                    if not done.done():
                        done.set_result(ok)
            if ok:
                # The answers' receipts join their chats' reply queues at once (before the
                # 200s go out); posts owed by somebody else's transition, if any, are sent in
                # their own task, holding up neither these callers nor the next run.
                self._app.bot_data.replies.put_all(owed)
                if _owes_posts(self._core):
                    _send_owed_posts(self._app, self._core)
            if ok and len(self._waiting) < busy:
                self._wanted = busy
                self._enough.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._enough.wait(), self._patience(time.monotonic() - started)
                    )
                self._wanted = BATCH + 1

    async def close(self, grace: float) -> None:
        """Wait up to `grace` seconds for the runs still to commit and what they owe Telegram,
        then stop the worker (a caller still waiting then processes its update alone)."""
        pending = [self._worker] if self._worker is not None and not self._worker.done() else []
        if not pending:
            return
        _, late = await asyncio.wait(pending, timeout=grace)
        for task in late:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.gather(*late, return_exceptions=True)


def _patience(took: float) -> float:
    """How long a webhook run waits for its senders: never longer than the run took (a
    moment at least), nor than GATHER_WAIT."""
    return min(GATHER_WAIT, max(0.002, took))


@dataclass
class _Storing:
    """A batch being processed and committed in its own task, while the next is fetched."""

    task: asyncio.Task[bool]
    last: int  # its last update id
    size: int


async def poll_updates(
    app: MinyiApp,
    core: Core,
    plain: PlainPath[Any],
    stop: asyncio.Event,
    poll_seconds: int = POLL_TIMEOUT,
    caught_up: asyncio.Event | None = None,
) -> None:
    """Long-poll Telegram until `stop` is set, confirming each update only after it committed.

    `caught_up` is set once the backlog waiting at start-up (what residents sent while the bot
    was down) has been processed.

    Batches overlap: while one is processed and committed (its own task; SQLite works and
    syncs the file on its own thread), the next is fetched and its answers are prepared
    (redacted and tagged, `PlainPath.prepare`) unless the one in flight is full (see TAKE).
    Every getUpdates still asks from the first update not committed, so it confirms nothing
    in flight: the batch in flight comes back with it and is skipped here. A batch's handlers
    start only once the batch before has finished, so updates take effect in their order; if
    that batch failed, what was fetched after it is dropped and fetched again (its updates
    were not committed, so not confirmed).
    """
    offset: int | None = None  # the first update not known to be committed
    taken: int | None = None  # the last update handed to a batch
    storing: _Storing | None = None
    backlog_end: int | None = None  # while draining: the last update of the backlog
    backoff = 0.5
    failures = _Backoff()
    # Long polling and a webhook exclude each other (Telegram answers getUpdates with 409
    # while one is set): as PTB's own Updater does, remove any webhook, keeping what is pending.
    try:
        await app.bot.delete_webhook(drop_pending_updates=False)
    except TelegramError as exc:
        log.warning("deleteWebhook failed (%s); polling anyway", exc)

    async def committed() -> bool:
        """Wait for the batch in flight; False (after a pause) if it failed, and then what
        was fetched after it is to be fetched again."""
        nonlocal storing, offset, taken
        assert storing is not None
        done, storing = storing, None
        if not await done.task:
            taken = None if offset is None else offset - 1
            await _sleep_or_stop(stop, failures.next())
            return False
        failures.reset()
        offset = done.last + 1
        return True

    try:
        while not stop.is_set():
            # A fetch now would bring back only the batch in flight: wait for it first.
            if storing is not None and storing.size >= BATCH and not await committed():
                continue
            draining = caught_up is not None and not caught_up.is_set()
            wait = 0 if draining or storing is not None else poll_seconds
            try:
                fetched = await _get_updates_or_stop(app, offset, wait, stop)
            except RetryAfter as exc:
                await _sleep_or_stop(stop, flood_wait(exc))
                continue
            except (TimedOut, NetworkError, Conflict) as exc:
                # Conflict: another process polls with this token (or a webhook was set again).
                log.warning("getUpdates failed (%s); retrying in %.1fs", exc, backoff)
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = 0.5
            new = [u for u in fetched if taken is None or _update_id(u) > taken]
            batch = new[:TAKE]
            if draining and len(fetched) < BATCH and backlog_end is None:
                # This fetch holds the rest of the backlog.
                backlog_end = _update_id(fetched[-1]) if fetched else -1
            prepared = await _prepare(app, plain, batch) if batch else {}
            # Not committed, so not confirmed: fetch it (and what follows) again.
            if storing is not None and not await committed():
                continue
            if batch:
                last = _update_id(batch[-1])
                task = asyncio.create_task(_store(app, core, plain, batch, prepared))
                storing, taken = _Storing(task, last, len(batch)), last
            if (
                caught_up is not None
                and backlog_end is not None
                and storing is None
                and (offset or 0) > backlog_end
            ):
                caught_up.set()
    finally:
        # The batch in flight commits (or fails) before the intake stops.
        if storing is not None and await storing.task:
            offset = storing.last + 1
    if offset is not None:
        # Confirm what was committed, so a clean restart does not even re-read it.
        try:
            await app.bot.get_updates(offset=offset, timeout=0, limit=1)
        except (TimedOut, NetworkError) as exc:
            log.info("final offset confirmation failed: %s", exc)


class _Backoff:
    """Growing waits after database failures: 0.5 s, doubling up to 30 s."""

    def __init__(self) -> None:
        self.delay = 0.5

    def next(self) -> float:
        delay, self.delay = self.delay, min(self.delay * 2, 30.0)
        return delay

    def reset(self) -> None:
        self.delay = 0.5


async def _prepare(app: MinyiApp, plain: PlainPath[Any], batch: Sequence[RawUpdate]) -> Prepared:
    """The plain answers' texts of a batch, redacted and tagged ({} if the path has no
    `prepare`, or it failed: the answers are then tagged as they are stored)."""
    if plain.prepare is None:
        return {}
    items = [item for item in map(plain.read, batch) if item is not None]
    if not items:
        return {}
    try:
        return await plain.prepare(app.bot_data, items)
    except Exception as exc:
        log.warning("preparing %s answers failed (%s)", len(items), type(exc).__name__)
        return {}


async def _store(
    app: MinyiApp,
    core: Core,
    plain: PlainPath[Any],
    batch: Sequence[RawUpdate],
    prepared: Prepared,
) -> bool:
    """Process and commit a batch; False if the database failed (nothing past the last commit
    is confirmed: the caller fetches the same updates again, the committed ones are skipped as
    processed)."""
    try:
        await process_batch(app, core, plain, batch, prepared)
    except Exception as exc:
        # The database failed (not a handler: those are retried, then dead-lettered).
        log.error("processing %s updates failed; retrying: %s", len(batch), failure(exc))
        return False
    return True


async def _get_updates_or_stop(
    app: MinyiApp,
    offset: int | None,
    poll_seconds: int,
    stop: asyncio.Event,
) -> list[RawUpdate]:
    """One long poll, abandoned (harmlessly: nothing is confirmed) as soon as `stop` is set."""
    bot = app.bot
    if not isinstance(bot, MinyiBot):
        raise TypeError("the application's bot must be a MinyiBot (bot/app.py)")
    fetch = asyncio.ensure_future(
        bot.get_updates_json(
            offset=offset, poll_seconds=poll_seconds, limit=BATCH, allowed_updates=Update.ALL_TYPES
        )
    )
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait({fetch, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if not fetch.done():
        fetch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await fetch
        return []
    stopped.cancel()
    return fetch.result()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
