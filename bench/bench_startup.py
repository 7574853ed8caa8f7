"""Start-up: process start to the first getUpdates, and `minyi tag` on one line, against
`jieba.initialize()` alone, each in a fresh process (median of several runs).

    python -m bench.bench_startup [--smoke] [--runs N]

Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from sandbox.emulator import BotAPIEmulator

JIEBA_ONLY = "import jieba; jieba.initialize()"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("MINYI_")}


def time_command(args: Sequence[str], stdin: str | None = None) -> float:
    """Wall seconds of one process run to completion."""
    started = time.perf_counter()
    subprocess.run(args, input=stdin, text=True, capture_output=True, check=True, env=_env())
    return time.perf_counter() - started


async def time_to_first_poll(folder: Path) -> float:
    """Seconds from spawning `minyi run` to its first getUpdates call."""
    async with BotAPIEmulator() as em:
        config = folder / "config.toml"
        config.write_text(
            f'[telegram]\ntoken = "{em.token}"\nbase_url = "{em.base_url}"\n'
            f'[storage]\nurl = "sqlite:///{folder / "startup.db"}"\n'
            '[privacy]\nsecret = "bench"\n',
            encoding="utf-8",
        )
        started = time.time()
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=_env(),
        )
        try:
            await em.wait_for(lambda: bool(em.calls_to("getUpdates")), 60)
            return em.calls_to("getUpdates")[0].time - started
        finally:
            proc.terminate()
            for _ in range(200):
                if proc.poll() is not None:
                    break
                await asyncio.sleep(0.05)
            else:
                proc.kill()


def main(argv: Sequence[str] | None = None) -> None:
    """Run each measurement several times and print medians and ratios."""
    parser = argparse.ArgumentParser(description="start-up times")
    parser.add_argument("--smoke", action="store_true", help="one run each, for CI")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    runs = 1 if args.smoke else args.runs
    python = sys.executable
    # One warm-up of each, so disk caches (jieba's and ours) exist as on a running server.
    time_command([python, "-c", JIEBA_ONLY])
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        asyncio.run(time_to_first_poll(folder))
        jieba_only = [time_command([python, "-c", JIEBA_ONLY]) for _ in range(runs)]
        first_poll = [asyncio.run(time_to_first_poll(folder)) for _ in range(runs)]
    tag_one = [
        time_command([python, "-m", "bot", "tag", "--jsonl"], stdin="小区停车太难了\n")
        for _ in range(runs)
    ]
    base = statistics.median(jieba_only)
    print(f"python + jieba.initialize():        {base:.2f} s (median of {runs})")
    poll = statistics.median(first_poll)
    print(f"`minyi run` to first getUpdates:    {poll:.2f} s  = {poll / base:.2f}x")
    tag = statistics.median(tag_one)
    print(f"`minyi tag` on one line (whole run): {tag:.2f} s  = {tag / base:.2f}x")


if __name__ == "__main__":
    main()
