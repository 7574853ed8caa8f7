"""One storage suite, every backend: the `repo` fixture is parametrised over SQLite and PostgreSQL.

PostgreSQL is the server on 127.0.0.1:5432 (trust auth, database `test`; override with
MINYI_TEST_POSTGRES_URL). Each test gets its own schema, dropped afterwards. PostgreSQL tests are
skipped, with the reason, only when that server cannot be reached.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from storage.repository import Repository
from tests.pg import postgres_database_url, postgres_schema_url

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def storage_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'minyi.db'}"
        return
    with postgres_schema_url() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def zh_sorted_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL of each backend; PostgreSQL's is a database whose default
    collation sorts Chinese by pinyin and ignores case (ICU `zh`), as many installs do."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'minyi.db'}"
        return
    with postgres_database_url("zh") as url:
        yield url


@pytest_asyncio.fixture
async def repo(storage_url: str) -> AsyncIterator[Repository]:
    """An open, migrated repository on a fresh database."""
    repository = Repository.from_url(storage_url)
    await repository.open()
    try:
        yield repository
    finally:
        await repository.close()
