"""Report building over 100,000 and 1,000,000 stored answers, against a bare `count(*)`.

Prints figures; asserts nothing about time. `--smoke` runs small sizes for CI.

    python -m bench.bench_report [--smoke] [--sizes 100000,1000000] [--repeat N]
                                 [--backend sqlite|postgresql] [--postgres-url URL]
                                 [--keep DIR]

For each size a fresh SQLite file (or PostgreSQL schema, dropped afterwards) is filled with
synthetic rows, bulk-loaded straight into the tables by bench/synthetic.py (two communities;
one text round last week with a tenth of the answers, one text round and one rating round this
week with the rest; one or two themes per answer; residents as 32-character pseudonyms; a
rating vote from every tenth answer). The tallies the reports read (migration 0011) are kept
by the repository's own bookkeeping as the rows are loaded. Then, in the same run and on the
same database, it times (median of `--repeat` runs, with the fastest and slowest):

- `SELECT count(*) FROM answers` (a pass over the table's smallest index: the baseline every
  figure is also printed against),
- `build_round_report` for this week's text round (nine tenths of all answers in scope),
- `build_round_report` for last week's round (a tenth of the answers in scope),
- `build_period_report` for the 7 days before Monday 09:00 (the weekly digest's window),
- `build_period_report` for a 7-day window starting and ending inside an hour (`/digest` at
  any moment: the stored answers of its two partial hours are read).

On SQLite the round and period reports are also timed cold: before each run the database is
closed, its file's pages are dropped from the operating system's cache (fsync, then
`posix_fadvise(DONTNEED)`: no root needed) and a fresh core opens it, as after a restart or
when the file has been pushed out of memory by other work; only the report is timed.

The worst case on purpose: every report covers almost all stored answers. With the tallies a
report's cost follows the hours, communities and themes in scope, not the answers, so it
should barely grow between sizes. `--keep DIR` keeps each SQLite database (and reuses it on
the next run instead of filling it again: the fill of 1,000,000 answers takes minutes).
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


async def timed(repeat: int, run: Callable[[], Awaitable[object]]) -> tuple[float, float, float]:
    """(median, fastest, slowest) of `repeat` runs, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times), max(times)


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


