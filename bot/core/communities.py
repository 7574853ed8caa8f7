"""Communities: register a group chat under a name; find the communities a command addresses."""

from __future__ import annotations

from bot.core.base import Core, Turn
from bot.core.errors import CommunityError
from bot.core.models import Community
from storage.repository import NameTaken


async def register_community(
    core: Core, chat_id: int, name: str, *, turn: Turn | None = None
) -> tuple[Community, bool]:
    """Register (or rename) the chat as a community; returns (community, created)."""
    try:
        async with core.transaction(turn) as session:
            return await session.set_community(chat_id, name, core.now())
    except NameTaken as exc:
        raise CommunityError("community_name_taken", name=name) from exc


async def community_of_chat(
    core: Core, chat_id: int, *, turn: Turn | None = None
) -> Community | None:
    """The community a group chat is registered as."""
    async with core.reading(turn) as session:
        return await session.get_community_by_chat(chat_id)


async def resolve_communities(core: Core, name: str) -> list[Community]:
    """A community name, or `all` (every active community); CommunityError if unknown."""
    async with core.repo.transaction() as session:
        if name.casefold() == "all":
            found = await session.list_communities(active_only=True)
            if not found:
                raise CommunityError("unknown_community", name=name, known="—")
            return found
        community = await session.get_community_by_name(name)
        if community is None:
            # A tuple: the channel joins it as the reader's language lists names.
            known = tuple(c.name for c in await session.list_communities()) or ("—",)
            raise CommunityError("unknown_community", name=name, known=known)
        return [community]


async def set_chat_migrated(
    core: Core, old_chat_id: int, new_chat_id: int, *, turn: Turn | None = None
) -> bool:
    """A group became a supergroup: keep its community (and so its rounds)."""
    async with core.transaction(turn) as session:
        return await session.set_community_chat(old_chat_id, new_chat_id)


async def set_chat_active(
    core: Core, chat_id: int, active: bool, *, turn: Turn | None = None
) -> bool:
    """The bot was removed from (or re-added to) a group."""
    async with core.transaction(turn) as session:
        return await session.set_community_active(chat_id, active)
