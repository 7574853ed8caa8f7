"""Resident-style answer texts for benchmarks.

Sentences of the real citizen messages in ../shared/data (read from there, never copied into
the repository) when present, else the built-in answers of bench.bench_tagging; cycled with a
counter to the size asked for, so every text is distinct.
"""

from __future__ import annotations

import csv
import re

from bench.bench_tagging import _BUILT_IN, _DEV_CSV

_SENTENCE = re.compile(r"[^。！？!?\n]{8,160}[。！？!?]?")


def answer_texts(size: int) -> list[str]:
    """`size` distinct answer-length texts."""
    pool: list[str] = []
    if _DEV_CSV.exists():
        with _DEV_CSV.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                pool.extend(m.group(0) for m in _SENTENCE.finditer(row["text"]))
                if len(pool) >= 40_000:
                    break
    if not pool:
        pool = list(_BUILT_IN)
    return [f"{pool[i % len(pool)]}（{i}）" for i in range(size)]
