"""SQLite backend: one file in WAL mode, used by one bot process (SPEC §8).

Statements run on aiosqlite's worker thread. The process's transactions are serialised by one
asyncio lock, and each takes SQLite's write lock as it begins (BEGIN IMMEDIATE).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from storage.backends.base import (
    Backend,
    DatabaseUnavailable,
    Leadership,
    LocalLocks,
    Params,
    Row,
    Steps,
    Tx,
)

_T = TypeVar("_T")
# Tries at turning a new database file to WAL while another connection does (see `open`).
_WAL_ATTEMPTS = 20


class SoleLeadership(Leadership):
    """SQLite: one bot process per database file, so it always leads."""

    async def is_leader(self) -> bool:
        return True

    async def release(self) -> None:
        return None


def _execute_counting(raw: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> int:
    cursor = raw.execute(sql, params)
    try:
        return cursor.rowcount
    finally:
        cursor.close()


def _execute_many(raw: sqlite3.Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    raw.executemany(sql, rows).close()


def _execute_batches(
    raw: sqlite3.Connection, batches: list[tuple[str, list[tuple[Any, ...]]]]
) -> None:
    for sql, rows in batches:
        raw.executemany(sql, rows).close()


def _execute_fetching(raw: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> list[Row]:
    cursor = raw.execute(sql, params)
    try:
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        cursor.close()


def _run_steps(raw: sqlite3.Connection, steps: Steps[_T]) -> _T:
    try:
        step = next(steps)
        while True:
            if step.many:
                if step.params:
                    raw.executemany(step.sql, [tuple(r) for r in step.params]).close()
                step = steps.send([])
            else:
                step = steps.send(_execute_fetching(raw, step.sql, tuple(step.params)))
    except StopIteration as done:
        result: _T = done.value
        return result


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

    async def run_steps(self, steps: Steps[_T]) -> _T:
        return await self._hop(_run_steps, steps)

    async def executemany_each(self, batches: Sequence[tuple[str, Sequence[Params]]]) -> None:
        work = [(sql, [tuple(r) for r in rows]) for sql, rows in batches if rows]
        if work:
            await self._hop(_execute_batches, work)


class SqliteBackend(Backend):
    """One SQLite file in WAL mode, used by one bot process; its transactions are serialised."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        # The task inside a transaction, if any (see `transaction`).
        self._holder: asyncio.Task[Any] | None = None
        self._named = LocalLocks()

    async def open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise DatabaseUnavailable(str(self.path), reason) from exc
        try:
            await self._setup()
        except BaseException as exc:
            # Not left open: its worker thread would keep the process from exiting.
            await self._conn.close()
            self._conn = None
            if isinstance(exc, sqlite3.OperationalError):  # unable to open, read-only, locked
                raise DatabaseUnavailable(str(self.path), str(exc)) from exc
            raise

    async def _setup(self) -> None:
        assert self._conn is not None
        await self._conn.execute("PRAGMA busy_timeout=10000")
        # Turning a new file to WAL needs it alone for a moment: a process (a CLI verb, a
        # second bot) opening the same new file at that moment is told "locked" at once,
        # without the busy timeout; it tries again, a few times, before giving up.
        for attempt in range(_WAL_ATTEMPTS):
            try:
                await self._conn.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == _WAL_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.05 * (attempt + 1))
        # FULL: a committed answer survives power loss, not just a process kill.
        await self._conn.execute("PRAGMA synchronous=FULL")
        await self._conn.execute("PRAGMA foreign_keys=ON")
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
        task = asyncio.current_task()
        if task is not None and task is self._holder:
            # The lock is not re-entrant: this task would wait for itself forever. Work meant
            # to commit with the open transaction joins its session instead
            # (Repository.transaction(join=…)).
            raise RuntimeError("a transaction opened inside another in the same task")
        async with self._lock:
            self._holder = task
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    tx = _SqliteTx(self._conn)
                    yield tx
                    await tx.run_before_commit()
                except BaseException:
                    await self._conn.execute("ROLLBACK")
                    raise
                else:
                    await self._conn.execute("COMMIT")
            finally:
                self._holder = None

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
