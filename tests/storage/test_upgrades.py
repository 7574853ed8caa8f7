"""Upgrading a deployment: databases an older Minyi left, and a newer one's database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.migrations import SchemaTooNew, available, current_version, migrate
from storage.repository import Repository
from tests.bot.test_cli import minyi

LATEST = available()[-1][0]


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
