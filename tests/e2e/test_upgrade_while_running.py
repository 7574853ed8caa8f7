"""A running `minyi run` whose database a newer Minyi migrates meanwhile stops writing there."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sandbox.emulator import BotAPIEmulator
from storage.migrations import available
from tests.e2e.processes import ask_by_hand, start_minyi_run, wait_exit, write_run_config


async def test_a_running_bot_stops_once_a_newer_minyi_migrated_its_database(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """A newer version migrating the database under a running bot (an upgrade that skipped
    stopping it, a rolling restart of webhook processes) makes the bot stop with the one-line
    refusal and exit code 2, instead of writing on without the newer schema's bookkeeping."""
    em = emulator
    organiser = em.add_user("Organiser")
    database = tmp_path / "minyi.db"
    config = tmp_path / "config.toml"
    log = tmp_path / "bot.log"
    write_run_config(config, em, organiser, f"sqlite:///{database}", secret="upgrade-secret")
    group = em.add_group("碧海社区居民群")
    em.add_bot_to_group(group, organiser)
    proc = start_minyi_run(config, log)
    try:
        await ask_by_hand(em, organiser, group)
        newer = available()[-1][0] + 1
        with sqlite3.connect(database) as conn:
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (newer,))
        code = await wait_exit(proc, 60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 2
    lines = log.read_text(encoding="utf-8").splitlines()
    assert any(f"schema version {newer}, newer than this Minyi knows" in line for line in lines), (
        "\n".join(lines[-20:])
    )
