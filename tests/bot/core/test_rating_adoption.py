"""A rating post whose message id a crash left unstored is adopted by the first press on it,
over real PostgreSQL with two bot processes (bot/core/answers.py `record_rating`)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg

from bot.config import settings_from_dict
from bot.core.answers import record_rating
from bot.core.base import open_core
from tests.pg import postgres_schema_url

NOW = datetime(2026, 5, 15, 2, 0, tzinfo=UTC)
CHAT, MESSAGE = -1001, 77


async def _waiting_on_locks(conn: asyncpg.Connection, count: int) -> None:
    """Return once `count` other sessions wait behind a lock `conn` holds (the second in the
    queue waits for the first)."""
    # (What we wait on is in the database, which has no event to await.)
    while (  # noqa: ASYNC110
        await conn.fetchval(
            "WITH RECURSIVE behind(pid) AS ("
            " SELECT pid FROM pg_stat_activity WHERE pg_backend_pid() = ANY (pg_blocking_pids(pid))"
            " UNION SELECT a.pid FROM pg_stat_activity a, behind b"
            " WHERE b.pid = ANY (pg_blocking_pids(a.pid))) SELECT count(*) FROM behind"
        )
        < count
    ):
        await asyncio.sleep(0.01)


async def test_two_processes_pressing_an_unconfirmed_rating_post_at_once_both_vote() -> None:
    """Two residents press the orphaned opening post at the same moment in two processes: the
    first press adopts it and the second, which found it unadopted, still counts (it was told
    "unknown", its vote lost, when the other process adopted the post first)."""
    with postgres_schema_url() as url:
        settings = settings_from_dict(
            {"storage": {"url": url}, "privacy": {"secret": "s"}}, environ={}
        )
        first, second = await open_core(settings), await open_core(settings)
        # Long after the round opened: the post is not "in flight" (no retry is waited for).
        for core in (first, second):
            core.clock = lambda: NOW + timedelta(hours=3)
        try:
            async with first.repo.transaction() as session:
                community, _ = await session.set_community(CHAT, "碧海社区", NOW)
                round_ = await session.add_round(
                    kind="rating",
                    state="open",
                    question="满意吗？",
                    community_ids=[community.id],
                    opens_at=NOW,
                    closes_at=NOW + timedelta(days=3),
                    reminder_at=None,
                    created_by="x",
                    at=NOW,
                )
                await session.add_posts(round_.id, "open", [community.id])
                # Telegram took the post; the crash came before its message id was stored.
                assert await session.add_post_attempt(round_.id, community.id, "open") == 1
            holder = await asyncpg.connect(url.split("?")[0])
            schema = url.split("schema=")[1]
            try:
                tx = holder.transaction()
                await tx.start()
                await holder.execute(f'SET search_path TO "{schema}"')
                await holder.execute("SELECT 1 FROM posts FOR UPDATE")
                presses = [
                    asyncio.create_task(
                        record_rating(core, CHAT, MESSAGE, user, round_.id, 4, carries_round=True)
                    )
                    for core, user in ((first, 101), (second, 102))
                ]
                await asyncio.wait_for(_waiting_on_locks(holder, 2), 30)
                await tx.rollback()
                outcomes = await asyncio.wait_for(asyncio.gather(*presses), 30)
            finally:
                await holder.close()
            assert outcomes == ["recorded", "recorded"]
            async with first.repo.transaction() as session:
                assert len(await session.list_votes(round_.id)) == 2
        finally:
            await first.repo.close()
            await second.repo.close()
