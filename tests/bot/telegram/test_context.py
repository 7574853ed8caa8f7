"""The per-application caches handlers keep between updates."""

from __future__ import annotations

from bot.telegram.context import AdminCache


def test_admin_answer_is_remembered_until_it_expires() -> None:
    """A look-up is reused for `seconds` and then looked up again (None)."""
    cache = AdminCache(seconds=60)
    cache.put(-100, 7, True, now=10.0)
    assert cache.get(-100, 7, now=69.0) is True
    assert cache.get(-100, 7, now=70.0) is None
    assert cache.get(-100, 8, now=11.0) is None


def test_expired_look_ups_are_dropped_as_new_ones_arrive() -> None:
    """However many users were looked up, the cache keeps only the recent ones."""
    cache = AdminCache(seconds=60)
    for user in range(1000):
        cache.put(-100, user, False, now=10.0)
    cache.put(-100, 5000, True, now=200.0)
    assert len(cache) == 1
