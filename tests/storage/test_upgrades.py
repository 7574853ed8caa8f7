"""Upgrading a deployment: databases an older Minyi left, and a newer one's database."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from storage.backends.base import Backend
from storage.backends.factory import backend_for
from storage.migrations import SchemaTooNew, _statements, available, current_version, migrate
from storage.repository import Repository
from tests.bot.test_cli import minyi
from tests.pg import postgres_schema_url

LATEST = available()[-1][0]

# Migration 0011 as it first shipped: its emerging-terms sample indexes lacked the columns the
# sample is chosen by (widened in that file afterwards, which a migrated database never ran).
FIRST_0011_SAMPLE_INDEXES = (
    "CREATE INDEX answers_sample_round ON answers (round_id, hidden, id) WHERE id % 16 = 0",
    "CREATE INDEX answers_sample_time ON answers (hidden, created_at) WHERE id % 16 = 0",
)


async def migrate_to(backend: Backend, version: int) -> None:
    """Apply the shipped migrations up to `version`, as the Minyi of that version did."""
    async with backend.transaction() as tx:
        await current_version(tx)
        for number, _name, sql in available():
            if number <= version:
                for statement in _statements(sql, backend.dialect):
                    await tx.execute(statement)
                await tx.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))


async def schema(backend: Backend) -> dict[str, str]:
    """Every table's columns and every index's definition, named alike on both sides."""
    async with backend.transaction() as tx:
        if backend.dialect == "sqlite":
            rows = await tx.fetchall(
                "SELECT name, sql FROM sqlite_master "
                "WHERE sql IS NOT NULL AND name <> 'sqlite_sequence'"
            )
            return {r["name"]: " ".join(r["sql"].split()) for r in rows}
        found = {
            f"{r['table_name']}.{r['column_name']}": f"{r['data_type']} {r['is_nullable']} "
            f"{r['column_default']}"
            for r in await tx.fetchall(
                "SELECT table_name, column_name, data_type, is_nullable, column_default "
                "FROM information_schema.columns WHERE table_schema = current_schema()"
            )
        }
        own = await tx.fetchval("SELECT current_schema() AS s")
        for r in await tx.fetchall(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
        ):
            found[r["indexname"]] = re.sub(rf"\b{own}\.", "", r["indexdef"])
        return found


@contextmanager
def second_database(storage_url: str, tmp_path: Path) -> Iterator[str]:
    """Another fresh database of the same backend as `storage_url`."""
    if storage_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    with postgres_schema_url() as url:
        yield url


async def test_a_database_migrated_by_the_first_0011_ends_as_a_fresh_one(
    storage_url: str, tmp_path: Path
) -> None:
    """A deployment that reached version 11 with 0011 as it first shipped ends with the
    schema a fresh database gets (the sample indexes the emerging terms read from alone)."""
    old = backend_for(storage_url)
    await old.open()
    try:
        await migrate_to(old, 11)
        async with old.transaction() as tx:
            for name in ("answers_sample_round", "answers_sample_time"):
                await tx.execute(f"DROP INDEX {name}")
            for statement in FIRST_0011_SAMPLE_INDEXES:
                await tx.execute(statement)
        await migrate(old)
        upgraded = await schema(old)
    finally:
        await old.close()
    with second_database(storage_url, tmp_path) as url:
        fresh = backend_for(url)
        await fresh.open()
        try:
            await migrate(fresh)
            assert upgraded == await schema(fresh)
        finally:
            await fresh.close()


async def test_a_database_of_a_newer_minyi_is_refused(repo: Repository) -> None:
    """A database a newer Minyi migrated past this code's last migration is refused, not run
    by code that does not know its tables (its writes would leave them wrong)."""
    async with repo.backend.transaction() as tx:
        await tx.execute("INSERT INTO schema_version (version) VALUES (?)", (LATEST + 1,))
    with pytest.raises(SchemaTooNew) as refused:
        await migrate(repo.backend)
    assert f"version {LATEST + 1}" in str(refused.value)
    assert f"({LATEST})" in str(refused.value)
    async with repo.backend.transaction() as tx:
        assert await current_version(tx) == LATEST + 1


@pytest.mark.parametrize("verb", [["db", "migrate"], ["report"], ["run"]])
def test_the_cli_refuses_a_newer_database_in_one_line(tmp_path: Path, verb: list[str]) -> None:
    """`minyi db migrate`, `minyi report` and `minyi run` on a newer Minyi's database stop with
    one line naming both versions, no traceback, and leave the file as it was."""
    db = tmp_path / "m.db"
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\nurl = "sqlite:///{db}"\n[telegram]\ntoken = "1:x"\n', encoding="utf-8"
    )
    assert minyi(config, "db", "migrate").returncode == 0
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (LATEST + 1,))
    before = sqlite3.connect(db).execute("SELECT count(*) FROM schema_version").fetchone()
    done = minyi(config, *verb)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("minyi: "), done.stderr
    assert f"version {LATEST + 1}" in lines[0] and f"({LATEST})" in lines[0]
    after = sqlite3.connect(db).execute("SELECT count(*) FROM schema_version").fetchone()
    assert after == before


# Each shipped migration's statements (both dialects, comments and spacing aside), digested. A
# database that ran a migration never runs it again, so a shipped one is never edited: what it
# got wrong is put right by a new migration (as 0022 does for 0011). Add a new migration here.
SHIPPED = {
    1: "f3982644beb892ee",
    2: "1a531807bb9e7c05",
    3: "c58e57e5e196f36e",
    5: "14f22f82260743be",
    6: "bde00db21cc4d456",
    7: "160c13aa7e55a7d0",
    8: "4e540e1fcb5bc515",
    9: "0c04d43558ba867e",
    10: "914deb9caca02e7f",
    11: "b5ed547b90084a06",
    12: "9f60fbbb63adac42",
    13: "d008ee87448bf65e",
    14: "1208fd6f5b121705",
    15: "48de6252f057d8ce",
    16: "e0def75e37d4ba20",
    17: "b747f01ce8baca0d",
    18: "31b4254f3c8022dd",
    19: "229d2baaf9ca4115",
    20: "19be02f710f1f6be",
    21: "b19632bdbe301357",
    22: "37abec05ca25111e",
    23: "5943ac2ddc6debbe",
}


def statements_digest(sql: str) -> str:
    """The digest of a migration's statements on both dialects, comments and spacing aside."""
    digest = hashlib.sha256()
    for dialect in ("sqlite", "postgresql"):
        for statement in _statements(sql, dialect):
            digest.update(" ".join(statement.split()).encode() + b";")
        digest.update(b"|")
    return digest.hexdigest()[:16]


def test_shipped_migrations_are_never_edited() -> None:
    """Every shipped migration still applies the statements it shipped with (a database that
    ran it would never get an edit), and every migration is listed."""
    assert {v: statements_digest(sql) for v, _, sql in available()} == SHIPPED


def test_the_digest_sees_an_edit_of_0011_and_not_of_its_comments() -> None:
    """The guard catches 0011's widened sample indexes, and lets a comment change through."""
    sql = next(sql for v, _, sql in available() if v == 11)
    first = re.sub(
        r"CREATE INDEX answers_sample_round .*?;",
        FIRST_0011_SAMPLE_INDEXES[0] + ";",
        sql,
        flags=re.S,
    )
    assert statements_digest(first) != SHIPPED[11]
    assert statements_digest(sql + "\n-- a note added later\n") == SHIPPED[11]
