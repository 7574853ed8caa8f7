"""`minyi db copy`: a SQLite deployment's data moved to PostgreSQL, whole."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from storage.copy import TABLES
from storage.repository import Repository
from storage.repository.index import ValueRow
from tests.pg import postgres_schema_url
from tests.storage.test_repository import T0, answer, community, tag, text_round


async def fill(repo: Repository) -> None:
    """A small deployment with a row in every table."""
    async with repo.transaction() as session:
        a = await community(session, -100, "碧海社区")
        b = await community(session, -200, "会展城")
        rid = await text_round(session, [a, b], reminder_at=T0 + timedelta(hours=1))
        poll = await text_round(session, [b], kind="poll", options=["要", "不要"], anonymous=True)
        await session.add_posts(rid, "open", [a, b])
        await session.set_post_sent(rid, a, "open", T0, 11)
        await session.add_posts(poll, "open", [b])
        await session.set_post_sent(poll, b, "open", T0, 12, "poll-9")
        await session.set_poll_tally("poll-9", [5, 2], 7)
        for i in range(30):
            await answer(session, rid, a, f"r{i}", f"停车位太少了 {i}", themes=[tag("parking")])
        first = await answer(session, rid, b, "r99", "信息要公开😀", themes=[tag("open", 0.5)])
        assert first is not None
        await session.set_answer_hidden(first, "organiser", T0)
        await session.set_label(first, "organiser", ["transparency"], T0)
        await session.set_votes(rid, a, "r1", [1, 2], T0)
        await session.set_model("tagger", bytes(range(256)), T0)
        await session.set_model("principles", b"learned", T0, erasures=0)
        await session.add_label_erasure()
        await session.get_or_add_secret("privacy", b"generated-key-of-this-deployment", T0)
        await session.set_organiser_language("organiser-pseudonym", "en")
        await session.add_missed_report("organiser-pseudonym", rid)
        await session.add_digest_period(T0)
        await session.add_digest_deliveries(T0, [-300])
        await session.add_chat_migration(-300, -1000000000300, T0)
        await session.add_processed_update(1001, T0)
        await session.add_dead_letter(1002, '{"update_id": 1002}', "boom", T0)
        await session.add_stray_poll_vote("p-unknown", "r2", [0, 1], T0)
        await session.set_private_session("r5", rid, a, T0)
        gone = await answer(session, rid, a, "r98", "请删掉我的回答", source="g:-100:77")
        assert gone is not None
        await session.delete_resident_data("r98")  # its message is remembered: deleted_sources
        await session.add_framework('principles = ["equity"]', T0.timestamp())
        await session.add_web_forms(["form-nonce-1"], T0)
        await session.add_index_posts("2025-Q1", [a, b], T0)
        await session.set_index_post_sent("2025-Q1", a, T0, 13)
        await session.replace_values(
            "values.csv", [ValueRow("碧海社区", "green_space", "2025-Q1", 3.5)], T0.timestamp()
        )


async def dump(repo: Repository) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted, blobs as bytes."""
    out = {}
    async with repo.transaction() as session:
        for table in TABLES:
            rows = await session.tx.fetchall(f"SELECT * FROM {table}")
            values = [
                tuple(bytes(v) if isinstance(v, bytes | memoryview) else v for v in r.values())
                for r in rows
            ]
            out[table] = sorted(values, key=repr)
    return out


def minyi(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the `minyi` CLI with a config file."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_db_copy_moves_every_row_to_postgresql(tmp_path: Path) -> None:
    """Every row arrives unchanged, new rows get fresh ids, and a second copy is refused."""
    sqlite_url = f"sqlite:///{tmp_path / 'minyi.db'}"
    source = Repository.from_url(sqlite_url)
    await source.open()
    try:
        await fill(source)
        before = await dump(source)
    finally:
        await source.close()
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\nurl = "{sqlite_url}"\n', encoding="utf-8")
    with postgres_schema_url() as pg_url:
        done = minyi(config, "db", "copy", "--to", pg_url)
        assert done.returncode == 0, done.stderr
        assert "copied" in done.stdout
        target = Repository.from_url(pg_url)
        await target.open()
        try:
            assert await dump(target) == before
            assert all(before[t] for t in TABLES), "the fixture should fill every table"
            async with target.transaction() as session:
                (rid,) = [
                    r.id for r in await session.list_rounds(states=["open"]) if r.kind == "text"
                ]
                fresh = await answer(session, rid, 1, "new", "新来的回答")
                assert fresh is not None and fresh > 31
        finally:
            await target.close()
        again = minyi(config, "db", "copy", "--to", pg_url)
        assert again.returncode == 2
        assert "already has rows" in again.stderr


async def test_db_migrate_brings_postgresql_up_to_date(tmp_path: Path) -> None:
    """`minyi db migrate` creates the schema once and then reports it up to date."""
    with postgres_schema_url() as pg_url:
        config = tmp_path / "config.toml"
        config.write_text(f'[storage]\nurl = "{pg_url}"\n', encoding="utf-8")
        first = minyi(config, "db", "migrate")
        assert first.returncode == 0, first.stderr
        assert "applied migrations: 0001" in first.stdout
        second = minyi(config, "db", "migrate")
        assert second.returncode == 0 and "up to date" in second.stdout


async def test_db_copy_to_an_unreachable_server_names_the_target_not_its_password(
    tmp_path: Path,
) -> None:
    """`--to` a server that does not answer: one line about the target (not storage.url, which
    is fine), its password left out, and nothing created."""
    sqlite_url = f"sqlite:///{tmp_path / 'minyi.db'}"
    source = Repository.from_url(sqlite_url)
    await source.open()
    await source.close()
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\nurl = "{sqlite_url}"\n', encoding="utf-8")
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = minyi(config, "db", "copy", "--to", f"postgresql://minyi:hunter2@127.0.0.1:{port}/m")
    assert done.returncode == 2
    assert done.stderr.startswith("minyi: --to: cannot open the database"), done.stderr
    assert "hunter2" not in done.stderr and "storage.url" not in done.stderr
    assert "Traceback" not in done.stderr