async def cold_timed(
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


async def stored_rounds(core: Core) -> dict[str, int] | None:
    """The rounds of a database `fill` made earlier (None if it holds none)."""
    async with core.repo.transaction() as session:
        rounds = await session.list_rounds(states=("closed",), limit=10)
    found = {r.question.removeprefix("bench "): r.id for r in rounds}
    return found if {"last_week", "this_week", "rating"} <= set(found) else None


# Reports timed, by name: what each builds (given the round ids).
REPORTS: dict[str, Callable[[Core, dict[str, int]], Awaitable[object]]] = {
    # This week's text round: nine tenths of all answers in scope.
    "round": lambda core, r: build_round_report(core, r["this_week"]),
    # Last week's round: a tenth of the answers in scope.
    "tenth round": lambda core, r: build_round_report(core, r["last_week"]),
    # The weekly digest's report: the 7 days before Monday 09:00 (on the hour).
    "week": lambda core, r: build_period_report(core, NOW - WEEK, NOW),
    # /digest at 08:47:13: a window that starts and ends inside an hour, so both of its
    # partial hours are read from the stored answers.
    "week off the hour": lambda core, r: build_period_report(core, NOW - OFF - WEEK, NOW - OFF),
}
WEEK = timedelta(days=7)
OFF = timedelta(minutes=12, seconds=47)
COLD = ("round", "week", "week off the hour")


async def measure(size: int, repeat: int, url: str) -> dict[str, tuple[float, float, float]]:
    """Fill a fresh database with `size` answers (or reuse one filled before) and time the
    reports over it: {name: (median, fastest, slowest)}."""
    settings = settings_from_dict({"storage": {"url": url}}, environ={})
    core = await open_core(settings, secret=b"bench")
    core.clock = lambda: NOW
    try:
        started = time.perf_counter()
        rounds = await stored_rounds(core)
        if rounds is None:
            rounds = await fill(core, size)
            # PostgreSQL: VACUUM ANALYZE, as autovacuum would later.
            await core.repo.backend.analyze()
        loaded = time.perf_counter() - started

        async def bare_count() -> int:
            async with core.repo.transaction() as session:
                return await count_stored_answers(session.tx)

        assert await bare_count() == size
        report = await build_period_report(core, NOW - WEEK, NOW)
        figures = {"load": (loaded, loaded, loaded), "count(*)": await timed(repeat, bare_count)}
        for name, build in REPORTS.items():
            figures[name] = await timed(repeat, lambda build=build: build(core, rounds))
        figures["answers in week"] = (float(report.answers),) * 3
    finally:
        await core.repo.close()
    if url.startswith("sqlite:///"):
        for name in COLD:
            build = REPORTS[name]
            figures["cold " + name] = await cold_timed(
                repeat, url, lambda core, build=build: build(core, rounds)
            )
    return figures


async def run(
    sizes: Sequence[int], repeat: int, backend: str, pg_base: str, keep: Path | None
) -> None:
    """Measure every size and print a table with growth factors between sizes."""
    results: list[tuple[int, dict[str, tuple[float, float, float]]]] = []
    with tempfile.TemporaryDirectory(prefix="minyi-bench-") as scratch:
        folder = keep or Path(scratch)
        for size in sizes:
            schema = f"minyi_bench_{uuid.uuid4().hex[:10]}"
            if backend == "sqlite":
                url = f"sqlite:///{folder / f'bench-{size}.db'}"
            else:
                url = f"{pg_base}?schema={schema}"
            try:
                results.append((size, await measure(size, repeat, url)))
            finally:
                if backend == "postgresql":
                    await _drop_schema(pg_base, schema)
    timed_names = ["count(*)", *REPORTS]
    if all("cold round" in figures for _, figures in results):
        timed_names += [f"cold {name}" for name in COLD]
    print(f"{backend}; seconds: median of {repeat} (fastest-slowest)")
    for size, figures in results:
        print(f"{size:,} answers (loaded in {figures['load'][0]:.1f} s)")
        for name in timed_names:
            median, fastest, slowest = figures[name]
            ratio = median / figures["count(*)"][0]
            print(
                f"  {name:<24} {median:8.3f} ({fastest:.3f}-{slowest:.3f})  {ratio:8.1f} x count(*)"
            )
    for (small, a), (large, b) in itertools.pairwise(results):
        growth = "  ".join(f"{name} x{b[name][0] / a[name][0]:.1f}" for name in timed_names)
        print(f"growth from {small:,} to {large:,} answers: {growth}")
    size, last = results[-1]
    print(
        f"at {size:,} answers: round report {last['round'][0]:.2f} s (target <= 1 s), "
        f"week {last['week'][0]:.2f} s (target <= 1.5 s)"
    )
    if "cold round" in last:
        cold = {name: last["cold " + name][0] for name in COLD}
        print(
            f"  cold: round report {cold['round']:.2f} s, week {cold['week']:.2f} s, "
            f"off the hour {cold['week off the hour']:.2f} s"
        )


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--smoke", action="store_true", help="small sizes for CI")
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated answer counts")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--postgres-url", default=DEFAULT_PG)
    parser.add_argument(
        "--keep",
        type=Path,
        help="SQLite: keep each size's database in this folder, and reuse it next time "
        "instead of filling it again",
    )
    args = parser.parse_args(argv)
    sizes = [1000, 10_000] if args.smoke else [int(s) for s in args.sizes.split(",")]
    repeat = 1 if args.smoke else args.repeat
    asyncio.run(run(sizes, repeat, args.backend, args.postgres_url, args.keep))


if __name__ == "__main__":
    main()
