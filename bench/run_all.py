"""`make bench`: every benchmark at its full size, one after the other (prints figures).

python -m bench.run_all [--smoke]
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

BENCHMARKS = [
    "bench.bench_tagging",
    "bench.bench_throughput",
    "bench.bench_floor",
    "bench.bench_ingest",
    "bench.bench_report",
    "bench.bench_stall",
    "bench.bench_retag",
    "bench.bench_startup",
]


def main(argv: Sequence[str] | None = None) -> int:
    """Run each benchmark in its own process; return non-zero if one failed."""
    extra = list(sys.argv[1:] if argv is None else argv)
    failed = []
    for module in BENCHMARKS:
        print(f"\n=== {module} {' '.join(extra)}".rstrip(), flush=True)
        if subprocess.run([sys.executable, "-m", module, *extra], check=False).returncode:
            failed.append(module)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
