"""The interface every database backend offers: a transaction that runs SQL.

All SQL is written once, in SQLite's `?` placeholder style, in storage/repository/; the
PostgreSQL backend rewrites placeholders to `$n`. A backend only knows how to connect, run a
statement and hand out transactions.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Awaitable, Callable, Generator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, TypeVar

Row = dict[str, Any]
Params = Sequence[Any]
_T = TypeVar("_T")


@dataclass(frozen=True)
class Step:
    """One statement of a `Steps` program: a query (its rows go back to the program), or with
    `many` an executemany of `params` (a list of parameter rows; nothing goes back)."""

    sql: str
    params: Params = ()
    many: bool = False


# A program of statements that decides each next one from the rows of the last (see
# `Tx.run_steps`): a generator that yields Steps, is sent each one's rows, and returns a result.
Steps = Generator[Step, list[Row], _T]


class Tx(abc.ABC):
    """One open transaction."""

    dialect: str
    # Work that must run last, just before COMMIT (see `before_commit`).
    _before_commit: list[Callable[[], Awaitable[None]]] | None = None

    def before_commit(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run `hook` inside this transaction just before it commits (never on rollback).

        The repository buffers the report tallies of a transaction's writes and writes them
        here, once, in a fixed order (storage/repository/tallies.py)."""
        if self._before_commit is None:
            self._before_commit = []
        self._before_commit.append(hook)

    async def run_before_commit(self) -> None:
        """Run the hooks registered with `before_commit`; backends call it before COMMIT."""
        while self._before_commit:
            await self._before_commit.pop(0)()

    @abc.abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; return the number of rows it changed."""

    @abc.abstractmethod
    async def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        """Run a statement once per row of parameters."""

    @abc.abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run a query and return every row as a dict."""

    async def run_steps(self, steps: Steps[_T]) -> _T:
        """Run a program of statements to its end and return its result (SQLite runs it
        whole on its thread, in one hop)."""
        try:
            step = next(steps)
            while True:
                if step.many:
                    if step.params:
                        await self.executemany(step.sql, step.params)
                    step = steps.send([])
                else:
                    step = steps.send(await self.fetchall(step.sql, step.params))
        except StopIteration as done:
            result: _T = done.value
            return result

    async def executemany_each(self, batches: Sequence[tuple[str, Sequence[Params]]]) -> None:
        """Run several `executemany`s in order (SQLite: in one hop to its thread)."""
        for sql, rows in batches:
            if rows:
                await self.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Run a query and return its first row, if any."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """Run a query and return the first column of its first row (None if no row)."""
        row = await self.fetchone(sql, params)
        return None if row is None else next(iter(row.values()))


class DatabaseUnavailable(Exception):
    """A database that cannot be opened (a server that does not answer or refuses the login, a
    file that cannot be made): which one, without its password, and why."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"cannot open the database {where} ({reason})")


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

    def autocommit(self) -> AbstractAsyncContextManager[Tx]:
        """A Tx whose every statement commits on its own (no BEGIN, no COMMIT: one round trip
        a statement), for work that is one statement. A transaction by default."""
        return self.transaction()  # type: ignore[no-any-return]

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


class LocalLocks:
    """One asyncio.Lock per name, for serialising work inside this process."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}

    def __call__(self, name: str) -> asyncio.Lock:
        return self._locks.setdefault(name, asyncio.Lock())
