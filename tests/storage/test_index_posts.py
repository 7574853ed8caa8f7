"""The outbox of index scorecards (`index_posts`, migration 0010) on both backends."""

from __future__ import annotations

from datetime import timedelta

from storage.repository import Repository
from tests.storage.test_repository import T0, community


async def test_index_posts_are_owed_sent_and_owed_again(repo: Repository) -> None:
    """`/index post` owes each community its scorecard; sent ones are no longer listed, a
    community the bot left is not owed, and asking again owes every one of them anew."""
    async with repo.transaction() as session:
        a = await community(session, -100, "碧海社区")
        b = await community(session, -200, "会展城")
        c = await community(session, -300, "已退群")
        await session.set_community_active(-300, False)
        await session.add_index_posts("2026-Q3", [a, b, c], T0)
        owed = await session.list_unsent_index_posts()
        assert [(p.period, p.community_name, p.chat_id) for p in owed] == [
            ("2026-Q3", "碧海社区", -100),
            ("2026-Q3", "会展城", -200),
        ]
        assert await session.add_index_post_attempt("2026-Q3", a) == 1
        assert await session.add_index_post_attempt("2026-Q3", a) == 2
        await session.set_index_post_sent("2026-Q3", a, T0, 77)
        (left,) = await session.list_unsent_index_posts()
        assert (left.community_id, left.attempts) == (b, 0)
        await session.set_index_post_sent("2026-Q3", b, T0, 78)
        assert await session.list_unsent_index_posts() == []

        await session.add_index_posts("2026-Q3", [a], T0 + timedelta(hours=1))
        (again,) = await session.list_unsent_index_posts()
        assert (again.community_id, again.attempts, again.sent_at) == (a, 0, None)
