"""The backend a `storage.url` names: the one module that knows every implementation."""

from __future__ import annotations

from pathlib import Path

from storage.backends.base import Backend
from storage.backends.sqlite import SqliteBackend


def backend_for(url: str) -> Backend:
    """The backend a `storage.url` names."""
    if url.startswith("sqlite:///"):
        return SqliteBackend(Path(url.removeprefix("sqlite:///")))
    if url.startswith(("postgresql://", "postgres://")):
        # Imported on demand: importing asyncpg takes about 0.1 s, which a SQLite deployment
        # need not pay at start-up.
        from storage.backends.postgres import PostgresBackend

        return PostgresBackend(url)
    raise ValueError(f"unsupported storage.url: {url!r}")
