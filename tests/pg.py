"""The test PostgreSQL server: a private schema per test, dropped afterwards.

The server is 127.0.0.1:5432, trust auth, database `test` (CI starts it, see .ci/run);
MINYI_TEST_POSTGRES_URL points elsewhere. Tests skip, saying why, only if it is unreachable;
under CI (`CI` set) they fail instead, so a green CI always means PostgreSQL was tested.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import threading
import uuid
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import asyncpg
import pytest

BASE_URL = os.environ.get("MINYI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even inside a running event loop."""
    result: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coro))
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


async def _execute(sql: str) -> None:
    conn = await asyncpg.connect(BASE_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@functools.cache
def unreachable_reason() -> str | None:
    """Why the test server cannot be used, or None if it can."""
    try:
        run_sync(_execute("SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"PostgreSQL at {BASE_URL} unreachable: {exc!r}"
    return None


def skip_unless_reachable() -> None:
    """Skip the test, saying why, if the server is unreachable (fail it under CI)."""
    reason = unreachable_reason()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL tests cannot run under CI: {reason}")
    pytest.skip(reason)


@contextlib.contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A `postgresql://…?schema=NAME` URL of a fresh schema, dropped (CASCADE) on exit."""
    skip_unless_reachable()
    schema = f"minyi_test_{uuid.uuid4().hex[:12]}"
    try:
        yield f"{BASE_URL}?schema={schema}"
    finally:
        run_sync(_execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


@contextlib.contextmanager
def postgres_database_url(icu_locale: str) -> Iterator[str]:
    """The URL of a fresh database whose default collation is ICU's `icu_locale` (as one made
    by an installer on a zh_CN or en_US system sorts text), dropped on exit."""
    skip_unless_reachable()
    name = f"minyi_test_{uuid.uuid4().hex[:12]}"
    run_sync(
        _execute(
            f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
            f"LOCALE_PROVIDER icu ICU_LOCALE '{icu_locale}' LOCALE 'C.UTF-8'"
        )
    )
    try:
        yield f"{BASE_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        run_sync(_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
