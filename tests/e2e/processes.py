"""A real `minyi run` process, for the tests that stop one (SIGKILL, SIGTERM) at chosen moments
and start it again: its config file, its start, and waiting for its exit without blocking the
event loop the emulator runs on; and several `minyi run --webhook` processes behind a
round-robin load balancer (the tests of a PostgreSQL deployment, SPEC §8)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimChat, SimUser
from tests.bot.web.world import free_port
from tests.pg import postgres_schema_url

ASK = "/ask 1h 你希望社区怎样改进？"


def write_run_config(
    path: Path,
    em: BotAPIEmulator,
    organiser: SimUser,
    storage_url: str,
    *,
    secret: str,
    extra: str = "",
    webhook_secret: str | None = None,
    staff_chats: Sequence[int] = (),
) -> Path:
    """A config for `minyi run` against the emulator: its token and addresses (and
    `webhook_secret`, if given), the database, one organiser (and `staff_chats`), a privacy
    key, a quick scheduler tick, and `extra` TOML tables."""
    hook = f'webhook_secret = "{webhook_secret}"' if webhook_secret else ""
    path.write_text(
        f"""
[telegram]
token = "{em.token}"
base_url = "{em.base_url}"
base_file_url = "{em.base_file_url}"
{hook}

[storage]
url = "{storage_url}"

[roles]
organisers = [{organiser.id}]
staff_chats = [{", ".join(str(c) for c in staff_chats)}]

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


class LoadBalancer:
    """Round-robin HTTP forwarding to the bot processes, skipping ones that refuse connections."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.forwarded: Counter[str] = Counter()
        self._next = itertools.cycle(range(len(backends)))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/telegram"

    async def forward(self, request: web.Request) -> web.Response:
        """Pass the POST on to the next live backend; 502 if none answers."""
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        async with aiohttp.ClientSession() as session:
            for _ in self.backends:
                backend = self.backends[next(self._next)]
                try:
                    async with session.post(backend, data=body, headers=headers) as response:
                        self.forwarded[backend] += 1
                        return web.Response(status=response.status, body=await response.read())
                except aiohttp.ClientConnectionError:
                    continue
        return web.Response(status=502)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[LoadBalancer]:
        """Serve until the block ends."""
        app = web.Application()
        app.router.add_post("/telegram", self.forward)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port).start()
        try:
            yield self
        finally:
            await runner.cleanup()


@contextlib.contextmanager
def bot_processes(
    config: Path, ports: list[int], lb_url: str, logs: Path
) -> Iterator[dict[int, subprocess.Popen[bytes]]]:
    """`minyi run --webhook` once per port; {pid: process}, all stopped at the end."""
    procs = {}
    for port in ports:
        log = (logs / f"bot-{port}.log").open("wb")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot",
                "--config",
                str(config),
                "run",
                "--webhook",
                "--listen",
                f"127.0.0.1:{port}",
                "--webhook-url",
                lb_url,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        procs[proc.pid] = proc
    try:
        yield procs
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


async def healthy(port: int) -> bool:
    """Whether a bot process answers on its health URL."""
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            return response.status == 200
    except aiohttp.ClientConnectionError:
        return False


async def wait_until(predicate: object, timeout: float, what: str) -> None:
    """Poll an async predicate until true; fail naming `what`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await predicate():  # type: ignore[operator]
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


WEBHOOK_SECRET = "hook-secret_42"


@dataclass
class Deployed:
    """A PostgreSQL deployment of webhook processes behind the balancer (`webhook_deployment`)."""

    config: Path
    storage_url: str
    balancer: LoadBalancer
    procs: dict[int, subprocess.Popen[bytes]]


@contextlib.asynccontextmanager
async def webhook_deployment(
    em: BotAPIEmulator, organiser: SimUser, tmp_path: Path, *, secret: str, extra: str = ""
) -> AsyncIterator[Deployed]:
    """Two real `minyi run --webhook` processes on a fresh PostgreSQL schema behind a
    round-robin balancer that the emulator's webhook points at; yielded once both answer their
    health URL. `extra`: TOML tables added to the config (`write_run_config`)."""
    ports = [free_port(), free_port()]
    balancer = LoadBalancer([f"http://127.0.0.1:{p}/telegram" for p in ports])
    with postgres_schema_url() as pg_url:
        config = write_run_config(
            tmp_path / "config.toml",
            em,
            organiser,
            pg_url,
            secret=secret,
            webhook_secret=WEBHOOK_SECRET,
            extra=extra,
        )
        async with balancer.running():
            with bot_processes(config, ports, balancer.url, tmp_path) as procs:

                async def all_healthy() -> bool:
                    return all([await healthy(p) for p in ports])

                await wait_until(all_healthy, 60, "both bot processes to answer /healthz")
                await em.wait_for(lambda: em.webhook_url == balancer.url, 30)
                yield Deployed(config, pg_url, balancer, procs)
