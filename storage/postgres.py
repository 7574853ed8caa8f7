"""PostgreSQL backend through asyncpg: a pool, one connection per transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import asyncpg

from storage.backend import Backend, Params, Row, Tx, to_postgres


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


class PostgresBackend(Backend):
    """A connection pool to one PostgreSQL database (optionally one schema of it)."""

    dialect = "postgresql"

    def __init__(self, url: str, min_size: int = 1, max_size: int = 10) -> None:
        self.url, self.schema = split_schema(url)
        self._pool: Any = None
        self._sizes = (min_size, max_size)

    async def open(self) -> None:
        settings = {"search_path": self.schema} if self.schema else None
        if self.schema:
            conn = await asyncpg.connect(self.url)
            try:
                await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            finally:
                await conn.close()
        self._pool = await asyncpg.create_pool(
            self.url, min_size=self._sizes[0], max_size=self._sizes[1], server_settings=settings
        )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        if self._pool is None:
            raise RuntimeError("database is not open")
        async with self._pool.acquire() as conn, conn.transaction():
            yield _PostgresTx(conn)

    async def try_advisory_lock(self, key: int) -> Any:
        """Hold a session-level advisory lock on a dedicated connection, or return None."""
        if self._pool is None:
            raise RuntimeError("database is not open")
        conn = await asyncpg.connect(self.url)
        got = await conn.fetchval("SELECT pg_try_advisory_lock($1)", key)
        if got:
            return conn
        await conn.close()
        return None
