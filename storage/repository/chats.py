"""Group chats Telegram upgraded to supergroups (table `chat_migrations`, migration 0018)."""

from __future__ import annotations

from datetime import datetime

from bot.core.models import to_ts
from storage.repository.base import Part


class ChatMigrations(Part):
    """Table `chat_migrations`."""

    async def add_chat_migration(self, old_chat_id: int, new_chat_id: int, at: datetime) -> bool:
        """Group `old_chat_id` became supergroup `new_chat_id`; False if that was known."""
        changed = await self.tx.execute(
            "INSERT INTO chat_migrations (old_chat_id, new_chat_id, migrated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (old_chat_id) DO NOTHING",
            (old_chat_id, new_chat_id, to_ts(at)),
        )
        return changed > 0

    async def list_chat_migrations(self) -> dict[int, int]:
        """Every upgrade known: old chat id -> new chat id."""
        rows = await self.tx.fetchall("SELECT old_chat_id, new_chat_id FROM chat_migrations")
        return {r["old_chat_id"]: r["new_chat_id"] for r in rows}
