"""Two processes' `FloodLimiter`s on one PostgreSQL database (bot/telegram/shared_flood.py):
each keeps to what the other sent and to the flood wait the other met, and a database out of
reach leaves each sending on its own limits. Each limiter has its own `Repository`, as a
process would; the clock is the test's (the database is told it), never the machine's."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram.error import NetworkError, RetryAfter

from bot.telegram import shared_flood
from bot.telegram.flood import FloodLimiter, deferring
from bot.telegram.shared_flood import SharedFlood
from storage.repository import Repository
from tests.bot.telegram.test_flood import HeldTime, Time, album, send
from tests.pg import BASE_URL, postgres_schema_url

EPOCH = 1_700_000_000.0


def limiter(repo: Repository, time: Time) -> FloodLimiter:
    shared = SharedFlood(
        repo, secret=b"test secret", now=lambda: EPOCH + time.now, clock=time.clock
    )
    return FloodLimiter(clock=time.clock, sleep=time.sleep, shared=shared)


@contextlib.asynccontextmanager
async def repositories(url: str | None = None, count: int = 2) -> AsyncIterator[list[Repository]]:
    with postgres_schema_url() as schema_url:
        repos = [Repository.from_url(url or schema_url) for _ in range(count)]
        for repo in repos:
            await repo.open()
        try:
            yield repos
        finally:
            for repo in repos:
                await repo.close()


async def test_a_group_gets_20_a_minute_from_two_processes_together() -> None:
    time = Time()
    async with repositories() as (a, b):
        first, second = limiter(a, time), limiter(b, time)
        sent: list[tuple[Any, float]] = []
        for i in range(20):
            await send(first if i % 2 else second, -100, sent, time)
        assert time.slept == []
        await send(first, -100, sent, time)
        assert sent[-1][1] - sent[0][1] >= 60.0
        # Another group and a private chat do not wait for it.
        before = time.now
        await send(second, -200, sent, time)
        await send(second, 42, sent, time)
        assert time.now == before


async def test_a_flood_wait_one_process_met_pauses_the_other_for_that_chat_only() -> None:
    time = HeldTime()
    async with repositories() as (a, b):
        first, second = limiter(a, time), limiter(b, time)
        calls: list[str] = []

        async def refused_once() -> bool:
            calls.append("first")
            if calls.count("first") == 1:
                raise RetryAfter(30)
            return True

        def request(flood: FloodLimiter, call: Any, chat: int) -> Any:
            return flood.process_request(call, (), {}, "sendMessage", {"chat_id": chat}, None)

        waiting_first = asyncio.create_task(request(first, refused_once, -100))
        await asyncio.wait_for(time.sleeping.wait(), 10)

        async def other(name: str) -> bool:
            calls.append(name)
            return True

        await asyncio.wait_for(request(second, lambda: other("private"), 42), 10)
        waiting_second = asyncio.create_task(request(second, lambda: other("second"), -100))
        for _ in range(50):
            await asyncio.sleep(0.02)
        assert calls == ["first", "private"], "the other process wrote to the paused chat"
        assert second.waiting(-100) > 25
        time.advance(31)
        assert await asyncio.wait_for(waiting_first, 10) is True
        assert await asyncio.wait_for(waiting_second, 10) is True
        assert sorted(calls[2:]) == ["first", "second"]


async def test_a_deferring_sender_hears_at_once_that_another_process_filled_the_minute() -> None:
    """The outbox (deferring) of one process owes a group a post the other process's replies
    used the minute for: raised at once, not waited out, and `waiting` says so after."""
    time = Time()
    async with repositories() as (a, b):
        first, second = limiter(a, time), limiter(b, time)
        for _ in range(20):
            await send(first, -100, [], time)
        with deferring(), pytest.raises(RetryAfter):
            await send(second, -100, [], time)
        assert time.slept == []
        assert second.waiting(-100) > 55 and second.waiting(-200) == 0
        # Its own minute for the group was not used by what it never sent.
        time.now += 61.5
        for _ in range(20):
            await send(second, -100, [], time)
        assert time.slept == []


async def test_the_other_process_counts_a_slow_send_from_when_it_finished() -> None:
    """(Groups allowed one message a minute.) A send that took 10 s counts from its end for the
    other process too; one the server failed (nothing delivered) counts for neither."""
    time = Time()
    async with repositories() as (a, b):
        first, second = limiter(a, time), limiter(b, time)
        first.set_group_limit(1)
        second.set_group_limit(1)

        async def slow() -> bool:
            time.now += 10
            return True

        started = time.now
        await first.process_request(slow, (), {}, "sendMessage", {"chat_id": -100}, None)
        sent: list[tuple[Any, float]] = []
        await send(second, -100, sent, time)
        assert sent[-1][1] >= started + 10 + 60

        async def failed() -> bool:
            raise NetworkError("Bad Gateway")

        with pytest.raises(NetworkError):
            await first.process_request(failed, (), {}, "sendMessage", {"chat_id": -200}, None)
        before = time.now
        await send(second, -200, sent, time)
        assert time.now == before


class Gate:
    """A TCP relay to the test PostgreSQL that the test can close (the database out of reach)
    and open again."""

    def __init__(self) -> None:
        self.open = True
        self._server: asyncio.Server | None = None
        self._links: list[asyncio.StreamWriter] = []

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.open:
            writer.close()
            return
        host, port = BASE_URL.split("@", 1)[1].split("/", 1)[0].split(":")
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        self._links += [writer, up_writer]

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, ConnectionError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def close(self) -> None:
        """Refuse new connections and cut the open ones."""
        self.open = False
        for link in self._links:
            link.close()
        self._links.clear()

    async def stop(self) -> None:
        self.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


async def test_the_database_out_of_reach_leaves_the_process_on_its_own_limits(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gate = Gate()
    port = await gate.start()
    address = BASE_URL.split("@", 1)[1].split("/", 1)[0]
    try:
        with postgres_schema_url() as url:
            repo = Repository.from_url(url.replace(address, f"127.0.0.1:{port}"))
            await repo.open()
            try:
                time = Time()
                flood = limiter(repo, time)
                sent: list[tuple[Any, float]] = []
                await send(flood, -100, sent, time)
                gate.close()
                with caplog.at_level(logging.INFO, logger=shared_flood.__name__):
                    for _ in range(5):
                        await asyncio.wait_for(send(flood, -100, sent, time), 10)
                    # The database is back; after a while the process asks it again.
                    gate.open = True
                    time.now += shared_flood.RETRY_SECONDS
                    await asyncio.wait_for(send(flood, -100, sent, time), 10)
                assert len(sent) == 7
                # Its own minute still held: 20 in all, then the 21st waits.
                for _ in range(13):
                    await send(flood, -100, sent, time)
                assert time.slept == []
                await send(flood, -100, sent, time)
                assert sent[-1][1] - sent[0][1] >= 60.0
                ours = [r for r in caplog.records if r.name == shared_flood.__name__]
                warnings = [r for r in ours if r.levelno == logging.WARNING]
                assert len(warnings) == 1 and "alone" in warnings[0].getMessage()
                assert any("again" in r.getMessage() for r in ours)
            finally:
                await repo.close()
    finally:
        await gate.stop()


async def test_a_private_chat_s_flood_wait_is_kept_under_a_pseudonym_never_its_raw_id() -> None:
    """A private chat's id is its person's Telegram id, which storage never holds (SPEC §9):
    a flood wait Telegram asked there is shared under the person's pseudonym, and the other
    process still meets it."""
    time = HeldTime()
    person = 424242
    async with repositories() as (a, b):
        first, second = limiter(a, time), limiter(b, time)

        async def refused() -> bool:
            raise RetryAfter(30)

        with pytest.raises(RetryAfter):
            await first.process_request(refused, (), {}, "sendMessage", {"chat_id": person}, 0)
        async with a.transaction() as session:
            rows = await session.tx.fetchall("SELECT chat FROM flood_windows")
        chats = [r["chat"] for r in rows]
        assert all(str(person) not in chat for chat in chats), chats
        assert len(chats) == 2  # the overall row and the person's, pseudonymous
        # The other process keeps to it: its sender in `deferring` hears of it at once.
        with deferring(), pytest.raises(RetryAfter):
            await send(second, person, [], time)


async def test_an_album_takes_one_place_per_item_in_the_shared_minute() -> None:
    """Ten documents in an album from one process and ten from the other fill a group's
    minute between them: the next message, from either, waits for the minute; a refused album
    gives all its places back."""
    time = Time()
    async with repositories() as (a, b):
        first, second = limiter(a, time), limiter(b, time)
        sent: list[tuple[Any, float]] = []
        await album(first, -100, 10, sent, time)

        async def refused() -> bool:
            raise RetryAfter(1)

        with pytest.raises(RetryAfter):
            await second.process_request(
                refused, (), {}, "sendMediaGroup", {"chat_id": -100, "media": [1] * 10}, 0
            )
        time.now += 2  # the flood wait is over; the refused album counts for nothing
        await album(second, -100, 10, sent, time)
        assert time.slept == []
        await send(first, -100, sent, time)
        assert sent[-1][1] - sent[0][1] >= 60.0
