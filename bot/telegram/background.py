"""The background senders of a process: one task each that sends what transitions left owed
(round posts, the index's scorecards), so that neither the intake nor anybody's reply waits for
a group Telegram throttles."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class OwedSender:
    """Runs `send()` in one background task while `owed` is set (it is cleared before each
    pass, so what a transition owes during a pass gets a pass of its own).

    `kick()` starts a pass unless one is running; `kick(retry=True)` (the scheduler's tick)
    runs one even if nothing new is owed, for what a crash, a flood wait or a network error
    left unsent. A failed pass is logged and left to the next tick."""

    def __init__(
        self, owed: asyncio.Event, send: Callable[[], Awaitable[object]], *, what: str
    ) -> None:
        self._owed = owed
        self._send = send
        self._what = what
        self._task: asyncio.Task[None] | None = None

    def kick(self, *, retry: bool = False) -> None:
        """Start sending what is owed, in the background; never waits."""
        if retry:
            self._owed.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"minyi-{self._what}")

    async def _run(self) -> None:
        while self._owed.is_set():
            self._owed.clear()
            try:
                await self._send()
            except Exception as exc:
                log.warning(
                    "sending %s failed (%s); the next tick retries", self._what, type(exc).__name__
                )
                return

    async def wait_idle(self) -> None:
        """Wait for the pass in flight, if any, to end."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._task)

    async def close(self, grace: float = 0.0) -> None:
        """Shutdown: let the pass in flight end for up to `grace` seconds, then stop it (what
        it did not send stays owed; a send cut off may be repeated on the next start)."""
        if self._task is None or self._task.done():
            return
        if grace > 0:
            await asyncio.wait([self._task], timeout=grace)
        if not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
