"""Voters per channel, as a poll or rating round's report counts them (ROUND `channels`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.repository import Repository

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


async def test_voters_by_channel_match_the_voter_count_and_take_anonymous_totals(
    repo: Repository,
) -> None:
    """Per community, distinct voters per channel add up to `count_voters` (a changed vote
    still counts once); an anonymous poll's Telegram total counts as `telegram`."""
    async with repo.transaction() as session:
        bihai, _ = await session.set_community(-1001, "碧海社区", T0)
        huizhan, _ = await session.set_community(-1002, "汇展城社区", T0)
        round_ = await session.add_round(
            kind="poll",
            state="open",
            question="周末活动选哪个？",
            options=["义诊", "电影", "跳蚤市场"],
            community_ids=[bihai.id, huizhan.id],
            opens_at=T0,
            closes_at=T0 + timedelta(days=1),
            reminder_at=None,
            created_by="organiser",
            at=T0,
        )
        await session.set_votes(round_.id, bihai.id, "t1", [0], T0)
        await session.set_votes(round_.id, bihai.id, "w1", [1, 2], T0, "web")
        await session.set_votes(round_.id, bihai.id, "w2", [2], T0, "web")
        await session.set_votes(round_.id, bihai.id, "w2", [0], T0 + timedelta(minutes=1), "web")
        await session.add_posts(round_.id, "open", [huizhan.id])
        await session.set_post_sent(round_.id, huizhan.id, "open", T0, 7, "poll-7")
        await session.set_poll_tally("poll-7", [2, 1, 0], 3)
        by_channel = await session.count_voters_by_channel(round_.id)
        voters = await session.count_voters(round_.id)
    assert by_channel == {bihai.id: {"telegram": 1, "web": 2}, huizhan.id: {"telegram": 3}}
    assert {cid: sum(n.values()) for cid, n in by_channel.items()} == voters
