"""A real `minyi run` process, for the tests that stop one (SIGKILL, SIGTERM) at chosen moments
and start it again: its config file, its start, and waiting for its exit without blocking the
event loop the emulator runs on."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat, SimUser

ASK = "/ask 1h 你希望社区怎样改进？"


def write_run_config(
    path: Path,
    em: BotAPIEmulator,
    organiser: SimUser,
    storage_url: str,
    *,
    secret: str,
    extra: str = "",
) -> Path:
    """A config for `minyi run` against the emulator: its token and addresses, the database,
    one organiser, a privacy key, a quick scheduler tick, and `extra` TOML tables."""
    path.write_text(
        f"""
[telegram]
token = "{em.token}"
base_url = "{em.base_url}"
base_file_url = "{em.base_file_url}"

[storage]
url = "{storage_url}"

[roles]
organisers = [{organiser.id}]

[privacy]
secret = "{secret}"

[schedule]
tick_seconds = 0.2
{extra}""",
        encoding="utf-8",
    )
    return path


def sqlite_run_config(
    tmp_path: Path, em: BotAPIEmulator, organiser: SimUser, *, secret: str
) -> tuple[Path, Path]:
    """write_run_config for minyi.db under `tmp_path`, reminders off (no reminder to wait
    for or count); returns (config.toml, minyi.db)."""
    database = tmp_path / "minyi.db"
    config = write_run_config(
        tmp_path / "config.toml",
        em,
        organiser,
        f"sqlite:///{database}",
        secret=secret,
        extra='[rounds]\nreminder_before = ""\n',
    )
    return config, database


async def ask_by_hand(
    em: BotAPIEmulator, organiser: SimUser, group: SimChat, ask: str = ASK
) -> dict[str, Any]:
    """The organiser registers 碧海社区 in `group` and sends `ask` there (to a `minyi run`
    process); waits up to a minute for the round's opening post and returns it."""
    em.send_message(organiser, group, "/community 碧海社区")
    em.send_message(organiser, group, ask)
    await em.wait_for(
        lambda: any("社区征询 #" in m.get("text", "") for m in em.messages_to(group.id)), 60
    )
    return next(m for m in em.messages_to(group.id) if "社区征询 #" in m.get("text", ""))


def start_minyi_run(
    config: Path, log: Path | None = None, args: tuple[str, ...] = ()
) -> subprocess.Popen[bytes]:
    """`python -m bot run --config CONFIG ARGS…`, its output appended to `log` (bot.log beside
    the config by default); MINYI_ variables of the test's environment are not passed on."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINYI_")}
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(config), *args],
        stdout=(log or config.parent / "bot.log").open("ab"),
        stderr=subprocess.STDOUT,
        env=env,
    )


async def wait_exit(proc: subprocess.Popen[bytes], seconds: float = 30.0) -> int:
    """The process's exit code once it exits; killed, and the test failed, if it has not
    within `seconds` (a bound on a hang, not a measure of speed)."""
    for _ in range(int(seconds * 20)):
        code = proc.poll()
        if code is not None:
            return code
        await asyncio.sleep(0.05)
    proc.kill()
    raise AssertionError(f"process {proc.pid} did not exit within {seconds}s")


async def stop(proc: subprocess.Popen[bytes], sig: signal.Signals, seconds: float = 30.0) -> int:
    """Send `sig` and wait for the exit (see `wait_exit`)."""
    proc.send_signal(sig)
    return await wait_exit(proc, seconds)
