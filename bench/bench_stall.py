"""How long the event loop stalls while an organiser's /report, /export and /digest are built.

Prints figures; asserts nothing about time. `--smoke` runs a small size for CI.

    python -m bench.bench_stall [--smoke] [--answers N]

One text round in one community is filled with the real citizen messages of ../shared/data
(whole messages, many of them long; read from there, never copied into the repository), each
tagged by the core's own tagger, in a fresh SQLite file. Then each command's work is done as
its handler does it (the data read, the report or CSV made, the digest's text and chart drawn)
while a watcher task wakes every 5 ms; the longest gap between its wake-ups, less those 5 ms,
is the longest stretch during which the process could not take any other update, send any
other reply or serve any page. Also printed: the whole command's time.

The script runs against whichever code is on PYTHONPATH, so the same file measures the code
before and after a change: run it with PYTHONPATH pointing at either tree.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import importlib.util
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.bench_tagging import _BUILT_IN, _DEV_CSV
from bot.config import settings_from_dict
from bot.core.answers import to_records
from bot.core.base import Core, open_core
from bot.core.digest import gather_digest
from bot.core.models import NewAnswer
from bot.core.organiser import export_file
from bot.core.privacy import text_digest
from bot.core.reports import build_round_report
from bot.core.roles import Caller
from bot.render.digest import render_digest
from bot.render.report import render_report

TICK = 0.005
# Whether this tree's handlers render off the event loop (the change this measures). The
# script then renders as they do; on the tree before, on the loop as its handlers did.
OFF_LOOP = importlib.util.find_spec("bot.render.drawing") is not None


def messages(count: int) -> list[str]:
    """`count` whole citizen messages (cycled and numbered if there are fewer)."""
    pool: list[str] = []
    if _DEV_CSV.exists():
        with _DEV_CSV.open(encoding="utf-8") as handle:
            pool = [row["text"] for row in csv.DictReader(handle) if row["text"].strip()]
    pool = pool or list(_BUILT_IN)
    return [pool[i % len(pool)] + ("" if i < len(pool) else f"（{i}）") for i in range(count)]


async def seed(core: Core, texts: list[str]) -> int:
    """One open text round in one community with these answers; its id."""
    now = core.now()
    async with core.repo.transaction() as session:
        community, _ = await session.set_community(-100, "碧海社区", now)
        round_ = await session.add_round(
            kind="text",
            state="open",
            question="你希望社区怎样改进？",
            community_ids=[community.id],
            opens_at=now - timedelta(hours=2),
            closes_at=now + timedelta(hours=1),
            reminder_at=None,
            created_by="bench",
            at=now - timedelta(hours=2),
        )
        for i, text in enumerate(texts):
            await session.add_answer(
                NewAnswer(
                    round_id=round_.id,
                    community_id=community.id,
                    resident=f"r{i}",
                    source=f"g:-100:{i}",
                    via="reply",
                    text=text,
                    text_hash=text_digest(f"{text}{i}"),
                    at=now - timedelta(minutes=90) + timedelta(seconds=i),
                    themes=to_records(core.tagger.tag(text)),
                )
            )
    return round_.id


async def _render(function: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(function, *args) if OFF_LOOP else function(*args)


async def measure(name: str, work: Callable[[], Awaitable[object]]) -> None:
    """Run `work` beside a watcher; print its longest stall of the loop and its whole time."""
    longest = 0.0
    done = False

    async def watch() -> None:
        nonlocal longest
        loop = asyncio.get_running_loop()
        last = loop.time()
        while not done:
            await asyncio.sleep(TICK)
            now = loop.time()
            longest = max(longest, now - last - TICK)
            last = now

    watcher = asyncio.create_task(watch())
    await asyncio.sleep(TICK * 2)
    started = time.perf_counter()
    await work()
    took = time.perf_counter() - started
    done = True
    await watcher
    print(f"{name:<8} longest loop stall {longest:6.2f} s   whole command {took:6.2f} s")


async def run(answers: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'stall.db'}"
        settings = settings_from_dict({"storage": {"url": url}}, environ={})
        core = await open_core(settings, secret=b"bench")
        try:
            texts = messages(answers)
            started = time.perf_counter()
            round_id = await seed(core, texts)
            chars = sum(map(len, texts)) / len(texts)
            print(
                f"{answers} answers (mean {chars:.0f} characters) stored in "
                f"{time.perf_counter() - started:.1f} s; rendering off the loop: {OFF_LOOP}"
            )
            caller = Caller(user_id=1, community=None, organiser=True)
            zone = core.settings.schedule.tz

            async def report() -> None:
                built = await build_round_report(core, round_id)
                assert built is not None
                await _render(render_report, built, "zh", zone)

            async def export() -> None:
                await export_file(core, caller, round_id)

            async def digest() -> None:
                period = await gather_digest(core, core.now() + timedelta(minutes=1))
                await _render(render_digest, period, "zh", zone)

            # Imported once before measuring (matplotlib's import is start-up, not the digest).
            import bot.render.chart  # noqa: F401

            for name, work in (("report", report), ("export", export), ("digest", digest)):
                await measure(name, work)
        finally:
            await core.repo.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="200 answers")
    parser.add_argument("--answers", type=int, default=5400)
    args = parser.parse_args(argv)
    asyncio.run(run(200 if args.smoke else args.answers))


if __name__ == "__main__":
    main()
