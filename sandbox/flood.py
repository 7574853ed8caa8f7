"""Telegram's flood limits for bots: 30 messages a second overall, 20 a minute per group."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

# Methods that post a new message: the ones Telegram's flood limits count.
SENDING_METHODS = frozenset(
    {
        "sendMessage",
        "sendPoll",
        "sendPhoto",
        "sendDocument",
        "sendSticker",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
    }
)


@dataclass
class FloodControl:
    """Sliding windows over the bot's sends; `check` answers a retry_after when over a limit."""

    per_second_overall: int = 30
    per_minute_per_group: int = 20
    violations: int = 0
    _overall: deque[float] = field(default_factory=deque)
    _groups: dict[int, deque[float]] = field(default_factory=dict)

    def check(self, chat_id: int, now: float) -> int | None:
        """Count one send to `chat_id` at `now`; the retry_after in seconds if it is refused."""
        overall = _trim(self._overall, now - 1.0)
        group = (
            _trim(self._groups.setdefault(chat_id, deque()), now - 60.0) if chat_id < 0 else None
        )
        if len(overall) >= self.per_second_overall:
            self.violations += 1
            return max(1, math.ceil(overall[0] + 1.0 - now))
        if group is not None and len(group) >= self.per_minute_per_group:
            self.violations += 1
            return max(1, math.ceil(group[0] + 60.0 - now))
        overall.append(now)
        if group is not None:
            group.append(now)
        return None


def _trim(window: deque[float], older_than: float) -> deque[float]:
    while window and window[0] <= older_than:
        window.popleft()
    return window
