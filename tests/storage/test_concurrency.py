"""Several processes on one database: each `Repository` here stands for one bot process.

Idempotent update processing must hold on every backend; cross-process locks and scheduler
leadership are PostgreSQL's job (a SQLite deployment is one process, which always leads).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg

from bot.config import settings_from_dict
from bot.core.answers import AnswerResult, IncomingMessage, record_answer
from bot.core.base import AlreadyProcessed, Core, OwedReply, Turn
from bot.telegram.replies import ReplyQueue, refusals_counted_in
from nlp.tagger import Tagger
from nlp.taxonomy import load_taxonomy
from storage.backends.postgres import PostgresBackend
from storage.repository import Repository
from tests.pg import BASE_URL, postgres_schema_url
from tests.seeding import seed_text_round
from tests.storage.test_repository import T0, community, text_round

TAXONOMY = load_taxonomy()


@contextlib.asynccontextmanager
async def processes(url: str, count: int = 2) -> AsyncIterator[list[Core]]:
    """`count` cores, each with its own connection(s) to the database at `url`."""
    settings = settings_from_dict({"storage": {"url": url}}, environ={})
    cores = []
    try:
        for _ in range(count):
            repo = Repository.from_url(url)
            await repo.open()
            cores.append(Core(settings, repo, Tagger(TAXONOMY), b"secret", clock=lambda: T0))
        yield cores
    finally:
        for core in cores:
            await core.repo.close()


async def setup_round(core: Core) -> tuple[int, int]:
    """A community and an open poll round; returns (round id, community id)."""
    async with core.repo.transaction() as session:
        found = await community(session, -100, "碧海社区")
        created = await text_round(
            session,
            [found],
            kind="poll",
            question="要不要装充电桩？",
            closes_at=T0,
            options=["要", "不要"],
        )
    return created, found


async def test_update_handled_by_two_processes_at_once_counts_once(storage_url: str) -> None:
    """The same update processed concurrently by two processes stores its effect once."""
    async with processes(storage_url) as (first, second):
        round_id, community_id = await setup_round(first)
        first_claimed = asyncio.Event()
        outcomes: dict[str, str] = {}

        async def handle(core: Core, name: str, hold: bool) -> None:
            try:
                async with core.transaction(Turn(42)) as session:
                    await session.set_votes(round_id, community_id, "r1", [0], T0)
                    if hold:
                        first_claimed.set()
                        await asyncio.sleep(0.3)  # the other process runs into our claim now
                outcomes[name] = "stored"
            except AlreadyProcessed:
                outcomes[name] = "already processed"

        holder = asyncio.create_task(handle(first, "first", hold=True))
        await first_claimed.wait()
        await handle(second, "second", hold=False)
        await holder
        assert outcomes == {"first": "stored", "second": "already processed"}
        async with first.repo.transaction() as session:
            assert await session.count_voters(round_id) == {community_id: 1}


async def test_update_that_lost_a_race_is_retried_not_dropped(storage_url: str) -> None:
    """A transaction that fails after claiming its update leaves the update unclaimed.

    On PostgreSQL the second process's vote runs into the first one's uncommitted row and gets
    a unique violation; the update must then be retried (and succeed), not taken as done.
    """
    async with processes(storage_url) as (first, second):
        round_id, community_id = await setup_round(first)
        first_wrote = asyncio.Event()

        async def vote(core: Core, update_id: int, hold: bool) -> list[str]:
            log: list[str] = []
            for _attempt in range(3):
                claim = Turn(update_id)
                try:
                    async with core.transaction(claim) as session:
                        await session.set_votes(round_id, community_id, "r1", [1], T0)
                        if hold:
                            first_wrote.set()
                            await asyncio.sleep(0.3)
                    log.append("stored")
                    return log
                except AlreadyProcessed:
                    log.append("already processed")
                    return log
                except asyncpg.UniqueViolationError:
                    assert not claim.claimed, "a rolled-back claim must not count as processed"
                    log.append("conflict")
            return log

        holder = asyncio.create_task(vote(first, 1, hold=True))
        await first_wrote.wait()
        second_log = await vote(second, 2, hold=False)
        assert await holder == ["stored"]
        assert second_log[-1] == "stored", second_log
        async with first.repo.transaction() as session:
            assert await session.is_update_processed(1)
            assert await session.is_update_processed(2)
            assert await session.list_resident_votes("r1") == [(round_id, 1)]


async def test_outbox_lock_is_exclusive_across_processes() -> None:
    """While one process sends the outbox, another process waits for its turn."""
    with postgres_schema_url() as url:
        async with processes(url) as (first, second):
            order: list[str] = []
            inside = asyncio.Event()

            async def hold() -> None:
                async with first.post_lock:
                    order.append("first in")
                    inside.set()
                    await asyncio.sleep(0.3)
                    order.append("first out")

            async def wait_turn() -> None:
                async with second.post_lock:
                    order.append("second in")

            holder = asyncio.create_task(hold())
            await inside.wait()
            await wait_turn()
            await holder
            assert order == ["first in", "first out", "second in"]


async def test_scheduler_leadership_moves_when_the_leader_dies() -> None:
    """One process leads; when its connection dies another takes over, and pg shows who leads."""
    with postgres_schema_url() as url:
        async with processes(url, 3) as (first, second, observer):
            one, two = first.repo.leadership(), second.repo.leadership()
            try:
                assert await one.is_leader()
                assert not await two.is_leader()
                assert await one.is_leader()
                backend = observer.repo.backend
                assert isinstance(backend, PostgresBackend)
                assert await backend.leader_pid() == os.getpid()
                # Kill the leader's session, as the server does when its process dies.
                async with observer.repo.transaction() as session:
                    killed = await session.tx.fetchall(
                        "SELECT pid, pg_terminate_backend(pid, 5000) AS done "
                        "FROM pg_stat_activity WHERE application_name = ? AND pid IN "
                        "(SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)",
                        (f"minyi-leader:{os.getpid()}",),
                    )
                assert [row["done"] for row in killed] == [True]
                assert await two.is_leader()
                assert not await one.is_leader()  # reconnected, but the lock is taken
                assert await backend.leader_pid() == os.getpid()
            finally:
                await one.release()
                await two.release()
            assert await backend.leader_pid() is None


async def test_sqlite_process_always_leads(tmp_path: Path) -> None:
    """A SQLite deployment is one process, so its scheduler always leads."""
    async with processes(f"sqlite:///{tmp_path}/minyi.db", 1) as (only,):
        leadership = only.repo.leadership()
        assert await leadership.is_leader()
        await leadership.release()


async def test_processes_starting_together_on_a_new_schema_all_open() -> None:
    """Several processes opening (and migrating) one fresh schema at once all succeed."""
    with postgres_schema_url() as url:
        repos = [Repository.from_url(url) for _ in range(4)]
        try:
            await asyncio.gather(*(repo.open() for repo in repos))
            async with repos[0].transaction() as session:
                assert await session.list_communities() == []
        finally:
            for repo in repos:
                await repo.close()


async def test_an_edit_meeting_its_answer_committed_meanwhile_replaces_it() -> None:
    """Webhook mode may process an answer and its edit at once, in two processes or two
    transactions: the edit finds no answer yet, and its insert meets the answer the other
    transaction is committing. Once that commits, the edit replaces it (outcome "updated"),
    instead of being dropped as a duplicate of it."""
    with postgres_schema_url() as url:
        async with processes(url) as (first, second):
            await seed_text_round(first, [])  # an open text round in chat -100
            original = IncomingMessage(
                chat_id=-100, private=False, message_id=7, user_id=42, text="停车位太少了"
            )
            edit = original.model_copy(update={"text": "改：物业要公开账目", "edited": True})
            wrote, release = asyncio.Event(), asyncio.Event()

            async def answer_held_open() -> AnswerResult:
                async with first.transaction(Turn(1)) as session:
                    inner = Turn(claimed=True, batch=session)
                    result = await record_answer(first, original, turn=inner)
                    wrote.set()
                    await release.wait()
                return result

            holder = asyncio.create_task(answer_held_open())
            await wrote.wait()
            editing = asyncio.create_task(record_answer(second, edit, turn=Turn(2)))
            # Until the edit's insert waits on the uncommitted answer (a lock not granted).
            watcher = await asyncpg.connect(BASE_URL)
            try:
                waiting = "SELECT count(*) FROM pg_locks WHERE NOT granted"
                # (What we wait on is in the database, which has no event to await.)
                while not editing.done() and not await watcher.fetchval(waiting):  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
            finally:
                await watcher.close()
            release.set()
            assert (await holder).outcome == "stored"
            assert (await editing).outcome == "updated"
            async with second.repo.transaction() as session:
                stored = await session.list_answers()
            assert [a.text for a in stored] == ["改：物业要公开账目"]


async def test_processes_share_the_refusal_cap_of_a_chat() -> None:
    """Two webhook processes each owe a group five refusals in the same minute: together they
    send the cap (3), as one process would, not 3 each; other replies are not capped."""
    with postgres_schema_url() as url:
        async with processes(url) as cores:
            sent: list[tuple[int, str]] = []

            def owed(chat: int, text: str, refusal: bool) -> OwedReply:
                async def send() -> None:
                    sent.append((chat, text))

                return OwedReply(chat, send, refusal=refusal)

            queues = [
                ReplyQueue(label=str, clock=lambda: 6_000.0, shared_cap=refusals_counted_in(c))
                for c in cores
            ]
            for number, queue in enumerate(queues):
                queue.put_all(owed(-100, f"太快了 {number}.{i}", True) for i in range(5))
                queue.put_all(owed(-100, f"已收到 {number}.{i}", False) for i in range(2))
                queue.put(owed(-200, f"别的群 {number}", True))
            for queue in queues:
                await queue.wait_idle()
    refused = [text for chat, text in sent if chat == -100 and text.startswith("太快了")]
    assert len(refused) == 3
    assert sorted(text for chat, text in sent if text.startswith("已收到")) == [
        f"已收到 {n}.{i}" for n in range(2) for i in range(2)
    ]
    assert sorted(text for chat, text in sent if chat == -200) == ["别的群 0", "别的群 1"]
