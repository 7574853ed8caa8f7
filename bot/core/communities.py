"""Communities: register a group chat under a name; find the communities a command addresses."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

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


class Targets(BaseModel):
    """The communities a command addresses, and those `all` left out: communities the bot can
    no longer post in (removed from their groups; inactive until it is added back)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    communities: list[Community]
    skipped: list[Community] = []


async def resolve_targets(core: Core, name: str) -> Targets:
    """A community name, or `all` (every active community, the inactive ones as `skipped`).
    CommunityError if the name is unknown, or if `all` reaches no community."""
    async with core.repo.transaction() as session:
        if name.casefold() == "all":
            every = await session.list_communities()
            found = [c for c in every if c.active]
            skipped = [c for c in every if not c.active]
            if not found:
                if skipped:
                    names = tuple(c.name for c in skipped)
                    raise CommunityError("no_community_reachable", communities=names)
                raise CommunityError("unknown_community", name=name, known="—")
            return Targets(communities=found, skipped=skipped)
        community = await session.get_community_by_name(name)
        if community is None:
            # A tuple: the channel joins it as the reader's language lists names.
            known = tuple(c.name for c in await session.list_communities()) or ("—",)
            raise CommunityError("unknown_community", name=name, known=known)
        return Targets(communities=[community])


async def resolve_communities(core: Core, name: str) -> list[Community]:
    """A community name, or `all` (every active community); CommunityError if unknown."""
    return (await resolve_targets(core, name)).communities


async def set_chat_active(
    core: Core, chat_id: int, active: bool, *, turn: Turn | None = None
) -> bool:
    """The bot was removed from (or re-added to) a group."""
    async with core.transaction(turn) as session:
        return await session.set_community_active(chat_id, active)
