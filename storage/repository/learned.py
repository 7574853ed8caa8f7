"""Learned tagging models, stored as opaque bytes by name (`minyi learn`, `/label`), and the
count of deletions that took labelled answers away (`label_erasures`, migration 0015)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.models import to_ts
from storage.repository.base import Part, placeholders


class LearnedModels(Part):
    """Tables `learned_models` and `label_erasures`."""

    async def set_model(self, name: str, data: bytes, at: datetime, *, erasures: int = 0) -> None:
        """Store (replace) a learned tagging model; `erasures` is the `count_label_erasures`
        read before reading what it learned from (0 for a model learned from no answer)."""
        await self.tx.execute(
            "INSERT INTO learned_models (name, data, created_at, erasures) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET data = excluded.data, "
            "created_at = excluded.created_at, erasures = excluded.erasures",
            (name, data, to_ts(at), erasures),
        )

    async def model_stamps(self, names: Sequence[str]) -> dict[str, float]:
        """When each of these models was stored (as a timestamp), for those that are."""
        if not names:
            return {}
        rows = await self.tx.fetchall(
            f"SELECT name, created_at FROM learned_models WHERE name IN {placeholders(names)}",
            list(names),
        )
        return {str(r["name"]): float(r["created_at"]) for r in rows}

    async def get_model(self, name: str) -> bytes | None:
        """A learned tagging model, if one was stored."""
        value = await self.tx.fetchval("SELECT data FROM learned_models WHERE name = ?", (name,))
        return None if value is None else bytes(value)

    async def delete_model(self, name: str, *, learned_before: int | None = None) -> bool:
        """Delete a learned model (only if it was learned before erasure count `learned_before`,
        when given); whether one was deleted."""
        if learned_before is None:
            rows = await self.tx.fetchall(
                "DELETE FROM learned_models WHERE name = ? RETURNING name", (name,)
            )
        else:
            rows = await self.tx.fetchall(
                "DELETE FROM learned_models WHERE name = ? AND erasures < ? RETURNING name",
                (name, learned_before),
            )
        return bool(rows)

    async def count_label_erasures(self) -> int:
        """How many deletions (/forget, retention) took labelled answers away so far."""
        value = await self.tx.fetchval("SELECT erased FROM label_erasures WHERE id = 1")
        return int(value or 0)

    async def add_label_erasure(self) -> None:
        """Count a deletion that took labelled answers away, or an edit that replaced a labelled
        answer's text (in the deleting or editing transaction)."""
        await self.tx.execute(
            "INSERT INTO label_erasures (id, erased) VALUES (1, 1) "
            "ON CONFLICT (id) DO UPDATE SET erased = label_erasures.erased + 1"
        )

    async def models_learned_before_erasure(self, names: Sequence[str]) -> list[str]:
        """Those of these stored models learned before the latest deletion of labelled
        answers: they may rest on deleted texts."""
        if not names:
            return []
        rows = await self.tx.fetchall(
            f"SELECT name FROM learned_models WHERE name IN {placeholders(names)} "
            "AND erasures < (SELECT coalesce(max(erased), 0) FROM label_erasures) ORDER BY name",
            list(names),
        )
        return [str(r["name"]) for r in rows]
