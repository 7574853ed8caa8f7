"""Cron expressions in APScheduler's syntax: the next fire time after a moment."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from apscheduler.triggers.cron import CronTrigger

_ONE_SECOND = timedelta(seconds=1)


def _trigger(expression: str, zone: tzinfo | None = None) -> CronTrigger:
    try:
        return CronTrigger.from_crontab(expression, timezone=zone)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a cron expression: {expression!r} ({exc})") from exc


def validate_cron(expression: str) -> None:
    """Raise ValueError naming the expression if APScheduler cannot parse it."""
    _trigger(expression)


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
