"""The two segmentation engines against each other and against plain `jieba.lcut`.

    python -m bench.bench_segmenters [--smoke] [--runs N] [--limit N] [--speed-texts N]
                                     [--texts FILE.csv] [--cli]

1. Tags: the theme ids each engine's tagger gives every message; the share identical, and every
   disagreement (row id, themes, the keywords only one engine found; never the text).
2. Segmentation speed: each engine's `cut` (as tagging calls it) against `jieba.lcut` on the
   same texts (the first `--speed-texts`), interleaved in one loop, median of `--runs` with
   the spread.
3. With `--cli`: `minyi tag --jsonl FILE` with each engine against a fresh process running
   `jieba.lcut` over the same file, start-up included; and start-up alone (`minyi tag` on one
   line) against `jieba.initialize()` alone.

Texts come from ../shared/data/citizen_messages_dev.csv when present (read there, never copied
into the repository; `--cli` writes its input to a temporary directory), else the built-in
answers of bench.bench_tagging. Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import jieba

from bench.bench_startup import process_env
from bench.bench_tagging import _BUILT_IN, _DEV_CSV
from nlp.normalise import normalise
from nlp.segment import ENGINES, Engine, resolve_engine
from nlp.tagger import Tagger
from nlp.taxonomy import load_taxonomy

_LCUT_FILE = (
    "import csv, sys, jieba\n"
    "with open(sys.argv[1], encoding='utf-8-sig') as f:\n"
    "    [jieba.lcut(r['text'].strip()) for r in csv.DictReader(f)]\n"
)
_JIEBA_ONLY = "import jieba; jieba.initialize()"
# `minyi` as if nlp/data/principles_model.npz were missing (`default_principle_model` is None).
_WITHOUT_MODEL = (
    "import sys, nlp.tagger\n"
    "nlp.tagger.default_principle_model = lambda: None\n"
    "from bot.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def load_rows(path: Path | None, limit: int) -> list[tuple[str, str]]:
    """(row id, text) pairs: a CSV's `id` and `text` columns, else the built-in answers."""
    source = path if path is not None else (_DEV_CSV if _DEV_CSV.exists() else None)
    rows: list[tuple[str, str]] = []
    if source is not None:
        with source.open(encoding="utf-8-sig") as handle:
            for n, row in enumerate(csv.DictReader(handle), 1):
                rows.append((row.get("id") or str(n), row["text"]))
    if not rows:
        rows = [(f"built-in {n}", text) for n, text in enumerate(_BUILT_IN, 1)]
    return rows[:limit] if limit > 0 else rows


def agreement(rows: Sequence[tuple[str, str]]) -> list[tuple[str, list[str], list[str], str]]:
    """Rows whose theme ids differ: (id, jieba's ids, jieba-rs's ids, one-sided keywords)."""
    taxonomy = load_taxonomy()
    reference, native = Tagger(taxonomy, segmenter="jieba"), Tagger(taxonomy, segmenter="jieba-rs")
    differ = []
    for row_id, text in rows:
        a, b = reference.tag(text), native.tag(text)
        ids_a, ids_b = sorted(t.id for t in a), sorted(t.id for t in b)
        if ids_a != ids_b:
            words_a = {w for t in a for w in t.evidence}
            words_b = {w for t in b for w in t.evidence}
            only = [f"jieba:{w}" for w in sorted(words_a - words_b)]
            only += [f"jieba-rs:{w}" for w in sorted(words_b - words_a)]
            differ.append((row_id, ids_a, ids_b, " ".join(only) or "(same keywords)"))
    return differ


def token_identity(rows: Sequence[tuple[str, str]]) -> tuple[float, float]:
    """Shares of texts both engines cut into identical tokens: as tagging cuts them (no HMM),
    and as emerging terms cut them (`Tagger.segment`, HMM)."""
    taxonomy = load_taxonomy()
    reference, native = Tagger(taxonomy, segmenter="jieba"), Tagger(taxonomy, segmenter="jieba-rs")
    same = same_hmm = 0
    for _, text in rows:
        norm = normalise(text)
        same += reference.tokens(norm) == native.tokens(norm)
        same_hmm += reference.segment(text) == native.segment(text)
    return same / len(rows), same_hmm / len(rows)


