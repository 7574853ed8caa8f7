"""The ingest benchmark's smoke size runs on both backends, so it does not rot."""

from __future__ import annotations

import subprocess
import sys

from tests.pg import unreachable_reason


def test_bench_ingest_smoke_prints_figures_for_both_backends() -> None:
    """`python -m bench.bench_ingest --smoke` prints answers/s for SQLite and PostgreSQL."""
    backend = "sqlite" if unreachable_reason() else "both"
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_ingest", "--smoke", "--backend", backend],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("end to end") for line in lines), done.stdout
    header = next(line for line in lines if "sqlite" in line)
    assert ("postgresql" in header) == (backend == "both")
