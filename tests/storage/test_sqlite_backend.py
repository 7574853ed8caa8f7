"""The SQLite backend's own guarantees (storage/backends/sqlite.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.repository import Repository

T0 = datetime(2026, 5, 1, 9, tzinfo=UTC)


async def test_a_transaction_inside_another_in_one_task_fails_at_once(tmp_path: Path) -> None:
    """A transaction opened inside another in the same task raises (instead of waiting forever
    for the lock the outer one holds), and the outer one still commits."""
    repo = Repository.from_url(f"sqlite:///{tmp_path / 'minyi.db'}")
    await repo.open()
    try:
        async with repo.transaction() as outer:
            await outer.set_community(-100, "碧海社区", T0)
            with pytest.raises(RuntimeError, match="inside another"):
                async with repo.transaction():
                    pass
        async with repo.transaction() as session:
            assert [c.name for c in await session.list_communities()] == ["碧海社区"]
    finally:
        await repo.close()


async def test_a_joined_session_shares_the_outer_transaction(tmp_path: Path) -> None:
    """Work that joins the open session commits with it, and a failure inside marks it failed."""
    repo = Repository.from_url(f"sqlite:///{tmp_path / 'minyi.db'}")
    await repo.open()
    try:
        with pytest.raises(ValueError):
            async with repo.transaction() as outer:
                async with repo.transaction(join=outer) as joined:
                    assert joined is outer
                    await joined.set_community(-100, "碧海社区", T0)
                with pytest.raises(KeyError):
                    async with repo.transaction(join=outer):
                        raise KeyError("a handler failed")
                assert outer.failed
                raise ValueError("the owner rolls the whole batch back")
        async with repo.transaction() as session:
            assert await session.list_communities() == []
    finally:
        await repo.close()
