"""Telegram's flood limits, kept per chat (SPEC §9): 30 messages a second overall, 20 a minute
in any one group, and a flood wait that Telegram asks of one chat paused for that chat alone.

PTB's AIORateLimiter falls short on both counts: its per-group limit is a leaky bucket that
lets 20 messages through at once and then one every 3 s (up to 39 in one minute, which Telegram
answers with a flood wait of most of a minute), and a flood wait met in any chat stops every
request to every chat until it is over: one throttled group held up every resident's replies.

Here each limit is a sliding window over the moments the messages (sends, edits, stopped polls;
an album as many messages as it has items) finished (a message counts from when Telegram
answered it, so that a slow first answer never lets the 21st arrive within Telegram's minute);
look-ups such as getChatMember are no messages.
A `RetryAfter` pauses only its own chat (requests without a chat share one key), and the
request is tried again after the wait, `max_retries` times at most; a sender that would rather
come back later (the outbox, `deferring`) has its first message's flood wait raised at once.

Several processes on one PostgreSQL database (webhook mode behind a load balancer) are one bot
to Telegram: with `shared`, each message is also reserved where all of them see it, and a flood
wait one of them meets is written there for all (bot/telegram/shared_flood.py). The windows in
memory still hold, for what this process sends itself, and alone while the database is out of
reach.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

from bot.telegram.sending import flood_wait
from bot.telegram.shared_flood import SharedFlood
from storage.repository.flood import FloodRoom

OVERALL_PER_SECOND = 30
GROUP_PER_MINUTE = 20
MAX_RETRIES = 3
# What counts as a message to a chat: sending, editing, stopping a poll. A look-up
# (getChatMember when a resident follows a round's private link) is none, and must not wait
# for the group's minute inside the intake.
MESSAGE_METHODS = ("send", "edit", "stop", "copy", "forward")
# Added to every wait Telegram asks for, as PTB does.
WAIT_MARGIN = 0.1
# Of the messages a second allowed overall, a sixth is kept for replies: posts owed to many
# groups (the outboxes, sending inside `deferring`) never take it, so a resident's answer or
# an organiser's command is not queued behind a whole district's posts (SPEC §9: closing a
# round in forty groups kept a resident's /help waiting until the fortieth summary was out).
REPLIES_SHARE = 6

Chat = int | str | None
Result = bool | dict[str, Any] | list[dict[str, Any]]


class _Deferral:
    """Armed until the first message sent inside `deferring` went out."""

    armed = True


_DEFERRAL: ContextVar[_Deferral | None] = ContextVar("minyi_flood_deferral", default=None)


@contextmanager
def deferring() -> Iterator[None]:
    """Inside the block, a flood wait Telegram asks of the first message is raised at once
    (the chat paused all the same), not waited out and retried: the outbox's pass ends that
    chat's line and comes back on a later tick instead of holding up the posts owed to other
    chats meanwhile (SPEC §9). Once a message went out the rest wait as usual: a post cut off
    halfway would repeat its first part when sent again. Sends inside the block leave a share
    of the overall limit to replies (REPLIES_SHARE)."""
    token = _DEFERRAL.set(_Deferral())
    try:
        yield
    finally:
        _DEFERRAL.reset(token)


def must_wait(bot: object, chat_id: int) -> bool:
    """Whether a message to `chat_id` would now wait for that chat in `bot`'s limiter (a flood
    wait Telegram asked of it, or its group had its 20 messages this minute): a sender that
    owes many chats (the outboxes) leaves it owed for later and goes on with the others."""
    limiter = getattr(bot, "rate_limiter", None)
    return isinstance(limiter, FloodLimiter) and limiter.waiting(chat_id) > 0


class _Window:
    """At most `limit` sends in any `period` seconds."""

    def __init__(
        self,
        limit: int,
        period: float,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self.limit, self.period = limit, period
        self._clock, self._sleep = clock, sleep
        # One cell per send: reserved when it starts, set to when it finished.
        self._sent: deque[list[float]] = deque()

    def idle(self) -> bool:
        """Whether no send of the last `period` still counts."""
        self._trim(self._clock())
        return not self._sent

    def wait(self) -> float:
        """Seconds until a send would find room (0 if it would now)."""
        now = self._clock()
        self._trim(now)
        if len(self._sent) < self.limit:
            return 0.0
        return max(self._sent[0][0] + self.period - now, 0.0)

    def forget(self, cells: list[list[float]]) -> None:
        """Take back sends reserved by `take` (by identity)."""
        self._sent = deque(c for c in self._sent if not any(c is x for x in cells))

    def _trim(self, now: float) -> None:
        while self._sent and now - self._sent[0][0] >= self.period:
            self._sent.popleft()

    async def take(self, limit: int | None = None) -> list[float]:
        """Wait for room under `limit` (default: the window's), and reserve it: the caller
        sets the cell to when its send finished."""
        cap = self.limit if limit is None else limit
        while True:
            now = self._clock()
            self._trim(now)
            if len(self._sent) < cap:
                cell = [now]
                self._sent.append(cell)
                return cell
            # Room comes when the send that leaves fewer than `cap` in the window expires.
            freed = self._sent[len(self._sent) - cap][0] + self.period
            await self._sleep(max(freed - now, 0.001))


class FloodLimiter(BaseRateLimiter[int]):
    """PTB's rate limiter interface (`rate_limiter=` of the bot) with Telegram's limits kept
    per chat. `clock` (seconds, monotonic) and `sleep` are injectable for tests."""

    def __init__(
        self,
        *,
        overall_per_second: int = OVERALL_PER_SECOND,
        group_per_minute: int = GROUP_PER_MINUTE,
        max_retries: int = MAX_RETRIES,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        shared: SharedFlood | None = None,
    ) -> None:
        self._clock, self._sleep = clock, sleep
        self._shared = shared
        self._max_retries = max_retries
        self._group_per_minute = group_per_minute
        self._overall = _Window(overall_per_second, 1.0, clock, sleep)
        self._groups: dict[int | str, _Window] = {}
        # Per chat: until when (by `clock`) Telegram asked us to wait.
        self._paused: dict[Chat, float] = {}
        # Per chat: until when (by `clock`) the limits shared with other processes said it must
        # wait (their flood wait or their messages); for `waiting`, holds no look-up.
        self._held: dict[Chat, float] = {}

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def _group(self, chat: int | str) -> _Window:
        window = self._groups.get(chat)
        if window is None:
            if len(self._groups) > 1000:
                # Memory follows the groups sent to within the last minute.
                self._groups = {c: w for c, w in self._groups.items() if not w.idle()}
            window = self._groups[chat] = _Window(
                self._group_per_minute, 60.0, self._clock, self._sleep
            )
        return window

    def set_group_limit(self, per_minute: int) -> None:
        """Allow `per_minute` messages a minute in every group from now on (for a test that
        sends one group far more than Telegram would take)."""
        self._group_per_minute = per_minute
        for window in self._groups.values():
            window.limit = per_minute

    def waiting(self, chat: int | str) -> float:
        """Seconds a message to `chat` would wait now for that chat (a flood wait Telegram
        asked of it, its group's minute); 0 if it would go at once."""
        wait = max(self._paused.get(chat, 0.0), self._held.get(chat, 0.0)) - self._clock()
        window = self._groups.get(chat)
        if window is not None:
            wait = max(wait, window.wait())
        return max(wait, 0.0)

    def _uncount(self, chat: Chat, cells: list[list[float]]) -> None:
        """Take back the sends `cells` reserved: Telegram did not count them."""
        windows = [self._overall]
        if chat is not None and chat in self._groups:
            windows.append(self._groups[chat])
        for window in windows:
            window.forget(cells)

    async def _wait_pause(self, chat: Chat) -> None:
        while (until := self._paused.get(chat)) is not None:
            left = until - self._clock()
            if left <= 0:
                self._paused.pop(chat, None)
                return
            await self._sleep(left)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        """Send once the chat's limits allow; a flood wait pauses this chat and tries again."""
        chat = _chat_of(data)
        retries = self._max_retries if rate_limit_args is None else rate_limit_args
        messages = messages_of(endpoint, data)
        for attempt in range(retries + 1):
            await self._wait_pause(chat)
            cells: list[list[float]] = []
            rooms: list[FloodRoom] = []
            if chat is not None and endpoint.startswith(MESSAGE_METHODS):
                # A string chat id is a channel's or supergroup's @name: a group's limit.
                group = isinstance(chat, str) or chat < 0
                overall = self._overall.limit
                if _DEFERRAL.get() is not None:
                    overall = max(1, overall - max(1, overall // REPLIES_SHARE))
                try:
                    for _ in range(messages):
                        if group:
                            cells.append(await self._group(chat).take())
                        cells.append(await self._overall.take(overall))
                        taken = await self._take_shared(chat, group, overall)
                        if taken is not None:
                            rooms.append(taken)
                except BaseException:
                    # Not sent (cancelled, or deferred): its group's minute must not count it.
                    self._uncount(chat, cells)
                    if self._shared is not None and chat is not None:
                        for room in rooms:
                            await self._shared.settle(chat, room, None)
                    raise
            started = self._clock()
            counted = True
            try:
                result = await callback(*args, **kwargs)
                if cells and (deferral := _DEFERRAL.get()) is not None:
                    deferral.armed = False
                return result
            except NetworkError as exc:
                # A server error (5xx, a dropped connection): nothing reached the chat, and a
                # round post retried on every tick must not use up its group's minute.
                # (BadRequest is a NetworkError in PTB, refused but counted; a timeout may
                # have been sent.)
                if not isinstance(exc, BadRequest | TimedOut):
                    counted = False
                    self._uncount(chat, cells)
                    cells = []
                    if self._shared is not None and chat is not None:
                        for room in rooms:
                            await self._shared.settle(chat, room, None)
                    rooms = []
                raise
            except RetryAfter as exc:
                counted = False
                self._uncount(chat, cells)
                cells = []
                now = self._clock()
                if len(self._paused) > 1000:
                    self._paused = {c: t for c, t in self._paused.items() if t > now}
                # Paused even when raised: the chat's next message must not meet it again.
                wait = flood_wait(exc) + WAIT_MARGIN
                until = now + wait
                self._paused[chat] = max(self._paused.get(chat, until), until)
                if self._shared is not None and chat is not None:
                    await self._shared.pause(chat, wait, rooms[0] if rooms else None)
                    for room in rooms[1:]:
                        await self._shared.settle(chat, room, None)
                rooms = []
                deferral = _DEFERRAL.get()
                if attempt == retries or (deferral is not None and deferral.armed):
                    raise
            finally:
                finished = self._clock()
                for cell in cells:
                    cell[0] = finished
                if counted and self._shared is not None and chat is not None:
                    # Only a send slower than its hold costs a statement here.
                    for room in rooms:
                        await self._shared.settle(chat, room, finished - started)
        raise RuntimeError("not reached: the last attempt returns or raises")

    async def _take_shared(
        self, chat: int | str, group: bool, overall_limit: int
    ) -> FloodRoom | None:
        """Reserve the message in the limits every process keeps (None: there are none, or the
        database is out of reach), waiting while they say so; inside `deferring`, a wait for
        the chat itself is raised at once as a flood wait."""
        if self._shared is None:
            return None
        while True:
            room = await self._shared.take(
                chat,
                group_limit=self._group_per_minute if group else 0,
                overall_limit=overall_limit,
            )
            if room is None or room.taken:
                return room
            if room.chat_wait > 0:
                # Another process's flood wait or messages: `waiting` tells it from now on.
                now = self._clock()
                if len(self._held) > 1000:
                    self._held = {c: t for c, t in self._held.items() if t > now}
                self._held[chat] = now + room.chat_wait
                deferral = _DEFERRAL.get()
                if deferral is not None and deferral.armed:
                    raise RetryAfter(timedelta(seconds=math.ceil(room.chat_wait)))
            await self._sleep(max(room.chat_wait, room.overall_wait))


def messages_of(endpoint: str, data: dict[str, Any]) -> int:
    """How many messages a request sends: an album (sendMediaGroup) one per item, each of which
    Telegram delivers as a message of its own (counting them all toward the limits is the safe
    side of what Telegram counts); any other request one."""
    media = data.get("media")
    if endpoint.lower() == "sendmediagroup" and isinstance(media, list | tuple):
        return max(1, len(media))
    return 1


def _chat_of(data: dict[str, Any]) -> Chat:
    """The chat a request goes to: an int id, a channel's @name, or None."""
    chat = data.get("chat_id")
    if chat is None:
        return None
    if isinstance(chat, int):
        return chat
    try:
        return int(str(chat))
    except ValueError:
        return str(chat)
