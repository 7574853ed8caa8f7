"""Cron expressions in APScheduler's syntax: the next fire time after a moment."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, tzinfo

from apscheduler.triggers.cron import CronTrigger

_ONE_SECOND = timedelta(seconds=1)


def _trigger(expression: str, zone: tzinfo | None = None) -> CronTrigger:
    try:
        return CronTrigger.from_crontab(expression, timezone=zone)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a cron expression: {expression!r} ({exc})") from exc


# A recurring round opens at most once an hour: more often would flood the groups.
MIN_INTERVAL = timedelta(hours=1)
# Fires looked at to find the shortest interval: a minute field of two or more values puts two
# fires in one hour among any three consecutive fires.
_SAMPLE = 10


def validate_cron(expression: str) -> None:
    """Raise ValueError naming the expression if APScheduler cannot parse it."""
    _trigger(expression)


def shortest_interval(expression: str, after: datetime, zone: tzinfo) -> timedelta | None:
    """The shortest time between consecutive fires of `expression` among its next few after
    `after` (None if it fires fewer than twice)."""
    trigger = _trigger(expression, zone)
    fires: list[datetime] = []
    moment = after
    for _ in range(_SAMPLE):
        fire: datetime | None = trigger.get_next_fire_time(None, moment)
        if fire is None:
            break
        if fires and fire <= fires[-1]:
            fire = trigger.get_next_fire_time(fire, fire.replace(microsecond=0) + _ONE_SECOND)
            if fire is None:
                break
        fires.append(fire)
        moment = fire + _ONE_SECOND
    gaps = [later - earlier for earlier, later in itertools.pairwise(fires)]
    return min(gaps) if gaps else None


def next_fire(expression: str, after: datetime, zone: tzinfo) -> datetime:
    """The first time strictly after `after` at which `expression` fires, in `zone`."""
    trigger = _trigger(expression, zone)
    result: datetime | None = trigger.get_next_fire_time(None, after)
    # get_next_fire_time may return `after` itself when it matches exactly.
    while result is not None and result <= after:
        result = trigger.get_next_fire_time(result, result.replace(microsecond=0) + _ONE_SECOND)
    if result is None:
        raise ValueError(f"cron expression {expression!r} never fires again")
    return result
