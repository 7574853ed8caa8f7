"""What the repository's parts share: the transaction they work in, and the mapping of rows
that more than one part reads (communities, rounds)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.core.models import Community, Round, from_ts
from storage.backends.base import Row, Tx

ROUND_COLUMNS = (
    "id, kind, state, question, options, multi, anonymous, opens_at, closes_at, reminder_at, "
    "cron, recurrence_of, created_at, opened_at, closed_at, principles, indicator"
)


class Part:
    """A group of repository operations over one open transaction.

    `Session` inherits every part, so that callers keep one flat set of method names; a part
    that needs another part's operation builds that part on its own transaction.
    """

    def __init__(self, tx: Tx) -> None:
        self.tx = tx


def placeholders(values: Sequence[Any]) -> str:
    """`(?,?,…)` with one placeholder per value, for `IN` lists."""
    return "(" + ",".join("?" for _ in values) + ")"


def optional_time(value: float | None) -> datetime | None:
    """A nullable timestamp column as an aware datetime (or None)."""
    return None if value is None else from_ts(value)


def community_from(row: Row) -> Community:
    """A `communities` row as a record."""
    return Community(
        id=row["id"], chat_id=row["chat_id"], name=row["name"], active=bool(row["active"])
    )


def round_from(row: Row) -> Round:
    """A row of ROUND_COLUMNS as a record."""
    return Round(
        id=row["id"],
        kind=row["kind"],
        state=row["state"],
        question=row["question"],
        options=json.loads(row["options"]),
        multi=bool(row["multi"]),
        anonymous=bool(row["anonymous"]),
        opens_at=from_ts(row["opens_at"]),
        closes_at=from_ts(row["closes_at"]),
        reminder_at=optional_time(row["reminder_at"]),
        cron=row["cron"],
        recurrence_of=row["recurrence_of"],
        created_at=from_ts(row["created_at"]),
        opened_at=optional_time(row["opened_at"]),
        closed_at=optional_time(row["closed_at"]),
        principles=json.loads(row["principles"]) if row["principles"] else [],
        indicator=row["indicator"],
    )
