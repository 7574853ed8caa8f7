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
from typing import TYPE_CHECKING, TextIO

from bot.config import Settings
from demo.local import LocalBot, local_bot
from demo.script import (
    BIHAI,
    HUIZHANCHENG,
    SANDBOX_HINTS,
    SANDBOX_RESIDENTS,
    Resident,
)
from demo.web import free_local_port
from sandbox.emulator import BotAPIEmulator

if TYPE_CHECKING:
    from sandbox.webui import WebUI

log = logging.getLogger(__name__)

# How often the list of web answer pages beside the chat is read again.
LINKS_SECONDS = 0.5


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
    """The emulator serving the sandbox page, the bot behind it (with its web answer pages on
    another port of `host`, listed beside the chat), two communities registered."""
    from bot.render.chart import cjk_font_path
    from sandbox.webui import WebUI

    emulator = BotAPIEmulator(host=host, port=port)
    webui = WebUI(
        emulator, font=cjk_font_path(), title="民意 Minyi · 沙盒 sandbox", hints=SANDBOX_HINTS
    ).attach()
    web_listen = f"{host}:{free_local_port()}"
    async with (
        emulator,
        local_bot(emulator, database, base, web_listen=web_listen) as bot,
        _listing_pages(bot, webui),
    ):
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


@contextlib.asynccontextmanager
async def _listing_pages(bot: LocalBot, webui: WebUI) -> AsyncIterator[None]:
    """Keep the sandbox page's list of web answer pages current (one per open round and
    community) while the block runs."""
    from bot.web.server import options_from, page_url

    options = options_from(bot.settings)
    assert options is not None

    async def refresh() -> None:
        while True:
            async with bot.core.repo.transaction() as session:
                rounds = await session.list_rounds(states=("open",))
                links = [
                    {
                        "label": f"#{r.id} {c.name} · {r.question[:24]}",
                        "url": page_url(bot.core, options, r.id, c.id),
                    }
                    for r in sorted(rounds, key=lambda r: r.id)
                    for c in await session.list_round_communities(r.id)
                ]
            webui.set_links(links)
            await asyncio.sleep(LINKS_SECONDS)

    task = asyncio.create_task(refresh(), name="sandbox-web-links")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


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
