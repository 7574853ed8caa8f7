"""The governance index at city scale: 1,000 communities × 30 indicators × 12 periods.

Prints figures; asserts nothing about time. `--smoke` runs a small size for CI.

    python -m bench.bench_index [--smoke] [--communities N] [--indicators K] [--periods P]
                                [--repeat R] [--scorecards]

Synthetic data (seeded): a framework of K indicators over the ten principles of the built-in
taxonomy, half of them "lower is better"; monthly values for every community (a tenth of the
communities miss most indicators, so they are unranked, and 5 % of the other values are
missing); a priorities round in 80 % of the communities. Steps, each timed (median of
`--repeat` runs, seconds):

- parse: `parse_values_csv` over the whole values CSV (N × K × P rows);
- store: `Session.replace_values` of all of it into a fresh SQLite file, one transaction;
- `index --json`: what the verb does after startup: load the stored values of the latest
  period and the one before it, `compute_index`
  for the latest period with the 1,000-draw Monte Carlo (and the previous period for the
  change), `json.dumps(index_json(...))` (target ≤ 5 s);
- report: each part alone, then `write_report` (HTML, PDF, CSV, the two city charts; target
  ≤ 30 s), the same without the PDF's page per community, each in a fresh process (as the
  verb runs), and, with `--scorecards`, one scorecard PNG per community on top.

Wall-clock and CPU seconds are both printed: on a shared machine the CPU figure is the
better estimate of what an idle machine would take.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from bot.core.index.compute import IndexResult, Priorities, compute_index, index_json
from bot.core.index.framework import Framework, parse_framework
from bot.core.index.values import IndicatorValue, parse_values_csv, select_periods
from bot.render.index_report import (
    city_chart_png,
    principles_chart_png,
    render_csv,
    render_html,
    render_pdf,
    scorecard_png,
    write_report,
)
from nlp.taxonomy import load_taxonomy
from storage.repository import Repository
from storage.repository import index as index_store

T = TypeVar("T")


def make_framework(indicators: int) -> Framework:
    """A framework of `indicators` indicators spread over the taxonomy's ten principles."""
    return parse_framework(framework_toml(indicators), load_taxonomy())


def framework_toml(indicators: int) -> str:
    """The TOML of `make_framework`'s framework (what `minyi index framework` would store)."""
    taxonomy = load_taxonomy()
    principles = [t.id for t in taxonomy.by_kind("principle")]
    lines = [f"principles = {json.dumps(principles)}"]
    for k in range(indicators):
        lower_better = k % 2 == 1
        threshold, target = (80.0, 20.0) if lower_better else (20.0, 80.0)
        lines += [
            "[[indicator]]",
            f'id = "ind_{k:02d}"',
            f'name_zh = "指标{k:02d}"',
            f'name_en = "Indicator {k:02d}"',
            f'principle = "{principles[k % len(principles)]}"',
            'unit = "%"',
            'source = "合成数据 synthetic"',
            f"threshold = {threshold}",
            f"target = {target}",
        ]
    return "\n".join(lines)


def make_data(
    framework: Framework, communities: int, periods: int, seed: int = 1
) -> tuple[list[str], bytes, dict[str, Priorities]]:
    """Community names, the values CSV (UTF-8 with BOM) and priorities votes."""
    rnd = random.Random(seed)
    names = [f"社区{n:04d}" for n in range(communities)]
    months = [f"{2025 + m // 12}-{m % 12 + 1:02d}" for m in range(periods)]
    lines = ["community,indicator,period,value"]
    for number, name in enumerate(names):
        sparse = number % 10 == 9
        level = rnd.uniform(0, 100)
        for month in months:
            for k, ind in enumerate(framework.indicators):
                if (sparse and k % 4) or rnd.random() < 0.05:
                    continue
                value = level + rnd.gauss(0, 20)
                if k % 2 == 1:
                    value = 100 - value
                lines.append(f"{name},{ind.id},{month},{value:.2f}")
    principles = [p.id for p in framework.principles]
    priorities = {
        name: Priorities(
            votes={p: rnd.randint(0, 40) for p in rnd.sample(principles, 4)},
            voters=rnd.randint(5, 120),
        )
        for name in names
        if rnd.random() < 0.8
    }
    return names, "\ufeff".encode() + "\r\n".join(lines).encode("utf-8"), priorities


