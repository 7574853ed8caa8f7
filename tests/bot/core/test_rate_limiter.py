"""The in-memory answer rate limiter: a sliding minute per resident, bounded memory."""

from __future__ import annotations

from bot.core.answers import RateLimiter


def test_limit_applies_within_a_minute_and_lifts_after_it() -> None:
    """A resident over the limit is refused until a minute has passed since their answers."""
    limiter = RateLimiter(per_minute=2)
    assert limiter.allow("a", now=100.0) and limiter.allow("a", now=101.0)
    assert not limiter.allow("a", now=102.0)
    assert limiter.allow("a", now=162.0)


def test_residents_who_stopped_answering_are_forgotten() -> None:
    """After a quiet minute the limiter keeps no entry for residents who answered long ago."""
    limiter = RateLimiter(per_minute=5)
    for i in range(1000):
        limiter.allow(f"resident-{i}", now=100.0)
    limiter.allow("late", now=300.0)
    assert set(limiter._seen) == {"late"}


def test_a_message_judged_again_counts_once() -> None:
    """The same message (key) judged again within the minute, as when a batch is rolled back
    by another resident's update and done again, is allowed without counting twice; other
    messages still meet the limit, and a key counts again once its minute has passed."""
    limiter = RateLimiter(per_minute=2)
    assert limiter.allow("a", now=100.0, key="m1") and limiter.allow("a", now=100.0, key="m2")
    assert limiter.allow("a", now=101.0, key="m1") and limiter.allow("a", now=101.0, key="m2")
    assert not limiter.allow("a", now=101.0, key="m3")
    assert not limiter.allow("a", now=101.0)
    assert limiter.allow("a", now=161.0, key="m1")  # m1's first count has left the window
    assert limiter.allow("a", now=161.0, key="m3")
    assert not limiter.allow("a", now=161.5, key="m4")


def test_a_clock_set_back_does_not_hold_a_resident_for_as_long() -> None:
    """A resident at the limit when the clock is set back a day (an NTP correction; the
    channel gives the limiter the core's clock) may answer again within a minute, not only
    once the clock has caught up a day later."""
    limiter = RateLimiter(per_minute=2)
    day = 86400.0
    assert limiter.allow("a", now=day) and limiter.allow("a", now=day)
    assert not limiter.allow("a", now=day + 1)
    assert limiter.allow("a", now=61.0)