def _seconds(run: Callable[[str], object], texts: Sequence[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        run(text)
    return time.perf_counter() - started


def segmentation_speed(texts: Sequence[str], runs: int) -> dict[str, list[float]]:
    """Per run, `jieba.lcut`'s time over each engine's on the same texts (higher: faster)."""
    taxonomy = load_taxonomy()
    jieba.setLogLevel(60)
    jieba.initialize()
    normalised = [normalise(t) for t in texts]
    contenders: dict[str, Callable[[str], object]] = {}
    for engine in ENGINES:
        tagger = Tagger(taxonomy, segmenter=engine)
        contenders[f"{engine} (tagging: keywords, no HMM)"] = tagger.tokens
        contenders[f"{engine} tag() whole"] = tagger.tag
    for run in contenders.values():
        run(normalised[0])  # dictionaries loaded before any clock starts
    ratios: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(runs):
        # Interleaved, so machine drift hits the baseline and the engines alike.
        base = _seconds(jieba.lcut, normalised)
        for name, run in contenders.items():
            ratios[name].append(base / _seconds(run, normalised))
    return ratios


def _spread(values: Sequence[float]) -> str:
    return f"{statistics.median(values):6.2f} x  ({min(values):.2f}–{max(values):.2f})"


def _wall(args: Sequence[str], stdin: str | None = None) -> float:
    env = process_env()
    started = time.perf_counter()
    subprocess.run(args, input=stdin, text=True, capture_output=True, check=True, env=env)
    return time.perf_counter() - started


def cli_speed(rows: Sequence[tuple[str, str]], runs: int) -> None:
    """`minyi tag --jsonl FILE` per engine vs `jieba.lcut` over FILE, whole processes."""
    python = sys.executable
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        data = folder / "texts.csv"
        with data.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "text"])
            writer.writerows(rows)
        commands: dict[str, list[str]] = {}
        for engine in ENGINES:
            config = folder / f"{engine}.toml"
            config.write_text(
                f'[storage]\nurl = "sqlite:///{folder / "tag.db"}"\n'
                f'[nlp]\nsegmenter = "{engine}"\n',
                encoding="utf-8",
            )
            commands[engine] = [python, "-m", "bot", "tag", "--config", str(config), "--jsonl"]
        # jieba-rs as a deployment runs it whose shipped principle model file is missing
        # (principles then come from keywords alone).
        config = folder / "jieba-rs.toml"
        commands["jieba-rs, no principle model"] = [
            python,
            "-c",
            _WITHOUT_MODEL,
            "tag",
            "--config",
            str(config),
            "--jsonl",
        ]
        lcut = [python, "-c", _LCUT_FILE, str(data)]
        init = [python, "-c", _JIEBA_ONLY]
        # One warm-up of each: disk caches exist, as on a server after its first start.
        _wall(lcut)
        for command in commands.values():
            _wall([*command, str(data)])
        whole: dict[str, list[float]] = {e: [] for e in commands}
        start: dict[str, list[float]] = {e: [] for e in commands}
        for _ in range(runs):
            # Interleaved, so machine drift hits the baseline and the engines alike.
            base = _wall(lcut)
            alone = _wall(init)
            for name, command in commands.items():
                whole[name].append(base / _wall([*command, str(data)]))
                start[name].append(_wall(command, stdin="小区停车太难了\n") / alone)
        print(f"\n`minyi tag --jsonl` on {len(rows)} texts, whole process, vs jieba.lcut process:")
        for name in commands:
            print(f"  {name:30} {_spread(whole[name])} faster")
        print("start-up (`minyi tag` on one line) / `jieba.initialize()` alone:")
        for name in commands:
            print(f"  {name:30} {_spread(start[name])}")


def main(argv: Sequence[str] | None = None) -> None:
    """Print tag agreement, the disagreements, and speed ratios to `jieba.lcut`."""
    parser = argparse.ArgumentParser(description="jieba-rs against jieba")
    parser.add_argument("--smoke", action="store_true", help="a small size, for CI")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--limit", type=int, default=0, help="first N texts (0: all)")
    parser.add_argument("--texts", type=Path, default=None, help="CSV with id,text columns")
    parser.add_argument("--speed-texts", type=int, default=1000, help="texts to time (0: all)")
    parser.add_argument("--cli", action="store_true", help="also time `minyi tag` processes")
    args = parser.parse_args(argv)
    limit = 50 if args.smoke else args.limit
    runs = 1 if args.smoke else max(1, args.runs)
    rows = load_rows(args.texts, limit)
    engine: Engine = resolve_engine("jieba-rs")
    if engine != "jieba-rs":
        print("jieba-rs is not installed here: both engines are jieba")

    differ = agreement(rows)
    share = 1 - len(differ) / len(rows)
    print(f"themes identical on {len(rows) - len(differ)} of {len(rows)} texts ({share:.2%})")
    plain, hmm = token_identity(rows)
    print(f"tokens identical on {plain:.2%} of texts (tagging), {hmm:.2%} (HMM, emerging terms)")
    for row_id, ids_a, ids_b, only in differ:
        print(f"  id {row_id}: jieba {ids_a} | jieba-rs {ids_b} | {only}")

    timed = rows[: args.speed_texts] if args.speed_texts > 0 and not args.smoke else rows
    texts = [text for _, text in timed]
    print(f"\nsegmentation of {len(texts)} texts, jieba.lcut time / engine time, median of {runs}:")
    for name, ratios in segmentation_speed(texts, runs).items():
        print(f"  {name:38} {_spread(ratios)}")
    if args.cli:
        cli_speed(timed, runs)


if __name__ == "__main__":
    main()
