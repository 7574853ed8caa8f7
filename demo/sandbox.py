"""`minyi sandbox`: the local app behind a messenger-like page (sandbox/webui.py), so a person
can try the bot by hand."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from demo.local import LocalBot, local_bot
from demo.script import (
    BIHAI,
    HUIZHANCHENG,
    SANDBOX_HINTS,
    SANDBOX_RESIDENTS,
    Resident,
)
from sandbox.emulator import BotAPIEmulator

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------- the sandbox
@dataclass
class Sandbox:
    """A running sandbox: the bot behind the emulator and the page's address."""

    bot: LocalBot
    url: str


@contextlib.asynccontextmanager
async def open_sandbox(
    database: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    base: Settings | None = None,
    residents: list[Resident] | None = None,
) -> AsyncIterator[Sandbox]:
    """The emulator serving the sandbox page, the bot behind it, two communities registered."""
    from bot.render.chart import cjk_font_path
    from sandbox.webui import WebUI

    emulator = BotAPIEmulator(host=host, port=port)
    webui = WebUI(
        emulator, font=cjk_font_path(), title="民意 Minyi · 沙盒 sandbox", hints=SANDBOX_HINTS
    ).attach()
    async with emulator, local_bot(emulator, database, base) as bot:
        webui.roles[bot.organiser.id] = "organiser"
        webui.zone = bot.settings.schedule.tz

        async def hint_values() -> dict[str, object]:
            """What `/ask all` reaches now: the active communities (a page-made group
            registered with /community counts too)."""
            async with bot.core.repo.transaction() as session:
                return {"communities": len(await session.list_communities(active_only=True))}

        webui.hint_values = hint_values
        await bot.ask_privately("/start")
        people = SANDBOX_RESIDENTS if residents is None else residents
        users = [emulator.add_user(p.name, language_code=p.language_code) for p in people]
        for name in (BIHAI, HUIZHANCHENG):
            await bot.register(
                name, [u for u, p in zip(users, people, strict=True) if p.community == name]
            )
        yield Sandbox(bot, f"http://{host}:{emulator.port}/sandbox/")


async def run_sandbox(
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    database: Path | None = None,
    base: Settings | None = None,
    stream: TextIO | None = None,
    ready: Callable[[Sandbox], None] | None = None,
) -> int:
    """`minyi sandbox`: serve the page until Ctrl-C; a fresh database unless one is given."""
    stream = stream or sys.stdout
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    with tempfile.TemporaryDirectory(prefix="minyi-sandbox-") as scratch:
        path = database or Path(scratch) / "minyi.db"
        async with open_sandbox(path, host=host, port=port, base=base) as box:
            print(
                "民意 Minyi sandbox: the real bot behind a local Telegram emulator\n"
                f"  open {box.url} in your browser\n"
                f"  database: {path}\n"
                "  pick who you are (the organiser or a resident) at the top left; Ctrl-C stops",
                file=stream,
                flush=True,
            )
            if ready is not None:
                ready(box)
            await stop.wait()
    print("sandbox stopped", file=stream)
    return 0
