"""Communities: the group chats a deployment consults, by chat id and by unique name."""

from __future__ import annotations

from datetime import datetime

from bot.core.models import Community, from_ts, to_ts
from storage.dialect import by_code_point
from storage.repository.base import Part, community_from


class NameTaken(Exception):
    """Another chat already uses this community name."""


class Communities(Part):
    """Table `communities`."""

    async def get_community_by_chat(self, chat_id: int) -> Community | None:
        """The community registered for a chat."""
        row = await self.tx.fetchone("SELECT * FROM communities WHERE chat_id = ?", (chat_id,))
        return None if row is None else community_from(row)

    async def get_community_by_name(self, name: str) -> Community | None:
        """The community with this name."""
        row = await self.tx.fetchone("SELECT * FROM communities WHERE name = ?", (name,))
        return None if row is None else community_from(row)

    async def list_communities(self, active_only: bool = False) -> list[Community]:
        """All communities, by name."""
        where = " WHERE active = 1" if active_only else ""
        rows = await self.tx.fetchall(
            f"SELECT * FROM communities{where} ORDER BY {by_code_point('name', self.tx.dialect)}"
        )
        return [community_from(r) for r in rows]

    async def set_community(self, chat_id: int, name: str, at: datetime) -> tuple[Community, bool]:
        """Register a chat under `name`, or rename it; returns (community, created)."""
        other = await self.get_community_by_name(name)
        if other is not None and other.chat_id != chat_id:
            raise NameTaken(name)
        existing = await self.get_community_by_chat(chat_id)
        if existing is None:
            await self.tx.execute(
                "INSERT INTO communities (chat_id, name, active, created_at) VALUES (?, ?, 1, ?)",
                (chat_id, name, to_ts(at)),
            )
        else:
            await self._end_private_sessions_if_inactive(chat_id)
            await self.tx.execute(
                "UPDATE communities SET name = ?, active = 1 WHERE chat_id = ?", (name, chat_id)
            )
        community = await self.get_community_by_chat(chat_id)
        assert community is not None
        return community, existing is None

    async def set_community_active(self, chat_id: int, active: bool) -> bool:
        """Mark a chat's community active or not; False if the chat is no community."""
        if active:
            await self._end_private_sessions_if_inactive(chat_id)
        changed = await self.tx.execute(
            "UPDATE communities SET active = ? WHERE chat_id = ?", (int(active), chat_id)
        )
        return changed > 0

    async def _end_private_sessions_if_inactive(self, chat_id: int) -> None:
        """The bot is back in a group it was removed from: private answers begun for its
        community before end, since who left the group meanwhile went unseen (SPEC §9)."""
        await self.tx.execute(
            "DELETE FROM private_sessions WHERE community_id IN "
            "(SELECT id FROM communities WHERE chat_id = ? AND active = 0)",
            (chat_id,),
        )

    async def set_community_chat(self, old_chat_id: int, new_chat_id: int) -> bool:
        """A group became a supergroup: its community follows it to the new chat id. If the
        supergroup is already a community of its own (registered there before the move was
        learnt), the old one cannot follow (one community per chat): it is left inactive, as
        nothing can be sent to its old id any more; False then, as when nothing moved."""
        if await self.get_community_by_chat(new_chat_id) is not None:
            await self.set_community_active(old_chat_id, False)
            return False
        changed = await self.tx.execute(
            "UPDATE communities SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
        )
        return changed > 0

    async def get_first_community_time(self) -> datetime | None:
        """When the deployment's first community was registered (None before that): digests
        cover only periods that end after it."""
        value = await self.tx.fetchval("SELECT min(created_at) AS t FROM communities")
        return None if value is None else from_ts(value)
