"""Report building over 100,000 and 1,000,000 stored answers, against a bare `count(*)`.

Prints figures; asserts nothing about time. `--smoke` runs small sizes for CI.

    python -m bench.bench_report [--smoke] [--sizes 100000,1000000] [--repeat N]
                                 [--backend sqlite|postgresql] [--postgres-url URL]

For each size a fresh SQLite file (or PostgreSQL schema, dropped afterwards) is filled with
synthetic rows, bulk-loaded straight into the tables by bench/synthetic.py (two communities;
one text round last week with a tenth of the answers, one text round and one rating round this
week with the rest; one or two themes per answer; residents as 32-character pseudonyms; a
rating vote from every tenth answer). Then, in the same run and on the same database, it times
(median of `--repeat` runs):

- `SELECT count(*) FROM answers` (the floor: one pass over the table's smallest index),
- `build_round_report` for this week's text round (nine tenths of all answers in scope),
- `build_period_report` for this week (what the weekly digest aggregates),
- `build_round_report` for last week's round (a tenth of the answers in scope: the usual
  case, where a report covers a slice of what is stored).

On SQLite the round and period reports are also timed cold: before each run the database is
closed, its file's pages are dropped from the operating system's cache (fsync, then
`posix_fadvise(DONTNEED)`: no root needed) and a fresh core opens it, as after a restart or
when the file has been pushed out of memory by other work; only the report is timed.

The worst case on purpose: every report covers almost all stored answers, so the time must
grow with the rows in scope, and the growth factor between sizes shows whether it grows no
worse than linearly (a factor of about 10 for 10 times the answers).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.bench_ingest import DEFAULT_PG, _drop_schema
from bench.synthetic import add_synthetic_rows, count_stored_answers
from bot.config import settings_from_dict
from bot.core.base import Core, open_core
from bot.core.reports import build_period_report, build_round_report
from nlp.taxonomy import load_taxonomy

TEXTS = [
    "小区停车位太少，晚上回来根本没地方停车，物业也不管。",
    "楼下的广场舞音响太吵了，晚上十点还在跳，老人孩子都没法休息。",
    "希望社区多开几次居民议事会，重大事情要先征求大家的意见。",
    "垃圾分类的桶太少，厨余垃圾经常溢出来，臭味很大。",
    "社区食堂能不能给独居老人送餐？很多老人不会用手机点外卖。",
    "物业费的账目从来不公开，业主根本不知道钱花到哪里去了。",
    "充电桩太少了，电动车只能拉飞线充电，很危险。",
    "希望公示栏及时更新，办事流程写清楚。",
]
BATCH = 50_000
NOW = datetime(2025, 3, 10, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in Asia/Shanghai


async def fill(core: Core, size: int, seed: int = 7) -> dict[str, int]:
    """Store `size` synthetic answers (with themes and votes); return the round ids."""
    rng = random.Random(seed)
    themes = [(t.id, t.kind) for t in load_taxonomy().themes]
    week = timedelta(days=7).total_seconds()
    start = NOW.timestamp() - week
    # Pseudonyms as bot/core/privacy.py makes them: 32 hex characters.
    residents = [f"{i:032x}" for i in range(max(100, size // 20))]
    async with core.repo.transaction() as session:
        names = ("碧海社区", "会展城社区")
        ids = [(await session.set_community(-1000 - i, n, NOW))[0].id for i, n in enumerate(names)]
        rounds: dict[str, int] = {}
        for key, kind, opens in (
            ("last_week", "text", NOW - timedelta(days=14)),
            ("this_week", "text", NOW - timedelta(days=7)),
            ("rating", "rating", NOW - timedelta(days=7)),
        ):
            round_ = await session.add_round(
                kind=kind,  # type: ignore[arg-type]
                state="closed",
                question=f"bench {key}",
                community_ids=ids,
                opens_at=opens,
                closes_at=opens + timedelta(days=7),
                reminder_at=None,
                created_by="bench",
                at=opens,
            )
            rounds[key] = round_.id
    answer_id = 0
    while answer_id < size:
        answers: list[Sequence[Any]] = []
        tags: list[Sequence[Any]] = []
        votes: list[Sequence[Any]] = []
        for _ in range(min(BATCH, size - answer_id)):
            answer_id += 1
            # Ids grow with time, as they do when answers arrive: the first tenth last week.
            earlier = answer_id <= size // 10
            tenth = max(1, size // 10)
            if earlier:
                at = start - week + week * (answer_id - 1) / tenth
            else:
                at = start + week * (answer_id - 1 - tenth) / max(1, size - tenth)
            round_id = rounds["last_week" if earlier else "this_week"]
            community = rng.choice(ids)
            resident = rng.choice(residents)
            text = f"{rng.choice(TEXTS)}（{answer_id}）"
            answers.append(
                (
                    answer_id,
                    round_id,
                    community,
                    resident,
                    f"b:{answer_id}",
                    "reply",
                    text,
                    str(answer_id),
                    at,
                )
            )
            for theme_id, kind in rng.sample(themes, rng.choice((1, 2))):
                evidence = json.dumps([theme_id])
                tags.append((answer_id, theme_id, kind, round(rng.random(), 3), evidence))
            if answer_id % 10 == 1:
                votes.append((rounds["rating"], community, f"v{answer_id}", rng.randint(1, 5), at))
        async with core.repo.transaction() as session:
            await add_synthetic_rows(session.tx, answers, tags, votes)
    return rounds


async def median_of(repeat: int, run: Callable[[], Awaitable[object]]) -> float:
    """The median of `repeat` runs, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def drop_from_os_cache(database: Path) -> None:
    """Write the database's files out and ask the kernel to forget their cached pages."""
    for path in (database, database.with_name(database.name + "-wal")):
        if not path.exists():
            continue
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


