"""Kill points for the tests that SIGKILL a `minyi run` process at the instant the emulator sees a
chosen Bot API call, then start it again and look only at what users see and at the CLI."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import settings_from_dict
from bot.core.base import open_core
from sandbox.emulator import BotAPIEmulator
from sandbox.models import FaultKind, RecordedCall
from tests.e2e.processes import start_minyi_run, stop, wait_exit
from tests.pg import postgres_schema_url


@dataclass(frozen=True)
class KillPoint:
    """Kill the bot when it makes its `nth` call of `method` (counted from when the switch is
    armed); `taken`: Telegram performs that call before the connection dies (the bot never
    learns it did), else the call never takes effect."""

    method: str
    nth: int = 1
    taken: bool = False

    def __str__(self) -> str:
        return f"{self.method}{self.nth}{'-taken' if self.taken else ''}"


@dataclass
class Runner:
    """One `minyi run` after another on one config and log, with an optional kill switch."""

    em: BotAPIEmulator
    config: Path
    proc: subprocess.Popen[bytes] | None = None
    point: KillPoint | None = None
    seen: int = 0
    fired: RecordedCall | None = None
    killed: list[RecordedCall] = field(default_factory=list)

    @property
    def log(self) -> Path:
        return self.config.parent / "bot.log"

    def start(self) -> None:
        self.proc = start_minyi_run(self.config, self.log)

    def arm(self, point: KillPoint | None) -> None:
        """From now on, kill at `point` (None: never)."""
        self.point, self.seen, self.fired = point, 0, None
        if self._intercept not in self.em.interceptors:
            self.em.interceptors.append(self._intercept)

    def _intercept(self, call: RecordedCall) -> FaultKind | None:
        point = self.point
        if point is None or self.fired is not None or call.method != point.method:
            return None
        self.seen += 1
        if self.seen < point.nth or self.proc is None or self.proc.poll() is not None:
            return None
        # Synchronous: the process is gone before the emulator performs (or drops) the call.
        os.kill(self.proc.pid, signal.SIGKILL)
        self.fired = call
        self.killed.append(call)
        return "drop_after" if point.taken else "drop"

    async def killed_and_restarted(
        self, timeout: float = 60, while_down: Callable[[], object] | None = None
    ) -> bool:
        """If the switch is armed: wait for it to fire (False if the bot never made that call
        within `timeout`), reap the process, call `while_down` (what people do meanwhile)
        and start it again."""
        if self.point is None:
            return True
        try:
            await self.em.wait_for(lambda: self.fired is not None, timeout)
        except TimeoutError:
            return False
        assert self.proc is not None
        await wait_exit(self.proc)
        self.point = None
        if while_down is not None:
            while_down()
        await self.restart()
        return True

    async def restart(self) -> None:
        """Start the process and wait until it asks Telegram for updates (it is up)."""
        before = len(self.em.calls)
        self.start()
        await self.em.wait_for(
            lambda: any(c.method == "getUpdates" for c in self.em.calls[before:]), 60
        )

    async def stop(self) -> None:
        """SIGTERM; the clean exit is asserted."""
        assert self.proc is not None
        code = await stop(self.proc, signal.SIGTERM)
        assert code == 0, (code, self.tail())

    def kill_now(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()

    def tail(self, chars: int = 5000) -> str:
        if not self.log.exists():
            return ""
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]


@contextlib.contextmanager
def storage_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database of the backend `kind` ("sqlite" or "postgresql")."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'minyi.db'}"
    else:
        with postgres_schema_url() as url:
            yield url


async def run_sql(url: str, secret: str, sql: str, params: tuple[object, ...] = ()) -> None:
    """While time stands still for the bot, let it pass: change the database the bot uses."""
    settings = settings_from_dict({"storage": {"url": url}, "privacy": {"secret": secret}}, {})
    core = await open_core(settings)
    try:
        async with core.repo.transaction() as session:
            await session.tx.execute(sql, params)
    finally:
        await core.repo.close()


async def cli(config: Path, *args: str) -> str:
    """`python -m bot ARGS… --config CONFIG`'s standard output (exit status 0 asserted); run
    without blocking the event loop the emulator serves on."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINYI_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        "--config",
        str(config),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, (args, err.decode(errors="replace"))
    return out.decode()


async def report_json(config: Path) -> dict[int, dict[str, Any]]:
    """`minyi report --json`, by round id."""
    rounds = json.loads(await cli(config, "report", "--json"))["rounds"]
    return {r["id"]: r for r in rounds}


def texts(em: BotAPIEmulator, chat_id: int, fragment: str) -> list[str]:
    """The bot's messages (text or caption) to a chat that contain `fragment`."""
    out = []
    for message in em.messages_to(chat_id):
        text = message.get("text") or message.get("caption") or ""
        if fragment in text:
            out.append(text)
    return out
