"""Report aggregates read tally rows and index ranges, never a whole table, on SQLite
(migration 0011; bench/README.md "Reports")."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.models import NewAnswer, TagRecord
from storage.backends import sqlite as sqlite_backend
from storage.repository import Repository, Scope, Session

T0 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)
# A step that reads answers, theme rows, votes or tallies (by name or by the aliases our SQL
# uses) ...
READS = re.compile(r"^(SCAN|SEARCH) (answers|answer_themes|votes|tally_\w+|a|s|t|v|x|p)\b")
# ... may only read tally rows by key or hour, answers and votes by time (the partial hours
# at a window's ends), the sample's partial indexes, single rows by id, or the best few
# theme rows of a theme (quotes), or an anonymous poll's totals.
BOUNDED = (
    "USING PRIMARY KEY (",  # the tallies (clustered by their key on SQLite)
    "USING INDEX tally_",
    "USING INTEGER PRIMARY KEY (rowid=?)",
    "USING INDEX answers_created (created_at>? AND created_at<?)",
    "INDEX answers_sample_",
    "USING COVERING INDEX votes_created (created_at>? AND created_at<?)",
    "USING INDEX votes_created (created_at>? AND created_at<?)",
    "sqlite_autoindex_answer_themes_1 (answer_id=?)",
    "USING INDEX answer_themes_best (theme_id=? AND hidden=?)",
    # An anonymous poll's totals, by its posts.
    "USING INDEX sqlite_autoindex_posts_1 (round_id=?)",
    "USING INDEX sqlite_autoindex_poll_t",
)


async def _fill(repo: Repository) -> tuple[int, list[int]]:
    async with repo.transaction() as session:
        ids = [(await session.set_community(-1 - i, f"社区{i}", T0))[0].id for i in range(2)]
        rounds = []
        for kind in ("text", "rating"):
            round_ = await session.add_round(
                kind=kind,  # type: ignore[arg-type]
                state="open",
                question="?",
                community_ids=ids,
                opens_at=T0,
                closes_at=T0 + timedelta(days=7),
                reminder_at=None,
                created_by="organiser",
                at=T0,
            )
            rounds.append(round_.id)
        tag = TagRecord(theme_id="parking", kind="domain", score=0.5, evidence=["停车"])
        await session.add_answers(
            [
                NewAnswer(
                    round_id=rounds[0],
                    community_id=ids[n % 2],
                    resident=f"r{n % 7}",
                    source=f"s{n}",
                    via="reply",
                    text=f"停车{n}",
                    text_hash=f"h{n}",
                    at=T0 + timedelta(minutes=37 * n),
                    themes=[tag] if n % 3 else [],
                )
                for n in range(200)
            ]
        )
        for n in range(20):
            await session.set_votes(rounds[1], ids[0], f"v{n}", [1 + n % 5], T0 + timedelta(n))
    return rounds[0], rounds


async def test_report_aggregates_read_no_whole_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every statement behind a round report and a period report (a window starting and
    ending mid-hour) reads tally rows, and answers only at the window's ends or in the sample:
    none reads every answer, theme row or vote in scope, which made reports grow with the
    stored answers."""
    path = tmp_path / "plans.db"
    repo = Repository.from_url(f"sqlite:///{path}")
    await repo.open()
    try:
        text_round, rounds = await _fill(repo)
        seen: list[tuple[str, tuple[Any, ...]]] = []
        original = sqlite_backend._SqliteTx.fetchall

        async def recording(self: Any, sql: str, params: Any = ()) -> Any:
            seen.append((sql, tuple(params)))
            return await original(self, sql, params)

        monkeypatch.setattr(sqlite_backend._SqliteTx, "fetchall", recording)
        week = Scope(since=T0 + timedelta(minutes=13), until=T0 + timedelta(days=7, minutes=13))
        calls: list[Callable[[Session], Awaitable[object]]] = [
            lambda s: s.count_participants(week),
            lambda s: s.count_visible_answers(week),
            lambda s: s.count_themes(week),
            lambda s: s.list_answer_texts(week, 100, every=32),
            lambda s: s.list_voted_round_ids(week.since or T0, week.until or T0),
        ]
        for scope in (
            Scope(round_ids=[text_round]),
            Scope(round_ids=[text_round], community_ids=[1]),
        ):
            calls += [
                lambda s, scope=scope: s.count_participants(scope),
                lambda s, scope=scope: s.count_visible_answers(scope),
                lambda s, scope=scope: s.count_themes(scope),
                lambda s, scope=scope: s.list_answer_texts(scope, 100, every=32),
            ]
        calls += [lambda s: s.count_votes(rounds[1]), lambda s: s.count_voters(rounds[1])]
        async with repo.transaction() as session:
            for call in calls:
                await call(session)
    finally:
        await repo.close()
    assert len(seen) >= len(calls)
    with sqlite3.connect(path) as conn:
        for sql, params in seen:
            steps = [str(row[-1]) for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
            unbounded = [s for s in steps if READS.match(s) and not any(b in s for b in BOUNDED)]
            assert not unbounded, (sql, steps)
