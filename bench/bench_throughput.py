"""Ingest throughput of a real `minyi run` process against plain `jieba.lcut` (issue 7).

    python -m bench.bench_throughput [--smoke] [--answers N] [--communities K] [--repeat R]
        [--texts mixed|long] [--tagging full|segment|none]

The emulator (in this process) holds N real-looking Chinese answers — mixed lengths, some
long — from many residents, replying to open text rounds in several communities. A separate
`minyi run` process (SQLite) then starts; we time from its first getUpdates until it has
confirmed the last update (by the no-loss guarantee: every answer committed and tagged), and
check that every answer is stored exactly once. Plain `jieba.lcut` over the same texts is
timed just before and just after each ingest (the machine's speed drifts; its mean is the
baseline of that run). Prints answers/s for both, the ratio and the bot's peak RSS per run,
then the medians; asserts nothing about time.

`--tagging` measures what the rest of the intake allows: `segment` replaces the measured
process's tagging by normalising and segmenting alone (no keyword matching, no model, no theme
stored), `none` by no work at all. Those runs store answers without themes: they are ceilings
for what a faster tagger could reach, not a way to run Minyi.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import jieba

from bench.bench_startup import process_env
from bench.bench_tagging import _BUILT_IN, _DEV_CSV
from sandbox.emulator import BotAPIEmulator

# `minyi run` with its tagging replaced (`--tagging`): every answer gets no theme.
_TAGGING = {
    "full": "",
    "segment": (
        "from nlp.normalise import normalise_many\n"
        "def tag_many(self, texts):\n"
        "    for text in normalise_many(texts):\n"
        "        self.tokens(text)\n"
        "    return [[] for _ in texts]\n"
    ),
    "none": "def tag_many(self, texts):\n    return [[] for _ in texts]\n",
}
_RUN_WITH = "import sys, nlp.tagger\n{define}nlp.tagger.Tagger.tag_many = tag_many\n" + (
    "from bot.cli import main\nsys.exit(main(sys.argv[1:]))\n"
)

_SENTENCE = re.compile(r"[^。！？!?\n]{6,200}[。！？!?]?")


def mixed_texts(count: int, seed: int = 1) -> list[str]:
    """Answers of mixed length: mostly a sentence, some a paragraph, a few a long message."""
    messages: list[str] = []
    if _DEV_CSV.exists():
        with _DEV_CSV.open(encoding="utf-8") as handle:
            messages = [row["text"] for row in csv.DictReader(handle)]
    if not messages:
        messages = list(_BUILT_IN)
    sentences = [m.group(0) for text in messages for m in _SENTENCE.finditer(text)]
    rng = random.Random(seed)
    out = []
    for i in range(count):
        roll = rng.random()
        if roll < 0.80:
            text = rng.choice(sentences)
        elif roll < 0.95:
            text = "".join(rng.choice(sentences) for _ in range(rng.randint(2, 4)))
        else:
            text = rng.choice(messages)[:1500]
        out.append(f"{text}（{i}）")
    return out


def long_texts(count: int, limit: int = 2000) -> list[str]:
    """Real residents' messages as they were written (377 characters on average in the dev
    set), repeated in order up to `count`: the "long real answers" of issue 18's target. A
    message longer than an answer may be (`limits.max_answer_chars`, 2,000 by default) is cut to
    fit, as its writer would have had to; each answer gets a number so that none is a copy."""
    messages: list[str] = []
    if _DEV_CSV.exists():
        with _DEV_CSV.open(encoding="utf-8") as handle:
            messages = [row["text"].strip() for row in csv.DictReader(handle)]
    messages = [m for m in messages if m] or list(_BUILT_IN)
    out = []
    for i in range(count):
        mark = f"（{i}）"
        out.append(messages[i % len(messages)][: limit - len(mark)] + mark)
    return out


def _config(
    path: Path, em: BotAPIEmulator, organiser: int, database: Path, extra: str = ""
) -> None:
    path.write_text(
        f'[telegram]\ntoken = "{em.token}"\nbase_url = "{em.base_url}"\n'
        f'[storage]\nurl = "sqlite:///{database}"\n'
        f"[roles]\norganisers = [{organiser}]\n"
        '[privacy]\nsecret = "bench"\n[schedule]\ntick_seconds = 0.5\n' + extra,
        encoding="utf-8",
    )


def _start(
    config: Path, profile: Path | None = None, tagging: str = "full"
) -> subprocess.Popen[bytes]:
    env = process_env()
    runner = ["-m", "cProfile", "-o", str(profile)] if profile else []
    program = ["-m", "bot"]
    if _TAGGING[tagging]:
        program = ["-c", _RUN_WITH.format(define=_TAGGING[tagging])]
    return subprocess.Popen(
        [sys.executable, *runner, *program, "run", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )


async def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    for _ in range(600):
        if proc.poll() is not None:
            return
        await asyncio.sleep(0.05)
    proc.kill()


def _peak_rss_mb_with_children(pid: int) -> float:
    """Peak RSS of a process plus that of each of its children, if any."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return _peak_rss_mb(pid) + sum(_peak_rss_mb(int(child)) for child in children)


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def ingest(
    texts: Sequence[str],
    communities: int,
    folder: Path,
    profile: Path | None = None,
    extra_config: str = "",
    tagging: str = "full",
) -> tuple[float, float]:
    """(answers/s, peak RSS MB) of a `minyi run` process over `texts`."""
    async with BotAPIEmulator() as em:
        organiser = em.add_user("Organiser")
        database = folder / "ingest.db"
        config = folder / "config.toml"
        _config(config, em, organiser.id, database, extra_config)
        groups = [em.add_group(f"社区{i}群") for i in range(communities)]
        setup = _start(config)
        try:
            for i, group in enumerate(groups):
                em.add_bot_to_group(group, organiser)
                em.send_message(organiser, group, f"/community 社区{i}")
                em.send_message(organiser, group, "/ask 7d 你希望社区怎样改进？")
            await em.wait_for(
                lambda: all(
                    any("社区征询 #" in m.get("text", "") for m in em.messages_to(g.id))
                    for g in groups
                ),
                120,
            )
            await em.wait_idle(60)
        finally:
            await _stop(setup)
        posts = [
            next(m["message_id"] for m in em.messages_to(g.id) if "社区征询 #" in m.get("text", ""))
            for g in groups
        ]
        residents = [em.add_user(f"居民{i}") for i in range(max(1, len(texts) // 4))]
        for i, text in enumerate(texts):
            g = i % communities
            em.send_message(residents[i % len(residents)], groups[g], text, reply_to=posts[g])
        last = em.queue[-1].update_id if em.queue else 0
        before = len(em.calls_to("getUpdates"))
        bot = _start(config, profile, tagging)
        try:
            await em.wait_for(lambda: em.confirmed_offset > last, 3600)
            rss = _peak_rss_mb_with_children(bot.pid)
        finally:
            await _stop(bot)
        polls = em.calls_to("getUpdates")[before:]
        started = polls[0].time
        finished = next(c.time for c in polls if int(c.params.get("offset") or 0) > last)
    with sqlite3.connect(database) as conn:
        stored = conn.execute("SELECT count(*), count(DISTINCT source) FROM answers").fetchone()
        themes = conn.execute("SELECT count(*) FROM answer_themes").fetchone()[0]
    if tuple(stored) != (len(texts), len(texts)):
        raise RuntimeError(f"stored {stored} of {len(texts)} answers")
    if tagging != "full" and themes:
        raise RuntimeError(f"tagging was not replaced: {themes} theme rows stored")
    return len(texts) / (finished - started), rss


def lcut_rate(texts: Sequence[str]) -> float:
    """Texts per second of plain jieba.lcut (default dictionary, already initialised)."""
    jieba.initialize()
    jieba.lcut(texts[0])
    started = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    return len(texts) / (time.perf_counter() - started)


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments, run the measurements, print the figures."""
    parser = argparse.ArgumentParser(description="ingest throughput against jieba.lcut")
    parser.add_argument("--smoke", action="store_true", help="small size for CI")
    parser.add_argument("--answers", type=int, default=20_000)
    parser.add_argument("--communities", type=int, default=4)
    parser.add_argument(
        "--texts",
        choices=("mixed", "long"),
        default="mixed",
        help="mixed: mostly one sentence, some paragraphs, a few long messages (a chat's "
        "answers); long: real messages whole (issue 18's 'long real answers')",
    )
    parser.add_argument(
        "--tagging",
        choices=tuple(_TAGGING),
        default="full",
        help="full: Minyi's tagging; segment: normalising and segmenting only; none: no "
        "tagging (ceilings for a faster tagger, answers stored without themes)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs (medians printed)")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the bot process here")
    args = parser.parse_args(argv)
    count = 300 if args.smoke else args.answers
    repeat = 1 if args.smoke else args.repeat
    texts = long_texts(count) if args.texts == "long" else mixed_texts(count)
    chars = sum(len(t) for t in texts) / len(texts)
    print(f"{count:,} answers, {chars:.0f} characters on average, {args.communities} communities")
    if args.tagging != "full":
        print(f"tagging: {args.tagging} (a ceiling: answers are stored without themes)")
    runs: list[tuple[float, float, float]] = []
    for run in range(1, repeat + 1):
        before = lcut_rate(texts)
        with tempfile.TemporaryDirectory() as name:
            rate, rss = asyncio.run(
                ingest(texts, args.communities, Path(name), args.profile, tagging=args.tagging)
            )
        plain = (before + lcut_rate(texts)) / 2
        runs.append((plain, rate, rss))
        print(
            f"run {run}: plain jieba.lcut {plain:6.0f} texts/s, minyi ingest {rate:6.0f} "
            f"answers/s (every answer stored once), ratio {rate / plain:.2f}, "
            f"peak RSS of the bot {rss:.0f} MB"
        )
    plain = statistics.median(r[0] for r in runs)
    rate = statistics.median(r[1] for r in runs)
    ratio = statistics.median(r[1] / r[0] for r in runs)
    rss = max(r[2] for r in runs)
    print(f"median of {repeat} run(s):")
    print(f"plain jieba.lcut:   {plain:8.0f} texts/s")
    print(f"minyi ingest:       {rate:8.0f} answers/s  (every answer stored once)")
    print(f"ratio:              {ratio:8.2f}")
    print(f"bot peak RSS:       {rss:8.0f} MB (highest run)")


if __name__ == "__main__":
    main()
