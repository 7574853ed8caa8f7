"""`Repository`: the database of one deployment, opened once, handing out sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from storage.backends.base import Backend, Leadership
from storage.backends.factory import backend_for
from storage.migrations import migrate, refuse_newer
from storage.repository.session import Session


class Repository:
    """The database of one deployment."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    @classmethod
    def from_url(cls, url: str) -> Repository:
        """The repository for a `storage.url`."""
        return cls(backend_for(url))

    @property
    def shared(self) -> bool:
        """Whether several processes may use this database at once (PostgreSQL; an SQLite
        file is one process's)."""
        return self.backend.dialect == "postgresql"

    async def open(self) -> None:
        """Connect and apply pending migrations (disconnected again if they fail: an SQLite
        connection left open keeps its thread, and the process, alive)."""
        await self.backend.open()
        try:
            await migrate(self.backend)
        except BaseException:
            await self.backend.close()
            raise

    async def refuse_newer_schema(self) -> None:
        """Raise SchemaTooNew if a newer Minyi migrated the database since it was opened."""
        async with self.backend.autocommit() as tx:
            await refuse_newer(tx)

    async def close(self) -> None:
        """Disconnect."""
        await self.backend.close()

    @asynccontextmanager
    async def transaction(self, join: Session | None = None) -> AsyncIterator[Session]:
        """A session whose work commits together; with `join`, that open session instead
        (a batch of updates committing as one): nothing commits until its owner commits."""
        if join is not None:
            try:
                yield join
            except BaseException:
                # Its writes cannot be undone alone: the whole batch must roll back.
                join.failed = True
                raise
            return
        async with self.backend.transaction() as tx:
            yield Session(tx)

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[Session]:
        """A session whose every statement commits on its own, for work that is one statement
        (no BEGIN or COMMIT round trips: the flood limits' reservation before each send)."""
        async with self.backend.autocommit() as tx:
            yield Session(tx)

    async def scrub(self) -> None:
        """Make deleted rows (after /forget or retention) unrecoverable from the files."""
        await self.backend.scrub()

    def exclusive(self, name: str) -> AbstractAsyncContextManager[None]:
        """A critical section held by one task in all processes sharing the database."""
        return self.backend.exclusive(name)

    def leadership(self, name: str = "scheduler") -> Leadership:
        """The claim to run scheduled work; one process holds it at a time."""
        return self.backend.leadership(name)
