"""What an operator sees when `minyi run` cannot start: one `minyi:` line naming what to fix,
exit status 2, no traceback, and never the bot token (standard error ends up in the journal)."""

from __future__ import annotations

import socket
from pathlib import Path

from bench.bench_web import _free_port
from sandbox.emulator import BotAPIEmulator
from tests.e2e.processes import start_minyi_run, wait_exit, write_run_config

WRONG_TOKEN = "123456:NOT-THE-BOT-TOKEN"


async def _run_fails(config: Path, *args: str) -> str:
    """Start `minyi run`, expect exit 2, return its output."""
    proc = start_minyi_run(config, args=args)
    assert await wait_exit(proc) == 2
    return (config.parent / "bot.log").read_text(encoding="utf-8")


def _one_clear_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("minyi: ")]
    assert len(lines) == 1, output
    assert "Traceback" not in output, output
    return lines[0]


async def test_a_wrong_token_is_named_without_printing_it(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """Telegram answers 401 to a wrong token: the message says so and does not repeat the
    token."""
    config = write_run_config(
        tmp_path / "config.toml",
        emulator,
        emulator.add_user("Organiser"),
        f"sqlite:///{tmp_path / 'minyi.db'}",
        secret="s",
    )
    config.write_text(config.read_text().replace(emulator.token, WRONG_TOKEN))
    line = _one_clear_line(await _run_fails(config))
    assert "Telegram refused the bot token" in line and "telegram.token" in line
    assert WRONG_TOKEN not in line and "NOT-THE-BOT-TOKEN" not in line


async def test_a_taken_web_port_is_named_by_its_key(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """web.listen on a port another program holds: the key and the address are named."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = write_run_config(
            tmp_path / "config.toml",
            emulator,
            emulator.add_user("Organiser"),
            f"sqlite:///{tmp_path / 'minyi.db'}",
            secret="s",
            extra=f'[web]\nlisten = "127.0.0.1:{port}"\npublic_url = "http://127.0.0.1:{port}"\n',
        )
        line = _one_clear_line(await _run_fails(config))
    assert f"web.listen 127.0.0.1:{port}" in line and "in use" in line


async def test_a_taken_webhook_port_is_named_by_its_option(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """--listen on a port another program holds: the option and the address are named."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = write_run_config(
            tmp_path / "config.toml",
            emulator,
            emulator.add_user("Organiser"),
            f"sqlite:///{tmp_path / 'minyi.db'}",
            secret="s",
        )
        # webhook mode needs telegram.webhook_secret, in the [telegram] table written first
        config.write_text(
            config.read_text().replace("[storage]", 'webhook_secret = "abc"\n[storage]')
        )
        line = _one_clear_line(
            await _run_fails(config, "--webhook", "--listen", f"127.0.0.1:{port}")
        )
    assert f"--listen 127.0.0.1:{port}" in line and "in use" in line


async def test_an_unreachable_database_is_named_by_storage_url(
    emulator: BotAPIEmulator, tmp_path: Path
) -> None:
    """A PostgreSQL server that does not answer, and an SQLite file in a folder that cannot be
    made: storage.url is named, without a traceback."""
    for url in (
        f"postgresql://minyi@127.0.0.1:{_free_port()}/minyi",
        f"sqlite:///{tmp_path / 'a-file' / 'minyi.db'}",
    ):
        (tmp_path / "a-file").write_text("not a folder")
        config = write_run_config(
            tmp_path / "config.toml", emulator, emulator.add_user("Organiser"), url, secret="s"
        )
        line = _one_clear_line(await _run_fails(config))
        assert "storage.url" in line and "cannot open the database" in line, line
        (tmp_path / "bot.log").unlink()
