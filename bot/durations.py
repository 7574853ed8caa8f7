"""Durations as organisers write them: 90s, 30m, 48h, 7d (and combinations like 1d12h)."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)
_WHOLE = re.compile(r"^(?:\d+\s*[smhdw]\s*)+$", re.IGNORECASE)
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_DURATION = timedelta(days=366)


class DurationError(ValueError):
    """Not a duration we understand."""


def is_duration(text: str) -> bool:
    """True if `text` looks like a duration token."""
    return bool(_WHOLE.match(text.strip()))


def parse_duration(text: str) -> timedelta:
    """Parse `90s`, `30m`, `48h`, `7d`, `2w` or `1d12h` into a positive timedelta."""
    cleaned = text.strip()
    if not _WHOLE.match(cleaned):
        raise DurationError(f"not a duration: {text!r} (use e.g. 90s, 30m, 48h, 7d)")
    seconds = sum(int(n) * _UNIT[u.lower()] for n, u in _PART.findall(cleaned))
    if seconds <= 0:
        raise DurationError("a duration must be longer than zero")
    result = timedelta(seconds=seconds)
    if result > MAX_DURATION:
        raise DurationError("a duration may be at most 366 days")
    return result


def format_duration(value: timedelta) -> str:
    """The shortest exact form: 2d, 36h, 90m, 45s."""
    seconds = int(value.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0 and seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
