"""What organiser commands do for a given caller: each checks what the caller may reach
(bot/core/roles.py) and returns what to reply, so that handlers only adapt.

Where output goes is decided here too: in a community's group, /report shows that community's
part of a round (residents may see what their own community said, as in the closing summary),
while the CSV of /export and the digest go to the caller's private chat (the handler sends
them there) because they hold answers word for word and, for the digest, every community.
Results are returned as data; the channel renders them (bot/render).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from bot.core.base import Core, Turn
from bot.core.communities import Targets, is_all, names_community, resolve_targets
from bot.core.errors import CommunityError, OutOfReach
from bot.core.exports import export_rows, file_name_part, rows_to_csv, vote_export, votes_to_csv
from bot.core.index.compute import IndexResult
from bot.core.indexing import compute
from bot.core.reports import Report, build_round_report, latest_round_id
from bot.core.roles import Caller, require_organiser, round_in_reach
from bot.core.rounds import RoundChanged, RoundListing, list_recent_rounds


class ExportFile(BaseModel):
    """A CSV to send as a document; `empty` for answers with none yet (only a header)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    data: bytes
    empty: bool = False


async def report_round(core: Core, caller: Caller, round_id: int | None) -> int:
    """The round a report is of (default: the latest of the caller's community, or of all).
    OutOfReach if there is none or it is another community's round."""
    if round_id is None:
        round_id = await latest_round_id(core, caller.scope)
        if round_id is None:
            raise OutOfReach("report_none")
    else:
        await round_in_reach(core, caller, round_id)
    return round_id


async def round_report(core: Core, caller: Caller, round_id: int | None) -> Report:
    """The report of a round (see `report_round`); in a community's group only that
    community's part. OutOfReach if there is none or it is another community's round."""
    round_id = await report_round(core, caller, round_id)
    built = await build_round_report(core, round_id, community_id=caller.scope)
    if built is None:
        raise OutOfReach("round_not_found", id=round_id)
    return built


async def check_export(core: Core, caller: Caller, round_id: int | None) -> None:
    """OutOfReach if the caller may not export this round (the checks `export_file` makes)."""
    caller.check_place()
    if round_id is not None:
        await round_in_reach(core, caller, round_id)


async def export_file(core: Core, caller: Caller, round_id: int | None) -> ExportFile:
    """The CSV of visible answers (of a round, or all) with their themes, or of a poll or
    rating round's votes and results; in a community's group only that community's part.
    OutOfReach for a missing or another's round."""
    suffix = str(round_id or "all")
    if caller.community is not None:
        # The name is the organiser's free text: it must not steer where the file lands.
        suffix = f"{suffix}-{file_name_part(caller.community.name)}"
    if round_id is not None:
        await round_in_reach(core, caller, round_id)
        votes = await vote_export(core, round_id, community_id=caller.scope)
        if votes is not None:
            data = await asyncio.to_thread(votes_to_csv, votes)
            return ExportFile(name=f"minyi-votes-{suffix}.csv", data=data)
    rows = await export_rows(core, round_id, community_id=caller.scope)
    # Writing thousands of answers' cells takes seconds: off the event loop.
    data = await asyncio.to_thread(rows_to_csv, rows)
    return ExportFile(name=f"minyi-answers-{suffix}.csv", data=data, empty=not rows)


class RoundChange(Protocol):
    """close_round, cancel_round or stop_series."""

    async def __call__(
        self, core: Core, round_id: int, *, turn: Turn | None = None
    ) -> RoundChanged: ...


async def change_round(
    core: Core, caller: Caller, round_id: int, change: RoundChange, *, turn: Turn | None = None
) -> RoundChanged:
    """Apply `change` (close_round, cancel_round, stop_series) to a round the caller may
    change."""
    await round_in_reach(core, caller, round_id)
    return await change(core, round_id, turn=turn)


def digest_end(core: Core, caller: Caller) -> datetime:
    """The end of the digest period an organiser asks for now (OutOfReach for anyone else:
    the digest covers every community)."""
    require_organiser(caller)
    return core.now()


async def recent_rounds(core: Core, caller: Caller, name: str | None = None) -> RoundListing:
    """Scheduled, open and recently closed rounds: of the group's community in a group
    (OutOfReach `not_a_community` in a group that is none); in private, of the community
    `name` names, or of every community (no name, or `all`). CommunityError for an unknown
    name."""
    scope = caller.scope
    if name is not None and not is_all(name):
        (community,) = (await resolve_targets(core, name)).communities
        scope = community.id
    return await list_recent_rounds(core, scope)


async def round_communities(
    core: Core, caller: Caller, name: str | None, *, named: str | None = None
) -> Targets:
    """The communities a new round goes to: the named one or `all` (from private chat, with
    the communities `all` left out), else the group's own. CommunityError for an unknown name,
    for a group that is no community, or for a group's command whose first word (`named`,
    bot/core/parsing.py) is `all` or a community's name: `/ask all 48h …` sent in a group
    meant other communities than the group's (and would have asked "all 48h …" for 72 hours);
    OutOfReach if the caller may not reach them all."""
    if name is None:
        if caller.community is None:
            raise CommunityError("not_a_community")
        if named is not None and (is_all(named) or await names_community(core, named)):
            raise CommunityError("group_named", word=named)
        targets = Targets(communities=[caller.community])
    else:
        targets = await resolve_targets(core, name)
    if not caller.organiser and [c.id for c in targets.communities] != [caller.scope]:
        raise OutOfReach("organisers_only")  # a group admin: their own community only
    return targets


async def index_for(core: Core, caller: Caller, period: str | None) -> IndexResult:
    """The governance index over every community (SPEC §10): configured organisers only, as it
    compares communities with each other."""
    require_organiser(caller)
    return await compute(core, period)


async def owe_index_posts(
    core: Core, caller: Caller, period: str | None, turn: Turn | None = None
) -> tuple[IndexResult, int]:
    """`/index post`: owe each active community with an index its own scorecard in its group
    (the outbox, storage `index_posts`); the index and how many scorecards are owed. The
    channel sends them after the commit, in the background."""
    result = await index_for(core, caller, period)
    scored = {c.name for c in result.communities if c.index is not None}
    async with core.transaction(turn) as session:
        owed = [c.id for c in await session.list_communities(active_only=True) if c.name in scored]
        await session.add_index_posts(result.period, owed, core.now())
    if owed:
        core.index_posts_owed.set()
    return result, len(owed)
