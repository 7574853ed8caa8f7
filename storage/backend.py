"""Database backends behind one small interface: a transaction that runs SQL.

All SQL is written once, in SQLite's `?` placeholder style, in storage/repository.py; the
PostgreSQL backend rewrites placeholders to `$n`. A backend only knows how to connect, run a
statement and hand out transactions.
"""

from __future__ import annotations

import abc
import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

_T = TypeVar("_T")

Row = dict[str, Any]
Params = Sequence[Any]


class Tx(abc.ABC):
    """One open transaction."""

    dialect: str

    @abc.abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; return the number of rows it changed."""

    @abc.abstractmethod
    async def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        """Run a statement once per row of parameters."""

    @abc.abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run a query and return every row as a dict."""

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Run a query and return its first row, if any."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """Run a query and return the first column of its first row (None if no row)."""
        row = await self.fetchone(sql, params)
        return None if row is None else next(iter(row.values()))


class Backend(abc.ABC):
    """A database: opened once, then transactions."""

    dialect: str

    @abc.abstractmethod
    async def open(self) -> None:
        """Connect."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Disconnect."""

    @abc.abstractmethod
    def transaction(self) -> Any:
        """An async context manager yielding a Tx; commits on success, rolls back on error."""

    async def analyze(self) -> None:
        """After a bulk load: bring the planner's statistics up to date now, as the database
        would on its own later.

        Nothing to do by default: SQLite keeps no statistics unless asked, and the report
        queries are planned onto their indexes without them.
        """
        return None

    async def scrub(self) -> None:
        """Make rows deleted so far unrecoverable from the database's own files.

        Nothing to do by default: PostgreSQL's (auto)vacuum reclaims dead rows.
        """
        return None

    @abc.abstractmethod
    def exclusive(self, name: str) -> AbstractAsyncContextManager[None]:
        """Held by one task at a time, in every process that shares this database."""

    @abc.abstractmethod
    def leadership(self, name: str = "scheduler") -> Leadership:
        """A claim that at most one process holds at a time (see `Leadership`)."""


class Leadership(abc.ABC):
    """At most one process sharing the database leads; another takes over when it dies."""

    @abc.abstractmethod
    async def is_leader(self) -> bool:
        """Whether this process leads now (trying to become leader if nobody does)."""

    @abc.abstractmethod
    async def release(self) -> None:
        """Stop leading (on shutdown), so another process takes over at once."""


class SoleLeadership(Leadership):
    """SQLite: one bot process per database file, so it always leads."""

    async def is_leader(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class LocalLocks:
    """One asyncio.Lock per name, for serialising work inside this process."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}

    def __call__(self, name: str) -> asyncio.Lock:
        return self._locks.setdefault(name, asyncio.Lock())


def _execute_counting(raw: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> int:
    cursor = raw.execute(sql, params)
    try:
        return cursor.rowcount
    finally:
        cursor.close()


def _execute_many(raw: sqlite3.Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    raw.executemany(sql, rows).close()


def _execute_fetching(raw: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> list[Row]:
    cursor = raw.execute(sql, params)
    try:
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        cursor.close()


class _SqliteTx(Tx):
    """Statements on aiosqlite's worker thread, one thread hop per statement.

    aiosqlite's public `execute` costs a hop for the statement and another to close its
    cursor (three for a fetch); on the ingest path that hand-off, not SQLite, was the cost.
    `Connection._execute` (aiosqlite's own primitive behind every public method) runs one
    function on the worker thread instead.
    """

    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def _hop(self, fn: Callable[..., _T], *args: Any) -> _T:
        # aiosqlite's `_execute` is untyped (its public wrappers are typed around it).
        result: _T = await self._conn._execute(fn, self._conn._conn, *args)  # type: ignore[no-untyped-call]
        return result

    async def execute(self, sql: str, params: Params = ()) -> int:
        return await self._hop(_execute_counting, sql, tuple(params))

    async def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        if rows:
            await self._hop(_execute_many, sql, [tuple(r) for r in rows])

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._hop(_execute_fetching, sql, tuple(params))


class SqliteBackend(Backend):
    """One SQLite file in WAL mode, used by one bot process; its transactions are serialised."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._named = LocalLocks()

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        await self._conn.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed answer survives power loss, not just a process kill.
        await self._conn.execute("PRAGMA synchronous=FULL")
        await self._conn.execute("PRAGMA foreign_keys=ON")
        await self._conn.execute("PRAGMA busy_timeout=10000")
        # /forget and retention must really erase: overwrite deleted rows with zeros instead of
        # leaving them readable in free space of the file.
        await self._conn.execute("PRAGMA secure_delete=ON")

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        if self._conn is None:
            raise RuntimeError("database is not open")
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTx(self._conn)
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")

    async def scrub(self) -> None:
        # secure_delete zeroed the deleted rows in their pages, but the write-ahead log still
        # holds earlier copies of those pages: copy the log into the file and truncate it.
        if self._conn is None:
            raise RuntimeError("database is not open")
        async with self._lock:
            await self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        # One process per SQLite file (SPEC §8): an in-process lock is exclusive enough.
        async with self._named(name):
            yield

    def leadership(self, name: str = "scheduler") -> Leadership:
        return SoleLeadership()


_PLACEHOLDER = re.compile(r"\?")


def to_postgres(sql: str) -> str:
    """Rewrite `?` placeholders as `$1, $2, …` (our SQL never has `?` inside literals)."""
    counter = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda _m: f"${next(counter)}", sql)


def backend_for(url: str) -> Backend:
    """The backend a `storage.url` names."""
    if url.startswith("sqlite:///"):
        return SqliteBackend(Path(url.removeprefix("sqlite:///")))
    if url.startswith(("postgresql://", "postgres://")):
        from storage.postgres import PostgresBackend

        return PostgresBackend(url)
    raise ValueError(f"unsupported storage.url: {url!r}")
