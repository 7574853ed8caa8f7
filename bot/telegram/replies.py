"""Sending the replies a turn queued (handlers/common.py `reply`), after it committed.

A handler never sends while its update's transaction may still roll back: its replies wait on
the update's `Turn`, and once the turn (or the whole run of updates it belongs to) has
committed the intake hands them to the `ReplyQueue` here and moves on (bot/telegram/intake.py).

The queue keeps one line per chat, served by its own worker task (started when the chat has a
reply waiting, ended when it has none), so a chat Telegram throttles (20 messages a minute in a
group) holds up only itself: never the intake, never another chat (SPEC §9). Refusals ("too
long", "text only", "too fast", "round closed", ...), and the answers to what anyone may ask
again and again (/help, /privacy, /mydata, /start), are capped per chat and minute: a few in a
group, more in a private chat; those over the cap are dropped and counted in one log line per
chat and minute, so one resident flooding a group can neither make the bot flood it back nor
fill memory, and one flooding their private chat takes no share of the bot's 30 messages a
second from anyone else. Several processes behind a webhook share
the cap through `shared_cap` (a count in the database, storage/repository/refusals.py): one
process's own memory would let each of them send the cap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable

from bot.core.base import Core, OwedReply
from bot.core.privacy import stored_chat

log = logging.getLogger(__name__)

# "A few per chat per minute": enough that the residents of a group see why an answer was
# refused, few enough that a flood of them never turns into a flood from the bot.
REFUSALS_PER_MINUTE = 3
# A private chat is one person's, who may well ask for /help, /privacy, /mydata and /start in
# one minute and be refused an answer or two: more room there, yet one person sending commands
# as fast as they can gets a sliver of the bot's 30 messages a second (bot/telegram/flood.py).
PRIVATE_REPLIES_PER_MINUTE = 10
# A chat's line beyond this is dropped: Telegram would take minutes to let it through anyway.
MAX_WAITING = 100
WINDOW = 60.0


class ReplyQueue:
    """Per-chat lines of replies, each served by its own worker task.

    Replies marked `refusal` are capped per chat and minute: `refusals_per_minute` in a group
    (negative id), `private_per_minute` in a private chat. `clock` (seconds) paces the cap; it
    is injectable so tests need not wait a minute. `label` names a chat in the log without its
    raw id (a private chat's id is the person's Telegram id, SPEC §9). `shared_cap(chat,
    minute)`, if given, counts a refusal about to be sent where every process sees it and says
    how many that makes in that minute (minutes since the epoch by `clock`); over the cap, the
    refusal is dropped.
    """

    def __init__(
        self,
        *,
        label: Callable[[int], str],
        clock: Callable[[], float] = time.monotonic,
        refusals_per_minute: int = REFUSALS_PER_MINUTE,
        private_per_minute: int = PRIVATE_REPLIES_PER_MINUTE,
        max_waiting: int = MAX_WAITING,
        shared_cap: Callable[[int, int], Awaitable[int]] | None = None,
    ) -> None:
        self._label = label
        self._clock = clock
        self._shared_cap = shared_cap
        self.refusals_per_minute = refusals_per_minute
        self.private_per_minute = private_per_minute
        self._max_waiting = max_waiting
        self._lines: dict[int, deque[OwedReply]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._refused: dict[int, deque[float]] = {}
        # Per chat: replies dropped since the last log line about that chat, and when the first
        # of them was dropped (the count is logged once that minute is over, or at close).
        self._dropped: dict[int, tuple[int, float]] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        self._closed = False

    def put_all(self, replies: Iterable[OwedReply]) -> None:
        """Queue replies (in order) on their chats' lines; never waits."""
        for owed in replies:
            self.put(owed)

    def put(self, owed: OwedReply) -> None:
        """Queue one reply on its chat's line, or drop it (over the refusal cap, line full, or
        closed); never waits."""
        chat = owed.chat_id
        now = self._clock()
        self._log_dropped(now)
        line = self._lines.get(chat)
        if (
            self._closed
            or (owed.refusal and not self._refusal_allowed(chat, now))
            or (line is not None and len(line) >= self._max_waiting)
        ):
            self._count_dropped(chat, now)
            return
        if line is None:
            line = self._lines[chat] = deque()
        line.append(owed)
        if chat not in self._workers:
            self._idle.clear()
            self._workers[chat] = asyncio.create_task(self._serve(chat), name="minyi-replies")

    def set_cap(self, per_minute: int) -> None:
        """Allow `per_minute` capped replies a minute in every chat, group or private, from now
        on (for a test whose chats are refused far more than the cap)."""
        self.refusals_per_minute = self.private_per_minute = per_minute

    def waiting(self) -> int:
        """How many replies wait in all lines (the one being sent not included)."""
        return sum(len(line) for line in self._lines.values())

    def busy_chats(self) -> int:
        """How many chats have a worker sending right now."""
        return len(self._workers)

    async def wait_idle(self) -> None:
        """Wait until every line is empty and every worker has ended."""
        await self._idle.wait()

    async def close(self, timeout: float) -> None:  # noqa: ASYNC109 - a drain deadline, not a call's
        """Graceful shutdown: take no more replies, let the lines drain for up to `timeout`
        seconds, then drop what is left (counted in the log) and end the workers."""
        self._closed = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)
        left = self.waiting()
        workers = list(self._workers.values())
        for task in workers:
            task.cancel()
        for task in workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if left:
            log.warning("shutting down: %s replies not sent", left)
        self._lines.clear()
        self._workers.clear()
        self._idle.set()
        self._log_dropped(None)

    def _count_dropped(self, chat: int, now: float) -> None:
        """One more reply to `chat` dropped (logged with the others once its minute is over)."""
        count, since = self._dropped.get(chat, (0, now))
        self._dropped[chat] = (count + 1, since)

    async def _shared_allows(self, chat: int) -> bool:
        """Whether the processes together are still under the refusal cap for `chat` this
        minute (counting this one); True without a shared count, or if counting failed (the
        process's own cap still holds)."""
        if self._shared_cap is None:
            return True
        try:
            sent = await self._shared_cap(chat, int(self._clock() // WINDOW))
        except Exception as exc:
            log.warning(
                "refusal count for chat %s failed: %s", self._label(chat), type(exc).__name__
            )
            return True
        return sent <= self._cap(chat)

    def _cap(self, chat: int) -> int:
        """How many capped replies `chat` gets a minute (a private chat's id is positive)."""
        return self.refusals_per_minute if chat < 0 else self.private_per_minute

    def _refusal_allowed(self, chat: int, now: float) -> bool:
        window = self._refused.setdefault(chat, deque())
        # Also refusals ahead of `now`: the clock went back (see bot/core/answers.py).
        while window and not 0 <= now - window[0] < WINDOW:
            window.popleft()
        if len(window) >= self._cap(chat):
            return False
        window.append(now)
        return True

    def _log_dropped(self, now: float | None) -> None:
        """Log (and forget) the drop counts whose minute is over; all of them if `now` is None.

        Also forgets refusal windows that have emptied, so the queue's memory follows the
        chats active now."""
        for chat, (count, since) in list(self._dropped.items()):
            if now is None or not 0 <= now - since < WINDOW:
                log.info("%s replies to chat %s dropped (over its cap)", count, self._label(chat))
                del self._dropped[chat]
        if now is not None and len(self._refused) > 1000:
            self._refused = {
                c: w for c, w in self._refused.items() if w and 0 <= now - w[-1] < WINDOW
            }

    async def _serve(self, chat: int) -> None:
        """Send a chat's line in order until it is empty, then end."""
        line = self._lines[chat]
        try:
            while line:
                owed = line.popleft()
                if owed.refusal and not await self._shared_allows(chat):
                    self._count_dropped(chat, self._clock())
                    continue
                try:
                    await owed.send()
                except Exception as exc:
                    # The send function logs what it can say safely; never the text or raw id.
                    log.warning(
                        "a reply to chat %s could not be sent: %s",
                        self._label(chat),
                        type(exc).__name__,
                    )
        finally:
            # No await between the line running dry and leaving: a reply put meanwhile would
            # otherwise wait with no worker.
            if self._lines.get(chat) is line and not line:
                del self._lines[chat]
            self._workers.pop(chat, None)
            if not self._workers:
                self._idle.set()


def refusals_counted_in(core: Core) -> Callable[[int, int], Awaitable[int]]:
    """A `shared_cap` that counts refusals per chat and minute in the deployment's database,
    where every process sees them (a private chat under its person's pseudonym, never the
    raw id: `stored_chat`)."""

    async def count(chat_id: int, minute: int) -> int:
        async with core.repo.transaction() as session:
            return await session.count_refusal(stored_chat(chat_id, core.secret), minute)

    return count
