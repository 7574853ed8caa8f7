"""Telegram's flood limits kept together by every process on one PostgreSQL database (SPEC §8,
§9): the `FloodLimiter` of each process (bot/telegram/flood.py) asks here before each message.

Telegram counts per bot token, not per process: two webhook processes that each keep 20
messages a minute for a group send it 40, and a flood wait Telegram asked of one of them is
met again by the other. So each message reserves its place in the database first, one short
statement (storage/repository/flood.py): the group's minute, the bot's second (30 messages
for the token, whichever process sends them) and the chat's flood wait, as every process left
them. A flood wait Telegram asks is written there for all; so are, rarely, a send that took
longer than its hold and one Telegram refused.

The database briefly out of reach must not stop the bot sending: then the process keeps to
its own limits alone (which still hold for what it sends itself), says so once in the log,
and asks the database again after `RETRY_SECONDS`. An SQLite deployment is one process and
has no use for any of this.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.core.privacy import chat_label
from storage.repository import Repository, Session
from storage.repository.flood import FloodRoom

log = logging.getLogger(__name__)

T = TypeVar("T")

# A message counts in its group's minute from this long after it left (about when Telegram
# has it); one that takes longer is moved to when it finished.
HOLD_SECONDS = 1.0
# Longer than this and the database counts as out of reach for now.
TIMEOUT_SECONDS = 3.0
# How long the process keeps to its own limits before asking the database again.
RETRY_SECONDS = 10.0


def chat_key(chat: int | str, secret: bytes) -> str:
    """A chat as the database keys it: a group by its id, a channel by its @name, a private
    chat (whose id is its person's Telegram id, which storage never holds, SPEC §9) by the
    person's pseudonym, as the logs name it (`chat_label`)."""
    return chat if isinstance(chat, str) else chat_label(chat, secret)


class SharedFlood:
    """The flood limits in the deployment's database. `secret` is the deployment's privacy key
    (`chat_key`); `now` (epoch seconds) stands in for the database's clock in tests; `clock`
    (seconds, monotonic) paces the retries after a failure."""

    def __init__(
        self,
        repo: Repository,
        *,
        secret: bytes,
        now: Callable[[], float] | None = None,
        clock: Callable[[], float] = time.monotonic,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self._repo = repo
        self._secret = secret
        self._now = now
        self._clock = clock
        self._timeout = timeout
        # While set: the database failed, the process keeps to its own limits until then.
        self._alone_until: float | None = None

    @property
    def alone(self) -> bool:
        """Whether the process keeps to its own limits only, for now."""
        return self._alone_until is not None and self._clock() < self._alone_until

    async def take(
        self, chat: int | str, *, group_limit: int, overall_limit: int
    ) -> FloodRoom | None:
        """Reserve one message to `chat` (`group_limit` a minute if a group, else 0); what the
        database found, or None if it could not be asked (the process's own limits hold)."""
        return await self._ask(
            lambda s: s.take_flood_room(
                chat_key(chat, self._secret),
                group_limit=group_limit,
                overall_limit=overall_limit,
                hold=HOLD_SECONDS if group_limit > 0 else 0.0,
                now=self._at(),
            )
        )

    async def pause(self, chat: int | str, seconds: float, room: FloodRoom | None) -> None:
        """Telegram asked for a flood wait in `chat`: every process waits it out there. The
        refused message (reserved as `room`) gives its place back."""
        given_back = room.at if room is not None and room.taken else None
        await self._ask(
            lambda s: s.pause_flood(
                chat_key(chat, self._secret), seconds, given_back=given_back, now=self._at()
            )
        )

    async def settle(self, chat: int | str, room: FloodRoom, seconds: float | None) -> None:
        """The message reserved as `room` took `seconds` to send (it counts from when it
        finished, if that is past its hold), or never reached the chat (None: it gives its
        place back). Nothing to do for most sends: no statement."""
        if not (room.group and room.taken):
            return  # no minute counts it
        if seconds is not None and seconds <= room.at - room.now:
            return
        finished = None if seconds is None else room.now + seconds
        await self._ask(
            lambda s: s.settle_flood_room(chat_key(chat, self._secret), room.at, finished)
        )

    def _at(self) -> float | None:
        return None if self._now is None else self._now()

    async def _ask(self, work: Callable[[Session], Awaitable[T]]) -> T | None:
        if self.alone:
            return None
        try:
            async with asyncio.timeout(self._timeout), self._repo.autocommit() as session:
                result = await work(session)
        except Exception as exc:
            if self._alone_until is None:
                log.warning(
                    "flood limits kept by this process alone for now: the database did not "
                    "answer (%s)",
                    type(exc).__name__,
                )
            self._alone_until = self._clock() + RETRY_SECONDS
            return None
        if self._alone_until is not None:
            log.info("flood limits kept with the other processes again")
            self._alone_until = None
        return result
