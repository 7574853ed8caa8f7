"""Cron expressions in APScheduler's syntax: the next fire time after a moment."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, tzinfo

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
    """The shortest real time between consecutive fires of `expression` among its next few
    after `after` (None if it fires fewer than twice)."""
    fires: list[datetime] = []
    moment = after
    for _ in range(_SAMPLE):
        try:
            moment = next_fire(expression, moment, zone)
        except ValueError:
            break
        fires.append(moment.astimezone(UTC))
    gaps = [later - earlier for earlier, later in itertools.pairwise(fires)]
    return min(gaps) if gaps else None


# Steps `next_fire` takes before it gives up on an expression: past `after` itself, past each
# fire in a repeated hour (at most one a minute), and the answer.
_MAX_STEPS = 64


def _repeated(moment: datetime) -> bool:
    """Whether `moment` is the second time its wall-clock time happens (clocks went back)."""
    return moment.fold == 1 and moment.replace(fold=0).utcoffset() != moment.utcoffset()


def next_fire(expression: str, after: datetime, zone: tzinfo) -> datetime:
    """The first time strictly after `after` at which `expression` fires, in `zone`.

    The search runs in UTC: two times in `zone` compare by wall clock, so on the night the
    clocks go back the second 02:00 was not "after" the first, and stepping on from it by
    wall clock led back to it for ever (freezing the bot's tick). On that night an
    expression at fixed hours (a weekly digest, a daily round) fires at the first of the two
    times only, as cron does; one whose hour field is `*` fires in each real hour.
    """
    trigger = _trigger(expression, zone)
    fields = expression.split()
    every_hour = len(fields) == 5 and fields[1] == "*"
    limit = after.astimezone(UTC)
    moment = limit
    for _ in range(_MAX_STEPS):
        result: datetime | None = trigger.get_next_fire_time(None, moment)
        if result is None:
            raise ValueError(f"cron expression {expression!r} never fires again")
        real = result.astimezone(UTC)
        if real <= limit:
            # get_next_fire_time may return `after` itself when it matches exactly.
            moment = limit.replace(microsecond=0) + _ONE_SECOND
        elif _repeated(result) and not every_hour:
            moment = real + _ONE_SECOND
        else:
            return result
    raise ValueError(f"cron expression {expression!r}: no next firing after {after}")
