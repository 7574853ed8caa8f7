"""Keys a deployment generated for itself (table `deployment_secrets`, migration 0012)."""

from __future__ import annotations

from datetime import datetime

from bot.core.models import to_ts
from storage.repository.base import Part


class DeploymentSecrets(Part):
    """Table `deployment_secrets`."""

    async def get_or_add_secret(self, name: str, candidate: bytes, at: datetime) -> bytes:
        """The stored key `name`; `candidate` is stored first when there is none. Two processes
        racing get the same key: the first insert wins, the second is ignored."""
        await self.tx.execute(
            "INSERT INTO deployment_secrets (name, value, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO NOTHING",
            (name, candidate, to_ts(at)),
        )
        value = await self.tx.fetchval(
            "SELECT value FROM deployment_secrets WHERE name = ?", (name,)
        )
        return bytes(value)

    async def get_secret(self, name: str) -> bytes | None:
        """The stored key `name`, if one was generated."""
        value = await self.tx.fetchval(
            "SELECT value FROM deployment_secrets WHERE name = ?", (name,)
        )
        return None if value is None else bytes(value)

    async def holds_pseudonyms(self) -> bool:
        """Whether residents' pseudonyms are stored (an answer or a vote), keyed with some key."""
        for table in ("answers", "votes"):
            if await self.tx.fetchval(f"SELECT 1 AS found FROM {table} LIMIT 1") is not None:
                return True
        return False
