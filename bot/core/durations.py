"""Durations as organisers write them: 90s, 30m, 48h, 7d (and combinations like 1d12h)."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.core.errors import DurationError

_PART = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)
_WHOLE = re.compile(r"^(?:\d+\s*[smhdw]\s*)+$", re.IGNORECASE)
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_DURATION = timedelta(days=366)


def is_duration(text: str) -> bool:
    """True if `text` looks like a duration token."""
    return bool(_WHOLE.match(text.strip()))


def parse_duration(text: str) -> timedelta:
    """Parse `90s`, `30m`, `48h`, `7d`, `2w` or `1d12h` into a positive timedelta."""
    cleaned = text.strip()
    if not _WHOLE.match(cleaned):
        raise DurationError("duration_not_understood", text=text)
    seconds = sum(int(n) * _UNIT[u.lower()] for n, u in _PART.findall(cleaned))
    if seconds <= 0:
        raise DurationError("duration_not_positive")
    result = timedelta(seconds=seconds)
    if result > MAX_DURATION:
        raise DurationError("duration_too_long", days=MAX_DURATION.days)
    return result
