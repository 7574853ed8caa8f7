"""Learned tagging models, stored as opaque bytes by name (`minyi learn`)."""

from __future__ import annotations

from datetime import datetime

from bot.core.models import to_ts
from storage.repository.base import Part


class LearnedModels(Part):
    """Table `learned_models`."""

    async def set_model(self, name: str, data: bytes, at: datetime) -> None:
        """Store (replace) a learned tagging model."""
        await self.tx.execute(
            "INSERT INTO learned_models (name, data, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET data = excluded.data, "
            "created_at = excluded.created_at",
            (name, data, to_ts(at)),
        )

    async def get_model(self, name: str) -> bytes | None:
        """A learned tagging model, if one was stored."""
        value = await self.tx.fetchval("SELECT data FROM learned_models WHERE name = ?", (name,))
        return None if value is None else bytes(value)
