"""PostgreSQL backend through asyncpg: a pool, one connection per transaction.

Several bot processes share one database (SPEC §8). Transactions run at READ COMMITTED: the
repository's writes are either guarded (`UPDATE … WHERE state = ?`) or `INSERT … ON CONFLICT`,
so a concurrent duplicate waits for the first to commit and then changes nothing. Work that must
not run in two processes at once uses advisory locks, keyed by the schema so that deployments
(or test runs) in separate schemas of one database do not contend: `exclusive(name)` for a
critical section (sending the outbox), `leadership()` for the scheduler.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import zlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import asyncpg

from storage.backends.base import (
    Backend,
    DatabaseUnavailable,
    Leadership,
    LocalLocks,
    Params,
    Row,
    Tx,
)

log = logging.getLogger(__name__)

# The first half of every advisory lock key: "MNYI", so other applications' locks never clash.
LOCK_CLASS = 0x4D4E5949
LEADER_APP_PREFIX = "minyi-leader"

_PLACEHOLDER = re.compile(r"\?")


def to_postgres(sql: str) -> str:
    """Rewrite `?` placeholders as `$1, $2, …` (our SQL never has `?` inside literals)."""
    counter = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda _m: f"${next(counter)}", sql)


class _PostgresTx(Tx):
    dialect = "postgresql"

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        status: str = await self._conn.execute(to_postgres(sql), *params)
        tail = status.rsplit(" ", 1)[-1]
        return int(tail) if tail.isdigit() else 0

    async def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        await self._conn.executemany(to_postgres(sql), [tuple(r) for r in rows])

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        records = await self._conn.fetch(to_postgres(sql), *params)
        return [dict(r) for r in records]


def split_schema(url: str) -> tuple[str, str | None]:
    """Take an optional `?schema=NAME` off the URL (used by tests to isolate runs)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    schema = query.pop("schema", [None])[0]
    rest = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
    return rest, schema


def lock_key(schema: str | None, name: str) -> tuple[int, int]:
    """The two-int advisory lock key of a named lock in a schema."""
    digest = zlib.crc32(f"{schema or 'public'}:{name}".encode())
    return LOCK_CLASS, digest - (1 << 32) if digest >= 1 << 31 else digest


_LOST = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError)


class PostgresLeadership(Leadership):
    """A session-level advisory lock on a dedicated connection.

    The lock lives as long as the connection: a process that dies (even by SIGKILL) drops its
    connection, the server releases the lock, and the next `is_leader()` of another process
    takes it. The connection's application_name carries the process id, so an operator (or a
    test) can see in pg_stat_activity which process leads.
    """

    def __init__(self, url: str, key: tuple[int, int], name: str) -> None:
        self._url = url
        self._key = key
        self._name = name
        self._conn: Any = None
        self._leading = False

    async def is_leader(self) -> bool:
        try:
            if self._conn is None or self._conn.is_closed():
                self._leading = False
                self._conn = await asyncpg.connect(
                    self._url,
                    timeout=5,
                    server_settings={"application_name": f"{LEADER_APP_PREFIX}:{os.getpid()}"},
                )
            if self._leading:
                # Still connected means still holding the lock.
                await self._conn.fetchval("SELECT 1", timeout=5)
                return True
            self._leading = bool(
                await self._conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", *self._key)
            )
        except _LOST as exc:
            log.warning("%s leadership lost or not reachable: %r", self._name, exc)
            await self._drop()
            return False
        if self._leading:
            log.info("process %s now leads (%s)", os.getpid(), self._name)
        return self._leading

    async def _drop(self) -> None:
        conn, self._conn, self._leading = self._conn, None, False
        if conn is not None:
            conn.terminate()

    async def release(self) -> None:
        if self._conn is not None and not self._conn.is_closed():
            with suppress(*_LOST):
                await self._conn.close(timeout=5)
        await self._drop()


