"""City scale: the same answers delivered to 1 and to 2 webhook processes on PostgreSQL (issue 18).

    python -m bench.bench_webhook [--smoke] [--answers N] [--repeat R] [--concurrency C]
                                  [--postgres-url URL]

For each run and each process count, a fresh PostgreSQL schema, an emulator of the Bot API (in
this process) and 1 or 2 `minyi run --webhook` processes on that schema. The organiser's
commands open a text round in 4 communities (delivered by the emulator's own webhook); then N
answers (bench/bench_throughput.py `mixed_texts`) from N/4 residents are POSTed to the
processes over C keep-alive connections spread evenly over them, one request in flight on each,
as Telegram does (it keeps up to 40 connections open to a webhook), written as prepared bytes
so that making them costs this machine little (Telegram's servers pay for that, not ours).
Any answer not acknowledged with 200 is POSTed again. Each run also prints the CPU time the bot
processes, this process and the rest of the machine (PostgreSQL) spent while delivering. The time
runs from the first POST to the last acknowledgement; afterwards every answer must be stored
exactly once (zero lost, zero doubles), or the benchmark fails. Runs alternate 1 and 2
processes so that the machine's drift hits both. Prints answers/s per run and the ratio of
2 processes to 1 (medians); asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from bench.bench_ingest import DEFAULT_PG, _drop_schema
from bench.bench_throughput import mixed_texts
from bot.telegram.webhook import WEBHOOK_PATH
from sandbox.emulator import BotAPIEmulator
from sandbox.models import SimUser

SECRET = "bench-webhook_secret"
COMMUNITIES = 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def _processes(
    config: Path, ports: Sequence[int], logs: Path
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`minyi run --webhook` once per port, stopped (SIGTERM) at the end."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINYI_")}
    procs = []
    for port in ports:
        log = (logs / f"bot-{port}.log").open("wb")
        command = [sys.executable, "-m", "bot", "--config", str(config), "run", "--webhook"]
        procs.append(
            subprocess.Popen(
                [*command, "--listen", f"127.0.0.1:{port}"],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        )
    try:
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


async def _healthy(session: aiohttp.ClientSession, port: int) -> bool:
    try:
        async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
            return response.status == 200
    except aiohttp.ClientConnectionError:
        return False


class _Connection:
    """One keep-alive HTTP/1.1 connection to a webhook, writing prepared requests.

    Telegram's servers, not our machine, pay for making its POSTs; a general HTTP client in
    the benchmark's process would spend as much CPU per request as the bot under test, on
    the same two cores. This writes each request's bytes and reads the status and body."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.head = (
            f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nX-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n"
        ).encode()
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, body: bytes) -> int:
        """The response's status (the connection is opened again if it was closed)."""
        if self.streams is None:
            self.streams = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.streams
        try:
            writer.write(self.head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            writer.close()
            self.streams = None
            raise
        return status

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()


async def _deliver(ports: Sequence[int], payloads: Sequence[bytes], concurrency: int) -> int:
    """POST every payload until each is acknowledged; the number of retries. Each of the
    `concurrency` connections goes to one process (the connections spread evenly over them),
    and takes the next payload as soon as its last one is answered, as a load balancer sending
    each request to a free connection would."""
    queue: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
    for item in enumerate(payloads):
        queue.put_nowait(item)
    retries = 0

    async def worker(connection: _Connection) -> None:
        nonlocal retries
        try:
            while not queue.empty():
                index, body = queue.get_nowait()
                try:
                    ok = await connection.post(body) == 200
                except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
                    ok = False
                if not ok:
                    retries += 1
                    await asyncio.sleep(0.1)
                    queue.put_nowait((index, body))
        finally:
            connection.close()

    connections = [_Connection(ports[i % len(ports)]) for i in range(concurrency)]
    await asyncio.gather(*(worker(c) for c in connections))
    return retries


async def ingest(texts: Sequence[str], processes: int, concurrency: int, pg_base: str) -> float:
    """Answers/s of `processes` webhook processes over `texts`; raises unless each is stored
    exactly once."""
    schema = f"minyi_bench_{uuid.uuid4().hex[:10]}"
    url = f"{pg_base}?schema={schema}"
    ports = [_free_port() for _ in range(processes)]
    try:
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            async with BotAPIEmulator() as em, aiohttp.ClientSession() as session:
                organiser = em.add_user("Organiser")
                config = folder / "config.toml"
                config.write_text(
                    f'[telegram]\ntoken = "{em.token}"\nbase_url = "{em.base_url}"\n'
                    f'webhook_secret = "{SECRET}"\n[storage]\nurl = "{url}"\n'
                    f"[roles]\norganisers = [{organiser.id}]\n"
                    '[privacy]\nsecret = "bench"\n[schedule]\ntick_seconds = 0.5\n'
                    "[limits]\nanswers_per_minute = 1000\n",
                    encoding="utf-8",
                )
                with _processes(config, ports, folder) as procs:
                    for _ in range(600):
                        if all([await _healthy(session, p) for p in ports]):
                            break
                        await asyncio.sleep(0.2)
                    else:
                        raise RuntimeError("the webhook processes did not start")
                    bots = [proc.pid for proc in procs]
                    elapsed = await _run(em, organiser, ports, bots, texts, concurrency)
    finally:
        stored = await _count(pg_base, schema)
        await _drop_schema(pg_base, schema)
    if stored != (len(texts), len(texts)):
        raise RuntimeError(f"stored {stored} (rows, distinct sources) of {len(texts)} answers")
    return len(texts) / elapsed


async def _run(
    em: BotAPIEmulator,
    organiser: SimUser,
    ports: Sequence[int],
    bots: Sequence[int],
    texts: Sequence[str],
    concurrency: int,
) -> float:
    # Set-up through the emulator's own webhook delivery (one process is enough).
    em.webhook_url, em.webhook_secret = f"http://127.0.0.1:{ports[0]}{WEBHOOK_PATH}", SECRET
    groups = [em.add_group(f"社区{i}群") for i in range(COMMUNITIES)]
    for i, group in enumerate(groups):
        em.add_bot_to_group(group, organiser)
        em.send_message(organiser, group, f"/community 社区{i}")
    # The emulator delivers concurrently, as Telegram does: register first, then ask.
    await em.wait_for(
        lambda: all(
            any("已登记为社区" in m.get("text", "") for m in em.messages_to(g.id)) for g in groups
        ),
        180,
    )
    for group in groups:
        em.send_message(organiser, group, "/ask 7d 你希望社区怎样改进？")
    await em.wait_for(
        lambda: all(
            any("社区征询 #" in m.get("text", "") for m in em.messages_to(g.id)) for g in groups
        ),
        180,
    )
    await em.wait_idle(60)
    em.webhook_url = ""
    posts = [
        next(m["message_id"] for m in em.messages_to(g.id) if "社区征询 #" in m.get("text", ""))
        for g in groups
    ]
    residents = [em.add_user(f"居民{i}") for i in range(max(1, len(texts) // 4))]
    first = len(em.queue)
    for i, text in enumerate(texts):
        g = i % COMMUNITIES
        em.send_message(residents[i % len(residents)], groups[g], text, reply_to=posts[g])
    payloads = [em_json(update.payload) for update in em.queue[first:]]
    del em.queue[first:]
    cpu = _cpu(bots)
    started = time.perf_counter()
    retries = await _deliver(ports, payloads, concurrency)
    elapsed = time.perf_counter() - started
    used = [after - before for before, after in zip(cpu, _cpu(bots), strict=True)]
    print(
        f"  CPU while delivering ({elapsed:.1f} s on the clock): bot processes {used[0]:.1f} s, "
        f"this process (load generator) {used[1]:.1f} s, the rest of the machine "
        f"(PostgreSQL, other work) {used[2] - used[0] - used[1]:.1f} s"
    )
    if retries:
        print(f"  ({retries} deliveries retried)")
    return elapsed


def _cpu(bots: Sequence[int]) -> tuple[float, float, float]:
    """CPU seconds so far: of the bot processes, of this process, of the whole machine."""
    tick = os.sysconf("SC_CLK_TCK")
    bot = 0.0
    for pid in bots:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        bot += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    # The first line of /proc/stat: user nice system idle iowait irq softirq steal ...
    times = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = sum(times) - times[3] - times[4]
    return bot, time.process_time(), busy / tick


def em_json(payload: dict[str, Any]) -> bytes:
    """An update as Telegram POSTs it."""
    return json.dumps(payload, ensure_ascii=False).encode()


async def _count(base: str, schema: str) -> tuple[int, int]:
    conn = await asyncpg.connect(base)
    try:
        row = await conn.fetchrow(
            f'SELECT count(*) AS n, count(DISTINCT source) AS d FROM "{schema}".answers'
        )
    except asyncpg.PostgresError:
        return (-1, -1)
    finally:
        await conn.close()
    return (int(row["n"]), int(row["d"])) if row is not None else (0, 0)


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments, run the measurements, print the figures."""
    parser = argparse.ArgumentParser(description="1 against 2 webhook processes on PostgreSQL")
    parser.add_argument("--smoke", action="store_true", help="small size for CI")
    parser.add_argument("--answers", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=40)
    parser.add_argument("--postgres-url", default=DEFAULT_PG)
    args = parser.parse_args(argv)
    count = 200 if args.smoke else args.answers
    repeat = 1 if args.smoke else args.repeat
    texts = mixed_texts(count)
    print(f"{count:,} answers, {args.concurrency} POSTs in flight, PostgreSQL")
    rates: dict[int, list[float]] = {1: [], 2: []}
    for run, processes in itertools.product(range(1, repeat + 1), (1, 2)):
        rate = asyncio.run(ingest(texts, processes, args.concurrency, args.postgres_url))
        rates[processes].append(rate)
        print(
            f"run {run}, {processes} process(es): {rate:6.0f} answers/s (every answer stored once)"
        )
    ratios = [two / one for one, two in zip(rates[1], rates[2], strict=True)]
    for processes, values in rates.items():
        print(
            f"{processes} process(es): median {statistics.median(values):6.0f} answers/s "
            f"({min(values):.0f}-{max(values):.0f})"
        )
    print(
        f"2 processes / 1: median {statistics.median(ratios):.2f} "
        f"({min(ratios):.2f}-{max(ratios):.2f}), target >= 1.6"
    )


if __name__ == "__main__":
    main()
