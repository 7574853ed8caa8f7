"""Which round and communities a link or QR code is made for (`/qr`, `minyi qr`).

The address itself is the web channel's (bot/web); the core decides only whether a round may
get links now and for which communities, and raises a `MinyiError` otherwise: the pages are
not served (`web.listen` empty) or residents could not reach them (`web.public_url` empty), the
round does not exist, or it is closed or cancelled (its page would only say so).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.base import Core
from bot.core.errors import OutOfReach, RefusedError, RoundError
from bot.core.models import Community, Round
from bot.core.roles import Caller, round_in_reach

# A scheduled round gets links too: a poster can go up before the round opens.
LINKABLE_STATES = ("open", "scheduled")


@dataclass(frozen=True)
class LinkedRound:
    """A round that may get links, and the communities to make them for."""

    round: Round
    communities: list[Community]


def require_web_pages(core: Core) -> None:
    """RefusedError unless the web pages are served at an address residents can open."""
    web = core.settings.web
    if not web.listen:
        raise RefusedError("qr_web_off")
    if not web.public_url:
        raise RefusedError("qr_no_public_url")


async def linked_round(core: Core, round_id: int | None, *, scope: int | None) -> LinkedRound:
    """The round to make links for (default: the newest open round of community `scope`, or
    of all; without one, the scheduled round that opens next) with its communities (only
    `scope` if given)."""
    require_web_pages(core)
    async with core.repo.transaction() as session:
        if round_id is None:
            # A card is for residents to answer now: an open round before any scheduled one
            # (next month's round opens later than today's, so "newest" alone picked it).
            newest = await session.list_rounds(community_id=scope, states=("open",), limit=1)
            if not newest:
                scheduled = await session.list_rounds(community_id=scope, states=("scheduled",))
                newest = sorted(scheduled, key=lambda r: (r.opens_at, r.id))[:1]
            if not newest:
                raise OutOfReach("qr_none")
            round_: Round | None = newest[0]
        else:
            round_ = await session.get_round(round_id)
        if round_ is None:
            raise OutOfReach("round_not_found", id=round_id)
        communities = [
            c
            for c in await session.list_round_communities(round_.id)
            if scope is None or c.id == scope
        ]
    if round_.state not in LINKABLE_STATES:
        raise RoundError("qr_round_over", id=round_.id)
    if not communities:
        raise OutOfReach("round_not_found", id=round_.id)
    return LinkedRound(round_, communities)


async def round_links(core: Core, caller: Caller, round_id: int | None) -> LinkedRound:
    """`/qr`: the round the caller may read (in a community's group, that community's part)."""
    caller.check_place()
    require_web_pages(core)
    if round_id is not None:
        await round_in_reach(core, caller, round_id)
    return await linked_round(core, round_id, scope=caller.scope)