@dataclass
class Timing:
    """Median wall-clock and CPU seconds (CPU: this process, every thread; on a shared machine
    the CPU figure is what an idle machine's wall clock would show, give or take)."""

    wall: float
    cpu: float

    def __str__(self) -> str:
        return f"{self.wall:.2f} s wall, {self.cpu:.2f} s CPU"


def timed(fn: Callable[[], T], repeat: int) -> tuple[Timing, T]:
    """Median wall and CPU seconds of `repeat` calls, and the last result."""
    walls: list[float] = []
    cpus: list[float] = []
    result: T | None = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    assert result is not None
    return Timing(statistics.median(walls), statistics.median(cpus)), result


def _charts(result: IndexResult) -> tuple[bytes, bytes]:
    return city_chart_png(result), principles_chart_png(result)


def _measure(
    fn: Callable[..., object], result: IndexResult, kwargs: dict[str, object]
) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn(result, **kwargs)
    return time.perf_counter() - wall, time.process_time() - cpu


def in_fresh_process(
    fn: Callable[..., object], result: IndexResult, kwargs: dict[str, object]
) -> Timing:
    """Wall and CPU seconds of `fn(result, **kwargs)` in a newly started Python process."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        wall, cpu = pool.apply(_measure, (fn, result, kwargs))
    return Timing(wall, cpu)


async def store_and_load(
    db: Path, names: list[str], values: list[IndicatorValue], framework: str
) -> tuple[Timing, Timing, list[IndicatorValue]]:
    """Store every value in a fresh SQLite file (one transaction) and load back the two
    periods `minyi index` scores."""
    repo = Repository.from_url(f"sqlite:///{db}")
    await repo.open()
    try:
        at = datetime(2026, 1, 1, tzinfo=UTC)
        async with repo.transaction() as s:
            await s.add_framework(framework, at.timestamp())
            for n, name in enumerate(names):
                await s.set_community(-100_000 - n, name, at)
        rows = [index_store.ValueRow(v.community, v.indicator, v.period, v.value) for v in values]
        wall, cpu = time.perf_counter(), time.process_time()
        async with repo.transaction() as s:
            await s.replace_values("values.csv", rows, at.timestamp())
        stored = Timing(time.perf_counter() - wall, time.process_time() - cpu)
        # What `minyi index` reads: the periods, then the values of the latest period and the
        # one before it (for the change), not all twelve.
        wall, cpu = time.perf_counter(), time.process_time()
        async with repo.transaction() as s:
            period, previous = select_periods(await s.list_periods())
            wanted = [period] if previous is None else [period, previous]
            loaded = await s.list_values(wanted)
        load = Timing(time.perf_counter() - wall, time.process_time() - cpu)
    finally:
        await repo.close()
    back = [IndicatorValue(r.community, r.indicator, r.period, r.value) for r in loaded]
    return stored, load, back


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="20 communities, 3 periods")
    parser.add_argument("--communities", type=int, default=1000)
    parser.add_argument("--indicators", type=int, default=30)
    parser.add_argument("--periods", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scorecards", action="store_true", help="also one PNG per community")
    args = parser.parse_args()
    if args.smoke:
        args.communities, args.periods, args.repeat = 20, 3, 1
    framework = make_framework(args.indicators)
    names, csv_bytes, priorities = make_data(framework, args.communities, args.periods)
    print(
        f"{args.communities} communities × {args.indicators} indicators × {args.periods} "
        f"periods; CSV {len(csv_bytes) / 1e6:.1f} MB"
    )
    parse_s, values = timed(
        lambda: parse_values_csv(
            csv_bytes, name="values.csv", framework=framework, communities=names
        ),
        args.repeat,
    )
    print(f"parse CSV ({len(values):,} values): {parse_s}")
    with tempfile.TemporaryDirectory() as tmp:
        stored_s, load_s, loaded = asyncio.run(
            store_and_load(Path(tmp) / "i.db", names, values, framework_toml(args.indicators))
        )
        print(
            f"store in SQLite (one transaction): {stored_s}; "
            f"load the 2 periods scored ({len(loaded):,} values): {load_s}"
        )

        def index_verb() -> str:
            result = compute_index(framework, loaded, priorities, seed=1)
            return json.dumps(index_json(result), ensure_ascii=False)

        compute_s, text = timed(index_verb, args.repeat)
        print(
            f"index --json (compute with 1,000 Monte Carlo draws + JSON, {len(text) / 1e6:.1f} MB):"
            f" {compute_s}; with loading: {compute_s.wall + load_s.wall:.2f} s wall, "
            f"{compute_s.cpu + load_s.cpu:.2f} s CPU (target ≤ 5 s)"
        )
        result = compute_index(framework, loaded, priorities, seed=1)
        out = Path(tmp) / "report"
        # Each part in a fresh process, as `minyi index report` runs: Typst memoises layout
        # within a process, so a second compile of the same document there takes a fraction
        # of the first and would flatter the figure.
        parts: dict[str, tuple[Callable[..., object], dict[str, object]]] = {
            "HTML": (render_html, {}),
            "CSV": (render_csv, {}),
            "2 city charts": (_charts, {}),
            "PDF, city table only": (render_pdf, {"scorecards": False}),
            "PDF with a page per community": (render_pdf, {}),
            "report (HTML, PDF with scorecards, CSV, 2 charts; target ≤ 30 s)": (
                write_report,
                {"out": out},
            ),
            "report with the PDF's scorecard pages left out": (
                write_report,
                {"out": out, "pdf_scorecards": False},
            ),
        }
        for label, (fn, kwargs) in parts.items():
            took = in_fresh_process(fn, result, kwargs)
            print(f"  {label}: {took}")
        sample = result.communities[: min(10, len(result.communities))]
        start = time.process_time()
        for community in sample:
            scorecard_png(result, community)
        per_png = (time.process_time() - start) / len(sample)
        print(
            f"scorecard PNG: {per_png:.3f} s CPU each "
            f"(≈ {per_png * len(result.communities):.0f} s for all {len(result.communities)})"
        )
        if args.scorecards:
            all_s, _ = timed(lambda: write_report(result, out, scorecards=True), 1)
            print(f"report with every scorecard PNG: {all_s}")
        verbs(Path(tmp), args.repeat)


def _run_verb(config: Path, *args: str) -> Timing:
    """Wall and CPU seconds of one `python -m bot` process (start-up included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), *args],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(time.perf_counter() - wall, cpu)


def verbs(tmp: Path, repeat: int) -> None:
    """The verbs as an operator runs them, each a fresh process on the stored database (the
    framework and values above; no priorities rounds there, so equal weights, which costs the
    Monte Carlo the same): `minyi index --json` (median of `repeat`) and `minyi index report`
    (once; above 200 communities without the PDF's page per community, as the verb does)."""
    config = tmp / "config.toml"
    config.write_text(f'[storage]\nurl = "sqlite:///{tmp / "i.db"}"\n', encoding="utf-8")
    runs = [_run_verb(config, "index", "--json") for _ in range(repeat)]
    median = Timing(statistics.median(t.wall for t in runs), statistics.median(t.cpu for t in runs))
    print(f"`minyi index --json`, whole process (median of {repeat}; target ≤ 5 s): {median}")
    report = _run_verb(config, "index", "report", "--out", str(tmp / "verb-report"))
    print(f"`minyi index report --out DIR`, whole process (target ≤ 30 s): {report}")


if __name__ == "__main__":
    main()
