"""SQL expressions that differ between SQLite and PostgreSQL, shared by the migrations and the
repository so that both compute exactly the same values.

The report tallies (storage/repository/tallies.py) file every answer under the hour it was
stored in and sum tag scores as integer millionths. Python computes them as
`math.floor(ts / 3600)` and `math.floor(score * 1_000_000 + 0.5)`; the SQL below does the same
IEEE-754 division or multiplication and then the same floor, so a row counted by Python on the
ingest path and by SQL in the migration's back-fill or a report's edge lands in the same hour.
"""

from __future__ import annotations

import math

HOUR = 3600
MICROS = 1_000_000


def int_floor(expr: str, dialect: str) -> str:
    """`floor(expr)` as an integer. SQLite's CAST truncates towards zero (floor only for
    positive values: one is subtracted where truncation rounded a negative value up);
    PostgreSQL's CAST rounds, so it takes floor() first."""
    if dialect == "sqlite":
        return f"(CAST(({expr}) AS INTEGER) - (({expr}) < CAST(({expr}) AS INTEGER)))"
    return f"CAST(floor({expr}) AS BIGINT)"


def hour_sql(column: str, dialect: str) -> str:
    """The hour (since the epoch, UTC) a timestamp column falls in, as `hour_of` does."""
    return int_floor(f"{column} / {HOUR}", dialect)


def micros_sql(column: str, dialect: str) -> str:
    """A score column in integer millionths, as `micros` does."""
    return int_floor(f"{column} * {MICROS} + 0.5", dialect)


def by_code_point(column: str, dialect: str) -> str:
    """`column` as an ORDER BY key that sorts text by code point, as Python's `sorted` does.
    SQLite compares UTF-8 bytes (the same order); PostgreSQL compares by the database's
    collation (pinyin, case-blind, … on many installs) unless told "C"."""
    return column if dialect == "sqlite" else f'{column} COLLATE "C"'


def hour_of(ts: float) -> int:
    """The hour (since the epoch, UTC) that epoch second `ts` falls in."""
    return math.floor(ts / HOUR)


def micros(score: float) -> int:
    """A tag score in integer millionths (sums of these add and subtract exactly)."""
    return math.floor(score * MICROS + 0.5)
