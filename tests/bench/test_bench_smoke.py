"""Every benchmark's smoke size runs and prints its figures, so none of them rots.

Nothing here looks at how fast anything was: benchmarks print figures, tests never assert
timings.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.pg import BASE_URL, skip_unless_reachable

CASES = [
    ("bench.bench_tagging", [], ["ratio"]),
    ("bench.bench_retag", [], ["speed-up", "re-tagged"]),
    ("bench.bench_startup", [], ["first getUpdates", "minyi tag"]),
    ("bench.bench_throughput", [], ["jieba.lcut", "ratio", "peak RSS", "stored once"]),
    # The ceilings for a faster tagger: the measured process tags nothing or only segments.
    ("bench.bench_throughput", ["--tagging", "none"], ["tagging: none", "ratio", "stored once"]),
    ("bench.bench_throughput", ["--tagging", "segment"], ["tagging: segment", "stored once"]),
    ("bench.bench_floor", [], ["getUpdates round trip", "COMMIT", "best ratio"]),
    ("bench.bench_report", [], ["count"]),
    ("bench.bench_stall", [], ["longest loop stall", "whole command"]),
    ("bench.bench_web", [], ["answers/s", "100 confirmed, 100 stored (100 distinct"]),
]


@pytest.mark.parametrize(
    ("module", "args", "expected"), CASES, ids=[" ".join([c[0], *c[1]]) for c in CASES]
)
def test_benchmark_smoke_run_prints_its_figures(
    module: str, args: list[str], expected: list[str]
) -> None:
    """`python -m <bench> --smoke` exits 0 and prints the figures it exists for."""
    done = subprocess.run(
        [sys.executable, "-m", module, "--smoke", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for word in expected:
        assert word in done.stdout, (word, done.stdout)


def test_webhook_benchmark_smoke_stores_every_answer_once() -> None:
    """`bench.bench_webhook --smoke` delivers the same answers to 1 and to 2 webhook processes
    on PostgreSQL and finds each stored exactly once (it exits non-zero otherwise)."""
    skip_unless_reachable()
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_webhook", "--smoke", "--postgres-url", BASE_URL],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "1 process(es):" in done.stdout and "2 process(es):" in done.stdout, done.stdout
    assert done.stdout.count("every answer stored once") == 2, done.stdout
