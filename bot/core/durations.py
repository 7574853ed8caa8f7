"""Durations as organisers write them: 90s, 30m, 48h, 7d (and combinations like 1d12h); and
moments as messages write them, to the minute in the deployment's time zone."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

from bot.core.errors import DurationError

_PART = re.compile(r"([0-9]+)\s*([smhdw])", re.IGNORECASE)
_WHOLE = re.compile(r"^(?:[0-9]+\s*[smhdw]\s*)+$", re.IGNORECASE)
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_DURATION = timedelta(days=366)


def is_duration(text: str) -> bool:
    """True if `text` looks like a duration token."""
    return bool(_WHOLE.match(text.strip()))


# More digits than any duration up to MAX_DURATION needs, in any unit: a longer number is too
# long without being read (Python refuses to read numbers of over 4300 digits at all).
_MAX_DIGITS = 12
# How much of a bad duration a reply repeats.
_ECHO = 40


def parse_duration(text: str) -> timedelta:
    """Parse `90s`, `30m`, `48h`, `7d`, `2w` or `1d12h` into a positive timedelta."""
    cleaned = text.strip()
    if not _WHOLE.match(cleaned):
        echo = text if len(text) <= _ECHO else text[:_ECHO] + "…"
        raise DurationError("duration_not_understood", text=echo)
    parts = _PART.findall(cleaned)
    if any(len(n.lstrip("0")) > _MAX_DIGITS for n, _ in parts):
        raise DurationError("duration_too_long", days=MAX_DURATION.days)
    # Whole seconds as a Python int, compared before a timedelta is made: timedelta itself
    # overflows (OverflowError) on a number such as 999999999999999999999999d.
    seconds = sum(int(n) * _UNIT[u.lower()] for n, u in parts)
    if seconds <= 0:
        raise DurationError("duration_not_positive")
    if seconds > MAX_DURATION.total_seconds():
        raise DurationError("duration_too_long", days=MAX_DURATION.days)
    return timedelta(seconds=seconds)


def local_minute(moment: datetime, zone: tzinfo) -> str:
    """How messages write a moment: to the minute, in the deployment's time zone. A wall time
    that happens twice (the night the clocks go back) carries its zone's abbreviation, so a
    round from the first 01:30 to the second does not read "01:30 → 01:30"."""
    local = moment.astimezone(zone)
    text = local.strftime("%Y-%m-%d %H:%M")
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        text += f" {local.tzname()}"
    return text


def due_again(last: datetime | None, every: timedelta, now: datetime) -> bool:
    """Whether something done at `last` (None: never) is due again at `now`, `every` after it;
    also when the clock went back before `last` (an NTP correction, a host clock set right):
    otherwise it would wait, for as long as the clock went back, until it caught up."""
    return last is None or now >= last + every or now < last
