"""Storage of the governance index (SPEC §10): the framework in force and indicator values.

Every function takes an open transaction, so a caller commits a whole import at once or
nothing of it. Validation (known indicators, periods, numbers) is the core's job
(bot/core/index/) before anything reaches here; the rows are plain data so that storage
imports nothing from `bot`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from storage.repository.base import Part

# Rows per multi-row statement: 4–6 parameters each stays far below SQLite's (32,766) and
# PostgreSQL's (65,535) limits on parameters per statement.
_ROWS_PER_STATEMENT = 500

_T = TypeVar("_T")


@dataclass(frozen=True)
class StoredFramework:
    """The framework TOML in force and when it was stored (UTC epoch seconds)."""

    id: int
    source: str
    sha256: str
    stored_at: float


@dataclass(frozen=True)
class ValueRow:
    """One indicator value of one community (by name) in one period."""

    community: str
    indicator: str
    period: str
    value: float


class UnknownCommunity(ValueError):
    """A value names a community that is not registered."""


class IndexValues(Part):
    """Tables `index_frameworks` and `index_values` (SPEC §10)."""

    async def add_framework(self, source: str, stored_at: float) -> StoredFramework:
        """Store a (validated) framework TOML; it is in force from now on."""
        digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
        await self.tx.execute(
            "INSERT INTO index_frameworks (source, sha256, stored_at) VALUES (?, ?, ?)",
            (source, digest, stored_at),
        )
        stored = await self.get_framework()
        assert stored is not None  # just inserted in this transaction
        return stored

    async def get_framework(self) -> StoredFramework | None:
        """The framework stored last, or None if none was stored."""
        row = await self.tx.fetchone(
            "SELECT id, source, sha256, stored_at FROM index_frameworks ORDER BY id DESC LIMIT 1"
        )
        if row is None:
            return None
        return StoredFramework(
            id=int(row["id"]),
            source=str(row["source"]),
            sha256=str(row["sha256"]),
            stored_at=float(row["stored_at"]),
        )

    async def replace_values(
        self, origin: str, rows: Sequence[ValueRow], imported_at: float
    ) -> int:
        """Replace every value `origin` (a file name, or `rate:<round id>`) gave for the periods in
        `rows` by `rows`; a value another origin gave for the same community, indicator and period
        is overwritten too (the latest import wins). Returns the number of rows stored.

        Raises UnknownCommunity (and so rolls the transaction back) if a row names a community
        that is not registered.
        """
        ids = {
            str(r["name"]): int(r["id"])
            for r in await self.tx.fetchall("SELECT id, name FROM communities")
        }
        missing = sorted({r.community for r in rows} - set(ids))
        if missing:
            raise UnknownCommunity(f"unknown communities: {', '.join(missing[:10])}")
        periods = sorted({r.period for r in rows})
        for some_periods in _chunks(periods):
            marks = ", ".join("?" for _ in some_periods)
            await self.tx.execute(
                f"DELETE FROM index_values WHERE origin = ? AND period IN ({marks})",
                (origin, *some_periods),
            )
        for chunk in _chunks(rows):
            marks = ", ".join("(?, ?, ?, ?, ?, ?)" for _ in chunk)
            params: list[object] = []
            for r in chunk:
                params += [
                    ids[r.community],
                    r.indicator,
                    r.period,
                    float(r.value),
                    origin,
                    imported_at,
                ]
            await self.tx.execute(
                "INSERT INTO index_values "
                "(community_id, indicator, period, value, origin, imported_at) "
                f"VALUES {marks} "
                "ON CONFLICT (period, community_id, indicator) DO UPDATE SET "
                "value = excluded.value, origin = excluded.origin, "
                "imported_at = excluded.imported_at",
                params,
            )
        return len(rows)

    async def list_values(self, periods: Sequence[str] | None = None) -> list[ValueRow]:
        """Stored values (of `periods`, or all), sorted by period, community name and indicator."""
        sql = (
            "SELECT c.name, v.indicator, v.period, v.value FROM index_values v "
            "JOIN communities c ON c.id = v.community_id"
        )
        params: list[object] = []
        if periods is not None:
            if not periods:
                return []
            sql += f" WHERE v.period IN ({', '.join('?' for _ in periods)})"
            params = list(periods)
        found = [
            ValueRow(str(r["name"]), str(r["indicator"]), str(r["period"]), float(r["value"]))
            for r in await self.tx.fetchall(sql, params)
        ]
        # Sorted here, not in SQL: PostgreSQL's collation would order names unlike SQLite's.
        return sorted(found, key=lambda r: (r.period, r.community, r.indicator))

    async def list_periods_imported_since(self, since: float) -> list[str]:
        """Periods with a value imported at or after `since` (UTC epoch seconds), text order."""
        rows = await self.tx.fetchall(
            "SELECT DISTINCT period FROM index_values WHERE imported_at >= ?", (since,)
        )
        return sorted(str(r["period"]) for r in rows)

    async def list_periods(self) -> list[str]:
        """Every period that has at least one stored value (text order)."""
        rows = await self.tx.fetchall("SELECT DISTINCT period FROM index_values")
        return sorted(str(r["period"]) for r in rows)


def _chunks(items: Sequence[_T]) -> list[Sequence[_T]]:
    return [items[i : i + _ROWS_PER_STATEMENT] for i in range(0, len(items), _ROWS_PER_STATEMENT)]
