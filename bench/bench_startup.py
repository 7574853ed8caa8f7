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


def process_env() -> dict[str, str]:
    """The environment of a measured process: this one's, without MINYI_ settings, and with
    Python writing its bytecode caches.

    A server runs Minyi from compiled bytecode (pip compiles an install; a first start writes
    the caches of a checkout), as `import jieba` in the baseline runs from jieba's. A machine
    with PYTHONDONTWRITEBYTECODE set would otherwise compile Minyi's ≈ 100 modules from
    source in every measured start (≈ 0.1–0.3 s here), and never jieba's.
    """
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("MINYI_") and k != "PYTHONDONTWRITEBYTECODE"
    }


def time_command(args: Sequence[str], stdin: str | None = None) -> float:
    """Wall seconds of one process run to completion."""
    started = time.perf_counter()
    subprocess.run(args, input=stdin, text=True, capture_output=True, check=True, env=process_env())
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
            env=process_env(),
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


def _spread(values: Sequence[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def main(argv: Sequence[str] | None = None) -> None:
    """Run each measurement several times, interleaved, and print medians and ratios."""
    parser = argparse.ArgumentParser(description="start-up times")
    parser.add_argument("--smoke", action="store_true", help="one run each, for CI")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    runs = 1 if args.smoke else args.runs
    python = sys.executable
    tag = [python, "-m", "bot", "tag", "--jsonl"]
    jieba_only: list[float] = []
    first_poll: list[float] = []
    tag_one: list[float] = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        # One warm-up of each, so disk caches (jieba's and ours, bytecode included) exist as
        # on a running server.
        time_command([python, "-c", JIEBA_ONLY])
        asyncio.run(time_to_first_poll(folder))
        time_command(tag, stdin="小区停车太难了\n")
        # Interleaved, so that the machine's drift hits the baseline and Minyi alike; each
        # ratio is taken against the baseline of its own round.
        for _ in range(runs):
            jieba_only.append(time_command([python, "-c", JIEBA_ONLY]))
            first_poll.append(asyncio.run(time_to_first_poll(folder)))
            tag_one.append(time_command(tag, stdin="小区停车太难了\n"))
    poll_ratio = [p / b for p, b in zip(first_poll, jieba_only, strict=True)]
    tag_ratio = [t / b for t, b in zip(tag_one, jieba_only, strict=True)]
    print(f"median of {runs} (range), seconds and × the baseline of the same round:")
    print(f"python + jieba.initialize():         {_spread(jieba_only)} s")
    print(f"`minyi run` to first getUpdates:     {_spread(first_poll)} s  = {_spread(poll_ratio)}x")
    print(f"`minyi tag` on one line (whole run): {_spread(tag_one)} s  = {_spread(tag_ratio)}x")


if __name__ == "__main__":
    main()
