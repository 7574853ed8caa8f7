"""Communities: register a group chat under a name; find the communities a command addresses."""

from __future__ import annotations

import unicodedata

from pydantic import BaseModel, ConfigDict

from bot.core.base import Core, Turn
from bot.core.errors import CommunityError, UsageError
from bot.core.models import Community
from nlp.normalise import to_simplified
from storage.repository import NameTaken, Session


def name_key(name: str) -> str:
    """A community name as an organiser's typing of it is compared: full-width letters as
    ASCII, case folded, Traditional characters as Simplified (會展城社區 is 会展城社区 typed
    with a Simplified input method; Bihai is bihai)."""
    return to_simplified(unicodedata.normalize("NFKC", name)).casefold()


def is_all(word: str) -> bool:
    """Whether a command's community argument means every community (`all`, `ALL`, `ａｌｌ`)."""
    return name_key(word) == "all"


async def find_community(session: Session, name: str) -> Community | None:
    """The community called `name` exactly, else the one whose name only differs from it in
    script (Traditional/Simplified), case or width; None if there is none. CommunityError
    `ambiguous_community` when several do (registered before such names were kept apart)."""
    exact = await session.get_community_by_name(name)
    if exact is not None:
        return exact
    key = name_key(name)
    alike = [c for c in await session.list_communities() if name_key(c.name) == key]
    if len(alike) > 1:
        raise CommunityError(
            "ambiguous_community", name=name, candidates=tuple(c.name for c in alike)
        )
    return alike[0] if alike else None


async def register_community(
    core: Core, chat_id: int, name: str, *, turn: Turn | None = None
) -> tuple[Community, bool]:
    """Register (or rename) the chat as a community; returns (community, created).
    CommunityError if another group's community has the name, or one that differs from it only
    in script, case or width (a private command naming it would not know which is meant)."""
    try:
        async with core.transaction(turn) as session:
            key = name_key(name)
            for other in await session.list_communities():
                if other.chat_id != chat_id and other.name != name and name_key(other.name) == key:
                    raise CommunityError("community_name_alike", name=name, other=other.name)
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
    """A community name (`find_community`), or `all` (every active community, the inactive
    ones as `skipped`). CommunityError if the name is unknown, if `all` reaches no community,
    or if no community is registered yet (the first thing a new organiser meets: say how)."""
    async with core.repo.transaction() as session:
        every = await session.list_communities()
        if not every:
            raise CommunityError("no_community_yet")
        if is_all(name):
            found = [c for c in every if c.active]
            skipped = [c for c in every if not c.active]
            if not found:
                names = tuple(c.name for c in skipped)
                raise CommunityError("no_community_reachable", communities=names)
            return Targets(communities=found, skipped=skipped)
        community = await find_community(session, name)
        if community is None:
            # A tuple: the channel joins it as the reader's language lists names.
            known = tuple(c.name for c in every)
            raise CommunityError("unknown_community", name=name, known=known)
        return Targets(communities=[community])


# How many registered names a refusal lists at most.
LISTED_NAMES = 10


async def check_community_first(core: Core, command: str, word: str) -> None:
    """In private chat a round command's first word names its communities: UsageError
    `parse_community_first_known` (with the registered names, at most LISTED_NAMES) if `word`
    names none and is not `all`, as when a question is written alone; CommunityError
    `no_community_yet` before any community is registered."""
    if is_all(word) or await names_community(core, word):
        return
    async with core.repo.transaction() as session:
        names = tuple(c.name for c in await session.list_communities())
    if not names:
        raise CommunityError("no_community_yet")
    shown = names[:LISTED_NAMES] + (("…",) if len(names) > LISTED_NAMES else ())
    raise UsageError(command, "parse_community_first_known", known=shown)


async def names_community(core: Core, word: str) -> bool:
    """Whether `word` is a community's name, as `find_community` matches names (or could be
    any of several)."""
    async with core.repo.transaction() as session:
        try:
            return await find_community(session, word) is not None
        except CommunityError:
            return True


async def set_chat_active(
    core: Core, chat_id: int, active: bool, *, turn: Turn | None = None
) -> bool:
    """The bot was removed from (or re-added to) a group."""
    async with core.transaction(turn) as session:
        return await session.set_community_active(chat_id, active)