async def cold_median_of(
    repeat: int, url: str, build: Callable[[Core], Awaitable[object]]
) -> tuple[float, float, float]:
    """(median, fastest, slowest) of `repeat` cold runs of `build` (see the module note)."""
    database = Path(url.removeprefix("sqlite:///"))
    settings = settings_from_dict({"storage": {"url": url}}, environ={})
    times = []
    for _ in range(repeat):
        drop_from_os_cache(database)
        core = await open_core(settings, secret=b"bench")
        core.clock = lambda: NOW
        try:
            started = time.perf_counter()
            await build(core)
            times.append(time.perf_counter() - started)
        finally:
            await core.repo.close()
    return statistics.median(times), min(times), max(times)


async def measure(size: int, repeat: int, url: str) -> dict[str, float]:
    """Fill a fresh database with `size` answers and time the reports over it."""
    settings = settings_from_dict({"storage": {"url": url}}, environ={})
    core = await open_core(settings, secret=b"bench")
    core.clock = lambda: NOW
    try:
        started = time.perf_counter()
        rounds = await fill(core, size)
        # PostgreSQL: VACUUM ANALYZE, as autovacuum would later.
        await core.repo.backend.analyze()
        loaded = time.perf_counter() - started

        async def bare_count() -> int:
            async with core.repo.transaction() as session:
                return await count_stored_answers(session.tx)

        async def round_report() -> object:
            return await build_round_report(core, rounds["this_week"])

        async def small_round_report() -> object:
            return await build_round_report(core, rounds["last_week"])

        async def period_report() -> object:
            return await build_period_report(core, NOW - timedelta(days=7), NOW)

        report = await build_period_report(core, NOW - timedelta(days=7), NOW)
        assert await bare_count() == size
        figures = {
            "load": loaded,
            "count(*)": await median_of(repeat, bare_count),
            "round report": await median_of(repeat, round_report),
            "tenth round": await median_of(repeat, small_round_report),
            "period report": await median_of(repeat, period_report),
            "answers in week": float(report.answers),
        }
    finally:
        await core.repo.close()
    if url.startswith("sqlite:///"):
        week = rounds["this_week"]
        cold_round = await cold_median_of(repeat, url, lambda c: build_round_report(c, week))
        cold_period = await cold_median_of(
            repeat, url, lambda c: build_period_report(c, NOW - timedelta(days=7), NOW)
        )
        for name, (median, fastest, slowest) in (
            ("cold round", cold_round),
            ("cold period", cold_period),
        ):
            figures[name] = median
            figures[name + " range"] = slowest - fastest
            print(
                f"{size:,} answers, {name} report: median {median:.3f} s "
                f"({fastest:.3f}-{slowest:.3f}) of {repeat} cold runs"
            )
    return figures


async def run(sizes: Sequence[int], repeat: int, backend: str, pg_base: str) -> None:
    """Measure every size and print a table with growth factors between sizes."""
    results: list[tuple[int, dict[str, float]]] = []
    with tempfile.TemporaryDirectory(prefix="minyi-bench-") as folder:
        for size in sizes:
            schema = f"minyi_bench_{uuid.uuid4().hex[:10]}"
            if backend == "sqlite":
                url = f"sqlite:///{Path(folder) / f'bench-{size}.db'}"
            else:
                url = f"{pg_base}?schema={schema}"
            try:
                results.append((size, await measure(size, repeat, url)))
            finally:
                if backend == "postgresql":
                    await _drop_schema(pg_base, schema)
    timed: tuple[str, ...] = ("count(*)", "round report", "period report", "tenth round")
    if all("cold round" in figures for _, figures in results):
        timed += ("cold round", "cold period")
    print(f"median of {repeat}; {backend}; seconds")
    print(f"{'answers':>10} {'load':>7} " + " ".join(f"{k:>14}" for k in timed))
    for size, figures in results:
        cells = " ".join(f"{figures[k]:>14.3f}" for k in timed)
        print(f"{size:>10,} {figures['load']:>7.1f} {cells}")
    for (small, a), (large, b) in itertools.pairwise(results):
        factor = large / small
        growth = " ".join(f"{b[k] / a[k]:>14.1f}" for k in timed)
        print(f"{'growth':>10} {f'x{factor:g}':>7} {growth}")
    size, last = results[-1]
    ratio = last["period report"] / last["count(*)"]
    print(f"period report at {size:,} answers: {last['period report']:.2f} s (target <= 2 s),")
    print(f"  {ratio:.0f} times a bare count(*) over the same table")


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--smoke", action="store_true", help="small sizes for CI")
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated answer counts")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--postgres-url", default=DEFAULT_PG)
    args = parser.parse_args(argv)
    sizes = [1000, 10_000] if args.smoke else [int(s) for s in args.sizes.split(",")]
    repeat = 1 if args.smoke else args.repeat
    asyncio.run(run(sizes, repeat, args.backend, args.postgres_url))


if __name__ == "__main__":
    main()
