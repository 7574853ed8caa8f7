"""Replies held back while a batch of updates is being committed.

A run of answers and votes is processed in one transaction (bot/telegram/intake.py). Replies it
causes (an answer too long, a round already closed) go to group chats that Telegram lets us write to
only 20 times a minute, so sending them from inside the transaction could hold the database
for a minute while the scheduler waits. Inside `collecting()`, `defer` queues the send instead;
the intake sends the queue once the batch has committed, and drops it if the batch is rolled
back (the updates are then processed, and replied to, one by one).
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

Send = Callable[[], Awaitable[object]]

_pending: contextvars.ContextVar[list[Send] | None] = contextvars.ContextVar(
    "minyi_deferred_replies", default=None
)


def defer(send: Send) -> bool:
    """Queue `send` if replies are being collected; False means: send it now."""
    pending = _pending.get()
    if pending is None:
        return False
    pending.append(send)
    return True


@contextmanager
def collecting() -> Iterator[list[Send]]:
    """Collect replies deferred inside the block (in this task) into the yielded list."""
    pending: list[Send] = []
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)


async def send_all(pending: list[Send]) -> None:
    """Send collected replies in order; one that fails is logged, the rest still go."""
    for send in pending:
        try:
            await send()
        except Exception:
            log.exception("a deferred reply could not be sent")
