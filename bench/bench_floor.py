"""What a polled batch of answers cannot go below: a getUpdates round trip and a commit (issue 18).

    python -m bench.bench_floor [--smoke] [--answers N] [--repeat R]

Issue 18 asks `minyi run` to store answers 3 x as fast as plain `jieba.lcut` segments them.
Long polling takes at most 100 updates per getUpdates (the Bot API's limit), and SPEC §9 lets
the next getUpdates confirm a batch only once its effects are committed: every batch of 100
answers therefore pays at least one getUpdates round trip and one commit with its fsync, one
after the other, whatever tagging and storing cost. This times those two alone, as the bot
meets them:

- getUpdates: the emulator (in this process, as in bench_throughput) holds N answers
  (`mixed_texts`); a child process fetches them 100 at a time with the bot's own client
  (`MinyiBot.get_updates_json`, the JSON decoded), each call confirming the one before;
- commit: 100 rows of those texts inserted into a fresh SQLite file in WAL mode with
  `synchronous=FULL` (as Minyi opens it), then COMMIT, once per batch.

Prints the medians per batch (of R repetitions, each over N answers), lcut's time for 100 of the
same texts in the same run, and the best ratio to lcut that any ingest could reach if tagging and
storing cost nothing: lcut(100) / (getUpdates + commit). Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.bench_startup import process_env
from bench.bench_throughput import lcut_rate, mixed_texts
from sandbox.emulator import BotAPIEmulator

BATCH = 100

# The fetching side, in its own process as `minyi run` is: the bot's client, each call's time.
_FETCH = """
import asyncio, json, sys, time
from telegram import Update
from telegram.request import HTTPXRequest
from bot.telegram.intake import MinyiBot

async def fetch(token, base_url, count):
    bot = MinyiBot(token, base_url=base_url,
                   get_updates_request=HTTPXRequest(connection_pool_size=1, read_timeout=30))
    await bot.initialize()
    offset, got, times = None, 0, []
    while got < count:
        started = time.perf_counter()
        updates = await bot.get_updates_json(
            offset=offset, poll_seconds=0, limit=100, allowed_updates=Update.ALL_TYPES)
        times.append(time.perf_counter() - started)
        got += len(updates)
        offset = updates[-1]["update_id"] + 1
    await bot.get_updates_json(offset=offset, poll_seconds=0, limit=1, allowed_updates=[])
    await bot.shutdown()
    print(json.dumps(times))

asyncio.run(fetch(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


async def fetch_times(texts: Sequence[str]) -> list[float]:
    """Seconds of each getUpdates call (100 updates each) of a child process over `texts`."""
    async with BotAPIEmulator() as em:
        group = em.add_group("社区群")
        em.add_bot_to_group(group, em.add_user("Organiser"))
        residents = [em.add_user(f"居民{i}") for i in range(max(1, len(texts) // 4))]
        for i, text in enumerate(texts):
            em.send_message(residents[i % len(residents)], group, text)
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _FETCH,
            em.token,
            em.base_url,
            str(len(em.queue)),
            stdout=subprocess.PIPE,
            env=process_env(),
        )
        out, _ = await child.communicate()
        if child.returncode != 0:
            raise RuntimeError("the fetching process failed")
    times: list[float] = json.loads(out)
    return times


def commit_times(texts: Sequence[str], folder: Path) -> list[float]:
    """Seconds of inserting and committing each batch of 100 texts in a WAL SQLite file with
    synchronous=FULL."""
    conn = sqlite3.connect(folder / "floor.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE answers (id INTEGER PRIMARY KEY, source TEXT UNIQUE, text TEXT)")
    times: list[float] = []
    try:
        for start in range(0, len(texts), BATCH):
            rows = [(f"tg:{i}", texts[i]) for i in range(start, min(start + BATCH, len(texts)))]
            began = time.perf_counter()
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO answers (source, text) VALUES (?, ?)", rows)
            conn.execute("COMMIT")
            times.append(time.perf_counter() - began)
    finally:
        conn.close()
    return times


def main(argv: Sequence[str] | None = None) -> None:
    """Time the floor R times and print it against lcut."""
    parser = argparse.ArgumentParser(description="the floor of a polled batch against lcut")
    parser.add_argument("--smoke", action="store_true", help="a small size, for CI")
    parser.add_argument("--answers", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    count, repeat = (300, 1) if args.smoke else (args.answers, args.repeat)
    texts = mixed_texts(count)
    print(
        f"{count:,} answers ({sum(map(len, texts)) / count:.0f} characters on average), "
        f"batches of {BATCH}"
    )
    fetches, commits, lcuts, ratios = [], [], [], []
    for run in range(1, repeat + 1):
        fetch = statistics.median(asyncio.run(fetch_times(texts)))
        with tempfile.TemporaryDirectory() as name:
            commit = statistics.median(commit_times(texts, Path(name)))
        lcut = BATCH / lcut_rate(texts)
        fetches.append(fetch)
        commits.append(commit)
        lcuts.append(lcut)
        ratios.append(lcut / (fetch + commit))
        print(
            f"run {run}: getUpdates {fetch * 1000:5.1f} ms, commit {commit * 1000:5.1f} ms, "
            f"lcut of 100 texts {lcut * 1000:5.1f} ms: at best {ratios[-1]:.2f} x lcut"
        )

    def spread(values: list[float], scale: float = 1000) -> str:
        return (
            f"{statistics.median(values) * scale:.1f} "
            f"({min(values) * scale:.1f}-{max(values) * scale:.1f})"
        )

    print(f"median of {repeat}, per batch of {BATCH}:")
    print(f"getUpdates round trip, JSON decoded: {spread(fetches)} ms")
    print(f"insert + COMMIT (fsync):             {spread(commits)} ms")
    print(f"plain jieba.lcut of 100 texts:        {spread(lcuts)} ms")
    print(
        f"best ratio to lcut with free tagging and storing: {spread(ratios, 1)} x "
        f"(issue 18's target: 3 x)"
    )


if __name__ == "__main__":
    main()
