"""The benchmarks' bulk loader, on every backend (fixtures: tests/storage/conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bench.synthetic import add_synthetic_rows, count_stored_answers
from bot.core.models import NewAnswer, TagRecord
from storage.repository import Repository, Scope

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


async def test_synthetic_rows_leave_room_for_new_answers(repo: Repository) -> None:
    """After a benchmark bulk load with explicit ids, a new answer gets a fresh id."""
    async with repo.transaction() as session:
        a = (await session.set_community(-100, "A", T0))[0].id
        rid = (
            await session.add_round(
                kind="text",
                state="open",
                question="我们社区最需要改进什么？",
                community_ids=[a],
                opens_at=T0,
                closes_at=T0 + timedelta(hours=2),
                reminder_at=None,
                created_by="organiser",
                at=T0,
            )
        ).id
        ts = T0.timestamp()
        await add_synthetic_rows(
            session.tx,
            [(7, rid, a, "r1", "b:7", "reply", "一", "h", ts)],
            [(7, "parking", "domain", 0.5, "[]")],
            [(rid, a, "r2", 1, ts)],
        )
        green = TagRecord(theme_id="green", kind="domain", score=1.0, evidence=["green词"])
        fresh = await session.add_answer(
            NewAnswer(
                round_id=rid,
                community_id=a,
                resident="r3",
                source="g:r3:二",
                via="reply",
                text="二",
                text_hash="h2",
                at=T0,
                themes=[green],
            )
        )
        assert fresh is not None and fresh > 7
        themes = await session.count_themes(Scope(round_ids=[rid]))
        assert {(t.theme_id, t.count) for t in themes[a]} == {("parking", 1), ("green", 1)}
        assert await count_stored_answers(session.tx) == 2
