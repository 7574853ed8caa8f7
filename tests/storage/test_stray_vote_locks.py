"""PostgreSQL, two processes: a batch of poll votes that stores a vote and then keeps a stray one
(in a poll whose id is not stored), while the other process stores that poll's first copy and
counts the stray votes kept for it, among them one of the same resident's. Each once ran into
the other's lock: a deadlock, PostgreSQL aborting one of them."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import asyncpg

from bot.core.answers import count_stray_votes, record_poll_vote
from bot.core.base import Core, Turn
from tests.pg import BASE_URL, postgres_schema_url
from tests.storage.test_concurrency import processes, setup_round
from tests.storage.test_repository import T0

ROUNDS = 12
COPY = "copy-poll"


def _ticking(core: Core) -> None:
    """Each reading of the clock one second later: a later vote is a later vote."""
    ticks = itertools.count()
    core.clock = lambda: T0 + timedelta(seconds=next(ticks))


async def _lock_waited_on(editing: asyncio.Task[object]) -> None:
    """Until some transaction waits for a lock (what it waits on is in the database, which has
    no event to await), or `editing` ended."""
    watcher = await asyncpg.connect(BASE_URL)
    try:
        waiting = "SELECT count(*) FROM pg_locks WHERE NOT granted"
        while not editing.done() and not await watcher.fetchval(waiting):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    finally:
        await watcher.close()


async def _batch(
    core: Core,
    update_id: int,
    votes: tuple[str, int, int],
    wrote: asyncio.Event,
    release: asyncio.Event,
) -> None:
    """One batch of the intake: A's vote in the round's poll, held open until `release`, then
    B's in the first copy (`votes`: the first copy's poll id, A, B)."""
    orphan, a, b = votes
    async with core.transaction(Turn(update_id)) as session:
        inner = Turn(claimed=True, batch=session)
        assert await record_poll_vote(core, COPY, a, [0], turn=inner) == "recorded"
        wrote.set()
        await release.wait()
        await record_poll_vote(core, orphan, b, [0], turn=inner)


async def _adopt(core: Core, where: tuple[int, int], message_id: int, orphan: str) -> int:
    """What storing a poll's first copy does: the stray votes held, the poll stored, the
    stray votes kept for it counted."""
    round_id, community_id = where
    async with core.repo.transaction() as session:
        await session.hold_stray_votes()
        await session.add_orphan_poll(round_id, community_id, message_id, orphan, core.now())
        return await count_stray_votes(core, session, orphan)


async def test_a_vote_batch_and_the_adoption_of_a_first_copy_never_deadlock() -> None:
    """Twelve times: process one's batch stores resident A's vote in the round's poll (its
    transaction held open), process two stores the poll's first copy and counts its stray
    votes (A's earlier one among them, for the same option or the other), then the batch
    keeps B's vote in the first copy. No deadlock, and both count once: A's last vote (the
    one in the poll, never both of a single-answer poll's options), and B's."""
    with postgres_schema_url() as url:
        async with processes(url) as (first, second):
            for core in (first, second):
                _ticking(core)
            round_id, community_id = await setup_round(first)
            async with first.repo.transaction() as session:
                await session.add_posts(round_id, "open", [community_id])
                await session.set_post_sent(round_id, community_id, "open", T0, 1, COPY)
            errors: list[BaseException] = []
            wrong: list[tuple[int, list[list[int]]]] = []
            for n in range(ROUNDS):
                orphan = f"first-copy-{n}"
                a, b = 1000 + 2 * n, 1001 + 2 * n
                # Kept as stray: the option A chooses again in the poll, or the other one.
                await record_poll_vote(first, orphan, a, [n % 2])
                wrote, release = asyncio.Event(), asyncio.Event()
                holder = asyncio.create_task(_batch(first, 10 + n, (orphan, a, b), wrote, release))
                await wrote.wait()
                adopting = asyncio.create_task(
                    _adopt(second, (round_id, community_id), 100 + n, orphan)
                )
                await _lock_waited_on(adopting)  # type: ignore[arg-type]
                release.set()
                for task in (holder, adopting):
                    try:
                        await task
                    except asyncpg.exceptions.DeadlockDetectedError as exc:
                        errors.append(exc)
                async with second.repo.transaction() as session:
                    mine = [
                        await session.list_round_votes(round_id, first.resident(r)) for r in (a, b)
                    ]
                if mine != [[0], [0]]:
                    wrong.append((n, mine))
                # The first copy is stored for this round's community once: a fresh one each
                # time stands for another crash's.
                async with second.repo.transaction() as session:
                    await session.tx.execute("DELETE FROM posts WHERE purpose = 'orphan'")
            assert (len(errors), wrong) == (0, []), f"{len(errors)} of {ROUNDS} deadlocked"
