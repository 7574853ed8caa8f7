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

    def check(self, chat_id: int, now: float, messages: int = 1) -> int | None:
        """Count `messages` sends to `chat_id` at `now` (an album's items, each a message);
        the retry_after in seconds if they are refused (all of them: an album goes whole)."""
        overall = _trim(self._overall, now - 1.0)
        group = (
            _trim(self._groups.setdefault(chat_id, deque()), now - 60.0) if chat_id < 0 else None
        )
        for window, limit, period in (
            (overall, self.per_second_overall, 1.0),
            (group, self.per_minute_per_group, 60.0),
        ):
            if window is None:
                continue
            excess = len(window) + messages - limit
            if excess > 0:
                self.violations += 1
                # Room comes when the `excess` oldest sends leave the window.
                freed = window[min(excess, len(window)) - 1] if window else now
                return max(1, math.ceil(freed + period - now))
        for _ in range(messages):
            overall.append(now)
            if group is not None:
                group.append(now)
        return None


def messages_of(method: str, media: object) -> int:
    """How many messages a send makes: an album's items (within Telegram's 1–10, else the
    method refuses it anyway), one for any other."""
    if method == "sendMediaGroup" and isinstance(media, list) and 1 <= len(media) <= 10:
        return len(media)
    return 1


def _trim(window: deque[float], older_than: float) -> deque[float]:
    while window and window[0] <= older_than:
        window.popleft()
    return window
