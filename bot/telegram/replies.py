"""Sending the replies a turn queued (handlers/common.py `reply`), after it committed.

A handler never sends while its update's transaction may still roll back: its replies wait on
the update's `Turn` and the intake sends them here once the turn, or the whole run of updates
it belongs to, has committed (bot/telegram/intake.py). So a transaction is never held open
across Telegram's flood limits, and no receipt goes out for an answer that was not stored.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

log = logging.getLogger(__name__)

Send = Callable[[], Awaitable[object]]


async def send_all(pending: Sequence[Send]) -> None:
    """Send queued replies in order; one that fails is logged, the rest still go."""
    for send in pending:
        try:
            await send()
        except Exception as exc:
            log.warning("a reply could not be sent: %s", type(exc).__name__)
