"""City scale: the same answers delivered to 1 and to 2 webhook processes on PostgreSQL (issue 18).

    python -m bench.bench_webhook [--smoke] [--answers N] [--repeat R] [--concurrency C]
                                  [--postgres-url URL]

For each run and each process count, a fresh PostgreSQL schema, an emulator of the Bot API (in
this process) and 1 or 2 `minyi run --webhook` processes on that schema. The organiser's
commands open a text round in 4 communities (delivered by the emulator's own webhook); then N
answers (bench/bench_throughput.py `mixed_texts`) from N/4 residents are POSTed to the
processes, round-robin, with C requests in flight at once, as Telegram does (it keeps up to 40
connections open to a webhook). Any answer not acknowledged with 200 is POSTed again. The time
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
def _processes(config: Path, ports: Sequence[int], logs: Path) -> Iterator[None]:
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
        yield
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


async def _deliver(
    session: aiohttp.ClientSession, urls: Sequence[str], payloads: Sequence[bytes], concurrency: int
) -> int:
    """POST every payload round-robin until each is acknowledged; the number of retries."""
    queue: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
    for item in enumerate(payloads):
        queue.put_nowait(item)
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    retries = 0

    async def worker() -> None:
        nonlocal retries
        while not queue.empty():
            index, body = queue.get_nowait()
            url = urls[index % len(urls)]
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    ok = response.status == 200
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            if not ok:
                retries += 1
                await asyncio.sleep(0.1)
                queue.put_nowait((index, body))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
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
                with _processes(config, ports, folder):
                    for _ in range(600):
                        if all([await _healthy(session, p) for p in ports]):
                            break
                        await asyncio.sleep(0.2)
                    else:
                        raise RuntimeError("the webhook processes did not start")
                    hooks = [f"http://127.0.0.1:{p}/telegram" for p in ports]
                    elapsed = await _run(em, organiser, session, hooks, texts, concurrency)
    finally:
        stored = await _count(pg_base, schema)
        await _drop_schema(pg_base, schema)
    if stored != (len(texts), len(texts)):
        raise RuntimeError(f"stored {stored} (rows, distinct sources) of {len(texts)} answers")
    return len(texts) / elapsed


async def _run(
    em: BotAPIEmulator,
    organiser: SimUser,
    session: aiohttp.ClientSession,
    hooks: Sequence[str],
    texts: Sequence[str],
    concurrency: int,
) -> float:
    # Set-up through the emulator's own webhook delivery (one process is enough).
    em.webhook_url, em.webhook_secret = hooks[0], SECRET
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
    started = time.perf_counter()
    retries = await _deliver(session, hooks, payloads, concurrency)
    elapsed = time.perf_counter() - started
    if retries:
        print(f"  ({retries} deliveries retried)")
    return elapsed


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
