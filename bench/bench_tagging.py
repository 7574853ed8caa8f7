"""Tagging throughput against plain `jieba.lcut` on the same texts, in the same run.

Prints figures; asserts nothing about time. `--smoke` runs a small size for CI. The ratio is
for the default tagger, which includes the shipped principle model; keyword-only tagging is
printed beside it, and so is the tagger with a first-level domain model learned from labelled
answers (tests/data/domain_answers.csv, as organisers' /label teaches one).

    python -m bench.bench_tagging [--smoke] [--texts FILE.csv] [--repeat N]

Texts come from ../shared/data/citizen_messages_dev.csv when present (never copied into the
repository), else from a small built-in set of resident-style answers.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import jieba

from nlp.model import LearnedModel
from nlp.tagger import Tagger
from nlp.taxonomy import load_taxonomy

_DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
_DEV_CSV = _DEV / "citizen_messages_dev.csv"
_DOMAIN_ANSWERS = Path(__file__).resolve().parent.parent / "tests" / "data" / "domain_answers.csv"

_BUILT_IN = [
    "小区停车位太少，晚上回来根本没地方停车，物业也不管。",
    "楼下的广场舞音响太吵了，晚上十点还在跳，老人孩子都没法休息。",
    "希望社区多开几次居民议事会，重大事情要先征求大家的意见。",
    "垃圾分类的桶太少，厨余垃圾经常溢出来，臭味很大。",
    "社区食堂能不能给独居老人送餐？很多老人不会用手机点外卖。",
    "公交车改线了也没提前公示，我们都不知道在哪里等车。",
    "孩子上学要走很远，学校门口上下学时间特别堵，没有交警维持秩序。",
    "物业费的账目从来不公开，业主根本不知道钱花到哪里去了。",
    "The lift in building 3 has been broken for two weeks and nobody replies to our complaints.",
    "醫院掛號太難了，網上預約總是約不到，老年人更是沒辦法。",
]


def load_texts(path: Path | None, limit: int) -> list[str]:
    """Texts to time: a CSV's `text` column if available, else the built-in answers."""
    source = path if path is not None else (_DEV_CSV if _DEV_CSV.exists() else None)
    texts: list[str] = []
    if source is not None:
        with source.open(encoding="utf-8") as handle:
            texts = [row["text"] for row in csv.DictReader(handle)]
    if not texts:
        texts = list(_BUILT_IN)
    while len(texts) < limit:
        texts = texts + texts
    return texts[:limit]


def rate(
    run: Callable[[Sequence[str]], object],
    texts: Sequence[str],
    repeat: int,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Best-of-`repeat` characters per second."""
    chars = sum(len(t) for t in texts)
    best = float("inf")
    run(texts[:20])  # warm caches so a one-shot smoke run is not all start-up
    for _ in range(repeat):
        started = clock()
        run(texts)
        best = min(best, clock() - started)
    return chars / best


def main(argv: Sequence[str] | None = None) -> None:
    """Time jieba.lcut and Tagger.tag on the same texts and print both rates and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--smoke", action="store_true", help="small size for CI")
    parser.add_argument("--texts", type=Path, help="CSV with a text column")
    parser.add_argument("--size", type=int, default=2000, help="number of texts")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--model", type=Path, help="also time tagging with this learned model")
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="cpu: this process's CPU time, steadier than wall time on a busy shared machine",
    )
    args = parser.parse_args(argv)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    size = 100 if args.smoke else args.size
    repeat = 2 if args.smoke else args.repeat
    texts = load_texts(args.texts, size)

    started = time.perf_counter()
    tagger = Tagger(load_taxonomy())
    tagger.tag("预热")
    setup = time.perf_counter() - started
    keywords_only = Tagger(tagger.taxonomy, principle_model=None)
    jieba.initialize()  # jieba's own start-up is not part of its cutting rate either

    def plain(batch: Sequence[str]) -> None:
        for text in batch:
            jieba.lcut(text)

    def tagging(batch: Sequence[str]) -> None:
        for text in batch:
            tagger.tag(text)

    def keyword_tagging(batch: Sequence[str]) -> None:
        for text in batch:
            keywords_only.tag(text)

    jieba_rate = rate(plain, texts, repeat, clock)
    tag_rate = rate(tagging, texts, repeat, clock)
    rates = [
        ("jieba.lcut", jieba_rate),
        ("Tagger.tag (shipped model)", tag_rate),
        ("Tagger.tag (keywords only)", rate(keyword_tagging, texts, repeat, clock)),
    ]
    domain_rate = None
    if _DOMAIN_ANSWERS.exists():
        from nlp.domain_model import train_domains

        with _DOMAIN_ANSWERS.open(encoding="utf-8") as handle:
            labelled = [
                (row["text"], [x for x in row["labels"].split(";") if x != "none"])
                for row in csv.DictReader(handle)
            ]
        domains = Tagger(tagger.taxonomy, domain_model=train_domains(labelled, tagger.taxonomy))

        def domain_tagging(batch: Sequence[str]) -> None:
            for text in batch:
                domains.tag(text)

        domain_rate = rate(domain_tagging, texts, repeat, clock)
        rates.append(("Tagger.tag + domain model", domain_rate))
    if args.model is not None:
        learned = Tagger(tagger.taxonomy, LearnedModel.load(args.model))

        def learned_tagging(batch: Sequence[str]) -> None:
            for text in batch:
                learned.tag(text)

        rates.append(("Tagger.tag + learned model", rate(learned_tagging, texts, repeat, clock)))
    chars = sum(len(t) for t in texts)
    print(f"texts: {len(texts)} ({chars} characters), best of {repeat}, {args.clock} clock")
    print(f"tagger set-up (taxonomy, dictionary): {setup:.2f} s")
    for name, value in rates:
        per_text = value * len(texts) / chars
        print(f"{name + ':':<30}{value:>12,.0f} chars/s  {per_text:>8.0f} texts/s")
    print(f"ratio tag (shipped model)/jieba: {tag_rate / jieba_rate:.2f} (target >= 0.80)")
    if domain_rate is not None:
        print(f"ratio tag (shipped + domain model)/jieba: {domain_rate / jieba_rate:.2f}")


if __name__ == "__main__":
    main()
