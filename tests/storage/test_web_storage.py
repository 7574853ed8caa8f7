"""Storage of the web channel on every backend: the channel column and one-time form nonces
(migration 0006)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.models import Channel, NewAnswer
from storage.repository import Repository, Scope
from tests.storage.test_repository import text_round

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


async def test_a_nonce_is_claimed_once_and_pruned_after_its_lifetime(repo: Repository) -> None:
    """A nonce claims once (a second claim, in the same statement or later, is a replay);
    pruning forgets only nonces older than the cut-off."""
    async with repo.transaction() as session:
        assert await session.add_web_forms(["a", "b"], T0) == {"a", "b"}
        assert await session.add_web_forms(["b", "c"], T0 + timedelta(hours=2)) == {"c"}
        assert await session.add_web_forms([], T0) == set()
    async with repo.transaction() as session:
        assert await session.delete_web_forms_before(T0 + timedelta(hours=1)) == 2
        assert await session.add_web_forms(["a", "c"], T0) == {"a"}


async def test_answers_and_votes_keep_their_channel(repo: Repository) -> None:
    """A web answer and a web vote are stored and counted as `web`, Telegram ones as
    `telegram` (the default of rows from before the migration)."""
    async with repo.transaction() as session:
        community, _ = await session.set_community(-1001, "碧海社区", T0)
        round_id = await text_round(
            session,
            [community.id],
            start=T0,
            question="你希望社区怎样改进？",
            closes_at=T0 + timedelta(days=1),
        )

        def answer(resident: str, source: str, text: str, channel: Channel) -> NewAnswer:
            return NewAnswer(
                round_id=round_id,
                community_id=community.id,
                resident=resident,
                source=source,
                via="page" if channel == "web" else "reply",
                text=text,
                text_hash=text,
                at=T0,
                channel=channel,
            )

        ids = await session.add_answers(
            [answer("t1", "g:1:1", "停车难", "telegram"), answer("w1", "w:n1", "垃圾分类", "web")]
        )
        await session.set_votes(round_id, community.id, "w1", [3], T0, "web")
        await session.set_votes(round_id, community.id, "t1", [1], T0)
    async with repo.transaction() as session:
        stored = await session.list_answers(round_ids=[round_id])
        counted = await session.count_answers_by_channel(Scope(round_ids=[round_id]))
        votes = await session.tx.fetchall("SELECT resident, channel FROM votes ORDER BY resident")
        mine = await session.list_round_votes(round_id, "w1")
    assert [(a.id, a.channel) for a in stored] == [(ids[0], "telegram"), (ids[1], "web")]
    assert counted == {"telegram": 1, "web": 1}
    assert [(v["resident"], v["channel"]) for v in votes] == [("t1", "telegram"), ("w1", "web")]
    assert mine == [3]
