"""Synthetic rows for the benchmarks, bulk-loaded straight through a transaction.

Benchmarks need hundreds of thousands of answers with chosen ids and times, far faster than the
ingest path stores them; production code never writes rows this way, so these statements live
here and not in storage's repository.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storage.backends.base import Tx
from storage.copy import advance_identities
from storage.repository.tallies import AnswerFacts, pending


async def add_synthetic_rows(
    tx: Tx,
    answers: Sequence[Sequence[Any]],
    themes: Sequence[Sequence[Any]],
    votes: Sequence[Sequence[Any]] = (),
) -> None:
    """Bulk-load rows for benchmarks: answers as (id, round_id, community_id, resident,
    source, via, text, text_hash, created_at), themes as (answer_id, theme_id, kind, score,
    evidence JSON) of those answers, votes as (round_id, community_id, resident,
    option_index, created_at); times as epoch seconds.

    Answers keep the ids given (so that themes can name their answer); on PostgreSQL the
    identity sequence is then moved past them, so answers stored later get fresh ids. Theme rows
    repeat their answer's round, community, time and hidden flag, as the repository keeps them
    (migration 0002), and the report tallies count the rows through the repository's own
    bookkeeping (storage/repository/tallies.py), written when the transaction commits."""
    await tx.executemany(
        "INSERT INTO answers (id, round_id, community_id, resident, source, via, text, "
        "text_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*row, row[8]) for row in answers],
    )
    scope = {row[0]: (row[1], row[2], row[8], 0) for row in answers}
    await tx.executemany(
        "INSERT INTO answer_themes (answer_id, theme_id, kind, score, evidence, round_id, "
        "community_id, created_at, hidden) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*row, *scope[row[0]]) for row in themes],
    )
    await tx.executemany(
        "INSERT INTO votes (round_id, community_id, resident, option_index, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        votes,
    )
    await advance_identities(tx, ("answers",))
    tallies = pending(tx)
    by_answer: dict[int, list[tuple[str, str, float]]] = {}
    for answer_id, theme_id, kind, score, _ in themes:
        by_answer.setdefault(answer_id, []).append((theme_id, kind, score))
    for row in answers:
        facts = AnswerFacts(
            id=row[0],
            round_id=row[1],
            community_id=row[2],
            resident=row[3],
            created_at=row[8],
            channel="telegram",
            hidden=False,
        )
        tallies.answer(facts, 1)
        tallies.tags(facts, by_answer.get(facts.id, []), 1)
    for round_id, community_id, resident, option_index, created_at in votes:
        vote = {
            "round_id": round_id,
            "community_id": community_id,
            "resident": resident,
            "option_index": option_index,
            "created_at": created_at,
        }
        tallies.vote(vote, 1)


async def count_stored_answers(tx: Tx) -> int:
    """Every stored answer, hidden or not: the bare `count(*)` the report benchmark compares
    with."""
    return int(await tx.fetchval("SELECT count(*) AS n FROM answers") or 0)