def _without_password(url: str) -> str:
    """`url` as it may be shown to the operator: its password left out."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:…@{netloc}"))


class PostgresBackend(Backend):
    """A connection pool to one PostgreSQL database (optionally one schema of it)."""

    dialect = "postgresql"

    def __init__(self, url: str, min_size: int = 1, max_size: int = 10) -> None:
        self.url, self.schema = split_schema(url)
        self._pool: Any = None
        self._sizes = (min_size, max_size)
        self._named = LocalLocks()
        self._single: Any = None  # the connection of `autocommit`
        self._single_lock = asyncio.Lock()

    def _server_settings(self) -> dict[str, str] | None:
        return {"search_path": self.schema} if self.schema else None

    async def open(self) -> None:
        try:
            await self._open()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise DatabaseUnavailable(
                _without_password(self.url), str(exc) or type(exc).__name__
            ) from exc

    async def _open(self) -> None:
        if self.schema:
            conn = await asyncpg.connect(self.url)
            try:
                await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            except (
                asyncpg.exceptions.UniqueViolationError,
                asyncpg.exceptions.DuplicateSchemaError,
            ):
                # IF NOT EXISTS is not safe against a second process creating it at the same
                # moment (several bot processes starting together): it exists, which is all
                # we wanted.
                pass
            finally:
                await conn.close()
        self._pool = await asyncpg.create_pool(
            self.url,
            min_size=self._sizes[0],
            max_size=self._sizes[1],
            server_settings=self._server_settings(),
        )

    async def close(self) -> None:
        if self._single is not None:
            with suppress(*_LOST):
                await self._single.close(timeout=5)
            self._single = None
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        if self._pool is None:
            raise RuntimeError("database is not open")
        async with self._pool.acquire() as conn, conn.transaction():
            tx = _PostgresTx(conn)
            yield tx
            await tx.run_before_commit()

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[Tx]:
        # One connection of its own, one task at a time: a statement is one round trip (a
        # pool's connection costs a second, its reset on release) and never waits for a pool
        # that longer transactions hold.
        if self._pool is None:
            raise RuntimeError("database is not open")
        async with self._single_lock:
            if self._single is None or self._single.is_closed():
                self._single = await asyncpg.connect(
                    self.url, timeout=5, server_settings=self._server_settings()
                )
            try:
                yield _PostgresTx(self._single)
            except BaseException:
                # Cut short (a timeout, a lost server) it may be in any state: start afresh.
                conn, self._single = self._single, None
                conn.terminate()
                raise

    async def analyze(self) -> None:
        # What autovacuum does some time after a bulk load: statistics for the planner, and the
        # visibility map without which index-only scans still read every row from the table.
        if self._pool is None:
            raise RuntimeError("database is not open")
        async with self._pool.acquire() as conn:
            await conn.execute(
                "VACUUM ANALYZE answers, answer_themes, votes, tally_answers, tally_themes, "
                "tally_votes, tally_round_people, tally_round_totals, tally_activity, "
                "tally_arrivals"
            )

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        if self._pool is None:
            raise RuntimeError("database is not open")
        key = lock_key(self.schema, name)
        # Tasks of this process queue on a local lock, not on pool connections.
        async with self._named(name), self._pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1, $2)", *key)
            try:
                yield
            finally:
                # A broken connection has released the lock already; the pool resets it.
                if not conn.is_closed():
                    await conn.execute("SELECT pg_advisory_unlock($1, $2)", *key)

    def leadership(self, name: str = "scheduler") -> Leadership:
        return PostgresLeadership(self.url, lock_key(self.schema, name), name)

    async def leader_pid(self, name: str = "scheduler") -> int | None:
        """The process id of the bot process that leads now, if any (from pg_locks)."""
        classid, objid = lock_key(self.schema, name)
        async with self.transaction() as tx:
            label = await tx.fetchval(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
                "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.classid = ? AND l.objid = ? AND l.objsubid = 2",
                (classid & 0xFFFFFFFF, objid & 0xFFFFFFFF),
            )
        if not isinstance(label, str) or not label.startswith(LEADER_APP_PREFIX + ":"):
            return None
        return int(label.rsplit(":", 1)[1])
