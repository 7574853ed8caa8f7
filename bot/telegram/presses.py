"""How many refused button presses get an answer: a few per person and minute.

Every press should be answered (answerCallbackQuery), or the presser's client keeps a spinner on
the button until it gives up. A press the bot does not act on (callback data it never built, a
button pressed on a message it was not made for, a round that has closed) is answered with a
short notice. But a modified client can send such presses as fast as it likes, and each notice
is a call to Telegram: like refused answers (bot/telegram/replies.py), refused presses are
answered at most `REFUSED_PRESSES_PER_MINUTE` times per person and minute. The rest stay
unanswered (the client stops waiting by itself) and are counted in a log line at most once a
minute. A press the bot acts on is always answered.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bot.core.answers import RateLimiter

log = logging.getLogger(__name__)

# More than anyone tapping a stale button in earnest, few enough to be no flood.
REFUSED_PRESSES_PER_MINUTE = 10
WINDOW = 60.0


class PressRefusals:
    """Decides which refused presses are answered. `clock` (seconds) is injectable: the
    application gives it the core's clock, so tests can hold time still."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        per_minute: int = REFUSED_PRESSES_PER_MINUTE,
    ) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._limiter = RateLimiter(per_minute=per_minute, clock=clock)
        self._dropped = 0
        self._logged_at: float | None = None

    def allow(self, presser: str, query_id: str) -> bool:
        """Whether to answer the refused press `query_id` of `presser` (a pseudonym). The same
        press judged again (its update redelivered) is not counted twice."""
        if self._limiter.allow(presser, key=query_id):
            return True
        self._dropped += 1
        now = self._clock()
        # Also when the clock went back before the last line (it would stay quiet till then).
        if self._logged_at is None or not 0 <= now - self._logged_at < WINDOW:
            log.warning(
                "%s refused button presses left unanswered (over %s a minute from one person)",
                self._dropped,
                self.per_minute,
            )
            self._dropped = 0
            self._logged_at = now
        return False
