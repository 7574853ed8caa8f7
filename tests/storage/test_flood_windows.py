"""Telegram's flood limits in the database (storage/repository/flood.py), as several processes
on one PostgreSQL database keep them: each `Repository` here stands for one bot process, and
the moments are given (`now`), never read from a clock."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from storage.repository import Repository
from storage.repository.flood import FloodRoom
from tests.pg import postgres_schema_url

T = 1_700_000_000.0
HOLD = 1.0
GROUP = "-1001"


@contextlib.asynccontextmanager
async def processes(count: int = 2) -> AsyncIterator[list[Repository]]:
    with postgres_schema_url() as url:
        repos = [Repository.from_url(url) for _ in range(count)]
        for repo in repos:
            await repo.open()
        try:
            yield repos
        finally:
            for repo in repos:
                await repo.close()


async def take(
    repo: Repository, chat: str, now: float, *, group: bool = True, limit: int = 20
) -> FloodRoom:
    async with repo.autocommit() as session:
        return await session.take_flood_room(
            chat, group_limit=limit if group else 0, overall_limit=30, hold=HOLD, now=now
        )


async def test_a_groups_minute_is_one_for_all_processes() -> None:
    """Two processes reserve 40 messages to one group at the same moment, all at once: 20 go,
    20 are told to wait until the first 20 are a minute old (from their hold)."""
    async with processes() as (a, b):
        rooms = await asyncio.gather(
            *(take(a if i % 2 else b, GROUP, T + i * 0.01) for i in range(40))
        )
        taken = [r for r in rooms if r.taken]
        assert len(taken) == 20
        waits = [r.chat_wait for r in rooms if not r.taken]
        assert all(w > 59.0 for w in waits)
        # Another group and a private chat are not held by it.
        assert (await take(b, "-1002", T + 1)).taken
        assert (await take(a, "42", T + 1, group=False)).taken
        # Once the first of the 20 counts no more, one more goes.
        first = min(r.at for r in taken)
        assert not (await take(b, GROUP, first + 59.9)).taken
        assert (await take(b, GROUP, first + 60.0 + 1e-6)).taken


async def test_thirty_a_second_for_all_processes_together() -> None:
    async with processes() as (a, b):
        rooms = await asyncio.gather(
            *(take(a if i % 2 else b, str(1000 + i), T, group=False) for i in range(31))
        )
        assert sum(r.taken for r in rooms) == 30
        (held,) = [r for r in rooms if not r.taken]
        assert held.chat_wait == 0 and held.overall_wait == pytest.approx(1.0)
        assert (await take(a, "2000", T + 1.0 + 1e-6, group=False)).taken


async def test_a_flood_wait_one_process_met_pauses_the_chat_for_the_other() -> None:
    async with processes() as (a, b):
        rooms = [await take(a, GROUP, T) for _ in range(5)]
        async with a.autocommit() as session:
            await session.pause_flood(GROUP, 30.0, given_back=rooms[-1].at, now=T + 0.5)
        held = await take(b, GROUP, T + 1)
        assert not held.taken and held.chat_wait == pytest.approx(29.5)
        # Only that chat.
        assert (await take(b, "-1002", T + 1)).taken
        assert (await take(b, GROUP, T + 30.5)).taken
        # The refused message gave its place back: 4 + 1 counted, 15 more go.
        assert all([(await take(b, GROUP, T + 31)).taken for _ in range(15)])
        assert not (await take(b, GROUP, T + 31)).taken


async def test_a_longer_wait_is_never_shortened_by_a_shorter_one() -> None:
    async with processes() as (a, b):
        async with a.autocommit() as session:
            await session.pause_flood(GROUP, 30.0, given_back=None, now=T)
        async with b.autocommit() as session:
            await session.pause_flood(GROUP, 5.0, given_back=None, now=T)
        assert (await take(a, GROUP, T + 10)).chat_wait == pytest.approx(20.0)


async def test_a_slow_send_counts_from_when_it_finished_a_refused_one_not_at_all() -> None:
    """(A group allowed one message a minute.)"""
    async with processes() as (a, b):
        slow = await take(a, GROUP, T, limit=1)
        async with a.autocommit() as session:
            await session.settle_flood_room(GROUP, slow.at, T + 10)
        held = await take(b, GROUP, T + 65, limit=1)
        assert held.chat_wait == pytest.approx(5.0)
        refused = await take(b, GROUP, T + 70 + 1e-6, limit=1)
        assert refused.taken
        async with b.autocommit() as session:
            await session.settle_flood_room(GROUP, refused.at, None)
        assert (await take(a, GROUP, T + 71, limit=1)).taken


async def test_a_process_that_died_holds_nothing_past_its_minute() -> None:
    """A process reserves a group's whole minute and dies (its connections gone); the other
    process sends there once that minute is over, and nothing else was held meanwhile."""
    async with processes() as (a, b):
        for _ in range(20):
            assert (await take(a, GROUP, T)).taken
        await a.close()
        assert not (await take(b, GROUP, T + 30)).taken
        assert (await take(b, "42", T + 30, group=False)).taken
        assert (await take(b, GROUP, T + HOLD + 60 + 1e-6)).taken


async def test_rows_lost_in_a_crash_of_the_server_come_back_with_the_next_messages() -> None:
    """The table is unlogged: a crash of the server empties it. The overall second and a
    group's minute are kept again from the next message on."""
    async with processes() as (a, b):
        async with a.transaction() as session:
            await session.tx.execute("DELETE FROM flood_windows")
        rooms = [await take(a if i % 2 else b, str(1000 + i), T, group=False) for i in range(31)]
        assert [r.taken for r in rooms] == [True] * 30 + [False]
        rooms = [await take(a if i % 2 else b, GROUP, T + 2) for i in range(21)]
        assert [r.taken for r in rooms] == [True] * 20 + [False]


async def test_quiet_chats_rows_are_pruned_the_busy_ones_and_the_overall_row_kept() -> None:
    """A chat whose flood wait is over and whose minute is empty loses its row (a private
    chat's names its person by a pseudonym); a group still in its minute, a chat still
    waiting and the overall row stay."""
    async with processes(1) as (repo,):
        await take(repo, GROUP, T)
        await take(repo, "-1002", T + 50)
        async with repo.autocommit() as session:
            await session.pause_flood("p:0123456789ab", 5, given_back=None, now=T)
            await session.pause_flood("p:ba9876543210", 600, given_back=None, now=T)
        async with repo.transaction() as session:
            assert await session.prune_flood_windows(now=T + 70) == 2
            rows = await session.tx.fetchall("SELECT chat FROM flood_windows ORDER BY chat")
        assert [r["chat"] for r in rows] == ["", "-1002", "p:ba9876543210"]
